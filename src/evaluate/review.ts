// `genreview review RUN`: the declared rule applied to the measured scores of an evaluated run, with the
// flags, the notes in force and the next action; the result is review/selection.json (selection.ts).
// `buildSelection` is pure (the report and dashboard can call it to agree with the CLI); `reviewRun`
// reads and writes the run's files; the format* functions render the result.
//
// The rule sees scores rounded to two decimals: the table prints two decimals, and the bootstrap
// intervals of the scores are a few hundredths wide, so a third decimal carries no information and
// would only make a printed 0.55 fail a 0.55 threshold.
import { existsSync } from "node:fs";
import { type CheckpointRow, evaluateRule } from "../review/evaluate.ts";
import { explain } from "../review/explain.ts";
import { formatMarkdown, formatTable } from "../review/format.ts";
import {
  defaultRule,
  formatScore,
  parseRule,
  type Rule,
  type RuleOverrides,
  withOverrides,
} from "../review/rule.ts";
import { readRuleFile } from "../review/rule-file.ts";
import { listCheckpointEpochs, readEvaluation, readNotes, readRunInfo } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { Evaluation, Flag, ReviewNotes, RunInfo } from "../run/schema.ts";
import { CheckpointError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import { type PlacedFlag, suggestNextAction } from "./next-action.ts";
import { failuresInForce, notesInForce } from "./notes.ts";
import {
  type CheckpointReview,
  type RuleSource,
  type SelectionFile,
  SelectionFileSchema,
  writeSelection,
} from "./selection.ts";

/** Where the rule of review/notes.json is named in messages (the dashboard uses the same words). */
export const NOTES_RULE_SOURCE = "review/notes.json (field 'rule')";

/** A score as the rule sees it: two decimals (see the top of this file). */
export function ruleScore(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The rule's rows of an evaluated run: rounded scores, the quality note and the failure note in force. */
export function rowsFromEvaluation(evaluation: Evaluation, notes: ReviewNotes): CheckpointRow[] {
  return evaluation.checkpoints.map((c) => {
    const inForce = notesInForce(c.notes, notes, c.epoch);
    return {
      epoch: c.epoch,
      quality: ruleScore(c.scores.quality.value),
      diversity: ruleScore(c.scores.diversity.value),
      note: inForce.quality.text === "" ? undefined : inForce.quality.text,
      failure: inForce.failure.text === "" ? undefined : inForce.failure.text,
    };
  });
}

/**
 * The flag the rule adds: a checkpoint whose quality meets the rule's minimum while its diversity is
 * under the floor repeats itself (the "repetition" pattern), whatever the sample-level tests said.
 * It depends on the rule, so it lives in selection.json, not in evaluation.json.
 */
function floorFlag(
  row: { epoch: number; quality: number; diversity: number },
  rule: Rule,
  hash: string,
): Flag {
  return {
    kind: "mode_collapse",
    severity: "fail",
    evidence:
      `diversity ${formatScore(row.diversity)} is under the rule's floor ${formatScore(rule.selection.diversityFloor)} ` +
      `while quality ${formatScore(row.quality)} meets the minimum ${formatScore(rule.candidate.minQuality)} ` +
      `(rule ${hash}): repeated outputs`,
    values: {
      "rule/diversity": row.diversity,
      "rule/diversity_floor": rule.selection.diversityFloor,
      "rule/quality": row.quality,
      "rule/min_quality": rule.candidate.minQuality,
    },
  };
}

export interface SelectionInput {
  evaluation: Evaluation;
  notes: ReviewNotes;
  info: Pick<RunInfo, "model" | "config" | "dataset" | "seed">;
  /** The run folder as the user named it, for the commands of the next action. */
  run: string;
  rule: Rule;
  ruleSource: RuleSource;
  /** The time recorded as createdAt (ISO 8601). */
  now: string;
}

/** The decision of an evaluated run (pure: everything it reads is in `input`). */
export function buildSelection(input: SelectionInput): SelectionFile {
  const { evaluation, notes, rule } = input;
  const sorted = [...evaluation.checkpoints].sort((a, b) => a.epoch - b.epoch);
  if (sorted.length === 0)
    throw new CheckpointError(
      `${input.run}: review/evaluation.json has no checkpoints; evaluate the run first`,
    );

  // the rule on the rounded scores with the notes in force
  const review = evaluateRule(rowsFromEvaluation({ ...evaluation, checkpoints: sorted }, notes), rule);

  // per checkpoint: evaluate's flags, plus the rule's floor flag where it applies
  const checkpoints: CheckpointReview[] = sorted.map((c) => {
    const row = review.rows.find((r) => r.epoch === c.epoch)!;
    const flags = [...c.flags];
    if (row.pattern === "repetition" && !row.eligible && !flags.some((f) => f.kind === "mode_collapse"))
      flags.push(floorFlag(row, rule, review.ruleHash));
    return {
      epoch: c.epoch,
      step: c.step ?? null,
      n: c.n,
      quality: c.scores.quality,
      diversity: c.scores.diversity,
      flags,
      notes: notesInForce(c.notes, notes, c.epoch),
      failures: failuresInForce(c.failures, notes, c.epoch),
    };
  });

  // the next action from the flags that matter and the trend
  const placed: PlacedFlag[] = [
    ...checkpoints.flatMap((c) => c.flags.map((flag) => ({ epoch: c.epoch, flag }))),
    ...evaluation.runFlags.map((flag) => ({ epoch: null, flag })),
  ];
  const nextAction = suggestNextAction(review, placed, {
    run: input.run,
    info: input.info,
    epochs: sorted.map((c) => c.epoch),
  });

  // notes for epochs that were not evaluated would silently vanish: say so
  const evaluated = new Set(sorted.map((c) => String(c.epoch)));
  const warnings = [...evaluation.warnings];
  for (const epoch of Object.keys(notes.checkpoints))
    if (!evaluated.has(epoch))
      warnings.push(
        `review/notes.json has notes for epoch ${epoch}, which review/evaluation.json does not hold`,
      );

  return SelectionFileSchema.parse({
    format: "genreview-selection/1",
    createdAt: input.now,
    toolVersion: VERSION,
    evaluation: {
      createdAt: evaluation.createdAt,
      n: evaluation.n,
      seed: evaluation.seed,
      extractor: evaluation.extractor.id,
      dataset: evaluation.dataset,
    },
    rule,
    ruleHash: review.ruleHash,
    ruleSource: input.ruleSource,
    rows: review.rows,
    selection: review.selection,
    trends: review.trends,
    checkpoints,
    runFlags: evaluation.runFlags,
    nextAction,
    warnings,
  });
}

export interface ReviewRunOptions {
  /** A rule file (--rule); without it the rule of review/notes.json, else the default. */
  ruleFile?: string | undefined;
  overrides?: RuleOverrides;
  /** Write review/selection.json (default true). */
  write?: boolean;
}

/** The rule in force for a run and where it came from (see ReviewRunOptions). */
export function resolveRunRule(
  notes: ReviewNotes,
  options: Pick<ReviewRunOptions, "ruleFile" | "overrides">,
  notesPath: string,
): { rule: Rule; source: RuleSource } {
  let rule: Rule;
  let source: RuleSource;
  if (options.ruleFile !== undefined) {
    rule = readRuleFile(options.ruleFile);
    source = { kind: "file", path: options.ruleFile, overrides: {} };
  } else if (notes.rule !== undefined) {
    rule = parseRule(notes.rule, NOTES_RULE_SOURCE);
    source = { kind: "notes", path: notesPath, overrides: {} };
  } else {
    rule = defaultRule();
    source = { kind: "default", path: null, overrides: {} };
  }
  const overrides = options.overrides ?? {};
  rule = withOverrides(rule, overrides);
  for (const [key, value] of Object.entries(overrides))
    if (value !== undefined) source.overrides[key] = value;
  return { rule, source };
}

/** Review an evaluated run: read its files, build the decision, write review/selection.json. */
export function reviewRun(run: string, options: ReviewRunOptions = {}): SelectionFile {
  const info = readRunInfo(run);
  const evaluation = readEvaluation(run);
  const paths = runPaths(run);
  if (evaluation === undefined) {
    const checkpoints = listCheckpointEpochs(run).length;
    throw new CheckpointError(
      `${run}: not evaluated yet (expected ${paths.evaluation}; the run has ${checkpoints} checkpoints); ` +
        `run genreview evaluate ${run} first`,
      { file: paths.evaluation },
    );
  }
  const notes = readNotes(run);
  const { rule, source } = resolveRunRule(
    notes,
    options,
    existsSync(paths.notes) ? paths.notes : NOTES_RULE_SOURCE,
  );
  const selection = buildSelection({
    evaluation,
    notes,
    info,
    run,
    rule,
    ruleSource: source,
    now: new Date().toISOString(),
  });
  // checkpoints written after the evaluation are not in the table: say which, and how to add them
  const evaluated = new Set(evaluation.checkpoints.map((c) => c.epoch));
  const missing = listCheckpointEpochs(run).filter((e) => !evaluated.has(e));
  if (missing.length > 0)
    selection.warnings.push(
      `${missing.length === 1 ? "checkpoint" : "checkpoints"} ${missing.join(", ")} ` +
        `${missing.length === 1 ? "is" : "are"} not evaluated yet: genreview evaluate ${run} --epochs ${missing.join(",")}`,
    );
  if (options.write !== false) writeSelection(run, selection);
  return selection;
}

/** Epochs padded as in the table ("epoch=030"). */
function epochLabel(epoch: number): string {
  return `epoch=${String(epoch).padStart(3, "0")}`;
}

/** The flags section: one line per flag, "none" for checkpoints without, then the run-wide flags. */
export function formatFlags(selection: SelectionFile): string {
  const lines: string[] = [];
  for (const c of selection.checkpoints) {
    if (c.flags.length === 0) lines.push(`flags ${epochLabel(c.epoch)}: none`);
    for (const f of c.flags)
      lines.push(`flags ${epochLabel(c.epoch)}: ${f.kind}(${f.severity}) — ${f.evidence}`);
  }
  for (const f of selection.runFlags) lines.push(`flags run: ${f.kind}(${f.severity}) — ${f.evidence}`);
  return lines.join("\n");
}

/** The next action: change and title, then why, the first step and the command, indented. */
export function formatNextAction(selection: SelectionFile): string {
  const a = selection.nextAction;
  const lines = [`next_action: ${a.change} — ${a.title}`, `  why: ${a.why}`, `  first step: ${a.firstStep}`];
  if (a.command !== null) lines.push(`  command: ${a.command}`);
  for (const alt of a.alternatives)
    lines.push(
      `  or (${alt.change}): ${alt.title}: ${alt.firstStep}${alt.command === null ? "" : ` [${alt.command}]`}`,
    );
  return lines.join("\n");
}

/** The notes in force per checkpoint, marking the user's own. */
export function formatNotes(selection: SelectionFile): string {
  const lines = ["notes:"];
  for (const c of selection.checkpoints)
    for (const field of ["quality", "diversity", "failure"] as const) {
      const note = c.notes[field];
      lines.push(`  epoch ${c.epoch} ${field}${note.source === "user" ? " (yours)" : ""}: ${note.text}`);
    }
  return lines.join("\n");
}

/** The rule's result in the shape the table renderers read. */
function ruleEvaluation(selection: SelectionFile) {
  const { rule, ruleHash, rows, selection: chosen, trends } = selection;
  return { rule, ruleHash, rows, selection: chosen, trends };
}

/**
 * The review of a run as text: the six-line table (same format as for a table file), a blank line, the
 * flags; with `explain`, the "Why this checkpoint" section and the notes; then the next action.
 */
export function formatRunText(selection: SelectionFile, options: { explain?: boolean } = {}): string {
  const review = ruleEvaluation(selection);
  const parts = [formatTable(review), formatFlags(selection)];
  if (options.explain === true) parts.push(explain(review), formatNotes(selection));
  parts.push(formatNextAction(selection));
  const count = selection.warnings.length;
  if (count > 0)
    parts.push(
      options.explain === true
        ? selection.warnings.map((w) => `warning: ${w}`).join("\n")
        : `warnings: ${count} (--explain lists them; they are in review/selection.json)`,
    );
  return parts.join("\n\n");
}

/** Markdown cells hold one line; a pipe would end the cell. */
function cell(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").replace(/\|/g, "\\|");
}

/** The review of a run as Markdown: the table renderer's output, then flags and the next action. */
export function formatRunMarkdown(selection: SelectionFile, options: { explain?: boolean } = {}): string {
  const lines = [formatMarkdown(ruleEvaluation(selection), options), "", "### Flags", ""];
  const flagged = [
    ...selection.checkpoints.flatMap((c) => c.flags.map((f) => [String(c.epoch), f] as const)),
    ...selection.runFlags.map((f) => ["run", f] as const),
  ];
  if (flagged.length === 0) lines.push("No flags were raised.");
  else {
    lines.push("| Epoch | Flag | Severity | Evidence |", "| --- | --- | --- | --- |");
    for (const [where, f] of flagged)
      lines.push(`| ${where} | ${f.kind} | ${f.severity} | ${cell(f.evidence)} |`);
  }
  const a = selection.nextAction;
  lines.push(
    "",
    "### Next action",
    "",
    `**${a.change}: ${a.title}.** ${a.why}.`,
    "",
    `First step: ${a.firstStep}.`,
  );
  if (a.command !== null) lines.push("", "```sh", a.command, "```");
  return lines.join("\n");
}
