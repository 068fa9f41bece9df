// The `instability` flag: training that spiked, diverged, or whose measured quality or diversity swings
// up and down across checkpoints. Read from metrics.jsonl (losses, the `event/diverged` record) and from
// the evaluated scores; pure functions, no files.
//
// Legend: x_t the value of one loss key at step t; med_W, MAD_W the median and the median absolute
// deviation of the W values before t; z_t = (x_t - med_W) / (1.4826 MAD_W), the robust z-score
// (1.4826 MAD estimates the standard deviation of normal data). s_i a score at the i-th checkpoint,
// d_i = s_{i+1} - s_i, w_i the width (high - low) of its bootstrap interval.

import { formatScore } from "../review/rule.ts";
import type { Flag, MetricRecord, Score } from "../run/schema.ts";

/**
 * Thresholds of the instability flag, each with its reason.
 * - spikeWindow 50: the trailing window of a loss value. Long enough for a stable median and MAD (the
 *   MAD's relative error is about 1/sqrt(W)), short enough to follow a loss that is still falling.
 * - minWindow 20: no verdict before 20 earlier values: the first steps of training move fast anyway.
 * - spikeZ 8: a robust z above 8 is about 1e-15 for normal noise; losses of minibatches are heavier
 *   tailed than normal (GAN losses especially), so a 3-sigma rule would flag healthy runs every few
 *   hundred steps. 8 keeps the flag for jumps that a person would call a spike.
 * - minRelativeJump 0.25: and the value must exceed the median by 25% of the median's magnitude, so that
 *   a nearly constant loss (MAD near 0) does not flag rounding noise.
 * - oscillationReversals 2: one reversal is a peak (normal: quality often peaks, then overfitting sets
 *   in); two reversals of significant steps (up, down, up) is a swing.
 */
export const INSTABILITY_THRESHOLDS = {
  spikeWindow: 50,
  minWindow: 20,
  spikeZ: 8,
  minRelativeJump: 0.25,
  oscillationReversals: 2,
} as const;

/** 1.4826 MAD estimates the standard deviation of normal data (1 / Phi^-1(3/4)). */
const MAD_TO_SD = 1.4826;

/** The metric key that marks a run that stopped on NaN/Inf losses (written by training). */
export const DIVERGED_KEY = "event/diverged";

export interface LossSpike {
  key: string;
  step: number;
  epoch: number;
  value: number;
  /** Median and scaled MAD of the trailing window. */
  median: number;
  scale: number;
  z: number;
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per loss key ("loss/..."), the values in step order (records of one step keep their file order). */
export function lossSeries(records: readonly MetricRecord[]): Map<string, MetricRecord[]> {
  const series = new Map<string, MetricRecord[]>();
  for (const r of records) {
    if (!r.key.startsWith("loss/")) continue;
    const list = series.get(r.key);
    if (list === undefined) series.set(r.key, [r]);
    else list.push(r);
  }
  for (const list of series.values()) list.sort((a, b) => a.step - b.step);
  return series;
}

/** Every loss value above its trailing window's median by more than spikeZ robust deviations. */
export function findLossSpikes(
  records: readonly MetricRecord[],
  thresholds = INSTABILITY_THRESHOLDS,
): LossSpike[] {
  const spikes: LossSpike[] = [];
  for (const [key, list] of lossSeries(records)) {
    const values: number[] = [];
    for (const r of list) {
      if (r.value === null || !Number.isFinite(r.value)) continue;
      const window = values.slice(-thresholds.spikeWindow);
      if (window.length >= thresholds.minWindow) {
        // robust centre and scale of the window, then the two tests
        const median = medianOf(window);
        const scale = MAD_TO_SD * medianOf(window.map((v) => Math.abs(v - median)));
        const z = scale > 0 ? (r.value - median) / scale : Number.POSITIVE_INFINITY;
        const jump = r.value - median > thresholds.minRelativeJump * Math.abs(median);
        if (z > thresholds.spikeZ && jump)
          spikes.push({ key, step: r.step, epoch: r.epoch, value: r.value, median, scale, z });
      }
      values.push(r.value);
    }
  }
  return spikes.sort((a, b) => a.step - b.step || a.key.localeCompare(b.key));
}

/** A number for evidence sentences: 3 significant digits. */
function num(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(3))) : String(v);
}

/** The loss-spike flag (warning), or null when no loss spiked. */
export function lossSpikeFlag(
  records: readonly MetricRecord[],
  thresholds = INSTABILITY_THRESHOLDS,
): Flag | null {
  const spikes = findLossSpikes(records, thresholds);
  if (spikes.length === 0) return null;
  const worst = spikes.reduce((a, b) => (b.z > a.z ? b : a));
  const z = Number.isFinite(worst.z)
    ? `${num(worst.z)} robust deviations`
    : "infinitely many robust deviations (a flat window)";
  const others =
    spikes.length > 1 ? `; ${spikes.length} spikes in all, the first at step ${spikes[0]!.step}` : "";
  return {
    kind: "instability",
    severity: "warning",
    evidence:
      `${worst.key} jumped to ${num(worst.value)} at step ${worst.step} (epoch ${num(worst.epoch)}), ${z} above ` +
      `the median ${num(worst.median)} of the previous ${thresholds.spikeWindow} values (threshold ` +
      `${thresholds.spikeZ})${others}`,
    values: {
      "loss_spike/count": spikes.length,
      "loss_spike/step": worst.step,
      "loss_spike/epoch": worst.epoch,
      "loss_spike/value": worst.value,
      "loss_spike/window_median": worst.median,
      "loss_spike/z": Number.isFinite(worst.z) ? worst.z : Number.MAX_VALUE,
      "loss_spike/threshold_z": thresholds.spikeZ,
    },
  };
}

/**
 * The divergence flag (fail): an `event/diverged` record, or a loss logged as null (NaN/Inf), or the
 * run's status "diverged". Null when none of these is present.
 */
export function divergenceFlag(records: readonly MetricRecord[], runStatus?: string): Flag | null {
  const event = records.find((r) => r.key === DIVERGED_KEY);
  const bad = records.find(
    (r) => r.key.startsWith("loss/") && (r.value === null || !Number.isFinite(r.value)),
  );
  const first = [event, bad]
    .filter((r): r is MetricRecord => r !== undefined)
    .sort((a, b) => a.step - b.step)[0];
  if (first === undefined) {
    if (runStatus !== "diverged") return null;
    return {
      kind: "instability",
      severity: "fail",
      evidence: 'run.json has status "diverged" (training stopped on a NaN or Inf loss)',
      values: { "diverged/step": -1 },
    };
  }
  const what =
    first === event
      ? `metrics.jsonl records ${DIVERGED_KEY} at step ${first.step} (epoch ${num(first.epoch)})`
      : `${first.key} was NaN or Inf at step ${first.step} (epoch ${num(first.epoch)})`;
  return {
    kind: "instability",
    severity: "fail",
    evidence: `training diverged: ${what}; checkpoints after it do not exist or are not trustworthy`,
    values: { "diverged/step": first.step, "diverged/epoch": first.epoch },
  };
}

/** One checkpoint's score for the oscillation test. */
export interface ScorePoint {
  epoch: number;
  score: Score;
}

export interface Oscillation {
  /** Reversals: indices i where d_{i-1} and d_i are both significant and of opposite signs. */
  reversals: number;
  /** The epochs of the significant turning points, in order. */
  turningEpochs: number[];
  /** Smallest significant step among the reversals, and the interval width it was compared with. */
  smallestStep: number;
  width: number;
}

/**
 * Sign changes of successive differences whose sizes both exceed the bootstrap interval widths of the
 * checkpoints involved (the larger of the two endpoint widths): swings that measurement noise does not
 * explain. Points must be sorted by epoch.
 */
export function oscillation(points: readonly ScorePoint[]): Oscillation {
  const widthOf = (s: Score) => s.high - s.low;
  const significant: { d: number; at: number; width: number }[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!.score;
    const b = points[i + 1]!.score;
    const d = b.value - a.value;
    const width = Math.max(widthOf(a), widthOf(b));
    significant.push({ d: Math.abs(d) > width ? d : 0, at: i + 1, width });
  }
  // reversals between consecutive significant steps (insignificant ones in between are skipped)
  const steps = significant.filter((s) => s.d !== 0);
  let reversals = 0;
  let smallestStep = Number.POSITIVE_INFINITY;
  let width = 0;
  const turningEpochs: number[] = [];
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1]!;
    const cur = steps[i]!;
    if (Math.sign(prev.d) === Math.sign(cur.d)) continue;
    reversals++;
    turningEpochs.push(points[prev.at]!.epoch);
    const small = Math.min(Math.abs(prev.d), Math.abs(cur.d));
    if (small < smallestStep) {
      smallestStep = small;
      width = Math.max(prev.width, cur.width);
    }
  }
  return { reversals, turningEpochs, smallestStep: reversals > 0 ? smallestStep : 0, width };
}

/** The oscillation flag (warning) for one score across checkpoints, or null. */
export function oscillationFlag(
  field: "quality" | "diversity",
  points: readonly ScorePoint[],
  thresholds = INSTABILITY_THRESHOLDS,
): Flag | null {
  const o = oscillation(points);
  if (o.reversals < thresholds.oscillationReversals) return null;
  const path = points.map((p) => formatScore(round2(p.score.value))).join(" → ");
  const first = points[0]!.epoch;
  const last = points[points.length - 1]!.epoch;
  return {
    kind: "instability",
    severity: "warning",
    evidence:
      `${field} oscillates across checkpoints (${path} over epochs ${first}-${last}): ${o.reversals} reversals ` +
      `at epochs ${o.turningEpochs.join(", ")}, each step at least ${formatScore(round2(o.smallestStep))}, ` +
      `more than the bootstrap interval width ${formatScore(round2(o.width))}`,
    values: {
      [`oscillation/${field}/reversals`]: o.reversals,
      [`oscillation/${field}/smallest_step`]: o.smallestStep,
      [`oscillation/${field}/interval_width`]: o.width,
      "oscillation/threshold_reversals": thresholds.oscillationReversals,
    },
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Every run-wide instability flag: divergence, loss spikes, quality and diversity oscillation. */
export function instabilityFlags(
  records: readonly MetricRecord[],
  checkpoints: readonly { epoch: number; quality: Score; diversity: Score }[],
  runStatus?: string,
): Flag[] {
  const sorted = [...checkpoints].sort((a, b) => a.epoch - b.epoch);
  return [
    divergenceFlag(records, runStatus),
    lossSpikeFlag(records),
    oscillationFlag(
      "quality",
      sorted.map((c) => ({ epoch: c.epoch, score: c.quality })),
    ),
    oscillationFlag(
      "diversity",
      sorted.map((c) => ({ epoch: c.epoch, score: c.diversity })),
    ),
  ].filter((f): f is Flag => f !== null);
}
