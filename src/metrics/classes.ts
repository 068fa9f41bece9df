// Class-based mode coverage from a domain classifier's probabilities p(y|x) on generated samples:
// which classes appear, how evenly, how the counts compare with the data's class shares, and the
// Inception-score analogue exp(E_x KL(p(y|x) || p(y))) (Salimans et al. 2016) with p(y) = E_x p(y|x).
// Legend: P [N, C] rows p(y|x_i) over C classes; predicted class = argmax.
import { InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import { entropy, klDivergence } from "./stats.ts";
import { checkFeatures } from "./validate.ts";

/** Rows of P must sum to 1 within this (float32 softmax outputs are off by ~1e-7 per class). */
const ROW_SUM_TOLERANCE = 1e-4;

export interface ClassMetricsResult {
  n: number;
  classes: number;
  /** Samples predicted as each class (argmax, lowest class on ties). */
  counts: number[];
  /** counts / n. */
  shares: number[];
  /** Classes predicted at least once. */
  coveredClasses: number;
  /** coveredClasses / C. */
  classCoverage: number;
  /** Entropy of the predicted-class shares, nats (max ln C). */
  entropy: number;
  /** entropy / ln C, in [0, 1] (1 = every class equally often). */
  normalizedEntropy: number;
  /** exp(mean KL(p(y|x) || p(y))); between 1 and C (C = confident and balanced). */
  classifierScore: number;
  /** With data class shares: counts the data's proportions would give (n * share). */
  expectedCounts?: number[];
  /**
   * With data class shares: counts / expectedCounts per class (1 = as in the data; 0 = missing mode);
   * null for classes absent from the data.
   */
  countRatio?: (number | null)[];
  /** With data class shares: total variation distance between predicted shares and data shares, [0, 1]. */
  totalVariation?: number;
  warnings: string[];
}

/**
 * Class coverage, entropy, counts against the data and the classifier score.
 * `dataClassShares` (length C, summing to 1; class counts are normalised) are the real data's class
 * proportions, e.g. from the train labels. `classNames` (length C), when the dataset has them, name the
 * classes in warnings; without them classes are named by their index.
 */
export function classMetrics(
  probs: Matrix,
  dataClassShares?: ArrayLike<number>,
  classNames?: readonly string[],
): ClassMetricsResult {
  checkFeatures(probs, "class probabilities");
  const { rows: n, cols: c, data } = probs;
  if (classNames !== undefined && classNames.length !== c) {
    throw new InputError(`class names: ${classNames.length} names for ${c} classes of probabilities`);
  }

  // validate rows as probability vectors
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) {
      const v = data[i * c + j]!;
      if (v < 0) throw new InputError(`class probabilities: row ${i}, class ${j} is ${v}; expected p >= 0`);
      s += v;
    }
    if (Math.abs(s - 1) > ROW_SUM_TOLERANCE) {
      throw new InputError(
        `class probabilities: row ${i} sums to ${s}; expected softmax outputs summing to 1`,
      );
    }
  }

  // predicted classes and marginal p(y)
  const counts = new Array<number>(c).fill(0);
  const marginal = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 0; j < c; j++) {
      const v = data[i * c + j]!;
      marginal[j]! += v / n;
      if (v > data[i * c + best]!) best = j;
    }
    counts[best]!++;
  }
  const shares = counts.map((v) => v / n);
  const covered = counts.filter((v) => v > 0).length;
  const h = entropy(shares);

  // exp(E KL(p(y|x) || p(y)))
  let kl = 0;
  for (let i = 0; i < n; i++) kl += klDivergence(data.subarray(i * c, (i + 1) * c), marginal) / n;

  const result: ClassMetricsResult = {
    n,
    classes: c,
    counts,
    shares,
    coveredClasses: covered,
    classCoverage: covered / c,
    entropy: h,
    normalizedEntropy: c > 1 ? h / Math.log(c) : 1,
    classifierScore: Math.exp(kl),
    warnings: [],
  };

  // against the data's class shares
  if (dataClassShares !== undefined) {
    if (dataClassShares.length !== c) {
      throw new InputError(`data class shares have ${dataClassShares.length} classes, probabilities ${c}`);
    }
    const total = Array.from(dataClassShares).reduce((a, b) => a + b, 0);
    if (!(total > 0) || Array.from(dataClassShares).some((v) => v < 0 || !Number.isFinite(v))) {
      throw new InputError("data class shares must be non-negative and finite, with a positive sum");
    }
    const ref = Array.from(dataClassShares, (v) => v / total);
    result.expectedCounts = ref.map((v) => v * n);
    result.countRatio = counts.map((v, j) => (ref[j]! > 0 ? v / (ref[j]! * n) : null));
    result.totalVariation = shares.reduce((s, v, j) => s + Math.abs(v - ref[j]!), 0) / 2;
    const missing = ref.map((v, j) => (v > 0 && counts[j] === 0 ? j : -1)).filter((j) => j >= 0);
    if (missing.length > 0) {
      const named = missing.map((j) => (classNames === undefined ? String(j) : classNames[j]!));
      result.warnings.push(`classes never generated: ${named.join(", ")}`);
    }
  }
  return result;
}
