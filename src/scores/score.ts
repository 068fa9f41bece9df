// Scoring one sample set (e.g. one checkpoint's samples) against a Reference: embed the images, measure
// everything against the real reference, turn the measurements into the calibrated quality and
// diversity scores with bootstrap intervals, decide the flags, and expose the per-sample values the
// failure-sample picker needs. Definitions of the scores: components.ts and docs/scores.md.
import type { ImageBatch } from "../data/types.ts";
import { betaBinomialPmf, percentile, shareBelow, sorted, sumTail } from "../metrics/stats.ts";
import type { Flag, Score } from "../run/schema.ts";
import { InputError } from "../util/errors.ts";
import { bootstrapScores } from "./bootstrap.ts";
import {
  type ComponentValues,
  components,
  DIVERSITY_NAMES,
  fullValues,
  QUALITY_NAMES,
  type ScoreComponent,
} from "./components.ts";
import { sampleFlags } from "./flags.ts";
import { type Calibration, type Reference, SCORE_DEFAULTS } from "./reference.ts";
import type { LogSharpness } from "./sharpness.ts";
import { type SetStatistics, setStatistics } from "./statistics.ts";

export interface ScoreOptions {
  /** Bootstrap seed (default: the reference's seed). */
  seed?: number;
  /** Bootstrap resamples (default: the reference's). */
  bootstrap?: number;
}

export interface PerSample {
  /** Realism (Kynkaanniemi et al. 2019); low = least realistic; Infinity when on a real point. */
  realism: number[];
  /** Nearest TRAIN image (index into dataset.train) and the feature distance to it. */
  nearestTrainIndex: number[];
  nearestTrainDistance: number[];
  /** Sharpness term in [0, 1]; its raw measures. */
  sharpness: number[];
  laplacianVariance: number[];
  highFrequencyShare: number[];
  /** Real k-NN balls holding the sample (0 = outside the real manifold). */
  inRealBalls: number[];
  /** Predicted class index (classifier only). */
  predictedClass: number[] | null;
  /** Near-duplicate groups of sample indices, largest first. */
  duplicateGroups: number[][];
}

export interface SampleEvaluation {
  n: number;
  /** Flat metric values keyed with slashes (evaluation.json `metrics`). */
  metrics: Record<string, number | null>;
  scores: { quality: Score; diversity: Score };
  components: { quality: ScoreComponent[]; diversity: ScoreComponent[] };
  perSample: PerSample;
  flags: Flag[];
  /** Every warning of the metrics, prefixed with the metric's name. */
  warnings: string[];
  /** The full results of every metric, for reports that want more than the flat record. */
  details: SetStatistics;
}

/** Score a set of generated images against the reference. */
export async function scoreSamples(
  reference: Reference,
  images: ImageBatch,
  options: ScoreOptions = {},
): Promise<SampleEvaluation> {
  if (images.h !== reference.extractor.height || images.w !== reference.extractor.width) {
    throw new InputError(
      `samples are ${images.h}x${images.w} but ${reference.dataset.id} images are ` +
        `${reference.extractor.height}x${reference.extractor.width}; generate images of the dataset's size`,
    );
  }
  const calibration = await reference.calibration(images.n);
  const embedding = await reference.extractor.embed(images);
  const stats = await setStatistics(reference, calibration, embedding, images);
  return evaluateStatistics(reference, calibration, stats, options);
}

/** Scores, metrics and flags of measured statistics (also used for the baseline itself). */
export function evaluateStatistics(
  reference: Reference,
  calibration: Calibration,
  stats: SetStatistics,
  options: ScoreOptions = {},
): SampleEvaluation {
  const full = fullValues(stats);
  const base = fullValues(calibration.baseline);
  const boot = bootstrapScores(stats, calibration.realRadiiSq, reference.k, full, base, {
    resamples: options.bootstrap ?? reference.bootstrap,
    seed: options.seed ?? reference.seed,
    interval: SCORE_DEFAULTS.interval,
  });
  const quality = components(full, base, QUALITY_NAMES);
  const diversity = components(full, base, DIVERSITY_NAMES);
  const metrics = flatMetrics(reference, calibration, stats, full, base, quality, diversity);
  const warnings = [...reference.warnings, ...stats.warnings];
  if (boot.resamples > 0 && stats.perSample.unitRows.cols > 128) {
    warnings.push(
      `bootstrap: D = ${stats.perSample.unitRows.cols} features; the Vendi term is held at its full-set value in resamples`,
    );
  }
  return {
    n: stats.n,
    metrics,
    scores: { quality: boot.quality, diversity: boot.diversity },
    components: { quality, diversity },
    perSample: perSample(stats),
    flags: sampleFlags(metrics),
    warnings,
    details: stats,
  };
}

function perSample(s: SetStatistics): PerSample {
  return {
    realism: s.realism.scores,
    nearestTrainIndex: s.memorization.fake.indices,
    nearestTrainDistance: s.memorization.fake.distances,
    sharpness: Array.from(s.perSample.sharpness),
    laplacianVariance: s.sharpness.laplacianVariance,
    highFrequencyShare: s.sharpness.highFrequencyShare,
    inRealBalls: Array.from(s.perSample.inRealBalls),
    predictedClass: s.perSample.predicted === null ? null : Array.from(s.perSample.predicted),
    duplicateGroups: s.duplicates.groups,
  };
}

function finite(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

/** The held-out quantile of the nearest-train ratio under which a sample counts as a likely copy. */
const COPY_QUANTILE = 0.01;
/** Fewest held-out images of a predicted class for that class to get its own copy threshold. */
const COPY_MIN_CLASS_HELDOUT = 50;

/**
 * The flat record of evaluation.json. Keys: the raw metrics ("fd", "kid/mean", "precision", ...), the
 * score terms ("quality/precision", "diversity/coverage", ...), and the numbers the flags are decided
 * from ("sharpness/...", "memorization/...", "duplicates/...", "class/...").
 */
function flatMetrics(
  reference: Reference,
  calibration: Calibration,
  s: SetStatistics,
  full: ComponentValues,
  base: ComponentValues,
  quality: ScoreComponent[],
  diversity: ScoreComponent[],
): Record<string, number | null> {
  const m: Record<string, number | null> = {};
  const realSharp = reference.sharpness;

  // distribution metrics and PRDC
  m["fd"] = finite(s.fd.fd);
  m["kid/mean"] = finite(s.kid.mean);
  m["kid/std"] = s.kid.subsets > 1 ? finite(s.kid.std) : null;
  m["precision"] = s.prdc.precision;
  m["recall"] = s.prdc.recall;
  m["density"] = s.prdc.density;
  m["coverage"] = s.prdc.coverage;
  m["realism/median"] = finite(percentile(s.realism.scores.filter(Number.isFinite), 50));
  m["vendi"] = s.vendi.score;
  m["vendi/real"] = calibration.baseline.vendi.score;

  // score terms
  for (const c of quality) m[`quality/${c.name}`] = c.term;
  for (const c of diversity) m[`diversity/${c.name}`] = c.term;

  // classes
  if (s.classes !== null) {
    m["class/coverage"] = s.classes.classCoverage;
    m["class/covered"] = s.classes.coveredClasses;
    m["class/count"] = s.classes.classes;
    m["class/entropy"] = s.classes.entropy;
    m["class/normalized_entropy"] = s.classes.normalizedEntropy;
    m["class/perplexity"] = full.classes;
    m["class/perplexity_real"] = base.classes;
    m["class/score"] = s.classes.classifierScore;
    m["class/total_variation"] = finite(s.classes.totalVariation);
  }
  if (reference.info.testAccuracy !== undefined) m["extractor/test_accuracy"] = reference.info.testAccuracy;

  // NDB
  if (s.ndb !== null) {
    m["ndb/different_share"] = s.ndb.differentShare;
    m["ndb/js"] = s.ndb.js;
  }

  // near-duplicates
  m["duplicates/share"] = 1 - full.duplicates;
  m["duplicates/share_real"] = 1 - base.duplicates;
  m["duplicates/pair_rate"] = s.duplicates.fake.pairRate;
  m["duplicates/rate_ratio"] = finite(s.duplicates.rateRatio);
  m["duplicates/largest_group"] = s.duplicates.groups[0]?.length ?? 0;

  // memorisation: each sample's nearest-train distance relative to held-out images of the same look
  // (copyTest below), its threshold and p-value.
  const copy = copyTest(
    s.nearestTrainRatio,
    s.perSample.predicted,
    calibration.baseline.nearestTrainRatio,
    calibration.baseline.perSample.predicted,
  );
  const fakeNearest = s.memorization.fake.distances;
  m["memorization/copy_threshold"] = copy.threshold;
  m["memorization/copy_share"] = copy.share;
  m["memorization/copy_share_test"] = copy.shareTest;
  m["memorization/copy_p_value"] = copy.pValue;
  m["memorization/copy_by_class"] = copy.byClass ? 1 : 0;
  m["memorization/nearest_train_ratio_median"] = percentile(s.nearestTrainRatio, 50);
  m["memorization/exact_share"] = fakeNearest.filter((d) => d === 0).length / fakeNearest.length;
  m["memorization/nearest_train_median"] = s.memorization.fake.median;
  m["memorization/nearest_train_median_test"] = s.memorization.test.median;
  m["memorization/authenticity"] = s.memorization.authenticity.fake;
  m["memorization/authenticity_test"] = s.memorization.authenticity.test;
  m["memorization/ct"] = finite(s.memorization.ct);

  // sharpness relative to the nearest real images (ratios exp(rho)), against held-out real images
  const bands = calibration.sharpnessBands;
  const rho = s.perSample.sharpnessResiduals;
  const rhoL = sorted(rho.laplacian);
  const rhoF = sorted(rho.highFrequency);
  m["sharpness/laplacian_ratio_median"] = Math.exp(percentile(rhoL, 50));
  m["sharpness/hf_ratio_median"] = Math.exp(percentile(rhoF, 50));
  m["sharpness/below_real_p05"] = shareBelow(rhoL, bands.laplacian.p5);
  m["sharpness/above_real_p95"] = shareAbove(rho, bands.laplacian.p95, bands.highFrequency.p95);
  m["sharpness/real_laplacian_ratio_p01"] = Math.exp(bands.laplacian.p1);
  m["sharpness/real_laplacian_ratio_p05"] = Math.exp(bands.laplacian.p5);
  m["sharpness/real_laplacian_ratio_median"] = Math.exp(bands.laplacian.p50);
  m["sharpness/real_laplacian_ratio_p95"] = Math.exp(bands.laplacian.p95);
  m["sharpness/real_laplacian_ratio_p99"] = Math.exp(bands.laplacian.p99);
  m["sharpness/real_hf_ratio_median"] = Math.exp(bands.highFrequency.p50);
  m["sharpness/real_hf_ratio_p95"] = Math.exp(bands.highFrequency.p95);
  m["sharpness/real_hf_ratio_p99"] = Math.exp(bands.highFrequency.p99);

  // the raw measures, with the real TRAIN distribution for scale
  m["sharpness/laplacian_var_median"] = percentile(s.sharpness.laplacianVariance, 50);
  m["sharpness/hf_share_median"] = percentile(s.sharpness.highFrequencyShare, 50);
  m["sharpness/real_laplacian_var_median"] = realSharp.laplacian.p50;
  m["sharpness/real_hf_share_median"] = realSharp.highFrequency.p50;
  return m;
}

/** Share of images whose Laplacian or high-frequency residual is above the given held-out percentile. */
function shareAbove(rho: LogSharpness, lap95: number, hf95: number): number {
  const n = rho.laplacian.length;
  let c = 0;
  for (let i = 0; i < n; i++) if (rho.laplacian[i]! > lap95 || rho.highFrequency[i]! > hf95) c++;
  return c / n;
}

/** The baseline's own flat metrics (held-out TEST vs TRAIN at N): evaluation.json `baseline`. */
export async function baselineMetrics(
  reference: Reference,
  n: number = reference.n,
): Promise<Record<string, number | null>> {
  const calibration = await reference.calibration(n);
  return evaluateStatistics(reference, calibration, calibration.baseline, { bootstrap: 0 }).metrics;
}

/**
 * The copy test. A sample is a likely copy when its nearest-train ratio is at or below the j-th smallest
 * ratio of the held-out TEST images (j = 1% of them, at least 1). With class predictions, each predicted
 * class with at least COPY_MIN_CLASS_HELDOUT held-out images gets its own threshold from the held-out
 * images predicted as that class (the others share the pooled one): classes differ in how close a new
 * image comes to some training image (a plain disc has near twins in any large training set, a star
 * rarely), so a generator that draws only discs would otherwise read as copying. Under no copying, a
 * group of N samples measured against m held-out ratios has BetaBinomial(N, j, m + 1 - j) samples at or
 * under the threshold, whatever the ratios' distribution (an order-statistic fact); the p-value of the
 * total is the tail of the sum of these independent counts. A 1st percentile of a few hundred held-out
 * values is itself noisy: without the p-value, a fixed share rule raised false alarms on real images.
 */
function copyTest(
  ratios: Float64Array,
  predicted: Int32Array | null,
  testRatios: Float64Array,
  testPredicted: Int32Array | null,
): { threshold: number; share: number; shareTest: number; pValue: number | null; byClass: boolean } {
  if (testRatios.length === 0)
    return { threshold: Number.NaN, share: Number.NaN, shareTest: Number.NaN, pValue: null, byClass: false };
  /** A group's threshold (the j-th smallest of its held-out ratios) and the law of its count. */
  const groupOf = (heldOut: ArrayLike<number>) => {
    const values = sorted(heldOut);
    const j = Math.max(1, Math.floor(values.length * COPY_QUANTILE));
    return { threshold: values[j - 1]!, j, m: values.length, samples: 0, copies: 0 };
  };
  const pooled = groupOf(testRatios);
  // a group per predicted class with enough held-out images; every other sample falls in the pooled one
  const classes = new Map<number, ReturnType<typeof groupOf>>();
  if (predicted !== null && testPredicted !== null && testPredicted.length === testRatios.length) {
    const lists = new Map<number, number[]>();
    testPredicted.forEach((c, i) => {
      const list = lists.get(c) ?? [];
      list.push(testRatios[i]!);
      lists.set(c, list);
    });
    for (const [c, list] of lists) if (list.length >= COPY_MIN_CLASS_HELDOUT) classes.set(c, groupOf(list));
  }
  const byClass = classes.size > 0;
  const groupFor = (labels: Int32Array | null, i: number) =>
    (byClass ? classes.get(labels![i]!) : undefined) ?? pooled;
  ratios.forEach((r, i) => {
    const group = groupFor(predicted, i);
    group.samples++;
    if (r <= group.threshold) group.copies++;
  });
  // the held-out images' own share at or under their group's threshold (about 1% by construction)
  let testCopies = 0;
  testRatios.forEach((r, i) => {
    if (r <= groupFor(testPredicted, i).threshold) testCopies++;
  });
  const used = [...classes.values(), pooled].filter((g) => g.samples > 0);
  const copies = used.reduce((acc, g) => acc + g.copies, 0);
  return {
    threshold: pooled.threshold,
    share: ratios.length === 0 ? Number.NaN : copies / ratios.length,
    shareTest: testCopies / testRatios.length,
    pValue:
      ratios.length === 0
        ? null
        : sumTail(
            used.map((g) => betaBinomialPmf(g.samples, g.j, g.m + 1 - g.j)),
            copies,
          ),
    byClass,
  };
}
