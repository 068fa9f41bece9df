import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows, type Matrix, matrix, selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { countWithin, crossBallCounts, knn, kthRadiiSq, minScaledSqDistance } from "./neighbours.ts";
import { bruteSqDistance, gaussian } from "./testing.ts";

/** Brute-force k nearest (distance, then index) of every query row. */
function bruteKnn(q: Matrix, x: Matrix, k: number, excludeSelf: boolean): { d2: number[]; idx: number[] } {
  const d2: number[] = [];
  const idx: number[] = [];
  for (let i = 0; i < q.rows; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < x.rows; j++)
      if (!(excludeSelf && j === i)) all.push([bruteSqDistance(q, i, x, j), j]);
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [v, j] of all.slice(0, k)) {
      d2.push(v);
      idx.push(j);
    }
  }
  return { d2, idx };
}

/** Features with many exact ties: small integers, duplicated rows. */
function tiedFeatures(n: number, d: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const m = matrix(n, d);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.int(3);
  return m;
}

test("knn equals a brute-force scan on continuous data, across several blocks", async () => {
  const x = gaussian(700, 5, 1);
  const q = gaussian(300, 5, 2);
  const got = await knn(q, x, 4, { blockRows: 64 });
  const want = bruteKnn(q, x, 4, false);
  assert.deepEqual(Array.from(got.indices), want.idx);
  assert.deepEqual(Array.from(got.sqDistances), want.d2);
  assert.deepEqual(Array.from(got.distances), want.d2.map(Math.sqrt));
});

test("knn with excludeSelf handles exact duplicates and ties (distances exact, duplicates at 0)", async () => {
  const x = tiedFeatures(400, 3, 3);
  const got = await knn(x, x, 5, { excludeSelf: true });
  const want = bruteKnn(x, x, 5, true);
  assert.deepEqual(Array.from(got.sqDistances), want.d2);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < 5; c++) assert.notEqual(got.indices[i * 5 + c], i, "self excluded");
  }
  // with only 27 distinct points among 400 rows, every row has >= 5 duplicates: all radii 0
  const radii = await kthRadiiSq(x, 5);
  assert.ok(radii.every((r) => r === 0));
});

test("knn of all-identical rows is exact without rescanning cost blowing up", async () => {
  const x = matrix(2000, 8).data.fill(0.5);
  const m = { data: x, rows: 2000, cols: 8 };
  const got = await knn(m, m, 3, { excludeSelf: true });
  assert.ok(got.sqDistances.every((v) => v === 0));
});

test("knn is invariant to the order of the base rows (distances)", async () => {
  const x = gaussian(500, 6, 4);
  const q = gaussian(50, 6, 5);
  const perm = new Rng(9).permutation(500);
  const a = await knn(q, x, 3);
  const b = await knn(q, selectRows(x, perm), 3);
  assert.deepEqual(Array.from(a.sqDistances), Array.from(b.sqDistances));
  assert.deepEqual(
    Array.from(a.indices),
    Array.from(b.indices, (j) => perm[j]!),
  );
});

test("knn rejects bad k and mismatched widths", async () => {
  const x = gaussian(5, 2, 1);
  await assert.rejects(knn(x, x, 5, { excludeSelf: true }), /k must be an integer in 1\.\.4/);
  await assert.rejects(knn(gaussian(3, 3, 1), x, 1), /query rows have 3 values, base rows 2/);
});

test("countWithin equals brute force for column and row thresholds, with excludeSelf", async () => {
  const x = tiedFeatures(300, 3, 6);
  const q = tiedFeatures(200, 3, 7);
  const rng = new Rng(8);
  const colT = Float64Array.from({ length: x.rows }, () => rng.int(6));
  const rowT = Float64Array.from({ length: q.rows }, () => rng.int(6));
  const byCol = await countWithin(q, x, { columnThresholdSq: colT });
  const byRow = await countWithin(q, x, { rowThresholdSq: rowT });
  const self = await countWithin(x, x, { rowThresholdSq: colT, excludeSelf: true });
  for (let i = 0; i < q.rows; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < x.rows; j++) {
      const d2 = bruteSqDistance(q, i, x, j);
      if (d2 < colT[j]!) a++;
      if (d2 < rowT[i]!) b++;
    }
    assert.equal(byCol[i], a, `column thresholds, row ${i}`);
    assert.equal(byRow[i], b, `row thresholds, row ${i}`);
  }
  for (let i = 0; i < x.rows; i++) {
    let c = 0;
    for (let j = 0; j < x.rows; j++) if (j !== i && bruteSqDistance(x, i, x, j) < colT[i]!) c++;
    assert.equal(self[i], c, `excludeSelf, row ${i}`);
  }
});

test("minScaledSqDistance equals brute force", async () => {
  const x = gaussian(400, 4, 10);
  const q = gaussian(100, 4, 11);
  const rng = new Rng(12);
  const w = Float64Array.from({ length: x.rows }, () => 0.1 + rng.uniform());
  const got = await minScaledSqDistance(q, x, w);
  for (let i = 0; i < q.rows; i++) {
    let best = Number.POSITIVE_INFINITY;
    let bestJ = -1;
    for (let j = 0; j < x.rows; j++) {
      const v = bruteSqDistance(q, i, x, j) * w[j]!;
      if (v < best) {
        best = v;
        bestJ = j;
      }
    }
    assert.equal(got.values[i], best);
    assert.equal(got.indices[i], bestJ);
  }
});

test("one-dimensional points", async () => {
  const x = fromRows([[0], [1], [2], [3], [4]]);
  const got = await knn(fromRows([[0.5], [10]]), x, 2);
  assert.deepEqual(Array.from(got.indices), [0, 1, 4, 3]);
  assert.deepEqual(Array.from(got.distances), [0.5, 0.5, 6, 7]);
});

test("crossBallCounts equals brute force on tied integer data, blocks and band rechecks included", async () => {
  const fake = tiedFeatures(500, 3, 13);
  const real = tiedFeatures(350, 3, 14);
  const rng = new Rng(15);
  const rf = Float64Array.from({ length: fake.rows }, () => rng.int(5));
  const rr = Float64Array.from({ length: real.rows }, () => rng.int(5));
  const got = await crossBallCounts(fake, real, rf, rr, { blockRows: 37 });
  const inReal = new Array<number>(fake.rows).fill(0);
  const own = new Array<number>(real.rows).fill(0);
  const inFake = new Array<number>(real.rows).fill(0);
  for (let i = 0; i < fake.rows; i++) {
    for (let j = 0; j < real.rows; j++) {
      const d2 = bruteSqDistance(fake, i, real, j);
      if (d2 < rr[j]!) {
        inReal[i]!++;
        own[j]!++;
      }
      if (d2 < rf[i]!) inFake[j]!++;
    }
  }
  assert.deepEqual(Array.from(got.fakeInRealBalls), inReal);
  assert.deepEqual(Array.from(got.fakeInOwnBall), own);
  assert.deepEqual(Array.from(got.realInFakeBalls), inFake);
});

test("results do not depend on the block size", async () => {
  const x = tiedFeatures(300, 4, 16);
  const q = tiedFeatures(130, 4, 17);
  const t = Float64Array.from({ length: q.rows }, (_, i) => 1 + (i % 4));
  const w = Float64Array.from({ length: x.rows }, (_, j) => 1 / (1 + (j % 3)));
  const runs = await Promise.all(
    [1, 7, 64, 1000].map(async (blockRows) => ({
      nn: await knn(q, x, 6, { blockRows }),
      self: await knn(x, x, 3, { excludeSelf: true, blockRows }),
      count: await countWithin(q, x, { rowThresholdSq: t, blockRows }),
      scaled: await minScaledSqDistance(q, x, w, { blockRows }),
    })),
  );
  for (const r of runs.slice(1)) {
    assert.deepEqual(Array.from(r.nn.sqDistances), Array.from(runs[0]!.nn.sqDistances));
    assert.deepEqual(Array.from(r.self.sqDistances), Array.from(runs[0]!.self.sqDistances));
    assert.deepEqual(Array.from(r.count), Array.from(runs[0]!.count));
    assert.deepEqual(Array.from(r.scaled.values), Array.from(runs[0]!.scaled.values));
  }
});
