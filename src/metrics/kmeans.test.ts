import assert from "node:assert/strict";
import { test } from "node:test";
import { matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { kmeans } from "./kmeans.ts";

/** n points around each of the given 2-D centres (sd 0.1). */
function blobs(centres: number[][], n: number, seed: number) {
  const rng = new Rng(seed);
  const m = matrix(centres.length * n, 2);
  centres.forEach((c, b) => {
    for (let i = 0; i < n; i++) {
      m.data[(b * n + i) * 2] = c[0]! + 0.1 * rng.normal();
      m.data[(b * n + i) * 2 + 1] = c[1]! + 0.1 * rng.normal();
    }
  });
  return m;
}

test("k-means finds well-separated blobs, seeded and reproducible", async () => {
  const centres = [
    [0, 0],
    [10, 0],
    [0, 10],
    [10, 10],
  ];
  const x = blobs(centres, 50, 1);
  const a = await kmeans(x, { k: 4, seed: 3 });
  assert.ok(a.converged);
  assert.deepEqual([...a.counts].sort(), [50, 50, 50, 50]);
  // every blob lands in one cell
  for (let b = 0; b < 4; b++) {
    const cells = new Set(Array.from(a.assignments.subarray(b * 50, (b + 1) * 50)));
    assert.equal(cells.size, 1);
  }
  const again = await kmeans(x, { k: 4, seed: 3 });
  assert.deepEqual(Array.from(again.centroids.data), Array.from(a.centroids.data));
  assert.ok(a.inertia < 200 * 0.1);
});

test("k-means rejects more cells than distinct points", async () => {
  const x = matrix(10, 2);
  await assert.rejects(kmeans(x, { k: 3 }), /only 1 distinct values, fewer than K = 3/);
  await assert.rejects(kmeans(x, { k: 11 }), /1 <= K <= N = 10/);
});
