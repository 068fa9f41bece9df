import assert from "node:assert/strict";
import { test } from "node:test";
import { type Matrix, matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { memorization } from "./memorization.ts";
import { bruteSqDistance, gaussian } from "./testing.ts";

function jitteredCopies(train: Matrix, n: number, seed: number, noise: number): Matrix {
  const rng = new Rng(seed);
  const out = matrix(n, train.cols);
  for (let i = 0; i < n; i++) {
    const s = rng.int(train.rows);
    for (let j = 0; j < train.cols; j++)
      out.data[i * train.cols + j] = train.data[s * train.cols + j]! + noise * rng.normal();
  }
  return out;
}

test("copies of training points: tiny nearest-train distances, not authentic, C_T strongly negative", async () => {
  const train = gaussian(800, 6, 1);
  const test_ = gaussian(400, 6, 2);
  const copies = jitteredCopies(train, 400, 3, 0.01);
  const r = await memorization(train, test_, copies, { cells: 4 });
  assert.ok(r.fake.median < 0.2 * r.test.median);
  assert.ok(r.authenticity.fake < 0.1, `fake authenticity ${r.authenticity.fake}`);
  assert.ok(r.authenticity.test > 0.3, `test authenticity ${r.authenticity.test}`);
  assert.ok(r.ct !== null && r.ct < -5, `C_T ${r.ct}`);
  assert.ok(r.fakeBelowTestP5 > 0.9);
  // nearest-train distances are exact
  for (const i of [0, 17, 399]) {
    let best = Number.POSITIVE_INFINITY;
    for (let j = 0; j < train.rows; j++) best = Math.min(best, bruteSqDistance(copies, i, train, j));
    assert.equal(r.fake.distances[i], Math.sqrt(best));
  }
});

test("a fresh sample from the data distribution: C_T near 0 and authenticity like the test set's", async () => {
  const train = gaussian(800, 6, 4);
  const test_ = gaussian(400, 6, 5);
  const fresh = gaussian(400, 6, 6);
  const r = await memorization(train, test_, fresh, { cells: 4 });
  assert.ok(r.ct !== null && Math.abs(r.ct) < 3, `C_T ${r.ct}`);
  assert.ok(Math.abs(r.authenticity.fake - r.authenticity.test) < 0.1);
  assert.equal(r.cells.length, 4);
  assert.equal(
    r.cells.reduce((s, c) => s + c.nFake, 0),
    400,
  );
});

test("C_T is null with a warning when no cell has enough generated samples", async () => {
  const r = await memorization(gaussian(100, 3, 7), gaussian(50, 3, 8), gaussian(10, 3, 9), { cells: 3 });
  assert.equal(r.ct, null);
  assert.match(r.warnings.join(), /C_T is undefined/);
});
