// The decision the evidence pages present: which checkpoint the declared rule selects, why, the flags and
// notes in force, and what to do next. review/selection.json (written by `genreview review RUN`) is the
// recorded decision and is used as it is while it still matches the run's files. When it is missing, or
// older than the evaluation or the user's notes, the decision is rebuilt here with the same pure function
// the review command uses (buildSelection), so the report and `genreview review` can never disagree.
import { existsSync } from "node:fs";
import { buildSelection, NOTES_RULE_SOURCE, resolveRunRule } from "../evaluate/review.ts";
import { type NextAction, readSelection, type SelectionFile } from "../evaluate/selection.ts";
import type { Evaluation as RuleEvaluation } from "../review/evaluate.ts";
import { runPaths } from "../run/layout.ts";
import type { Evaluation, Flag, ReviewNotes, RunInfo } from "../run/schema.ts";

export interface ReviewDecision {
  /** The whole decision, in the format of review/selection.json. */
  file: SelectionFile;
  /** The rule applied, its rows, selection and trends (the shape `explainSections` reads). */
  review: RuleEvaluation;
  /** Where the rule came from, in words ("the default rule", "the rule in review/notes.json", ...). */
  ruleSource: string;
  nextAction: NextAction;
  runFlags: Flag[];
  warnings: string[];
  /** "selection.json": the recorded decision; "computed": rebuilt here from the run's files. */
  source: "selection.json" | "computed";
  /** Why a recorded decision was set aside, when there is one. */
  staleness: string | null;
}

/** The decision for an evaluated run (see the top of this file); `run` is the folder as the user named it. */
export function resolveDecision(
  run: string,
  dir: string,
  info: RunInfo,
  evaluation: Evaluation,
  notes: ReviewNotes,
): ReviewDecision {
  const recorded = readSelection(dir);
  const staleness = recorded === undefined ? null : stalenessOf(recorded, evaluation, notes);
  if (recorded !== undefined && staleness === null) return decision(recorded, "selection.json", null);

  // rebuild: a rule the user chose on the command line (a file, or flags) is kept; a rule that came
  // from the defaults or notes.json is read again, as the dashboard does
  const paths = runPaths(dir);
  const explicit =
    recorded !== undefined &&
    (recorded.ruleSource.kind === "file" || Object.keys(recorded.ruleSource.overrides).length > 0);
  const { rule, source } = explicit
    ? { rule: recorded.rule, source: recorded.ruleSource }
    : resolveRunRule(notes, {}, existsSync(paths.notes) ? paths.notes : NOTES_RULE_SOURCE);
  const file = buildSelection({
    evaluation,
    notes,
    info,
    run,
    rule,
    ruleSource: source,
    now: new Date().toISOString(),
  });
  return decision(file, "computed", staleness);
}

/** Why a recorded selection no longer describes the run's files, or null when it still does. */
function stalenessOf(recorded: SelectionFile, evaluation: Evaluation, notes: ReviewNotes): string | null {
  if (recorded.evaluation.createdAt !== evaluation.createdAt)
    return (
      `review/selection.json was made from the evaluation of ${recorded.evaluation.createdAt}, but ` +
      `review/evaluation.json is from ${evaluation.createdAt}`
    );
  if (notes.updatedAt !== undefined && notes.updatedAt > recorded.createdAt)
    return `review/notes.json (${notes.updatedAt}) was edited after review/selection.json (${recorded.createdAt})`;
  return null;
}

function ruleSourceWords(file: SelectionFile): string {
  const { ruleSource } = file;
  const overrides = Object.entries(ruleSource.overrides).map(([k, v]) => `${k} ${v}`);
  const base =
    ruleSource.kind === "default"
      ? "the default rule"
      : ruleSource.kind === "notes"
        ? "the rule in review/notes.json"
        : `the rule file ${ruleSource.path ?? ""}`.trim();
  return overrides.length === 0 ? base : `${base} with ${overrides.join(", ")} from the command line`;
}

function decision(
  file: SelectionFile,
  source: ReviewDecision["source"],
  staleness: string | null,
): ReviewDecision {
  const { rule, ruleHash, rows, selection, trends } = file;
  return {
    file,
    review: { rule, ruleHash, rows, selection, trends },
    ruleSource: ruleSourceWords(file),
    nextAction: file.nextAction,
    runFlags: file.runFlags,
    warnings: file.warnings,
    source,
    staleness,
  };
}
