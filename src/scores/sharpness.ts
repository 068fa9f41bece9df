// The sharpness term of the quality score: is each sample's fine detail typical of real images that
// look like it? Two per-image measures from src/metrics/sharpness.ts, on a log scale (they span decades,
// and blur and noise move them by factors): L = ln(variance of the Laplacian + eps_L) and
// F = ln(high-frequency energy share + eps_F).
//
// Legend: z an image (a sample, or a held-out real image of the baseline B); N_K(z) its K nearest real
// images of R in feature space; rho(z) = L(z) - mean_{x in N_K(z)} L(x) its detail relative to those
// neighbours (the same for F). Held-out real images give the band [a, b] = [P2.5, P97.5] of rho, width
// w = b - a. A sample's excess outside the band, in band widths, is e = max(0, a - rho, rho - b) / w, and
// its sharpness term is s = exp(-max(e_L, e_F)): 1 inside both bands (as 95% of held-out real images
// are), e^-1 = 0.37 one band width outside either, and so on. Blur pushes rho below the band, noise
// above it. The exponential never reaches 0, so among blurry checkpoints the less blurry still scores
// higher (a linear ramp to 0 would tie them all at 0).
//
// Why relative to neighbours: datasets mix smooth and detailed classes (the `patterns` gradients have a
// Laplacian variance near 0, its stripes near 0.2), so a global real band spans decades and a blurred
// stripe still falls inside it. Compared with real images of the same look, it does not.
import type { SharpnessScores } from "../metrics/index.ts";
import { percentileSorted } from "../metrics/stats.ts";

/**
 * Offsets inside the logs: a constant image has Laplacian variance 0 and no high-frequency energy. Both
 * sit far below anything a drawn 28x28 glyph produces (real shapes: variance ~1e-2, share ~1e-2 and
 * above), so they only keep blank images finite (and far outside the band).
 */
const EPS_LAPLACIAN = 1e-8;
const EPS_HIGH_FREQUENCY = 1e-6;
/** The central 95% of held-out real images count as fully typical. */
const BAND = [2.5, 97.5] as const;
/**
 * Real neighbours a sample's detail is compared with: 10 average out the spread among similar real
 * images (their log Laplacian variances differ by ~0.5) while staying local in a 500-image reference.
 */
export const SHARPNESS_NEIGHBOURS = 10;

export function logLaplacian(v: number): number {
  return Math.log(v + EPS_LAPLACIAN);
}

export function logHighFrequency(v: number): number {
  return Math.log(v + EPS_HIGH_FREQUENCY);
}

/** Percentiles of a measure, in its own units. */
export interface Percentiles {
  p1: number;
  p5: number;
  p50: number;
  p95: number;
  p99: number;
}

function percentiles(values: ArrayLike<number>): Percentiles {
  const s = Float64Array.from(values).sort();
  return {
    p1: percentileSorted(s, 1),
    p5: percentileSorted(s, 5),
    p50: percentileSorted(s, 50),
    p95: percentileSorted(s, 95),
    p99: percentileSorted(s, 99),
  };
}

/** Raw percentiles of both measures over real TRAIN images (reported beside the samples' values). */
export interface RealSharpness {
  n: number;
  laplacian: Percentiles;
  highFrequency: Percentiles;
}

export function realSharpness(scores: SharpnessScores): RealSharpness {
  return {
    n: scores.n,
    laplacian: percentiles(scores.laplacianVariance),
    highFrequency: percentiles(scores.highFrequencyShare),
  };
}

/** Per-image log measures. */
export interface LogSharpness {
  laplacian: Float64Array;
  highFrequency: Float64Array;
}

export function logSharpness(scores: SharpnessScores): LogSharpness {
  return {
    laplacian: Float64Array.from(scores.laplacianVariance, logLaplacian),
    highFrequency: Float64Array.from(scores.highFrequencyShare, logHighFrequency),
  };
}

/**
 * rho per image: its log measure minus the mean log measure of its real neighbours. `neighbours` is
 * [n, k] row-major indices into `real`.
 */
export function sharpnessResiduals(
  images: LogSharpness,
  real: LogSharpness,
  neighbours: Int32Array,
  k: number,
): LogSharpness {
  const n = images.laplacian.length;
  const laplacian = new Float64Array(n);
  const highFrequency = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let l = 0;
    let f = 0;
    for (let c = 0; c < k; c++) {
      const j = neighbours[i * k + c]!;
      l += real.laplacian[j]!;
      f += real.highFrequency[j]!;
    }
    laplacian[i] = images.laplacian[i]! - l / k;
    highFrequency[i] = images.highFrequency[i]! - f / k;
  }
  return { laplacian, highFrequency };
}

/** The typical band of rho over held-out real images, and its percentiles. */
export interface ResidualBand extends Percentiles {
  low: number;
  high: number;
  width: number;
}

export interface ResidualBands {
  laplacian: ResidualBand;
  highFrequency: ResidualBand;
}

function band(values: Float64Array): ResidualBand {
  const s = Float64Array.from(values).sort();
  const low = percentileSorted(s, BAND[0]);
  const high = percentileSorted(s, BAND[1]);
  // identical real images (no spread) would make every deviation infinite
  return { ...percentiles(values), low, high, width: Math.max(high - low, 1e-6) };
}

/** Bands from the residuals of held-out real images. */
export function residualBands(baseline: LogSharpness): ResidualBands {
  return { laplacian: band(baseline.laplacian), highFrequency: band(baseline.highFrequency) };
}

function excess(v: number, b: ResidualBand): number {
  return Math.max(0, b.low - v, v - b.high) / b.width;
}

/** Per-image sharpness terms in [0, 1] (see the top comment). */
export function sharpnessTerms(residuals: LogSharpness, bands: ResidualBands): Float64Array {
  const n = residuals.laplacian.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const eL = excess(residuals.laplacian[i]!, bands.laplacian);
    const eF = excess(residuals.highFrequency[i]!, bands.highFrequency);
    out[i] = Math.exp(-Math.max(eL, eF));
  }
  return out;
}
