// Blur and noise on images, judged against real images of the same dataset: per image the variance of
// the Laplacian and the share of spectral energy at high spatial frequencies. Blur lowers both; noise
// raises both. Thresholds from photographs do not carry over to 28x28 glyphs, so each generated value is
// placed in the real distribution (percentile rank; shares below the real 5th and above the real 95th
// percentile). Legend: f(y, x) one image H x W in [0, 1]; F(u, v) its 2-D DFT; rho radial frequency in
// cycles per pixel (Nyquist = 0.5).
import type { ImageBatch } from "../data/types.ts";
import { InputError } from "../util/errors.ts";
import { percentileSorted, shareBelow, sorted } from "./stats.ts";
import { checkImages } from "./validate.ts";

/**
 * High frequencies are rho > 0.25 cycles/pixel, half the Nyquist frequency: the upper half of the band
 * holds edges, stroke texture and pixel noise; the lower half the shapes. A chosen split, not a standard.
 */
export const SHARPNESS_DEFAULTS = { cutoff: 0.25 } as const;

export interface SharpnessScores {
  n: number;
  /** Per image: population variance of the 4-neighbour Laplacian [[0,1,0],[1,-4,1],[0,1,0]] over interior pixels. */
  laplacianVariance: number[];
  /** Per image: high-frequency share of the non-constant spectral energy, in [0, 1]; 0 for a constant image. */
  highFrequencyShare: number[];
  cutoff: number;
}

export interface SharpnessComparison {
  realP5: number;
  realMedian: number;
  realP95: number;
  fakeMedian: number;
  /** Share of generated images below the real 5th percentile (blurrier than almost all real images). */
  shareBelowRealP5: number;
  /** Share of generated images above the real 95th percentile (noisier than almost all real images). */
  shareAboveRealP95: number;
  /** Per generated image: share of real images with a lower value (its percentile rank, in [0, 1]). */
  fakeRank: number[];
}

export interface SharpnessResult {
  nReal: number;
  nFake: number;
  cutoff: number;
  laplacianVariance: SharpnessComparison;
  highFrequencyShare: SharpnessComparison;
  fake: SharpnessScores;
  warnings: string[];
}

function laplacianVariance(img: Float32Array, h: number, w: number): number {
  let sum = 0;
  let sumSq = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const o = y * w + x;
      const l = img[o - w]! + img[o + w]! + img[o - 1]! + img[o + 1]! - 4 * img[o]!;
      sum += l;
      sumSq += l * l;
    }
  }
  const n = (h - 2) * (w - 2);
  const m = sum / n;
  return Math.max(0, sumSq / n - m * m);
}

/** Low-frequency DFT bins |f| <= cutoff along one axis of length n: indices and twiddle tables. */
function lowBins(n: number, cutoff: number): { freqs: number[]; cos: Float64Array; sin: Float64Array } {
  const limit = Math.floor(cutoff * n);
  const freqs: number[] = [];
  for (let k = 0; k < n; k++) {
    const f = k <= n / 2 ? k : k - n;
    if (Math.abs(f) <= limit) freqs.push(k);
  }
  const cos = new Float64Array(freqs.length * n);
  const sin = new Float64Array(freqs.length * n);
  freqs.forEach((k, a) => {
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((k * t) % n)) / n;
      cos[a * n + t] = Math.cos(angle);
      sin[a * n + t] = Math.sin(angle);
    }
  });
  return { freqs, cos, sin };
}

/** Signed frequency of DFT bin k of n, in cycles per sample. */
function signedFrequency(k: number, n: number): number {
  return (k <= n / 2 ? k : k - n) / n;
}

/** Per-image Laplacian variance and high-frequency energy share. */
export function sharpnessScores(
  images: ImageBatch,
  cutoff: number = SHARPNESS_DEFAULTS.cutoff,
): SharpnessScores {
  checkImages(images, "images");
  if (!(cutoff > 0 && cutoff < Math.SQRT1_2))
    throw new InputError(`cutoff must be in (0, 0.707), got ${cutoff}`);
  const { n, h, w, data } = images;
  const rowsLow = lowBins(h, cutoff);
  const colsLow = lowBins(w, cutoff);
  const nu = rowsLow.freqs.length;
  const nv = colsLow.freqs.length;
  // which (u, v) pairs lie inside the low-frequency disc
  const inDisc = new Uint8Array(nu * nv);
  for (let a = 0; a < nu; a++) {
    for (let b = 0; b < nv; b++) {
      const rho = Math.hypot(signedFrequency(rowsLow.freqs[a]!, h), signedFrequency(colsLow.freqs[b]!, w));
      inDisc[a * nv + b] = rho <= cutoff ? 1 : 0;
    }
  }

  const lap: number[] = [];
  const hf: number[] = [];
  const centred = new Float64Array(h * w);
  const re = new Float64Array(h * nv);
  const im = new Float64Array(h * nv);
  for (let i = 0; i < n; i++) {
    const img = data.subarray(i * h * w, (i + 1) * h * w);
    lap.push(laplacianVariance(img, h, w));

    // total non-DC energy by Parseval: H W sum (f - mean)^2
    let mean = 0;
    for (let p = 0; p < h * w; p++) mean += img[p]!;
    mean /= h * w;
    let total = 0;
    for (let p = 0; p < h * w; p++) {
      centred[p] = img[p]! - mean;
      total += centred[p]! ** 2;
    }
    total *= h * w;
    if (total === 0) {
      hf.push(0);
      continue;
    }

    // low-frequency energy: row DFT at the low column frequencies, then column DFT at the low row ones
    for (let y = 0; y < h; y++) {
      for (let b = 0; b < nv; b++) {
        let sr = 0;
        let si = 0;
        for (let x = 0; x < w; x++) {
          const v = centred[y * w + x]!;
          sr += v * colsLow.cos[b * w + x]!;
          si += v * colsLow.sin[b * w + x]!;
        }
        re[y * nv + b] = sr;
        im[y * nv + b] = si;
      }
    }
    let low = 0;
    for (let a = 0; a < nu; a++) {
      for (let b = 0; b < nv; b++) {
        if (inDisc[a * nv + b] === 0) continue;
        let fr = 0;
        let fi = 0;
        for (let y = 0; y < h; y++) {
          const c = rowsLow.cos[a * h + y]!;
          const s = rowsLow.sin[a * h + y]!;
          fr += re[y * nv + b]! * c - im[y * nv + b]! * s;
          fi += re[y * nv + b]! * s + im[y * nv + b]! * c;
        }
        low += fr * fr + fi * fi;
      }
    }
    hf.push(Math.min(1, Math.max(0, 1 - low / total)));
  }
  return { n, laplacianVariance: lap, highFrequencyShare: hf, cutoff };
}

function compare(real: number[], fake: number[]): SharpnessComparison {
  const r = sorted(real);
  const f = sorted(fake);
  const p5 = percentileSorted(r, 5);
  const p95 = percentileSorted(r, 95);
  return {
    realP5: p5,
    realMedian: percentileSorted(r, 50),
    realP95: p95,
    fakeMedian: percentileSorted(f, 50),
    shareBelowRealP5: fake.filter((v) => v < p5).length / fake.length,
    shareAboveRealP95: fake.filter((v) => v > p95).length / fake.length,
    fakeRank: fake.map((v) => shareBelow(r, v)),
  };
}

/** Sharpness and noise of generated images against real images of the same size. */
export function sharpness(
  fake: ImageBatch,
  real: ImageBatch,
  options: { cutoff?: number } = {},
): SharpnessResult {
  checkImages(fake, "generated images");
  checkImages(real, "real images");
  if (fake.h !== real.h || fake.w !== real.w) {
    throw new InputError(
      `generated images are ${fake.h}x${fake.w} but real images ${real.h}x${real.w}; compare images of one size`,
    );
  }
  const cutoff = options.cutoff ?? SHARPNESS_DEFAULTS.cutoff;
  const f = sharpnessScores(fake, cutoff);
  const r = sharpnessScores(real, cutoff);
  const warnings: string[] = [];
  if (real.n < 100) warnings.push(`only ${real.n} real images: their 5th and 95th percentiles are rough`);
  return {
    nReal: real.n,
    nFake: fake.n,
    cutoff,
    laplacianVariance: compare(r.laplacianVariance, f.laplacianVariance),
    highFrequencyShare: compare(r.highFrequencyShare, f.highFrequencyShare),
    fake: f,
    warnings,
  };
}
