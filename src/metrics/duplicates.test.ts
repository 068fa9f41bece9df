import assert from "node:assert/strict";
import { test } from "node:test";
import { type Matrix, matrix } from "../util/matrix.ts";
import { nearDuplicates } from "./duplicates.ts";
import { bruteSqDistance, gaussian } from "./testing.ts";

/** `base` with rows copied (plus tiny noise) to make near-duplicate pairs: copies[i] = source row. */
function withCopies(base: Matrix, sources: number[]): Matrix {
  const d = base.cols;
  const out = matrix(base.rows + sources.length, d);
  out.data.set(base.data);
  sources.forEach((s, i) => {
    for (let j = 0; j < d; j++) out.data[(base.rows + i) * d + j] = base.data[s * d + j]! + 1e-6 * (j % 3);
  });
  return out;
}

test("near-duplicates: planted copies are found, counted exactly and grouped", async () => {
  const real = gaussian(600, 6, 1);
  const fake = withCopies(gaussian(300, 6, 2), [0, 0, 5, 7]); // rows 300, 301 copy 0; 302 copies 5; 303 copies 7
  const r = await nearDuplicates(real, fake, { seed: 3 });

  // brute-force pair count at the same threshold
  let pairs = 0;
  for (let i = 0; i < fake.rows; i++) {
    for (let j = i + 1; j < fake.rows; j++)
      if (Math.sqrt(bruteSqDistance(fake, i, fake, j)) < r.threshold) pairs++;
  }
  assert.equal(r.fake.pairs, pairs);
  assert.ok(r.fake.pairs >= 5); // {0,300,301}: 3 pairs, {5,302}, {7,303}
  assert.equal(r.fake.n, 304);
  assert.equal(r.real.n, 304);
  const groupOf = (i: number) => r.groups.find((g) => g.includes(i)) ?? [];
  assert.deepEqual(
    [...groupOf(300)].sort((a, b) => a - b).filter((i) => [0, 300, 301].includes(i)),
    [0, 300, 301],
  );
  assert.ok(groupOf(302).includes(5));
  assert.ok(r.closestPairs.some(([i, j]) => i === 7 && j === 303));
  assert.ok(r.rateRatio > 3, `ratio ${r.rateRatio}`);
  assert.ok(r.threshold > 0);
});

test("near-duplicates of a fresh sample are at the real rate; result is seeded", async () => {
  const real = gaussian(1000, 3, 4);
  const fake = gaussian(500, 3, 5);
  const a = await nearDuplicates(real, fake, { seed: 1 });
  const b = await nearDuplicates(real, fake, { seed: 1 });
  assert.deepEqual(a, b);
  assert.ok(a.rateRatio < 3 && a.rateRatio > 0.2, `ratio ${a.rateRatio}`);
});
