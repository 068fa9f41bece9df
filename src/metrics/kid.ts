// Kernel Inception Distance (Binkowski et al. 2018) on any features: the unbiased estimate of the
// squared maximum mean discrepancy with the cubic polynomial kernel k(a, b) = (a.b / D + 1)^3,
// averaged over random subsets. Legend: X real [N, D], Y generated [M, D], m rows per subset.
//
// MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (n (n - 1))
//           - 2 sum_{i, j} k(x_i, y_j) / (m n).
// Unbiased, so it can be negative, and KID(X, X) on one set is not 0 (its Y terms include i = j pairs).
import { InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { type PairPowerSums, pairPowerSums } from "./native.ts";
import { mean, std } from "./stats.ts";
import { checkFeatures, checkSameWidth } from "./validate.ts";

export interface KidOptions {
  /** Number of random subsets; default 100 (the usual KID setting). */
  subsets?: number;
  /** Rows per subset from each set; default 1000. Shrunk to the smaller set's size when needed. */
  subsetSize?: number;
  /** Seed of the subset sampler (genreview's Rng); same seed, same subsets, same value. */
  seed?: number;
  /** Called after each subset (for progress bars). */
  onSubset?: (done: number, total: number) => void;
}

export const KID_DEFAULTS = { subsets: 100, subsetSize: 1000, seed: 0 } as const;

export interface KidResult {
  /** Mean of MMD^2_u over the subsets. */
  mean: number;
  /** Population standard deviation (divides by the number of subsets) of MMD^2_u over the subsets. */
  std: number;
  subsets: number;
  /** Rows per subset actually used. */
  subsetSize: number;
  requestedSubsetSize: number;
  nReal: number;
  nFake: number;
  dim: number;
  seed: number;
  /** MMD^2_u of every subset, in order. */
  values: number[];
  warnings: string[];
}

/** sum_i k(r_i, r_i) = sum_i (|r_i|^2 / D + 1)^3: the diagonal that the unbiased estimate leaves out. */
function kernelTrace(rows: Float64Array, n: number, d: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += rows[i * d + c]! ** 2;
    t += (s / d + 1) ** 3;
  }
  return t;
}

/** MMD^2_u between all rows of X [n, D] and all rows of Y [m, D] (no subsets); n, m >= 2. */
export async function mmdUnbiased(x: Matrix, y: Matrix): Promise<number> {
  checkSameWidth(x, y);
  if (x.rows < 2 || y.rows < 2)
    throw new InputError(`MMD needs >= 2 rows per set, got ${x.rows} and ${y.rows}`);
  return mmdOfRows(x.data, x.rows, y.data, y.rows, x.cols);
}

/** Column sums of rows [n, D]. */
function columnSums(rows: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[c]! += rows[i * d + c]!;
  return out;
}

/**
 * sum_ij (a_i.b_j / D + 1)^3 over all pairs of two sets of sizes m and n, from the power sums of the
 * products: m n + 3 S1 / D + 3 S2 / D^2 + S3 / D^3 with S1 = (sum_i a_i).(sum_j b_j).
 */
function kernelSum(
  m: number,
  n: number,
  d: number,
  sumA: Float64Array,
  sumB: Float64Array,
  p: PairPowerSums,
): number {
  let s1 = 0;
  for (let c = 0; c < d; c++) s1 += sumA[c]! * sumB[c]!;
  return m * n + (3 * s1) / d + (3 * p.s2) / (d * d) + p.s3 / (d * d * d);
}

async function mmdOfRows(x: Float64Array, n: number, y: Float64Array, m: number, d: number): Promise<number> {
  const sums = await pairPowerSums(x, n, y, m, d);
  const sx = columnSums(x, n, d);
  const sy = columnSums(y, m, d);
  const xx = (kernelSum(n, n, d, sx, sx, sums.xx) - kernelTrace(x, n, d)) / (n * (n - 1));
  const yy = (kernelSum(m, m, d, sy, sy, sums.yy) - kernelTrace(y, m, d)) / (m * (m - 1));
  return xx + yy - (2 * kernelSum(n, m, d, sx, sy, sums.xy)) / (n * m);
}

/** Rows `idx` of x, packed into `out`. */
function gather(x: Matrix, idx: Uint32Array, out: Float64Array): Float64Array {
  const d = x.cols;
  for (let i = 0; i < idx.length; i++) out.set(x.data.subarray(idx[i]! * d, (idx[i]! + 1) * d), i * d);
  return out;
}

/** KID: mean and std of MMD^2_u over seeded random subsets drawn without replacement. */
export async function kid(real: Matrix, fake: Matrix, options: KidOptions = {}): Promise<KidResult> {
  checkFeatures(real, "real features");
  checkFeatures(fake, "generated features");
  checkSameWidth(real, fake);
  const subsets = options.subsets ?? KID_DEFAULTS.subsets;
  const requested = options.subsetSize ?? KID_DEFAULTS.subsetSize;
  const seed = options.seed ?? KID_DEFAULTS.seed;
  if (!Number.isInteger(subsets) || subsets < 1)
    throw new InputError(`KID subsets must be >= 1, got ${subsets}`);
  if (!Number.isInteger(requested) || requested < 2) {
    throw new InputError(`KID subset size must be an integer >= 2, got ${requested}`);
  }
  const d = real.cols;
  const warnings: string[] = [];

  // shrink the subset to the smaller set, and say so
  const m = Math.min(requested, real.rows, fake.rows);
  if (m < 2)
    throw new InputError(`KID needs >= 2 rows per set, got ${real.rows} real and ${fake.rows} generated`);
  if (m < requested) {
    warnings.push(
      `subset size shrunk from ${requested} to ${m} rows (the smaller set has ${m}); ` +
        "KID values at different subset sizes are not comparable in spread",
    );
  }
  if (m === real.rows && m === fake.rows && subsets > 1) {
    warnings.push("every subset is the whole of both sets: all subsets give the same value and std is 0");
  }

  // MMD^2_u per subset
  const rng = new Rng(seed).fork("kid");
  const xs = new Float64Array(m * d);
  const ys = new Float64Array(m * d);
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    gather(real, rng.sample(real.rows, m), xs);
    gather(fake, rng.sample(fake.rows, m), ys);
    values.push(await mmdOfRows(xs, m, ys, m, d));
    options.onSubset?.(s + 1, subsets);
  }
  return {
    mean: mean(values),
    std: std(values),
    subsets,
    subsetSize: m,
    requestedSubsetSize: requested,
    nReal: real.rows,
    nFake: fake.rows,
    dim: d,
    seed,
    values,
    warnings,
  };
}
