import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows, type Matrix, matrix, selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { prdc, realism } from "./prdc.ts";
import { bruteSqDistance, gaussian } from "./testing.ts";

const real1d = fromRows([[0], [1], [2], [3], [4]]);
const fake1d = fromRows([[0.5], [2.5], [10]]);

function close(actual: number, expected: number, tol = 1e-4): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test("PRDC oracles from docs/metrics.md (1-D, strict '<')", async () => {
  const k1 = await prdc(real1d, fake1d, { k: 1 });
  close(k1.precision, 0.6667);
  close(k1.recall, 1.0);
  close(k1.density, 1.3333);
  close(k1.coverage, 0.8);
  const k2 = await prdc(real1d, fake1d, { k: 2 });
  close(k2.precision, 0.6667);
  close(k2.recall, 1.0);
  close(k2.density, 0.8333);
  close(k2.coverage, 1.0);
  assert.equal(k2.membership, "strict");
});

/** PRDC by the textbook definition with full distance matrices. */
function brutePrdc(real: Matrix, fake: Matrix, k: number): number[] {
  const radius = (x: Matrix): number[] =>
    Array.from({ length: x.rows }, (_, i) => {
      const d = Array.from({ length: x.rows }, (_, j) => bruteSqDistance(x, i, x, j)).filter(
        (_, j) => j !== i,
      );
      return d.sort((a, b) => a - b)[k - 1]!;
    });
  const rr = radius(real);
  const rf = radius(fake);
  let p = 0;
  let dens = 0;
  for (let j = 0; j < fake.rows; j++) {
    let c = 0;
    for (let i = 0; i < real.rows; i++) if (bruteSqDistance(fake, j, real, i) < rr[i]!) c++;
    if (c > 0) p++;
    dens += c;
  }
  let r = 0;
  let cov = 0;
  for (let i = 0; i < real.rows; i++) {
    let inFake = false;
    let covered = false;
    for (let j = 0; j < fake.rows; j++) {
      const d2 = bruteSqDistance(real, i, fake, j);
      if (d2 < rf[j]!) inFake = true;
      if (d2 < rr[i]!) covered = true;
    }
    if (inFake) r++;
    if (covered) cov++;
  }
  return [p / fake.rows, r / real.rows, dens / (k * fake.rows), cov / real.rows];
}

test("PRDC equals the brute-force definition, including data with duplicates", async () => {
  const real = gaussian(300, 6, 1);
  const fake = gaussian(250, 6, 2, 0.3, 1.2);
  const got = await prdc(real, fake, { k: 5 });
  assert.deepEqual([got.precision, got.recall, got.density, got.coverage], brutePrdc(real, fake, 5));

  // integer features: many exact ties and duplicates
  const rng = new Rng(3);
  const ints = (n: number): Matrix => {
    const m = matrix(n, 2);
    for (let i = 0; i < m.data.length; i++) m.data[i] = rng.int(6);
    return m;
  };
  const ri = ints(200);
  const fi = ints(150);
  const gi = await prdc(ri, fi, { k: 3 });
  assert.deepEqual([gi.precision, gi.recall, gi.density, gi.coverage], brutePrdc(ri, fi, 3));
  assert.ok(gi.zeroRadiusReal > 0);
  assert.match(gi.warnings.join("\n"), /radius 0/);
});

test("PRDC is invariant to row order", async () => {
  const real = gaussian(300, 5, 4);
  const fake = gaussian(300, 5, 5, 0.2);
  const a = await prdc(real, fake);
  const b = await prdc(
    selectRows(real, new Rng(1).permutation(300)),
    selectRows(fake, new Rng(2).permutation(300)),
  );
  assert.deepEqual(
    [a.precision, a.recall, a.density, a.coverage],
    [b.precision, b.recall, b.density, b.coverage],
  );
});

test("all-identical features give radius 0 and, with strict '<', all four scores 0", async () => {
  const same = matrix(20, 3).data.fill(1);
  const m = { data: same, rows: 20, cols: 3 };
  const r = await prdc(m, { data: Float64Array.from(same), rows: 20, cols: 3 });
  assert.deepEqual([r.precision, r.recall, r.density, r.coverage], [0, 0, 0, 0]);
  assert.equal(r.zeroRadiusReal, 20);
});

test("exact copies of the real set score 1 on all four (no memorisation detector)", async () => {
  const real = gaussian(200, 4, 6);
  const r = await prdc(real, { ...real, data: Float64Array.from(real.data) });
  assert.deepEqual([r.precision, r.recall, r.density, r.coverage], [1, 1, 1, 1]);
});

test("collapse to 0.1 N(0, I) against N(0, I): precision high, recall low (16-D, 200 each, k = 3)", async () => {
  const real = gaussian(200, 16, 7);
  const fake = gaussian(200, 16, 8, 0, 0.1);
  const r = await prdc(real, fake, { k: 3 });
  assert.ok(r.precision > 0.8, `precision ${r.precision}`);
  assert.ok(r.recall < 0.3, `recall ${r.recall}`);
});

test("10 separated modes with only 1 used: recall and coverage below 0.15", async () => {
  const rng = new Rng(9);
  const d = 8;
  const centres = Array.from({ length: 10 }, () => Array.from({ length: d }, () => 20 * rng.normal()));
  const sample = (n: number, modes: number): Matrix => {
    const m = matrix(n, d);
    for (let i = 0; i < n; i++) {
      const c = centres[i % modes]!;
      for (let j = 0; j < d; j++) m.data[i * d + j] = c[j]! + rng.normal();
    }
    return m;
  };
  const r = await prdc(sample(500, 10), sample(500, 1), { k: 5 });
  assert.ok(r.recall < 0.15, `recall ${r.recall}`);
  assert.ok(r.coverage < 0.15, `coverage ${r.coverage}`);
  assert.ok(r.precision > 0.8, `precision ${r.precision}`);
});

test("coverage of identical distributions is near its exact expectation 1 - prod (N-i)/(M+N-i)", async () => {
  // k = 5, N = M = 1000: E[coverage] = 0.96898; the sd of one draw is well under 0.01
  const r = await prdc(gaussian(1000, 8, 10), gaussian(1000, 8, 11));
  assert.ok(Math.abs(r.coverage - 0.96898) < 0.02, `coverage ${r.coverage}`);
  assert.ok(Math.abs(r.density - 1) < 0.1, `density ${r.density}`);
});

test("PRDC per-sample counts add up to the scores", async () => {
  const real = gaussian(120, 3, 12);
  const fake = gaussian(80, 3, 13, 0.5);
  const r = await prdc(real, fake, { perSample: true });
  const per = r.perSample!;
  assert.equal(per.fakeInRealBalls.filter((c) => c > 0).length / 80, r.precision);
  assert.equal(per.fakeInRealBalls.reduce((a, b) => a + b, 0) / (5 * 80), r.density);
  assert.equal(per.realInFakeBalls.filter((c) => c > 0).length / 120, r.recall);
  assert.equal(per.fakeInOwnBall.filter((c) => c > 0).length / 120, r.coverage);
});

test("PRDC rejects k too large for the sets", async () => {
  await assert.rejects(prdc(real1d, fake1d, { k: 3 }), /k must be an integer in 1\.\.2/);
});

test("realism: brute-force maximum of r_k(x) / |y - x| over real points with radius <= median", async () => {
  const real = gaussian(200, 4, 14);
  const fake = gaussian(60, 4, 15, 0.5, 1.5);
  const got = await realism(real, fake, { k: 3 });
  const radius = Array.from(
    { length: 200 },
    (_, i) =>
      Array.from({ length: 200 }, (_, j) => bruteSqDistance(real, i, real, j))
        .filter((_, j) => j !== i)
        .sort((a, b) => a - b)[2]!,
  );
  const med = [...radius].sort((a, b) => a - b);
  const median2 = (med[99]! + med[100]!) / 2;
  for (let y = 0; y < 60; y++) {
    let best = 0;
    for (let i = 0; i < 200; i++) {
      if (radius[i]! > median2) continue;
      best = Math.max(best, Math.sqrt(radius[i]!) / Math.sqrt(bruteSqDistance(fake, y, real, i)));
    }
    assert.ok(Math.abs(got.scores[y]! - best) < 1e-12 * best, `sample ${y}: ${got.scores[y]} vs ${best}`);
  }
  assert.equal(got.keptReal, 100);
  // a copy of a kept real point is infinitely realistic
  const copy = await realism(real, selectRows(real, [got.nearestReal[0]!]), { k: 3 });
  assert.equal(copy.scores[0], Number.POSITIVE_INFINITY);
});
