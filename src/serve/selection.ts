// The selection as the dashboard shows it: the rule in force (the user's rule from review/notes.json, or
// the default), applied with the rule library's evaluateRule to the scores in review/evaluation.json, so
// that the page and `genreview review` / `report` always select the same checkpoint.
import type { CheckpointStatus } from "../charts/specs.ts";
import { evaluateRule, type RowResult } from "../review/evaluate.ts";
import { defaultRule, describeRule, formatScore, parseRule, type Rule, ruleHash } from "../review/rule.ts";
import type { CheckpointEvaluation, ReviewNotes } from "../run/schema.ts";
import { GenreviewError } from "../util/errors.ts";
import type { NoteTexts, RuleState, RuleVerdict, SelectionState } from "./api-types.ts";

/** Where the user's rule is stored, for messages. */
const RULE_SOURCE = "review/notes.json (field 'rule')";

/** The rule in force for a run whose notes are `notes` (undefined when notes.json could not be read). */
export function ruleState(notes: ReviewNotes | undefined): RuleState {
  const defaults = defaultRule();
  const base = { defaults, problem: null };
  if (notes?.rule === undefined) {
    return {
      ...base,
      rule: defaults,
      source: "default",
      hash: ruleHash(defaults),
      description: describeRule(defaults),
    };
  }
  try {
    const rule = parseRule(notes.rule, RULE_SOURCE);
    return { ...base, rule, source: "notes", hash: ruleHash(rule), description: describeRule(rule) };
  } catch (error) {
    if (!(error instanceof GenreviewError)) throw error;
    // show the default's thresholds in the form, but select nothing: the CLI refuses this rule too
    return {
      ...base,
      rule: defaults,
      source: "notes",
      hash: ruleHash(defaults),
      description: describeRule(defaults),
      problem: error.message,
    };
  }
}

export interface Judgement {
  verdicts: Map<number, RuleVerdict>;
  selection: SelectionState;
}

/**
 * Apply `rule` to the evaluated checkpoints. Each row carries the user's notes where present, the drafted
 * ones otherwise (the rule does not read them; they travel into the explanation).
 */
export function judge(
  checkpoints: readonly CheckpointEvaluation[],
  notesFor: (epoch: number) => NoteTexts,
  rule: Rule,
): Judgement {
  const rows = checkpoints.map((c) => {
    const notes = notesFor(c.epoch);
    return {
      epoch: c.epoch,
      quality: c.scores.quality.value,
      diversity: c.scores.diversity.value,
      note: notes.quality === "" ? undefined : notes.quality,
      failure: notes.failure === "" ? undefined : notes.failure,
    };
  });
  const result = evaluateRule(rows, rule);
  const verdicts = new Map<number, RuleVerdict>();
  for (const row of result.rows) verdicts.set(row.epoch, { status: statusOf(row), reasons: reasonsOf(row) });
  return { verdicts, selection: { selectedEpoch: result.selection.epoch, summary: result.selection.reason } };
}

/** The chart status of a judged row (see CheckpointStatus in src/charts/specs.ts). */
export function statusOf(row: RowResult): CheckpointStatus {
  if (row.selected) return "selected";
  if (!row.eligible) return "below floor";
  return row.status === "candidate" ? "candidate" : "review";
}

function reasonsOf(row: RowResult): string[] {
  const reasons = row.reasons.map(
    (r) => `${r.field} ${formatScore(r.value)} < ${formatScore(r.threshold)} (${r.criterion})`,
  );
  if (row.lostTo !== null) {
    const { to, key, value, winnerValue } = row.lostTo;
    const show = (v: number) => (key.startsWith("epoch") ? String(v) : formatScore(v));
    reasons.push(`lost to epoch ${to} on ${key} (${show(value)} against ${show(winnerValue)})`);
  }
  return reasons;
}
