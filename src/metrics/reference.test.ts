// Agreement with the NumPy/SciPy reference implementation (metrics_reference.py) on random features:
// FD and Vendi to 1e-6 relative, precision/recall/density/coverage identical, KID within subset noise
// (the two programs draw different random subsets).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeNpy } from "../util/npy.ts";
import { computeAll } from "./all.ts";
import { gaussian } from "./testing.ts";

const REFERENCE = process.env["METRICS_REFERENCE"] ?? "/work/shared/bench/metrics_reference.py";
const PYTHON = process.env["PYTHON"] ?? "/usr/bin/python3";

function unavailable(): string | false {
  if (!existsSync(REFERENCE)) return `the reference script ${REFERENCE} is absent (set METRICS_REFERENCE)`;
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  const probe = spawnSync(PYTHON, ["-c", "import numpy, scipy"], { encoding: "utf8" });
  if (probe.status !== 0) return `${PYTHON} lacks NumPy/SciPy (apt-get install python3-numpy python3-scipy)`;
  return false;
}

const SUBSETS = 30;

test("agrees with metrics_reference.py on random features", { skip: unavailable() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "genreview-metrics-ref-"));
  try {
    // float64 files so that both programs read identical values
    const real = gaussian(700, 16, 1);
    const fake = gaussian(600, 16, 2, 0.1, 1.15);
    const realPath = join(dir, "real.npy");
    const fakePath = join(dir, "fake.npy");
    writeNpy(realPath, real.data, [real.rows, real.cols]);
    writeNpy(fakePath, fake.data, [fake.rows, fake.cols]);
    const run = spawnSync(
      PYTHON,
      [REFERENCE, realPath, fakePath, "--k", "5", "--kid-subsets", String(SUBSETS), "--kid-size", "300"],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT_JSON "));
    assert.ok(line !== undefined, run.stdout);
    const ref = JSON.parse(line.slice("RESULT_JSON ".length)) as Record<string, number>;

    const ours = await computeAll(real, fake, { k: 5, kidSubsets: SUBSETS, kidSubsetSize: 300 });
    const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
    assert.ok(rel(ours.fd.fd, ref["fd"]!) < 1e-6, `FD ${ours.fd.fd} vs ${ref["fd"]}`);
    assert.ok(
      rel(ours.vendi.fake.score, ref["vendi_fake"]!) < 1e-6,
      `Vendi ${ours.vendi.fake.score} vs ${ref["vendi_fake"]}`,
    );
    assert.deepEqual(
      [ours.prdc.precision, ours.prdc.recall, ours.prdc.density, ours.prdc.coverage],
      [ref["precision"], ref["recall"], ref["density"], ref["coverage"]],
    );
    // two means of SUBSETS draws each: their difference has sd ~ sqrt(2) std / sqrt(SUBSETS)
    const noise = (Math.SQRT2 * Math.max(ours.kid.std, ref["kid_std"]!)) / Math.sqrt(SUBSETS);
    assert.ok(
      Math.abs(ours.kid.mean - ref["kid_mean"]!) < 4 * noise,
      `KID ${ours.kid.mean} vs ${ref["kid_mean"]} (noise ${noise})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
