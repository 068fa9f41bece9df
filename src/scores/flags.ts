// Failure flags decided from a sample set's flat metrics (the `metrics` record of scoreSamples and of
// evaluation.json), each with one checkable sentence of evidence and the numbers behind it. Deciding
// from the stored record means a flag can be re-derived from evaluation.json alone.
// Every threshold compares the samples with real data of the same dataset, never with a fixed number
// taken from photographs.
import type { Flag } from "../run/schema.ts";

export type MetricRecord = Readonly<Record<string, number | null>>;

/** 3 significant digits, no exponent for ordinary magnitudes. */
function f(v: number): string {
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

function pct(v: number): string {
  return `${(100 * v).toFixed(v < 0.1 ? 1 : 0)}%`;
}

function get(m: MetricRecord, key: string): number | null {
  const v = m[key];
  return v === undefined || v === null || Number.isNaN(v) ? null : v;
}

function values(m: MetricRecord, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const v = get(m, key);
    if (v !== null) out[key] = v;
  }
  return out;
}

/**
 * Blur: the median sample has less fine detail, relative to its nearest real images, than 95% of
 * held-out real images have relative to theirs (its Laplacian-variance ratio is below their 5th
 * percentile); "fail" below their 1st percentile.
 */
export function blurFlag(m: MetricRecord): Flag | null {
  const median = get(m, "sharpness/laplacian_ratio_median");
  const p5 = get(m, "sharpness/real_laplacian_ratio_p05");
  const p1 = get(m, "sharpness/real_laplacian_ratio_p01");
  if (median === null || p5 === null || p1 === null || !(median < p5)) return null;
  const below = get(m, "sharpness/below_real_p05") ?? Number.NaN;
  const realMedian = get(m, "sharpness/real_laplacian_ratio_median") ?? Number.NaN;
  return {
    kind: "blur",
    severity: median < p1 ? "fail" : "warning",
    evidence:
      `the median sample has ${f(median)}x the Laplacian variance of its nearest real images, below the 5th ` +
      `percentile of held-out real images (${f(p5)}x; 1st percentile ${f(p1)}x, median ${f(realMedian)}x); ` +
      `${pct(below)} of samples are below it`,
    values: values(m, [
      "sharpness/laplacian_ratio_median",
      "sharpness/real_laplacian_ratio_p01",
      "sharpness/real_laplacian_ratio_p05",
      "sharpness/real_laplacian_ratio_median",
      "sharpness/below_real_p05",
      "sharpness/laplacian_var_median",
      "sharpness/real_laplacian_var_median",
      "quality/sharpness",
    ]),
  };
}

/**
 * Noise: the median sample has more high-frequency energy or Laplacian variance, relative to its
 * nearest real images, than 95% of held-out real images have relative to theirs; "fail" above 99%.
 */
export function noiseFlag(m: MetricRecord): Flag | null {
  const hf = get(m, "sharpness/hf_ratio_median");
  const hf95 = get(m, "sharpness/real_hf_ratio_p95");
  const hf99 = get(m, "sharpness/real_hf_ratio_p99");
  const lap = get(m, "sharpness/laplacian_ratio_median");
  const lap95 = get(m, "sharpness/real_laplacian_ratio_p95");
  const lap99 = get(m, "sharpness/real_laplacian_ratio_p99");
  if (hf === null || hf95 === null || hf99 === null || lap === null || lap95 === null || lap99 === null)
    return null;
  const hfHigh = hf > hf95;
  const lapHigh = lap > lap95;
  if (!hfHigh && !lapHigh) return null;
  const parts: string[] = [];
  if (hfHigh) {
    parts.push(`${f(hf)}x the high-frequency energy share (held-out real 95th percentile ${f(hf95)}x)`);
  }
  if (lapHigh) parts.push(`${f(lap)}x the Laplacian variance (held-out real 95th percentile ${f(lap95)}x)`);
  const above = get(m, "sharpness/above_real_p95") ?? Number.NaN;
  return {
    kind: "noise",
    severity: hf > hf99 || lap > lap99 ? "fail" : "warning",
    evidence:
      `the median sample has ${parts.join(" and ")} of its nearest real images; ${pct(above)} of samples ` +
      "are above the held-out 95th percentile",
    values: values(m, [
      "sharpness/hf_ratio_median",
      "sharpness/real_hf_ratio_p95",
      "sharpness/real_hf_ratio_p99",
      "sharpness/laplacian_ratio_median",
      "sharpness/real_laplacian_ratio_p95",
      "sharpness/real_laplacian_ratio_p99",
      "sharpness/above_real_p95",
      "quality/sharpness",
    ]),
  };
}

/** A diversity term below this is less than half of what held-out real data shows. */
const COLLAPSE_TERM = 0.5;

/**
 * Mode collapse, from the diversity terms (ratios to held-out real data): fewer than half the real
 * effective number of classes; near-duplicates on so many samples that the duplicates term halves; or
 * recall and coverage both below half while precision stays at least half (realistic samples that
 * reach little of the data). "fail" when two or more of these hold.
 */
export function modeCollapseFlag(m: MetricRecord): Flag | null {
  const reasons: string[] = [];
  const classes = get(m, "diversity/classes");
  if (classes !== null && classes < COLLAPSE_TERM) {
    reasons.push(
      `the samples spread over ${f(get(m, "class/perplexity") ?? Number.NaN)} effective classes against ` +
        `${f(get(m, "class/perplexity_real") ?? Number.NaN)} for held-out real data ` +
        `(${get(m, "class/covered") ?? "?"} of ${get(m, "class/count") ?? "?"} classes present)`,
    );
  }
  const duplicates = get(m, "diversity/duplicates");
  if (duplicates !== null && duplicates < COLLAPSE_TERM) {
    reasons.push(
      `${pct(get(m, "duplicates/share") ?? Number.NaN)} of samples have a near-duplicate among the samples ` +
        `against ${pct(get(m, "duplicates/share_real") ?? Number.NaN)} of held-out real images`,
    );
  }
  const recall = get(m, "diversity/recall");
  const coverage = get(m, "diversity/coverage");
  const precision = get(m, "quality/precision");
  if (
    recall !== null &&
    coverage !== null &&
    precision !== null &&
    recall < COLLAPSE_TERM &&
    coverage < COLLAPSE_TERM &&
    precision >= COLLAPSE_TERM
  ) {
    reasons.push(
      `recall ${f(get(m, "recall") ?? Number.NaN)} and coverage ${f(get(m, "coverage") ?? Number.NaN)} are ` +
        `below half of held-out real data's while precision ${f(get(m, "precision") ?? Number.NaN)} is not`,
    );
  }
  if (reasons.length === 0) return null;
  return {
    kind: "mode_collapse",
    severity: reasons.length >= 2 ? "fail" : "warning",
    evidence: `${reasons.join("; ")}`,
    values: values(m, [
      "diversity/classes",
      "diversity/duplicates",
      "diversity/recall",
      "diversity/coverage",
      "quality/precision",
      "class/perplexity",
      "class/perplexity_real",
      "duplicates/share",
      "duplicates/share_real",
      "recall",
      "coverage",
      "precision",
    ]),
  };
}

/** Copy shares at or above this are flagged (and at least 3x the held-out rate). */
const COPY_SHARE_WARNING = 0.05;
const COPY_SHARE_FAIL = 0.25;
const COPY_RATE_FACTOR = 3;
/** ... and only when so many samples under the threshold would happen by chance less often than this. */
const COPY_P_VALUE = 0.001;

/**
 * Memorisation. Each sample's nearest-train distance is divided by that of its nearest held-out TEST
 * images (so dense regions of the data, where any new image is close to some training image, do not
 * read as copying); held-out images give the same ratio for themselves. Raised when at least 5% of
 * samples, and at least 3x the held-out share, fall at or below the held-out 1st percentile of the ratio
 * (per predicted class when a classifier is used), and that count is significant (p < 0.001 under the
 * order-statistic law, see copyTest in score.ts); "fail" from 25%. C_T and authenticity are reported
 * beside it.
 */
export function memorizationFlag(m: MetricRecord): Flag | null {
  const share = get(m, "memorization/copy_share");
  const testShare = get(m, "memorization/copy_share_test");
  const threshold = get(m, "memorization/copy_threshold");
  if (share === null || testShare === null || threshold === null) return null;
  if (!(share >= COPY_SHARE_WARNING && share >= COPY_RATE_FACTOR * testShare)) return null;
  const p = get(m, "memorization/copy_p_value");
  if (p !== null && p >= COPY_P_VALUE) return null;
  const byClass = get(m, "memorization/copy_by_class") === 1;
  const ct = get(m, "memorization/ct");
  const exact = get(m, "memorization/exact_share") ?? 0;
  const extra: string[] = [];
  if (exact > 0) extra.push(`${pct(exact)} are exact copies (distance 0)`);
  if (ct !== null) extra.push(`C_T = ${f(ct)} (strongly negative = copying)`);
  const auth = get(m, "memorization/authenticity");
  const authTest = get(m, "memorization/authenticity_test");
  if (auth !== null && authTest !== null)
    extra.push(`authenticity ${pct(auth)} vs ${pct(authTest)} for TEST images`);
  return {
    kind: "memorization",
    severity: share >= COPY_SHARE_FAIL ? "fail" : "warning",
    evidence:
      `${pct(share)} of samples are closer to a training image, relative to the held-out test images most ` +
      `like them, than 99% of held-out test images${byClass ? " of the same predicted class" : ""} are ` +
      `(${byClass ? "per-class thresholds" : `distance ratio at or below ${f(threshold)}`}; ` +
      `${pct(testShare)} of test images${p === null ? "" : `; p = ${p.toExponential(1)} by chance`})` +
      (extra.length > 0 ? `; ${extra.join("; ")}` : ""),
    values: values(m, [
      "memorization/copy_share",
      "memorization/copy_share_test",
      "memorization/copy_threshold",
      "memorization/copy_p_value",
      "memorization/copy_by_class",
      "memorization/nearest_train_ratio_median",
      "memorization/exact_share",
      "memorization/ct",
      "memorization/authenticity",
      "memorization/authenticity_test",
      "memorization/nearest_train_median",
      "memorization/nearest_train_median_test",
    ]),
  };
}

/** Every flag the scores module decides, in a fixed order. */
export function sampleFlags(m: MetricRecord): Flag[] {
  return [blurFlag(m), noiseFlag(m), modeCollapseFlag(m), memorizationFlag(m)].filter(
    (flag): flag is Flag => flag !== null,
  );
}
