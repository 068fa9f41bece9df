// Review notes: three per checkpoint (quality, diversity, failure), drafted from the measurements by
// `genreview evaluate` and replaced field by field by the user's own in review/notes.json, which always
// win. Also the failure samples in force: evaluate's picks with the user's marks applied.
import { epochDirName, seedFileName } from "../run/layout.ts";
import type { CheckpointEvaluation, FailureSample, ReviewNotes, Score } from "../run/schema.ts";
import type { CheckpointNotes, CheckpointReview } from "./selection.ts";

/** Metric keys of the fixed-seed near-duplicate count written by evaluate (see evaluate.ts). */
export const FIXED_SEED_KEYS = {
  n: "fixed_seed/n",
  pairs: "fixed_seed/near_duplicate_pairs",
  realPairs: "fixed_seed/near_duplicate_pairs_real",
} as const;

/** Two decimals: notes are read by people; the exact values are in the metrics. */
function two(v: number): string {
  return (Math.round(v * 100) / 100).toFixed(2);
}

function scoreText(name: string, s: Score): string {
  return `${name} ${two(s.value)} [${two(s.low)}, ${two(s.high)}]`;
}

/** "0.45 → 0.68 since epoch 10", or "first evaluated checkpoint". */
function since(current: Score, previous: { epoch: number; score: Score } | undefined): string {
  if (previous === undefined) return "first evaluated checkpoint";
  return `${two(previous.score.value)} → ${two(current.value)} since epoch ${previous.epoch}`;
}

/** "precision 0.71, density 0.88" for the metric keys present (null and missing ones are left out). */
function metricList(metrics: CheckpointEvaluation["metrics"], keys: readonly [string, string][]): string {
  return keys
    .filter(([key]) => typeof metrics[key] === "number")
    .map(([key, label]) => `${label} ${two(metrics[key] as number)}`)
    .join(", ");
}

/** The first clause of a flag's evidence (up to the first "; " outside parentheses): its headline. */
export function headline(evidence: string): string {
  let depth = 0;
  for (let i = 0; i < evidence.length; i++) {
    const c = evidence[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === ";" && depth === 0 && evidence[i + 1] === " ") return evidence.slice(0, i);
  }
  return evidence;
}

/** "3 near-duplicate pairs among the 64 fixed-seed samples (real images of that count: 0)", or "". */
export function fixedSeedSentence(metrics: CheckpointEvaluation["metrics"]): string {
  const n = metrics[FIXED_SEED_KEYS.n];
  const pairs = metrics[FIXED_SEED_KEYS.pairs];
  if (typeof n !== "number" || typeof pairs !== "number") return "";
  const real = metrics[FIXED_SEED_KEYS.realPairs];
  const realText = typeof real === "number" ? ` (real images of that count: ${real})` : "";
  return `${pairs} near-duplicate ${pairs === 1 ? "pair" : "pairs"} among the ${n} fixed-seed samples${realText}`;
}

/**
 * The three drafted notes of `current`, given the previous evaluated checkpoint (by epoch) for the
 * "since epoch" part. Short sentences with the numbers a reviewer checks first.
 */
export function draftNotes(
  current: Pick<CheckpointEvaluation, "epoch" | "metrics" | "scores" | "flags" | "failures">,
  previous: Pick<CheckpointEvaluation, "epoch" | "scores"> | undefined,
): CheckpointEvaluation["notes"] {
  const { metrics, scores } = current;

  // quality: score with its interval, the change, the precision-side metrics
  const qualityParts = [
    scoreText("quality", scores.quality),
    since(scores.quality, previous && { epoch: previous.epoch, score: previous.scores.quality }),
    metricList(metrics, [
      ["precision", "precision"],
      ["density", "density"],
    ]),
  ];

  // diversity: the same, then recall-side metrics, classes and the fixed-seed near-duplicates
  const diversityParts = [
    scoreText("diversity", scores.diversity),
    since(scores.diversity, previous && { epoch: previous.epoch, score: previous.scores.diversity }),
    metricList(metrics, [
      ["recall", "recall"],
      ["coverage", "coverage"],
      ["class/coverage", "class coverage"],
    ]),
    fixedSeedSentence(metrics),
  ];

  // failure: every flag's headline, worst first; else the least realistic sample kept
  const flags = [...current.flags].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === "fail" ? -1 : 1,
  );
  let failure: string;
  if (flags.length > 0)
    failure = flags.map((f) => `${f.kind}(${f.severity}): ${headline(f.evidence)}`).join("; ");
  else {
    const worst = current.failures.find((f) => f.kind === "least_realistic");
    failure =
      worst === undefined
        ? "no flags"
        : `no flags; least realistic kept sample: #${worst.index}` +
          (worst.value === undefined ? "" : ` (realism ${two(worst.value)})`);
  }
  const join = (parts: string[]) => parts.filter((p) => p !== "").join("; ");
  return { quality: join(qualityParts), diversity: join(diversityParts), failure };
}

/** The notes in force for one checkpoint: each field the user's when written, drafted otherwise. */
export function notesInForce(
  drafted: CheckpointEvaluation["notes"],
  notes: ReviewNotes,
  epoch: number,
): CheckpointNotes {
  const user = notes.checkpoints[String(epoch)] ?? {};
  const pick = (field: "quality" | "diversity" | "failure") => {
    const own = user[field];
    return own === undefined
      ? { text: drafted[field], source: "drafted" as const }
      : { text: own, source: "user" as const };
  };
  return { quality: pick("quality"), diversity: pick("diversity"), failure: pick("failure") };
}

/**
 * The failure samples in force for one checkpoint: evaluate's picks, minus those the user unmarked,
 * plus the fixed-seed samples the user marked. The last mark of an (epoch, seed) wins.
 */
export function failuresInForce(
  picks: readonly FailureSample[],
  notes: ReviewNotes,
  epoch: number,
): CheckpointReview["failures"] {
  const marks = new Map<number, { marked: boolean; note: string | undefined }>();
  for (const m of notes.failureMarks)
    if (m.epoch === epoch) marks.set(m.seed, { marked: m.marked, note: m.note });

  const out: CheckpointReview["failures"] = [];
  const seen = new Set<number>();
  for (const pick of picks) {
    const mark = pick.seed === undefined ? undefined : marks.get(pick.seed);
    if (pick.seed !== undefined) seen.add(pick.seed);
    if (mark?.marked === false) continue;
    out.push(mark?.note === undefined ? { ...pick } : { ...pick, note: mark.note });
  }
  for (const [seed, mark] of [...marks].sort((a, b) => a[0] - b[0])) {
    if (!mark.marked || seen.has(seed)) continue;
    out.push({
      kind: "user_marked",
      image: `samples/${epochDirName(epoch)}/${seedFileName(seed)}`,
      index: seed,
      seed,
      ...(mark.note === undefined ? {} : { note: mark.note }),
    });
  }
  return out;
}
