// The selection as the dashboard shows it: the decision `genreview review RUN` makes, computed by the same
// pure function (buildSelection in src/evaluate/review.ts: the rule in force, rounded scores, notes in
// force, flags, next action), so the page and the CLI always select the same checkpoint. Nothing is
// written here; review/selection.json stays the CLI's file.
import { relative } from "node:path";
import type { CheckpointStatus } from "../charts/specs.ts";
import { buildSelection, NOTES_RULE_SOURCE, resolveRunRule } from "../evaluate/review.ts";
import type { RuleSource } from "../evaluate/selection.ts";
import type { RowResult } from "../review/evaluate.ts";
import { defaultRule, describeRule, formatScore, type Rule, ruleHash } from "../review/rule.ts";
import { runPaths } from "../run/layout.ts";
import type { Evaluation, Flag, ReviewNotes, RunInfo } from "../run/schema.ts";
import { GenreviewError } from "../util/errors.ts";
import type { RuleState, RuleVerdict, SelectionState } from "./api-types.ts";

/** The rule in force and where it came from; `problem` when the rule in notes.json is invalid. */
export interface ResolvedRule {
  state: RuleState;
  source: RuleSource;
}

/** The rule in force for the run at `dir` whose notes are `notes` (undefined: notes.json unreadable). */
export function resolveRule(dir: string, notes: ReviewNotes | undefined): ResolvedRule {
  const defaults = defaultRule();
  const describe = (rule: Rule) => ({
    rule,
    hash: ruleHash(rule),
    description: describeRule(rule),
    defaults,
  });
  try {
    const { rule, source } = resolveRunRule(
      notes ?? { format: "genreview-notes/1", checkpoints: {}, failureMarks: [] },
      {},
      runPaths(dir).notes,
    );
    return {
      state: { ...describe(rule), source: source.kind === "notes" ? "notes" : "default", problem: null },
      source,
    };
  } catch (error) {
    if (!(error instanceof GenreviewError)) throw error;
    // show the default's thresholds in the form, but select nothing: the CLI refuses this rule too
    return {
      state: { ...describe(defaults), source: "notes", problem: error.message },
      source: { kind: "notes", path: NOTES_RULE_SOURCE, overrides: {} },
    };
  }
}

export interface Judgement {
  verdicts: Map<number, RuleVerdict>;
  /** Per checkpoint: evaluate's flags plus the rule's floor flag where it applies. */
  flags: Map<number, Flag[]>;
  selection: SelectionState;
}

/** The decision for an evaluated run, as `genreview review RUN` makes it (without writing selection.json). */
export function judge(
  dir: string,
  input: { evaluation: Evaluation; notes: ReviewNotes; info: RunInfo; rule: ResolvedRule },
): Judgement {
  const decision = buildSelection({
    evaluation: input.evaluation,
    notes: input.notes,
    info: input.info,
    // the run as a user would name it in the suggested commands
    run: relative(process.cwd(), dir) || ".",
    rule: input.rule.state.rule,
    ruleSource: input.rule.source,
    now: new Date().toISOString(),
  });
  const verdicts = new Map<number, RuleVerdict>();
  for (const row of decision.rows)
    verdicts.set(row.epoch, { status: statusOf(row), reasons: reasonsOf(row) });
  const { nextAction } = decision;
  return {
    verdicts,
    flags: new Map(decision.checkpoints.map((c) => [c.epoch, c.flags])),
    selection: {
      selectedEpoch: decision.selection.epoch,
      summary: decision.selection.reason,
      nextAction: {
        title: nextAction.title,
        why: nextAction.why,
        firstStep: nextAction.firstStep,
        command: nextAction.command,
      },
      warnings: decision.warnings,
    },
  };
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
