// Training throughput of the engine on the two VAEs of /work/shared/bench/torch_reference.py (same layers,
// batch sizes, loss and optimiser), beside PyTorch measured in the same run when Debian's python3 has torch.
//   M1  MLP VAE:  784-512(relu)-(32 mean, 32 logvar); decoder 32-512(relu)-784, batch 128
//   M2  conv VAE: 1x28x28 -> conv 32 s2 -> conv 64 s2 -> dense 2x16; decoder dense 64*7*7 -> convT 32 s2
//                 -> convT 1 s2, batch 64
// Loss: BCE on logits summed over pixels + KL, mean over the batch; Adam lr 1e-3; 4096 random inputs;
// one warm-up epoch, then the median of EPOCHS timed epochs (env EPOCHS, default 5 as the reference).
// With torch, ROUNDS rounds (default 3) each measure genreview and then PyTorch; the ratio printed is
// the median of the per-round ratios, so that both sides of each ratio ran under the same conditions.
// Each model is measured in a child process of its own (measureInChild), as `genreview train` runs it.
// Usage: npm run bench:engine -- [--no-torch] [--model m1|m2] [--threads N] [--no-spin]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  adam,
  compileTraining,
  conv2d,
  convTranspose2d,
  dense,
  Graph,
  reparameterize,
  type Tensor,
  type Trainer,
  vaeLoss,
} from "../src/engine/index.ts";
import { Rng } from "../src/util/rng.ts";

const N = 4096;
const EPOCHS = Number(process.env["EPOCHS"] ?? "5");
/** Rounds of (genreview, then PyTorch) whose per-round ratios give the median ratio (env ROUNDS). */
const ROUNDS = Number(process.env["ROUNDS"] ?? "3");
const TORCH_SCRIPT = "/work/shared/bench/torch_reference.py";
// Debian's interpreter, the one apt installed torch for (a pyenv python may come first on PATH).
const PYTHON = "/usr/bin/python3";

interface ModelSpec {
  key: "m1" | "m2";
  label: string;
  batch: number;
  inputShape: (batch: number) => number[];
  latent: number;
  build: (g: Graph, x: Tensor, eps: Tensor) => Tensor;
}

function mlpVae(g: Graph, x: Tensor, eps: Tensor): Tensor {
  const h = g.relu(dense(g, "enc", x, 512, { init: "torch" }));
  const mean = dense(g, "mean", h, 32, { init: "torch" });
  const logvar = dense(g, "logvar", h, 32, { init: "torch" });
  const z = reparameterize(g, mean, logvar, eps);
  const logits = dense(g, "dec2", g.relu(dense(g, "dec1", z, 512, { init: "torch" })), 784, {
    init: "torch",
  });
  return vaeLoss(g, logits, x, mean, logvar);
}

function convVae(g: Graph, x: Tensor, eps: Tensor): Tensor {
  const b = x.shape[0]!;
  const h1 = g.relu(conv2d(g, "c1", x, 32, 3, { stride: 2, padding: 1, init: "torch" })); // [B,32,14,14]
  const h2 = g.relu(conv2d(g, "c2", h1, 64, 3, { stride: 2, padding: 1, init: "torch" })); // [B,64,7,7]
  const o = dense(g, "fc", h2.flatten(), 32, { init: "torch" });
  const mean = g.slice(o, 1, 0, 16);
  const logvar = g.slice(o, 1, 16, 32);
  const z = reparameterize(g, mean, logvar, eps);
  const d = g.relu(dense(g, "dec", z, 64 * 7 * 7, { init: "torch" })).reshape([b, 64, 7, 7]);
  const t1 = g.relu(
    convTranspose2d(g, "t1", d, 32, 3, { stride: 2, padding: 1, outputPadding: 1, init: "torch" }),
  );
  const logits = convTranspose2d(g, "t2", t1, 1, 3, {
    stride: 2,
    padding: 1,
    outputPadding: 1,
    init: "torch",
  });
  return vaeLoss(g, logits, x, mean, logvar);
}

const MODELS: ModelSpec[] = [
  { key: "m1", label: "M1 MLP VAE", batch: 128, inputShape: (b) => [b, 784], latent: 32, build: mlpVae },
  {
    key: "m2",
    label: "M2 conv VAE",
    batch: 64,
    inputShape: (b) => [b, 1, 28, 28],
    latent: 16,
    build: convVae,
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface EngineSettings {
  /** Fixed thread count, or undefined for the engine's default (autoThreads). */
  threads?: number;
  spinning: boolean;
}

interface Rates {
  /** samples/s with one `step` (one session run) per batch. */
  perBatch: number;
  /** samples/s with one `steps` call (one session run) per epoch. */
  perEpoch: number;
  threads: number;
}

/**
 * Train the model twice side by side, one trainer per API, alternating epochs so both see the same load.
 * One epoch = N / batch steps over the data in order, as the reference does.
 */
async function samplesPerSecond(spec: ModelSpec, settings: EngineSettings): Promise<Rates> {
  const trainers = [];
  for (let i = 0; i < 2; i++) {
    const g = new Graph({ seed: 0 });
    const x = g.input("x", spec.inputShape(spec.batch));
    const eps = g.input("eps", [spec.batch, spec.latent]);
    trainers.push(
      await compileTraining(g, { loss: spec.build(g, x, eps), optimizer: adam({ lr: 1e-3 }), ...settings }),
    );
  }
  const [single, multi] = trainers as [Trainer, Trainer];
  const rng = new Rng(0);
  const data = rng.fillUniform(new Float32Array(N * 784)) as Float32Array;
  const steps = Math.floor(N / spec.batch);
  const noise = new Float32Array(steps * spec.batch * spec.latent);
  const perBatch = spec.batch * 784;
  const perNoise = spec.batch * spec.latent;

  const epochPerBatch = async () => {
    rng.fillNormal(noise);
    for (let i = 0; i < steps; i++) {
      await single.step({
        x: data.subarray(i * perBatch, (i + 1) * perBatch),
        eps: noise.subarray(i * perNoise, (i + 1) * perNoise),
      });
    }
  };
  const epochAtOnce = async () => {
    rng.fillNormal(noise);
    await multi.steps({ x: data.subarray(0, steps * perBatch), eps: noise }, steps);
  };
  const timed = async (epoch: () => Promise<void>) => {
    const start = performance.now();
    await epoch();
    return N / ((performance.now() - start) / 1000);
  };

  await epochPerBatch(); // warm-up
  await epochAtOnce();
  const rates: [number[], number[]] = [[], []];
  for (let e = 0; e < EPOCHS; e++) {
    rates[0].push(await timed(epochPerBatch));
    rates[1].push(await timed(epochAtOnce));
  }
  await single.dispose();
  await multi.dispose();
  return { perBatch: median(rates[0]), perEpoch: median(rates[1]), threads: single.threads };
}

interface TorchResult {
  torch: string;
  threads: number;
  m1: number;
  m2: number;
  rssMb: number;
}

function runTorch(): TorchResult | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  if (probe.status !== 0) return `${PYTHON} cannot import torch`;
  // run the reference unchanged, then report the interpreter's peak RSS (ru_maxrss is in KiB on Linux).
  const wrapper =
    "import resource, runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__'); " +
    "print('RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)";
  const run = spawnSync(PYTHON, ["-c", wrapper, TORCH_SCRIPT], {
    encoding: "utf8",
    env: { ...process.env, EPOCHS: String(EPOCHS) },
  });
  if (run.status !== 0) return `the torch reference failed: ${run.stderr.trim().split("\n").pop() ?? ""}`;
  const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT_JSON "));
  const rss = run.stdout.split("\n").find((l) => l.startsWith("RSS_KB "));
  if (!line) return "the torch reference printed no RESULT_JSON line";
  const parsed = JSON.parse(line.slice("RESULT_JSON ".length)) as {
    torch: string;
    threads: number;
    m1_samples_per_s: number;
    m2_samples_per_s: number;
  };
  return {
    torch: parsed.torch,
    threads: parsed.threads,
    m1: parsed.m1_samples_per_s,
    m2: parsed.m2_samples_per_s,
    rssMb: rss ? Number(rss.split(" ")[1]) / 1024 : Number.NaN,
  };
}

/**
 * One model's rates, measured in a child process of its own: `genreview train` trains one model per
 * process, and measuring a second model in a process whose first model's sessions have come and gone
 * halved its throughput here (onnxruntime's spinning pool threads), which no user run sees.
 */
function measureInChild(spec: ModelSpec, settings: EngineSettings): Rates & { rssMb: number } {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), "--child", spec.key];
  if (settings.threads !== undefined) args.push("--threads", String(settings.threads));
  if (!settings.spinning) args.push("--no-spin");
  const run = spawnSync(process.execPath, args, { encoding: "utf8", env: process.env });
  const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT_JSON "));
  if (run.status !== 0 || line === undefined)
    throw new Error(`measuring ${spec.label} failed: ${run.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return JSON.parse(line.slice("RESULT_JSON ".length)) as Rates & { rssMb: number };
}

async function measureOurs(only: string | undefined, settings: EngineSettings): Promise<Map<string, Rates>> {
  const ours = new Map<string, Rates>();
  for (const spec of MODELS) {
    if (only !== undefined && spec.key !== only) continue;
    const rates = measureInChild(spec, settings);
    ours.set(spec.key, rates);
    console.log(
      `genreview ${spec.label} (batch ${spec.batch}, ${rates.threads} thread${rates.threads === 1 ? "" : "s"}` +
        `${settings.spinning ? "" : ", no spinning"}): step() ${rates.perBatch.toFixed(0)} samples/s, ` +
        `steps() per epoch ${rates.perEpoch.toFixed(0)} samples/s; peak RSS ${rates.rssMb.toFixed(0)} MB`,
    );
  }
  return ours;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes("--model") ? args[args.indexOf("--model") + 1] : undefined;
  const withTorch = !args.includes("--no-torch");
  const settings: EngineSettings = { spinning: !args.includes("--no-spin") };
  if (args.includes("--threads")) settings.threads = Number(args[args.indexOf("--threads") + 1]);
  if (args.includes("--child")) {
    const spec = MODELS.find((m) => m.key === args[args.indexOf("--child") + 1]);
    if (spec === undefined)
      throw new Error(`--child needs m1 or m2, got ${args[args.indexOf("--child") + 1]}`);
    const rates = await samplesPerSecond(spec, settings);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log(`RESULT_JSON ${JSON.stringify({ ...rates, rssMb })}`);
    return;
  }
  const load = () => loadavg()[0]!.toFixed(1);
  console.log(
    `engine benchmark: N=${N}, ${EPOCHS} timed epochs after a warm-up, ${availableParallelism()} cores, ` +
      `load average ${load()}`,
  );

  if (!withTorch) {
    await measureOurs(only, settings);
    return;
  }
  // The machine is shared and its speed drifts by 2x within minutes, so one genreview run against one
  // PyTorch run is not a measurement. ROUNDS rounds each measure genreview, then PyTorch right after;
  // each round gives its own ratio (both sides under the same conditions) and the median ratio is the figure.
  const ratios = new Map<string, { perBatch: number[]; perEpoch: number[] }>();
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round} of ${ROUNDS} (load average ${load()}):`);
    const ours = await measureOurs(only, settings);
    const torch = runTorch();
    if (typeof torch === "string") {
      console.log(`PyTorch reference skipped: ${torch}`);
      return;
    }
    console.log(
      `PyTorch ${torch.torch} (${torch.threads} thread${torch.threads === 1 ? "" : "s"}): M1 ${torch.m1.toFixed(0)} ` +
        `samples/s, M2 ${torch.m2.toFixed(0)} samples/s, peak RSS ${torch.rssMb.toFixed(0)} MB (load average ${load()})`,
    );
    for (const spec of MODELS) {
      const rates = ours.get(spec.key);
      if (rates === undefined) continue;
      const ref = spec.key === "m1" ? torch.m1 : torch.m2;
      const r = ratios.get(spec.key) ?? { perBatch: [], perEpoch: [] };
      r.perBatch.push(rates.perBatch / ref);
      r.perEpoch.push(rates.perEpoch / ref);
      ratios.set(spec.key, r);
    }
  }
  for (const spec of MODELS) {
    const r = ratios.get(spec.key);
    if (r === undefined) continue;
    const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
    console.log(
      `ratio genreview/PyTorch ${spec.label}: step() ${median(r.perBatch).toFixed(2)} (rounds ${list(r.perBatch)}), ` +
        `steps() per epoch ${median(r.perEpoch).toFixed(2)} (rounds ${list(r.perEpoch)}); median of ${ROUNDS} rounds, target >= 1.0`,
    );
  }
}

await main();
