// Every measurement of one image set against the real reference, kept with the per-sample pieces the
// bootstrap recomputes the scores from. Computed the same way for a generated set G and for the
// held-out baseline B, so that each score component is a like-for-like ratio.
// Legend: R real reference [N, D] (TRAIN subset), T all TRAIN features, B held-out TEST subset, Y the
// measured set [M, D]; r_k the k-th neighbour radius within a set.
import type { ImageBatch } from "../data/types.ts";
import type { Embedding } from "../features/index.ts";
import {
  type ClassMetricsResult,
  classMetrics,
  type FrechetResult,
  frechetDistance,
  type KidResult,
  kid,
  knn,
  kthRadiiSq,
  type MemorizationResult,
  memorization,
  type NdbResult,
  type NearDuplicateResult,
  ndb,
  nearDuplicates,
  type PrdcResult,
  prdc,
  type RealismResult,
  realism,
  type SharpnessScores,
  sharpnessScores,
  type VendiResult,
  vendi,
} from "../metrics/index.ts";
import type { Matrix } from "../util/matrix.ts";
import type { Calibration, Reference } from "./reference.ts";
import { SCORE_DEFAULTS } from "./reference.ts";
import {
  type LogSharpness,
  logSharpness,
  residualBands,
  SHARPNESS_NEIGHBOURS,
  sharpnessResiduals,
  sharpnessTerms,
} from "./sharpness.ts";

/**
 * Generated samples listed per real point for the bootstrap's recall and coverage: the nearest one
 * selected in a resample is among the 16 nearest unless all 16 were left out, which happens with
 * probability 0.37^16 < 1e-6 per point.
 */
export const BOOTSTRAP_NEIGHBOURS = 16;

/**
 * Held-out images a sample's nearest-train distance is compared with: its 10 nearest in B. Some regions
 * of the data are denser in TRAIN than others (a plain circle has few parameters, so a new circle is
 * always close to some training circle); comparing with held-out images of the same look keeps a set
 * of such samples from reading as copies.
 */
export const MEMORIZATION_NEIGHBOURS = 10;

export interface SetStatistics {
  n: number;
  prdc: PrdcResult;
  realism: RealismResult;
  fd: FrechetResult;
  kid: KidResult;
  vendi: VendiResult;
  classes: ClassMetricsResult | null;
  ndb: NdbResult | null;
  duplicates: NearDuplicateResult;
  memorization: MemorizationResult;
  sharpness: SharpnessScores;
  perSample: {
    /** Real balls B(x, r_k(x)) holding each sample (precision: > 0; density: / k). */
    inRealBalls: Int32Array;
    /** Sharpness term in [0, 1] per sample. */
    sharpness: Float64Array;
    /** Log sharpness measures relative to the sample's nearest real images (sharpness.ts rho). */
    sharpnessResiduals: LogSharpness;
    /** 1 when the sample has a near-duplicate in its own set. */
    hasDuplicate: Uint8Array;
    /** Predicted class per sample (classifier only). */
    predicted: Int32Array | null;
    /** Rows L2-normalised (Vendi's cosine kernel); zero rows stay zero. */
    unitRows: Matrix;
  };
  /** Per real point of R: its BOOTSTRAP_NEIGHBOURS nearest samples (indices, squared distances). */
  realToSample: { k: number; indices: Int32Array; sqDistances: Float64Array };
  /**
   * Per sample: its nearest-train distance divided by the mean nearest-train distance of its
   * MEMORIZATION_NEIGHBOURS nearest held-out images (copies ~0, like held-out images ~1).
   */
  nearestTrainRatio: Float64Array;
  /** Squared k-th neighbour radius of every sample within its own set. */
  sampleRadiiSq: Float64Array;
  warnings: string[];
}

/** A calibration before its baseline exists (the baseline itself is measured with it). */
type CalibrationBase = Omit<Calibration, "baseline" | "sharpnessBands"> &
  Partial<Pick<Calibration, "baseline" | "sharpnessBands">>;

/**
 * All measurements of a set Y (features and images) against the reference at its calibration. Without
 * a baseline in the calibration, Y is the baseline B itself: its own sharpness residuals give the bands
 * and its own nearest-train distances the local memorisation scale.
 */
export async function setStatistics(
  reference: Reference,
  calibration: CalibrationBase,
  embedding: Embedding,
  images: ImageBatch,
): Promise<SetStatistics> {
  const y = embedding.features;
  const { real, realRadiiSq, test } = calibration;
  const k = reference.k;
  const seed = reference.seed;

  // fidelity and coverage of the real manifold
  const prdcResult = await prdc(real, y, { k, perSample: true, realRadiiSq });
  const realismResult = await realism(real, y, { k, realRadiiSq });
  const sampleRadiiSq = await kthRadiiSq(y, k);
  const kb = Math.min(BOOTSTRAP_NEIGHBOURS, y.rows);
  const nb = await knn(real, y, kb);

  // distribution distances, reported as metrics (not part of the scores)
  const fd = await frechetDistance(real, y);
  // KID over subsets when the sets are larger than a subset; when a subset would be the whole of both
  // sets, every subset gives the same value, so the whole sets are measured once (std then undefined)
  const kidSize = Math.min(SCORE_DEFAULTS.kidSubsetSize, real.rows, y.rows);
  const whole = kidSize === real.rows && kidSize === y.rows;
  const kidResult = await kid(real, y, {
    subsets: whole ? 1 : SCORE_DEFAULTS.kidSubsets,
    subsetSize: kidSize,
    seed,
  });

  // diversity: Vendi, classes, NDB bins, near-duplicates
  const vendiResult = await vendi(y);
  const classes =
    embedding.probs === null
      ? null
      : classMetrics(embedding.probs, reference.dataClassShares ?? undefined, reference.classes ?? undefined);
  const ndbResult = reference.ndbBins === null ? null : await ndb(reference.ndbBins, y);
  const duplicates = await nearDuplicates(real, y, { seed });

  // memorisation: nearest TRAIN distances against those of the held-out baseline
  const mem = await memorization(reference.trainFeatures, test.features, y, { seed });
  const isBaseline = calibration.baseline === undefined;
  const testNearest = calibration.baseline?.memorization.fake.distances ?? mem.fake.distances;
  const km = Math.min(MEMORIZATION_NEIGHBOURS, test.features.rows - (isBaseline ? 1 : 0));
  const nearTest = await knn(y, test.features, km, { excludeSelf: isBaseline });
  const nearestTrainRatio = localRatios(mem.fake.distances, testNearest, nearTest.indices, km);

  // sharpness per image, relative to the nearest real images
  const sharp = sharpnessScores(images);
  const ks = Math.min(SHARPNESS_NEIGHBOURS, real.rows);
  const near = await knn(y, real, ks);
  const residuals = sharpnessResiduals(logSharpness(sharp), calibration.realSharpness, near.indices, ks);
  const bands = calibration.sharpnessBands ?? residualBands(residuals);
  const hasDuplicate = new Uint8Array(y.rows);
  for (const group of duplicates.groups) for (const i of group) hasDuplicate[i] = 1;

  const warnings = [
    ...prdcResult.warnings.map((w) => `PRDC: ${w}`),
    ...realismResult.warnings.map((w) => `realism: ${w}`),
    ...fd.warnings.map((w) => `FD: ${w}`),
    ...kidResult.warnings.map((w) => `KID: ${w}`),
    ...vendiResult.warnings.map((w) => `Vendi: ${w}`),
    ...(classes?.warnings ?? []).map((w) => `classes: ${w}`),
    ...(ndbResult?.warnings ?? []).map((w) => `NDB: ${w}`),
    ...duplicates.warnings.map((w) => `near-duplicates: ${w}`),
    ...mem.warnings.map((w) => `memorisation: ${w}`),
  ];
  return {
    n: y.rows,
    prdc: prdcResult,
    realism: realismResult,
    fd,
    kid: kidResult,
    vendi: vendiResult,
    classes,
    ndb: ndbResult,
    duplicates,
    memorization: mem,
    sharpness: sharp,
    perSample: {
      inRealBalls: Int32Array.from(prdcResult.perSample!.fakeInRealBalls),
      sharpness: sharpnessTerms(residuals, bands),
      sharpnessResiduals: residuals,
      hasDuplicate,
      predicted: embedding.probs === null ? null : argmaxRows(embedding.probs),
      unitRows: unitRows(y),
    },
    realToSample: { k: kb, indices: nb.indices, sqDistances: nb.sqDistances },
    nearestTrainRatio,
    sampleRadiiSq,
    warnings,
  };
}

/** d_T(y_i) / mean over its neighbours j of d_T(b_j); 0 / 0 (duplicated data) counts as 1. */
function localRatios(
  sampleNearest: ArrayLike<number>,
  testNearest: ArrayLike<number>,
  neighbours: Int32Array,
  k: number,
): Float64Array {
  const out = new Float64Array(sampleNearest.length);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += testNearest[neighbours[i * k + c]!]!;
    const scale = s / k;
    const d = sampleNearest[i]!;
    out[i] = scale > 0 ? d / scale : d > 0 ? Number.POSITIVE_INFINITY : 1;
  }
  return out;
}

function argmaxRows(p: Matrix): Int32Array {
  const out = new Int32Array(p.rows);
  for (let i = 0; i < p.rows; i++) {
    let best = 0;
    for (let c = 1; c < p.cols; c++) if (p.data[i * p.cols + c]! > p.data[i * p.cols + best]!) best = c;
    out[i] = best;
  }
  return out;
}

function unitRows(x: Matrix): Matrix {
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = 0; j < x.cols; j++) s += x.data[i * x.cols + j]! ** 2;
    const norm = Math.sqrt(s);
    if (norm === 0) continue;
    for (let j = 0; j < x.cols; j++) data[i * x.cols + j] = x.data[i * x.cols + j]! / norm;
  }
  return { data, rows: x.rows, cols: x.cols };
}
