// Benchmark: training speed of each model family on the built-in `shapes` at 28x28 with the default
// settings (src/models/defaults.ts), through the same trainRun the CLI uses, checkpoints and fixed-seed
// samples included. Prints per model: training samples/s (steps only), seconds per epoch (checkpoints
// included), the whole run's wall and CPU seconds, and where the final fixed-seed grid is.
// The target (the end-to-end demo trains all three models, then evaluates and reports, within 5
// minutes on 2 cores) is read from these figures, not asserted.
// Usage: npm run bench:train [-- --models vae,gan,diffusion --epochs N --preset demo --keep DIR]
//   --epochs N   train N epochs instead of the defaults (rates only; quality needs the full run)
//   --keep DIR   keep the run folders in DIR (default: a temporary folder, removed afterwards)
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MODEL_DEFAULTS, MODEL_KINDS, type ModelKind, parseModelKind } from "../src/models/index.ts";
import { runPaths } from "../src/run/layout.ts";
import { PRESETS, type Preset, trainRun } from "../src/train/index.ts";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: MODEL_KINDS.join(",") },
    epochs: { type: "string" },
    preset: { type: "string", default: "full" },
    keep: { type: "string" },
  },
});
const models: ModelKind[] = values.models.split(",").map((m) => parseModelKind(m.trim()));
const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
if (!(PRESETS as readonly string[]).includes(values.preset))
  throw new Error(`--preset must be one of ${PRESETS.join(", ")}, got ${values.preset}`);
const preset = values.preset as Preset;
const dir = values.keep ?? mkdtempSync(join(tmpdir(), "genreview-bench-train-"));

// Other work on the machine inflates every wall-clock figure: print the load so readers can judge them.
console.log(
  `bench:train on shapes 28x28, ${availableParallelism()} cores, load average (1 min) ${loadavg()[0]!.toFixed(2)}, ` +
    `preset ${preset}${epochs === undefined ? "" : `, ${epochs} epochs`}`,
);

const rows: string[] = [];
let total = 0;
for (const model of models) {
  const out = join(dir, model);
  rmSync(out, { recursive: true, force: true });
  const cpu = process.cpuUsage();
  const s = await trainRun({
    model,
    data: "shapes",
    out,
    preset,
    ...(epochs === undefined ? {} : { epochs }),
  });
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  total += s.seconds;
  const d = MODEL_DEFAULTS[model];
  console.log(
    `${model.padEnd(9)} ${s.epochs} epochs x ${s.stepsPerEpoch} steps of ${s.batchSize} (channels ${d.model.channels.join("/")}): ` +
      `${s.samplesPerSecond?.toFixed(0) ?? "-"} training samples/s, ${s.secondsPerEpoch?.toFixed(2) ?? "-"} s/epoch, ` +
      `run ${s.seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU; load now ${loadavg()[0]!.toFixed(2)}`,
  );
  rows.push(`  ${model}: ${runPaths(out).samples(s.epochs).grid}`);
}
console.log(`all models: ${total.toFixed(1)} s wall`);
if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });
else console.log(`final fixed-seed grids:\n${rows.join("\n")}`);
