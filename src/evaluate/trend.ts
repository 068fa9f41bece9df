// Flags read from the course of the scores across checkpoints rather than from one sample set:
// `mode_collapse` when diversity falls while quality holds (the GAN collapse pattern, seen before any
// single checkpoint looks broken). Pure; the values of every flag made here carry keys starting with
// "trend/", so that a partial re-evaluation can drop and recompute them.
//
// Legend: q_i, d_i quality and diversity of the i-th checkpoint (by epoch); w(s) = s.high - s.low, the
// width of a score's bootstrap interval.
import { formatScore } from "../review/rule.ts";
import type { Flag, Score } from "../run/schema.ts";

/**
 * Thresholds of the diversity-decline flag, each with its reason.
 * - usableQuality 0.5: a checkpoint counts as a reference only when its samples are recognisable.
 *   Before that, diversity falling is the normal course of training (noise is maximally "diverse").
 * - minDrop 0.10: a fall of 0.10 on the [0, 1] scale is what separates the default candidate and floor
 *   thresholds from a comfortable margin; smaller falls are within checkpoint-to-checkpoint wobble.
 * - failDrop 0.20: a fall of 0.20 takes a healthy 0.75 below the default floor 0.55.
 */
export const DECLINE_THRESHOLDS = { usableQuality: 0.5, minDrop: 0.1, failDrop: 0.2 } as const;

/** Prefix of the value keys of trend flags. */
export const TREND_VALUE_PREFIX = "trend/";

export interface TrendPoint {
  epoch: number;
  quality: Score;
  diversity: Score;
}

const width = (s: Score) => s.high - s.low;
const show = (v: number) => formatScore(Math.round(v * 100) / 100);
/** Three decimals where two would print a fall and the width it beat as the same number. */
const show3 = (v: number) => formatScore(Math.round(v * 1000) / 1000);

/** True when a flag was derived from the course of the scores (see the top of this file). */
export function isTrendFlag(flag: Flag): boolean {
  return Object.keys(flag.values).some((k) => k.startsWith(TREND_VALUE_PREFIX));
}

/**
 * Per epoch, the diversity-decline flag when it applies: the checkpoint's diversity is below the highest
 * diversity of an earlier checkpoint that had usable quality, by more than minDrop and more than both
 * interval widths, while its own quality is not significantly below that checkpoint's.
 */
export function diversityDeclineFlags(
  points: readonly TrendPoint[],
  thresholds = DECLINE_THRESHOLDS,
): Map<number, Flag> {
  const sorted = [...points].sort((a, b) => a.epoch - b.epoch);
  const flags = new Map<number, Flag>();
  sorted.forEach((cur, j) => {
    // the most diverse earlier checkpoint whose quality was usable and has held since
    let ref: TrendPoint | undefined;
    for (const prev of sorted.slice(0, j)) {
      if (prev.quality.value < thresholds.usableQuality) continue;
      const held =
        cur.quality.value >= prev.quality.value - Math.max(width(prev.quality), width(cur.quality));
      if (held && (ref === undefined || prev.diversity.value > ref.diversity.value)) ref = prev;
    }
    if (ref === undefined) return;
    const drop = ref.diversity.value - cur.diversity.value;
    const noise = Math.max(width(ref.diversity), width(cur.diversity));
    if (!(drop > thresholds.minDrop && drop > noise)) return;
    flags.set(cur.epoch, {
      kind: "mode_collapse",
      severity: drop >= thresholds.failDrop ? "fail" : "warning",
      evidence:
        `diversity fell ${show(ref.diversity.value)} → ${show(cur.diversity.value)} from epoch ${ref.epoch} to ` +
        `epoch ${cur.epoch} while quality held (${show(ref.quality.value)} → ${show(cur.quality.value)}); the fall ` +
        `${show3(drop)} exceeds ${show(thresholds.minDrop)} and the interval width ${show3(noise)}`,
      values: {
        "trend/diversity_drop": drop,
        "trend/from_epoch": ref.epoch,
        "trend/diversity_from": ref.diversity.value,
        "trend/diversity_to": cur.diversity.value,
        "trend/quality_from": ref.quality.value,
        "trend/quality_to": cur.quality.value,
        "trend/interval_width": noise,
        "trend/threshold_drop": thresholds.minDrop,
      },
    });
  });
  return flags;
}
