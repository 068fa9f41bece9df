// Precision and recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020), and the
// per-sample realism score (Kynkaanniemi et al. 2019), on feature matrices.
// Legend: X real [N, D], Y generated [M, D]; r_k(x) the distance from x to its k-th nearest neighbour in
// its own set, itself excluded; B(x, r) the open ball {z : |z - x| < r}.
//
// Membership convention (one for all four scores): strict '<', as in the density/coverage reference
// code (the original precision/recall code uses '<='). Duplicate handling: exact duplicate rows are
// distinct points at distance 0, so a point with k or more exact duplicates has r_k = 0 and, with '<',
// an empty ball; if every row is identical all four scores are 0. The result reports how many radii
// are 0 so that this never passes silently.
//
//   precision = (1/M) #{y : y in B(x, r_k(x)) for some x}     (generated samples that look real)
//   recall    = (1/N) #{x : x in B(y, r_k(y)) for some y}     (real samples the generator reaches)
//   density   = (1/(kM)) sum_y #{x : y in B(x, r_k(x))}        (can exceed 1)
//   coverage  = (1/N) #{x : B(x, r_k(x)) contains some y}
import { InputError } from "../util/errors.ts";
import { type Matrix, selectRows } from "../util/matrix.ts";
import { crossBallCounts, kthRadiiSq, minScaledSqDistance } from "./neighbours.ts";
import { median } from "./stats.ts";
import { checkFeatures, checkSameWidth } from "./validate.ts";

/** k = 5 as in Naeem et al. (density/coverage); the original precision/recall code uses k = 3. */
export const PRDC_DEFAULTS = { k: 5 } as const;

export interface PrdcOptions {
  k?: number;
  /** Also return per-sample counts (how many real balls hold each generated sample, ...). */
  perSample?: boolean;
  /** Precomputed r_k^2 of the real rows (from `kthRadiiSq(real, k)`), to share across calls. */
  realRadiiSq?: Float64Array;
}

export interface PrdcPerSample {
  /** Per generated sample: the number of real balls B(x, r_k(x)) containing it (0 = outside the real manifold). */
  fakeInRealBalls: number[];
  /** Per real sample: the number of generated balls containing it (0 = not reached by the generator). */
  realInFakeBalls: number[];
  /** Per real sample: the number of generated samples inside its own ball (0 = not covered). */
  fakeInOwnBall: number[];
}

export interface PrdcResult {
  precision: number;
  recall: number;
  density: number;
  coverage: number;
  k: number;
  membership: "strict";
  nReal: number;
  nFake: number;
  dim: number;
  /** Rows whose k-th neighbour radius is 0 (k or more exact duplicates): their balls are empty. */
  zeroRadiusReal: number;
  zeroRadiusFake: number;
  warnings: string[];
  perSample?: PrdcPerSample;
}

function checkK(k: number, real: Matrix, fake: Matrix): void {
  const most = Math.min(real.rows, fake.rows) - 1;
  if (!Number.isInteger(k) || k < 1 || k > most) {
    throw new InputError(
      `k must be an integer in 1..${most} (each set needs more than k rows), got ${k} ` +
        `with ${real.rows} real and ${fake.rows} generated rows`,
    );
  }
}

function countPositive(a: Int32Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > 0) c++;
  return c;
}

function zeroRadiusWarning(count: number, total: number, name: string, k: number): string[] {
  if (count === 0) return [];
  return [
    `${count} of ${total} ${name} rows have k-th neighbour radius 0 (k = ${k} or more exact duplicates): ` +
      "their balls are empty under strict '<'",
  ];
}

/** Precision, recall, density and coverage of generated features against real features. */
export async function prdc(real: Matrix, fake: Matrix, options: PrdcOptions = {}): Promise<PrdcResult> {
  checkFeatures(real, "real features");
  checkFeatures(fake, "generated features");
  checkSameWidth(real, fake);
  const k = options.k ?? PRDC_DEFAULTS.k;
  checkK(k, real, fake);
  const n = real.rows;
  const m = fake.rows;

  // k-th neighbour radii within each set (squared, exact)
  const r2Real = options.realRadiiSq ?? (await kthRadiiSq(real, k));
  if (r2Real.length !== n) throw new InputError(`realRadiiSq has ${r2Real.length} values for ${n} real rows`);
  const r2Fake = await kthRadiiSq(fake, k);

  // ball memberships in one pass over the generated x real distances: real balls holding each generated
  // sample (precision, density), generated samples in each real ball (coverage), generated balls
  // holding each real sample (recall)
  const { fakeInRealBalls, fakeInOwnBall, realInFakeBalls } = await crossBallCounts(
    fake,
    real,
    r2Fake,
    r2Real,
  );

  let inside = 0;
  for (let j = 0; j < m; j++) inside += fakeInRealBalls[j]!;
  const zeroRadiusReal = r2Real.reduce((c, v) => c + (v === 0 ? 1 : 0), 0);
  const zeroRadiusFake = r2Fake.reduce((c, v) => c + (v === 0 ? 1 : 0), 0);
  const result: PrdcResult = {
    precision: countPositive(fakeInRealBalls) / m,
    recall: countPositive(realInFakeBalls) / n,
    density: inside / (k * m),
    coverage: countPositive(fakeInOwnBall) / n,
    k,
    membership: "strict",
    nReal: n,
    nFake: m,
    dim: real.cols,
    zeroRadiusReal,
    zeroRadiusFake,
    warnings: [
      ...zeroRadiusWarning(zeroRadiusReal, n, "real", k),
      ...zeroRadiusWarning(zeroRadiusFake, m, "generated", k),
    ],
  };
  if (options.perSample === true) {
    result.perSample = {
      fakeInRealBalls: Array.from(fakeInRealBalls),
      realInFakeBalls: Array.from(realInFakeBalls),
      fakeInOwnBall: Array.from(fakeInOwnBall),
    };
  }
  return result;
}

export interface RealismOptions {
  k?: number;
  realRadiiSq?: Float64Array;
}

export interface RealismResult {
  /**
   * Per generated sample: max over the kept real x of r_k(x) / |y - x|. Above 1 means inside some
   * real ball; Infinity (JSON null) when the sample coincides with a kept real point.
   */
  scores: number[];
  /** Per generated sample: the real row attaining the maximum. */
  nearestReal: number[];
  k: number;
  /** Median of r_k over the real rows: only real points with r_k <= median (and > 0) are used. */
  medianRadius: number;
  keptReal: number;
  warnings: string[];
}

/**
 * Per-sample realism (Kynkaanniemi et al. 2019, section 5): real points in sparse regions (radius above
 * the median) are dropped because their large balls accept almost anything; zero radii (duplicates)
 * are dropped because their ratio is 0. Low scores pick failure samples.
 */
export async function realism(
  real: Matrix,
  fake: Matrix,
  options: RealismOptions = {},
): Promise<RealismResult> {
  checkFeatures(real, "real features");
  checkFeatures(fake, "generated features");
  checkSameWidth(real, fake);
  const k = options.k ?? PRDC_DEFAULTS.k;
  if (!Number.isInteger(k) || k < 1 || k > real.rows - 1) {
    throw new InputError(`k must be an integer in 1..${real.rows - 1}, got ${k}`);
  }
  const r2 = options.realRadiiSq ?? (await kthRadiiSq(real, k));

  // keep real points with 0 < r_k <= median r_k
  const med2 = median(r2);
  const kept: number[] = [];
  for (let i = 0; i < r2.length; i++) if (r2[i]! > 0 && r2[i]! <= med2) kept.push(i);
  const warnings: string[] = [];
  if (kept.length === 0) {
    warnings.push(
      "every real radius at or below the median is 0 (duplicated real data): realism is 0 for all",
    );
    return {
      scores: new Array<number>(fake.rows).fill(0),
      nearestReal: new Array<number>(fake.rows).fill(-1),
      k,
      medianRadius: Math.sqrt(med2),
      keptReal: 0,
      warnings,
    };
  }

  // max r/d = 1 / sqrt(min d^2 / r^2)
  const weights = Float64Array.from(kept, (i) => 1 / r2[i]!);
  const best = await minScaledSqDistance(fake, selectRows(real, kept), weights);
  return {
    scores: Array.from(best.values, (v) => 1 / Math.sqrt(v)),
    nearestReal: Array.from(best.indices, (j) => kept[j]!),
    k,
    medianRadius: Math.sqrt(med2),
    keptReal: kept.length,
    warnings,
  };
}
