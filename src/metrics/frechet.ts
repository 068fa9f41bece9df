// Frechet distance between Gaussians fitted to two feature sets (FD; "FID" when the features are
// Inception-v3's, which genreview does not use), and its extrapolation to infinite N (FD-infinity).
// Legend: X real [N, D], Y generated [M, D]; mu means, S covariances (divide by N - 1).
//
// FD = |mu_x - mu_y|^2 + Tr(Sx + Sy - 2 (Sx Sy)^(1/2))  (Dowson & Landau 1982; Heusel et al. 2017).
// Tr (Sx Sy)^(1/2) is computed as Tr (Sx^(1/2) Sy Sx^(1/2))^(1/2): the two matrices are similar
// (Sx^(1/2) (Sx^(1/2) Sy) Sx^(-1/2) when Sx is invertible, and by continuity otherwise), and the second
// is symmetric PSD, so two symmetric eigenproblems replace the general sqrtm that produces imaginary
// parts and NaN on near-singular covariances.
import { InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import { selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { columnMeans, covariance, matmul, psdSqrt, symmetricEigen, trace } from "./linalg.ts";
import { checkFeatures, checkSameWidth } from "./validate.ts";

/** Mean and covariance of a feature set: what FD needs, cacheable per real set. */
export interface GaussianStats {
  n: number;
  mu: Float64Array;
  sigma: Matrix;
}

export interface FrechetResult {
  fd: number;
  nReal: number;
  nFake: number;
  dim: number;
  /** |mu_x - mu_y|^2 and Tr(Sx + Sy - 2 (Sx Sy)^(1/2)): where the distance comes from. */
  meanTerm: number;
  covarianceTerm: number;
  /** Eigenvalues below 0 (rounding noise of PSD matrices) that were clamped to 0. */
  clampedEigenvalues: number;
  warnings: string[];
}

/** Mean and covariance (N - 1) of X [N, D]; needs N >= 2. */
export async function gaussianStats(x: Matrix): Promise<GaussianStats> {
  if (x.rows < 2) throw new InputError(`Frechet distance needs at least 2 rows per set, got ${x.rows}`);
  const mu = columnMeans(x);
  return { n: x.rows, mu, sigma: await covariance(x, mu) };
}

/**
 * FD between two fitted Gaussians. Finite for singular covariances (N <= D), with a warning: the
 * estimate then rests on a rank-deficient covariance and is strongly biased.
 */
export function frechetFromStats(a: GaussianStats, b: GaussianStats): FrechetResult {
  const d = a.mu.length;
  if (b.mu.length !== d) throw new InputError(`Frechet distance: dimensions ${d} and ${b.mu.length} differ`);
  const warnings: string[] = [];
  for (const [name, s] of [
    ["real", a],
    ["generated", b],
  ] as const) {
    if (s.n <= d) {
      warnings.push(
        `${name} set has N = ${s.n} <= D = ${d}: its covariance is singular (rank <= N - 1); ` +
          "FD is finite but strongly biased, use N well above D",
      );
    }
  }
  if (a.n !== b.n) {
    warnings.push(`sets differ in size (${a.n} vs ${b.n}): FD depends on N, compare values only at equal N`);
  }

  // mean term
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mu[j]! - b.mu[j]!) ** 2;

  // Tr (Sx^(1/2) Sy Sx^(1/2))^(1/2) by two symmetric eigenproblems
  const { root, clamped } = psdSqrt(a.sigma);
  const inner = matmul(matmul(root, b.sigma), root);
  symmetrise(inner);
  let clampedEigenvalues = clamped;
  let traceRoot = 0;
  for (const l of symmetricEigen(inner, false).values) {
    if (l < 0) clampedEigenvalues++;
    traceRoot += Math.sqrt(Math.max(l, 0));
  }

  // FD >= 0 mathematically; a negative total is rounding and is clamped to 0
  const covarianceTerm = trace(a.sigma) + trace(b.sigma) - 2 * traceRoot;
  const fd = Math.max(0, meanTerm + covarianceTerm);
  return { fd, nReal: a.n, nFake: b.n, dim: d, meanTerm, covarianceTerm, clampedEigenvalues, warnings };
}

function symmetrise(m: Matrix): void {
  const n = m.rows;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (m.data[i * n + j]! + m.data[j * n + i]!) / 2;
      m.data[i * n + j] = v;
      m.data[j * n + i] = v;
    }
  }
}

/** FD between real features X [N, D] and generated features Y [M, D]. */
export async function frechetDistance(real: Matrix, fake: Matrix): Promise<FrechetResult> {
  checkFeatures(real, "real features");
  checkFeatures(fake, "generated features");
  checkSameWidth(real, fake);
  return frechetFromStats(await gaussianStats(real), await gaussianStats(fake));
}

export interface FrechetInfinityOptions {
  /** Generated-set sizes to evaluate; default 8 sizes evenly spaced in 1/N from M/5 (at least D + 2) to M. */
  sizes?: number[];
  seed?: number;
}

export interface FrechetInfinityResult {
  /** Intercept of the least-squares line FD = fdInfinity + slope / N: FD extrapolated to N = infinity. */
  fdInfinity: number;
  slope: number;
  /** The fitted points (N, FD at N); each N is a seeded random subset of the generated set. */
  points: { n: number; fd: number }[];
  /** FD of the whole generated set. */
  fdFull: number;
  nReal: number;
  nFake: number;
  dim: number;
  warnings: string[];
}

/**
 * FD-infinity (Chong & Forsyth 2020): FD is biased upward by roughly c / N, so FD is computed on
 * generated subsets of several sizes N (real statistics fixed on the whole real set), a line is fitted
 * against 1/N and extrapolated to 1/N = 0.
 */
export async function frechetInfinity(
  real: Matrix,
  fake: Matrix,
  options: FrechetInfinityOptions = {},
): Promise<FrechetInfinityResult> {
  checkFeatures(real, "real features");
  checkFeatures(fake, "generated features");
  checkSameWidth(real, fake);
  const d = real.cols;
  const m = fake.rows;
  const sizes = options.sizes ?? defaultSizes(m, d);
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 2 || s > m)) {
    throw new InputError(
      `FD-infinity needs >= 2 subset sizes, each an integer in 2..${m}; got [${sizes.join(", ")}]`,
    );
  }
  const realStats = await gaussianStats(real);
  const rng = new Rng(options.seed ?? 0).fork("fd-infinity");
  const warnings: string[] = [];

  // FD at each size on a seeded subset
  const points: { n: number; fd: number }[] = [];
  for (const n of sizes) {
    const subset = n === m ? fake : selectRows(fake, rng.sample(m, n));
    const r = frechetFromStats(realStats, await gaussianStats(subset));
    points.push({ n, fd: r.fd });
  }
  if (sizes.some((s) => s <= d)) warnings.push(`some subset sizes are <= D = ${d}: singular covariances`);

  // least squares FD = a + b (1/N)
  const xs = points.map((p) => 1 / p.n);
  const ys = points.map((p) => p.fd);
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
  const my = ys.reduce((s, v) => s + v, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  if (sxx === 0) throw new InputError("FD-infinity needs at least two distinct subset sizes");
  const slope = sxy / sxx;
  const fdFull = frechetFromStats(realStats, await gaussianStats(fake)).fd;
  return { fdInfinity: my - slope * mx, slope, points, fdFull, nReal: real.rows, nFake: m, dim: d, warnings };
}

/** 8 sizes evenly spaced in 1/N between max(M/5, D + 2) and M (Chong & Forsyth span a 10x range). */
function defaultSizes(m: number, d: number): number[] {
  const smallest = Math.max(Math.ceil(m / 5), d + 2);
  if (smallest >= m) {
    throw new InputError(`FD-infinity needs more generated rows than D + 2 = ${d + 2} to vary N, got ${m}`);
  }
  const count = 8;
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const inv = 1 / smallest + ((1 / m - 1 / smallest) * i) / (count - 1);
    sizes.push(Math.round(1 / inv));
  }
  return [...new Set(sizes)];
}
