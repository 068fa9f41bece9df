// Speed and agreement of `genreview metrics` against the NumPy/SciPy reference
// (/work/shared/bench/metrics_reference.py) on the same feature sets, in one run:
//   1. 10,000 x 64 real and generated features (float32 .npy): both programs timed end to end as
//      processes (start-up included), values side by side, time ratio (target: genreview <= 0.5).
//   2. 50,000 x 64: genreview alone (the reference would build 50k x 50k float64 matrices, 20 GB
//      each), with its peak resident memory, which stays far below N x N.
// Usage: npm run bench:metrics [-- --no-reference] [-- --no-large]
// Env: METRICS_REFERENCE (path of metrics_reference.py), PYTHON (default /usr/bin/python3, Debian's
// interpreter with python3-numpy and python3-scipy).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNpy } from "../src/util/npy.ts";
import { Rng } from "../src/util/rng.ts";

const REFERENCE = process.env["METRICS_REFERENCE"] ?? "/work/shared/bench/metrics_reference.py";
const PYTHON = process.env["PYTHON"] ?? "/usr/bin/python3";
const GNU_TIME = "/usr/bin/time";
const CLI = new URL("../bin/genreview.js", import.meta.url).pathname;
const D = 64;

interface Timed {
  seconds: number;
  peakRssMiB: number | null;
  stdout: string;
}

/** Run a command, timing it by wall clock and reading its peak RSS from GNU time when installed. */
function timed(command: string, args: string[]): Timed {
  const useTime = existsSync(GNU_TIME);
  const start = performance.now();
  const r = useTime
    ? spawnSync(GNU_TIME, ["-f", "PEAK_RSS_KB %M", command, ...args], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
      })
    : spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  }
  const kb = /PEAK_RSS_KB (\d+)/.exec(r.stderr ?? "")?.[1];
  return { seconds, peakRssMiB: kb === undefined ? null : Number(kb) / 1024, stdout: r.stdout };
}

/** Real ~ N(0, I); generated ~ N(0.05, 1.1^2 I): close but distinguishable, like a decent generator. */
function writeSets(dir: string, n: number): { real: string; fake: string } {
  const rng = new Rng(2024);
  const real = join(dir, `real-${n}.npy`);
  const fake = join(dir, `fake-${n}.npy`);
  writeNpy(real, rng.fork("real").fillNormal(new Float32Array(n * D)), [n, D]);
  writeNpy(fake, rng.fork("fake").fillNormal(new Float32Array(n * D), 0.05, 1.1), [n, D]);
  return { real, fake };
}

interface GenreviewJson {
  fd: { fd: number };
  kid: { mean: number; std: number };
  prdc: { precision: number; recall: number; density: number; coverage: number };
  vendi: { fake: { score: number } };
}

interface ReferenceJson {
  fd: number;
  kid_mean: number;
  kid_std: number;
  precision: number;
  recall: number;
  density: number;
  coverage: number;
  vendi_fake: number;
  seconds: Record<string, number>;
}

function genreview(sets: { real: string; fake: string }): { run: Timed; result: GenreviewJson } {
  const run = timed(process.execPath, [CLI, "metrics", sets.real, sets.fake, "--json", "--quiet"]);
  return { run, result: JSON.parse(run.stdout) as GenreviewJson };
}

function mib(v: number | null): string {
  return v === null ? "n/a (no /usr/bin/time)" : `${v.toFixed(0)} MiB`;
}

function main(): void {
  const args = new Set(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "genreview-bench-metrics-"));
  try {
    // 1. 10k x 64, both programs
    const sets = writeSets(dir, 10_000);
    console.log(`features: 10000 x ${D} real and generated (float32), defaults k 5, KID 100 x 1000`);
    const ours = genreview(sets);
    console.log(
      `genreview metrics:     ${ours.run.seconds.toFixed(2)} s   peak RSS ${mib(ours.run.peakRssMiB)}`,
    );

    const haveReference = !args.has("--no-reference") && existsSync(REFERENCE) && existsSync(PYTHON);
    if (!haveReference) {
      console.log(
        `reference skipped (${args.has("--no-reference") ? "--no-reference" : `needs ${PYTHON} and ${REFERENCE}`})`,
      );
    } else {
      const ref = timed(PYTHON, [REFERENCE, sets.real, sets.fake]);
      const line = ref.stdout.split("\n").find((l) => l.startsWith("RESULT_JSON "));
      if (line === undefined) throw new Error(`no RESULT_JSON line from the reference:\n${ref.stdout}`);
      const r = JSON.parse(line.slice("RESULT_JSON ".length)) as ReferenceJson;
      console.log(
        `metrics_reference.py:  ${ref.seconds.toFixed(2)} s   peak RSS ${mib(ref.peakRssMiB)}` +
          `   (its own timers: ${r.seconds["total"]?.toFixed(2)} s of compute)`,
      );
      console.log(
        `ratio genreview / reference: ${(ours.run.seconds / ref.seconds).toFixed(3)} (target <= 0.5)` +
          `; against its compute only: ${(ours.run.seconds / (r.seconds["total"] ?? Number.NaN)).toFixed(3)}`,
      );

      // values side by side
      const o = ours.result;
      const rows: [string, number, number, string][] = [
        ["FD", o.fd.fd, r.fd, "relative"],
        ["KID mean", o.kid.mean, r.kid_mean, `subset noise (std ${r.kid_std.toExponential(2)})`],
        ["KID std", o.kid.std, r.kid_std, ""],
        ["precision", o.prdc.precision, r.precision, "exact"],
        ["recall", o.prdc.recall, r.recall, "exact"],
        ["density", o.prdc.density, r.density, "exact"],
        ["coverage", o.prdc.coverage, r.coverage, "exact"],
        ["Vendi", o.vendi.fake.score, r.vendi_fake, "relative"],
      ];
      console.log("metric       genreview            reference            difference");
      for (const [name, a, b, how] of rows) {
        const diff =
          how === "relative"
            ? `${(Math.abs(a - b) / Math.abs(b)).toExponential(2)} rel`
            : (a - b).toExponential(2);
        console.log(
          `${name.padEnd(12)} ${String(a).padEnd(20)} ${String(b).padEnd(20)} ${diff} ${how === "relative" ? "" : how}`,
        );
      }
    }

    // 2. 50k x 64, genreview alone
    if (!args.has("--no-large")) {
      const large = writeSets(dir, 50_000);
      const big = genreview(large);
      const nxn = (50_000 * 50_000 * 8) / 2 ** 30;
      console.log(
        `50000 x ${D}: genreview metrics ${big.run.seconds.toFixed(2)} s, peak RSS ${mib(big.run.peakRssMiB)}` +
          ` (one 50k x 50k float64 matrix would be ${nxn.toFixed(1)} GiB)`,
      );
      const p = big.result.prdc;
      console.log(
        `  FD ${big.result.fd.fd.toPrecision(6)}, KID ${big.result.kid.mean.toExponential(3)}, precision ${p.precision},` +
          ` recall ${p.recall}, density ${p.density}, coverage ${p.coverage}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
