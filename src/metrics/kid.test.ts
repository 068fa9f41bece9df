import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows } from "../util/matrix.ts";
import { kid, mmdUnbiased } from "./kid.ts";
import { gaussian } from "./testing.ts";

const X = fromRows([
  [0, 0],
  [1, 0],
  [0, 1],
]);
const Y = fromRows([
  [1, 1],
  [2, 0],
  [0, 2],
]);

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test("unbiased MMD^2 oracles from docs/metrics.md", async () => {
  close(await mmdUnbiased(X, Y), 0.5);
  close(await mmdUnbiased(X, X), -1.0555555556);
});

test("KID with subsets covering both sets equals the full MMD and says the subset was shrunk", async () => {
  const r = await kid(X, Y, { subsets: 3, subsetSize: 1000 });
  close(r.mean, 0.5);
  close(r.std, 0, 1e-12);
  assert.equal(r.subsetSize, 3);
  assert.equal(r.requestedSubsetSize, 1000);
  assert.match(r.warnings.join("\n"), /shrunk from 1000 to 3 rows/);
});

test("KID is seeded: same seed bit-identical, other seed different; separates shifted sets", async () => {
  const real = gaussian(400, 8, 1);
  const same = gaussian(400, 8, 2);
  const shifted = gaussian(400, 8, 3, 0.5);
  const a = await kid(real, shifted, { subsets: 10, subsetSize: 100, seed: 7 });
  const b = await kid(real, shifted, { subsets: 10, subsetSize: 100, seed: 7 });
  const c = await kid(real, shifted, { subsets: 10, subsetSize: 100, seed: 8 });
  assert.deepEqual(a.values, b.values);
  assert.notDeepEqual(a.values, c.values);
  const null_ = await kid(real, same, { subsets: 10, subsetSize: 100, seed: 7 });
  assert.ok(a.mean > null_.mean + 5 * null_.std, `shifted ${a.mean} vs same ${null_.mean} +- ${null_.std}`);
  assert.deepEqual(a.warnings, []);
  assert.equal(a.values.length, 10);
});

test("KID rejects sets too small or of different widths", async () => {
  await assert.rejects(kid(fromRows([[1, 2]]), X), /KID needs >= 2 rows/);
  await assert.rejects(kid(X, fromRows([[1, 2, 3]])), /D = 2 but generated features have D = 3/);
});
