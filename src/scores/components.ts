// The quality and diversity scores: each a weighted geometric mean of components, every component the
// ratio of a sample set's value to the same value of held-out real data (B against R at the same N),
// capped at 1. Legend: v a component's value on the samples, v_B on the baseline, t = min(1, v / v_B)
// its term, w its weight; score = prod t^w ^ (1 / sum w). One collapsed component (t near 0) pulls the
// score to 0 whatever the others say, as a reviewer would judge it.
//
//   quality   precision  share of samples inside some real k-NN ball          (Kynkaanniemi et al. 2019)
//             density    mean number of real balls holding a sample, / k      (Naeem et al. 2020)
//             sharpness  mean per-sample sharpness term (sharpness.ts)        blur and noise lower it
//   diversity recall     share of real points inside some sample's k-NN ball  (Kynkaanniemi et al. 2019)
//             coverage   share of real points whose own ball holds a sample   (Naeem et al. 2020)
//             vendi      effective number of distinct samples, cosine kernel  (Friedman & Dieng 2022)
//             classes    exp(entropy of predicted classes): effective number of classes (classifier only)
//             duplicates share of samples without a near-duplicate in their own set
//
// FD and KID mix quality and diversity in one number, so they are reported as metrics, not scored.
import { symmetricEigen } from "../metrics/index.ts";
import type { SetStatistics } from "./statistics.ts";

export type QualityName = "precision" | "density" | "sharpness";
export type DiversityName = "recall" | "coverage" | "vendi" | "classes" | "duplicates";

/** Equal weights: no component is known to matter more, and each has a failure it alone catches. */
export const COMPONENT_WEIGHTS: Record<QualityName | DiversityName, number> = {
  precision: 1,
  density: 1,
  sharpness: 1,
  recall: 1,
  coverage: 1,
  vendi: 1,
  classes: 1,
  duplicates: 1,
};

/** Above this feature width the Vendi term is held at its full-set value in bootstrap resamples. */
export const VENDI_BOOTSTRAP_MAX_DIM = 128;

export interface ScoreComponent {
  name: QualityName | DiversityName;
  /** The value on the samples. */
  value: number;
  /** The same value on held-out real data (TEST vs TRAIN at the same N). */
  baseline: number;
  /** min(1, value / baseline), in [0, 1]. */
  term: number;
  weight: number;
}

/** Component values; `classes` is null without a classifier. */
export type ComponentValues = Record<Exclude<QualityName | DiversityName, "classes">, number> & {
  classes: number | null;
};

/** t = min(1, v / v_B); a baseline of 0 (degenerate real data) makes any value count as matching it. */
export function term(value: number, baseline: number): number {
  if (!(baseline > 0)) return 1;
  return Math.max(0, Math.min(1, value / baseline));
}

/** prod t^w ^ (1 / sum w) over the components that exist. */
export function combine(components: readonly ScoreComponent[]): number {
  let logSum = 0;
  let weights = 0;
  for (const c of components) {
    if (c.term <= 0) return 0;
    logSum += c.weight * Math.log(c.term);
    weights += c.weight;
  }
  return weights > 0 ? Math.exp(logSum / weights) : 0;
}

export function components(
  values: ComponentValues,
  baseline: ComponentValues,
  names: readonly (QualityName | DiversityName)[],
): ScoreComponent[] {
  const out: ScoreComponent[] = [];
  for (const name of names) {
    const v = values[name];
    const b = baseline[name];
    if (v === null || b === null) continue;
    out.push({ name, value: v, baseline: b, term: term(v, b), weight: COMPONENT_WEIGHTS[name] });
  }
  return out;
}

export const QUALITY_NAMES: readonly QualityName[] = ["precision", "density", "sharpness"];
export const DIVERSITY_NAMES: readonly DiversityName[] = [
  "recall",
  "coverage",
  "vendi",
  "classes",
  "duplicates",
];

/** Component values of a full set, from the exact metrics. */
export function fullValues(s: SetStatistics): ComponentValues {
  const { perSample } = s;
  let sharp = 0;
  let unique = 0;
  for (let i = 0; i < s.n; i++) {
    sharp += perSample.sharpness[i]!;
    unique += 1 - perSample.hasDuplicate[i]!;
  }
  return {
    precision: s.prdc.precision,
    density: s.prdc.density,
    sharpness: sharp / s.n,
    recall: s.prdc.recall,
    coverage: s.prdc.coverage,
    vendi: s.vendi.score,
    classes: s.classes === null ? null : Math.exp(s.classes.entropy),
    duplicates: unique / s.n,
  };
}

/**
 * Component values of a resample given by multiplicities c_j (sum c_j = M) of the set's samples, from
 * per-sample statistics with every neighbourhood held at its full-set value:
 * - precision, density, sharpness, duplicates: multiplicity-weighted means of per-sample values;
 * - coverage: a real point is covered when its nearest selected sample lies inside its ball (exact
 *   as long as one of its BOOTSTRAP_NEIGHBOURS nearest samples is selected);
 * - recall: a real point is reached when one of its BOOTSTRAP_NEIGHBOURS nearest selected samples holds
 *   it in that sample's full-set ball (a sample farther away with a wider ball is not looked at);
 * - vendi: entropy of the eigenvalues of sum c_j u_j u_j^T / sum c_j over unit rows u_j (the dual form);
 * - classes: entropy of the multiplicity-weighted predicted-class counts.
 * Resampling with replacement repeats about 37% of samples, which lowers set-level terms (coverage,
 * recall, Vendi) against the full set; the interval is therefore centred on the full-set value
 * (bootstrap.ts).
 */
export function resampledValues(
  s: SetStatistics,
  counts: Int32Array,
  realRadiiSq: Float64Array,
  k: number,
  full: ComponentValues,
): ComponentValues {
  const m = s.n;
  const { perSample, realToSample } = s;

  // per-sample means
  let inside = 0;
  let balls = 0;
  let sharp = 0;
  let unique = 0;
  for (let j = 0; j < m; j++) {
    const c = counts[j]!;
    if (c === 0) continue;
    const b = perSample.inRealBalls[j]!;
    if (b > 0) inside += c;
    balls += c * b;
    sharp += c * perSample.sharpness[j]!;
    unique += c * (1 - perSample.hasDuplicate[j]!);
  }

  // coverage and recall over the real points' nearest samples
  const nReal = realToSample.indices.length / realToSample.k;
  let covered = 0;
  let reached = 0;
  for (let i = 0; i < nReal; i++) {
    let first = true;
    let hit = false;
    for (let c = 0; c < realToSample.k; c++) {
      const j = realToSample.indices[i * realToSample.k + c]!;
      if (counts[j] === 0) continue;
      const d2 = realToSample.sqDistances[i * realToSample.k + c]!;
      if (first) {
        if (d2 < realRadiiSq[i]!) covered++;
        first = false;
      }
      if (!hit && d2 < s.sampleRadiiSq[j]!) hit = true;
    }
    if (hit) reached++;
  }

  // classes
  let classes: number | null = null;
  if (perSample.predicted !== null && s.classes !== null) {
    const shares = new Float64Array(s.classes.classes);
    for (let j = 0; j < m; j++) shares[perSample.predicted[j]!]! += counts[j]! / m;
    let h = 0;
    for (const p of shares) if (p > 0) h -= p * Math.log(p);
    classes = Math.exp(h);
  }

  return {
    precision: inside / m,
    density: balls / (k * m),
    sharpness: sharp / m,
    recall: reached / nReal,
    coverage: covered / nReal,
    vendi: perSample.unitRows.cols > VENDI_BOOTSTRAP_MAX_DIM ? full.vendi : weightedVendi(s, counts),
    classes,
    duplicates: unique / m,
  };
}

/** Vendi score (cosine kernel) of the samples taken with multiplicities `counts`, via the D x D dual. */
function weightedVendi(s: SetStatistics, counts: Int32Array): number {
  const { data, rows, cols: d } = s.perSample.unitRows;
  const g = new Float64Array(d * d);
  let total = 0;
  for (let j = 0; j < rows; j++) {
    const c = counts[j]!;
    if (c === 0) continue;
    const o = j * d;
    if (data[o] === 0 && isZeroRow(data, o, d)) continue;
    total += c;
    for (let a = 0; a < d; a++) {
      const ca = c * data[o + a]!;
      if (ca === 0) continue;
      for (let b = a; b < d; b++) g[a * d + b]! += ca * data[o + b]!;
    }
  }
  if (total === 0) return 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = g[a * d + b]! / total;
      g[a * d + b] = v;
      g[b * d + a] = v;
    }
  }
  let h = 0;
  for (const l of symmetricEigen({ data: g, rows: d, cols: d }, false).values)
    if (l > 0) h -= l * Math.log(l);
  return Math.exp(h);
}

function isZeroRow(data: Float64Array, o: number, d: number): boolean {
  for (let a = 0; a < d; a++) if (data[o + a] !== 0) return false;
  return true;
}
