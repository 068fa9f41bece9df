// Seeded k-means (k-means++ seeding, then Lloyd iterations) on feature matrices: the bins of NDB and the
// cells of the C_T memorisation test. Legend: X [N, D] points, C [K, D] centroids, a_i the cell of x_i.
import { InputError } from "../util/errors.ts";
import { type Matrix, matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { knn, sqDistance } from "./neighbours.ts";

export interface KMeansOptions {
  /** Number of cells K. */
  k: number;
  seed?: number;
  /** Lloyd iterations at most; default 100 (stops earlier when no point changes cell). */
  maxIterations?: number;
}

export interface KMeansResult {
  /** [K, D] cell centres. */
  centroids: Matrix;
  /** Cell of every point. */
  assignments: Int32Array;
  /** Points per cell. */
  counts: number[];
  iterations: number;
  converged: boolean;
  /** Sum of squared distances of points to their centres. */
  inertia: number;
}

/** The nearest centroid of every row (exact, lowest index on ties). */
export async function assignCells(
  x: Matrix,
  centroids: Matrix,
): Promise<{ cells: Int32Array; sqDistances: Float64Array }> {
  const nb = await knn(x, centroids, 1);
  return { cells: nb.indices, sqDistances: nb.sqDistances };
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007): the first centre uniformly at random, each next one
 * with probability proportional to the squared distance to the nearest centre chosen so far.
 */
function seedCentroids(x: Matrix, k: number, rng: Rng): Matrix {
  const { rows: n, cols: d } = x;
  const c = matrix(k, d);
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let chosen = rng.int(n);
  for (let m = 0; m < k; m++) {
    c.data.set(x.data.subarray(chosen * d, (chosen + 1) * d), m * d);
    if (m === k - 1) break;

    // update the nearest-centre distances and draw the next centre
    let total = 0;
    for (let i = 0; i < n; i++) {
      const v = sqDistance(x.data, i, c.data, m, d);
      if (v < nearest[i]!) nearest[i] = v;
      total += nearest[i]!;
    }
    if (total === 0) {
      throw new InputError(
        `k-means: the ${n} points have only ${m + 1} distinct values, fewer than K = ${k} cells`,
      );
    }
    let u = rng.uniform() * total;
    chosen = -1;
    for (let i = 0; i < n; i++) {
      u -= nearest[i]!;
      if (u < 0 && nearest[i]! > 0) {
        chosen = i;
        break;
      }
    }
    // rounding can leave u >= 0 after the last point: take the last point with positive weight
    if (chosen < 0) for (let i = n - 1; chosen < 0; i--) if (nearest[i]! > 0) chosen = i;
  }
  return c;
}

/** Seeded k-means; same seed, same cells. */
export async function kmeans(x: Matrix, options: KMeansOptions): Promise<KMeansResult> {
  const { k } = options;
  const { rows: n, cols: d } = x;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new InputError(`k-means needs 1 <= K <= N = ${n}, got K = ${k}`);
  const maxIterations = options.maxIterations ?? 100;
  const rng = new Rng(options.seed ?? 0).fork("kmeans");
  const centroids = seedCentroids(x, k, rng);

  let assignments: Int32Array = new Int32Array(n).fill(-1);
  let sqDistances: Float64Array = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  const counts = new Array<number>(k).fill(0);
  while (iterations < maxIterations) {
    iterations++;

    // assign, and stop when nothing moved
    const a = await assignCells(x, centroids);
    let moved = 0;
    for (let i = 0; i < n; i++) if (a.cells[i] !== assignments[i]) moved++;
    assignments = a.cells;
    sqDistances = a.sqDistances;
    if (moved === 0) {
      converged = true;
      break;
    }

    // move each centre to the mean of its points
    counts.fill(0);
    centroids.data.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignments[i]!;
      counts[c]!++;
      for (let j = 0; j < d; j++) centroids.data[c * d + j]! += x.data[i * d + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // an empty cell restarts at the point farthest from its centre (deterministic)
        let far = 0;
        for (let i = 1; i < n; i++) if (sqDistances[i]! > sqDistances[far]!) far = i;
        centroids.data.set(x.data.subarray(far * d, (far + 1) * d), c * d);
        sqDistances[far] = 0;
        continue;
      }
      for (let j = 0; j < d; j++) centroids.data[c * d + j]! /= counts[c]!;
    }
  }
  if (!converged) {
    // the last update moved the centres: report the cells of the centres returned
    const a = await assignCells(x, centroids);
    assignments = a.cells;
    sqDistances = a.sqDistances;
  }
  counts.fill(0);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    counts[assignments[i]!]!++;
    inertia += sqDistances[i]!;
  }
  return { centroids, assignments, counts, iterations, converged, inertia };
}
