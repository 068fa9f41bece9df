import assert from "node:assert/strict";
import { test } from "node:test";
import { selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { computeAll } from "./all.ts";
import { gaussian } from "./testing.ts";

const options = { kidSubsets: 20, kidSubsetSize: 100, seed: 5 };

test("computeAll is bit-identical for the same seed and reports sizes and progress", async () => {
  const real = gaussian(400, 10, 1);
  const fake = gaussian(300, 10, 2, 0.2);
  const seen: string[] = [];
  const a = await computeAll(real, fake, { ...options, onProgress: (_d, _t, stage) => seen.push(stage) });
  const b = await computeAll(real, fake, options);
  assert.deepEqual(a, b);
  assert.equal(a.nReal, 400);
  assert.equal(a.nFake, 300);
  assert.equal(a.dim, 10);
  assert.equal(a.vendi.real.n, 300, "real Vendi at the generated set's size");
  assert.deepEqual([...new Set(seen)], ["FD", "KID", "PRDC", "Vendi"]);
  assert.equal(seen.length, options.kidSubsets + 3);
  assert.ok(a.warnings.some((w) => w.startsWith("FD: sets differ in size")));
});

test("computeAll is invariant to row order (KID within its subset noise)", async () => {
  const real = gaussian(400, 10, 3);
  const fake = gaussian(400, 10, 4, 0.3);
  const a = await computeAll(real, fake, options);
  const b = await computeAll(
    selectRows(real, new Rng(1).permutation(400)),
    selectRows(fake, new Rng(2).permutation(400)),
    options,
  );
  assert.ok(Math.abs(a.fd.fd - b.fd.fd) < 1e-10 * a.fd.fd);
  assert.deepEqual(
    [a.prdc.precision, a.prdc.recall, a.prdc.density, a.prdc.coverage],
    [b.prdc.precision, b.prdc.recall, b.prdc.density, b.prdc.coverage],
  );
  assert.ok(Math.abs(a.vendi.fake.score - b.vendi.fake.score) < 1e-10 * a.vendi.fake.score);
  const noise = (Math.SQRT2 * Math.max(a.kid.std, b.kid.std)) / Math.sqrt(options.kidSubsets);
  assert.ok(Math.abs(a.kid.mean - b.kid.mean) < 4 * noise, `KID ${a.kid.mean} vs ${b.kid.mean}`);
});
