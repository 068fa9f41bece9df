// Memorisation checks: do generated samples sit closer to training points than held-out test images do?
// Legend: T train [Nt, D], P test [Np, D] (never trained on), Q generated [Nq, D]; d_T(z) = distance
// from z to its nearest train point x*(z); r_1(x) = distance from train point x to its nearest other
// train point.
//
// - Nearest-train distances of generated samples against those of test images (copies sit at ~0).
// - Authenticity (Alaa et al. 2022): z is authentic when r_1(x*(z)) < d_T(z), i.e. z is farther from
//   its nearest train point than that point's own nearest neighbour. The raw rate depends on the
//   dimension, so it is reported next to the same rate for test images.
// - C_T (Meehan et al. 2020): k-means cells on train; per cell a Mann-Whitney U of d_T of generated
//   against test samples, Z_U = (U - mn/2) / sqrt(mn(m + n + 1)/12); cells with at least 20 generated
//   samples are averaged, weighted by their test share. Strongly negative = copying; ~0 = fine;
//   positive = underfitting. Here d_T is the distance to the nearest train point anywhere (not only in
//   the same cell).
import { InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import { assignCells, kmeans } from "./kmeans.ts";
import { knn } from "./neighbours.ts";
import { mannWhitneyU, mannWhitneyZ, percentile, sorted } from "./stats.ts";
import { checkFeatures, checkSameWidth } from "./validate.ts";

/**
 * 20 generated samples per kept cell (Meehan et al. 2020's threshold); 10 cells so that typical sample
 * sets (1000-10000) leave most cells above that threshold.
 */
export const MEMORIZATION_DEFAULTS = { cells: 10, minCellSamples: 20, seed: 0 } as const;

export interface MemorizationOptions {
  cells?: number;
  minCellSamples?: number;
  seed?: number;
}

export interface NearestTrain {
  /** Per sample: distance to the nearest train point. */
  distances: number[];
  /** Per sample: index of that train point. */
  indices: number[];
  median: number;
  p5: number;
}

export interface CtCell {
  nTest: number;
  nFake: number;
  /** Mann-Whitney U of generated vs test nearest-train distances (pairs with generated > test). */
  u: number;
  z: number;
  /** Test share of the cell (its weight when kept). */
  testShare: number;
  kept: boolean;
}

export interface MemorizationResult {
  nTrain: number;
  nTest: number;
  nFake: number;
  fake: NearestTrain;
  test: NearestTrain;
  /** Share of generated samples whose nearest-train distance is below the test set's 5th percentile. */
  fakeBelowTestP5: number;
  /** Authentic shares (Alaa et al.); compare fake with test. */
  authenticity: { fake: number; test: number };
  /** Per generated sample: authentic or not. */
  authentic: boolean[];
  /** C_T (null when no cell has enough generated samples). */
  ct: number | null;
  cells: CtCell[];
  minCellSamples: number;
  warnings: string[];
}

function nearestTrain(distances: Float64Array, indices: Int32Array): NearestTrain {
  const s = sorted(distances);
  return {
    distances: Array.from(distances),
    indices: Array.from(indices),
    median: percentile(s, 50),
    p5: percentile(s, 5),
  };
}

/** Nearest-train distances, authenticity and C_T of generated samples against held-out test images. */
export async function memorization(
  train: Matrix,
  test: Matrix,
  fake: Matrix,
  options: MemorizationOptions = {},
): Promise<MemorizationResult> {
  checkFeatures(train, "train features");
  checkFeatures(test, "test features");
  checkFeatures(fake, "generated features");
  checkSameWidth(train, test, ["train", "test"]);
  checkSameWidth(train, fake, ["train", "generated"]);
  if (train.rows < 2) throw new InputError(`memorisation needs >= 2 train rows, got ${train.rows}`);
  const cellsK = options.cells ?? MEMORIZATION_DEFAULTS.cells;
  const minCell = options.minCellSamples ?? MEMORIZATION_DEFAULTS.minCellSamples;
  const warnings: string[] = [];

  // nearest train point of every generated and test sample, and of every train point (itself excluded)
  const fakeNn = await knn(fake, train, 1);
  const testNn = await knn(test, train, 1);
  const trainNn = await knn(train, train, 1, { excludeSelf: true });

  // authenticity: farther from x* than x*'s own nearest neighbour
  const isAuthentic = (nb: typeof fakeNn, i: number): boolean =>
    trainNn.sqDistances[nb.indices[i]!]! < nb.sqDistances[i]!;
  const authentic = Array.from({ length: fake.rows }, (_, i) => isAuthentic(fakeNn, i));
  let testAuthentic = 0;
  for (let i = 0; i < test.rows; i++) if (isAuthentic(testNn, i)) testAuthentic++;

  // C_T over k-means cells of train
  const km = await kmeans(train, { k: cellsK, seed: options.seed ?? MEMORIZATION_DEFAULTS.seed });
  const testCells = (await assignCells(test, km.centroids)).cells;
  const fakeCells = (await assignCells(fake, km.centroids)).cells;
  const cells: CtCell[] = [];
  let weighted = 0;
  let weight = 0;
  for (let c = 0; c < cellsK; c++) {
    const dTest: number[] = [];
    const dFake: number[] = [];
    for (let i = 0; i < test.rows; i++) if (testCells[i] === c) dTest.push(testNn.distances[i]!);
    for (let i = 0; i < fake.rows; i++) if (fakeCells[i] === c) dFake.push(fakeNn.distances[i]!);
    const m = dFake.length;
    const n = dTest.length;
    const kept = m >= minCell && n > 0;
    const u = n > 0 && m > 0 ? mannWhitneyU(dFake, dTest) : 0;
    const z = n > 0 && m > 0 ? mannWhitneyZ(u, m, n) : 0;
    const testShare = n / test.rows;
    cells.push({ nTest: n, nFake: m, u, z, testShare, kept });
    if (kept) {
      weighted += testShare * z;
      weight += testShare;
    }
  }
  const keptCells = cells.filter((c) => c.kept).length;
  if (keptCells === 0) {
    warnings.push(`no cell has >= ${minCell} generated samples and a test sample: C_T is undefined (null)`);
  } else if (keptCells < cellsK) {
    warnings.push(
      `${cellsK - keptCells} of ${cellsK} cells have < ${minCell} generated samples (or no test samples) ` +
        `and are left out of C_T; kept cells hold ${(weight * 100).toFixed(1)}% of the test data`,
    );
  }

  const testNearest = nearestTrain(testNn.distances, testNn.indices);
  return {
    nTrain: train.rows,
    nTest: test.rows,
    nFake: fake.rows,
    fake: nearestTrain(fakeNn.distances, fakeNn.indices),
    test: testNearest,
    fakeBelowTestP5: countBelow(fakeNn.distances, testNearest.p5) / fake.rows,
    authenticity: {
      fake: authentic.filter(Boolean).length / fake.rows,
      test: testAuthentic / test.rows,
    },
    authentic,
    ct: keptCells > 0 ? weighted / weight : null,
    cells,
    minCellSamples: minCell,
    warnings,
  };
}

function countBelow(values: Float64Array, t: number): number {
  let c = 0;
  for (const v of values) if (v < t) c++;
  return c;
}
