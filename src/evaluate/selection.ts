// review/selection.json: the decision of a run and its audit trail. `genreview review RUN` (and
// `genreview evaluate RUN`, with the rule in force) writes it; the report and the dashboard read it.
// It holds the rule with its hash, every evaluated checkpoint with the reasons behind its status, the
// selection with its tie-breaks, the flags, the notes (the user's where written, drafted otherwise, and
// which is which) and the suggested next action. Field names shared with `review TABLE --json`
// (rule, ruleHash, rows, selection, trends) mean the same thing in both.
import { existsSync } from "node:fs";
import { z } from "zod";
import { RowResultSchema, SelectionSchema, TrendSchema } from "../review/evaluate.ts";
import { RuleSchema } from "../review/rule.ts";
import { readJsonFile } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import { FailureSampleSchema, FlagKindSchema, FlagSchema, ScoreSchema } from "../run/schema.ts";
import { writeJsonAtomic } from "../util/atomic.ts";

/** A note and where its text came from: the user's review file, or drafted from the measurements. */
export const NoteSchema = z.object({ text: z.string(), source: z.enum(["user", "drafted"]) });
export type Note = z.infer<typeof NoteSchema>;

export const CheckpointNotesSchema = z.object({
  quality: NoteSchema,
  diversity: NoteSchema,
  failure: NoteSchema,
});
export type CheckpointNotes = z.infer<typeof CheckpointNotesSchema>;

/**
 * The kinds of change a next action proposes: data, objective, architecture, sampling, the training
 * schedule, or none (keep the selected checkpoint).
 */
export const CHANGE_KINDS = ["data", "objective", "architecture", "sampling", "training", "none"] as const;
export const ChangeKindSchema = z.enum(CHANGE_KINDS);
export type ChangeKind = z.infer<typeof ChangeKindSchema>;

/** One suggested change with a concrete first step. */
export const ActionSchema = z.object({
  change: ChangeKindSchema,
  /** What to change, in a few words ("lower the learning rate and add an R1 penalty"). */
  title: z.string(),
  /** The first thing to do, concretely (values to try, what to compare afterwards). */
  firstStep: z.string(),
  /** The genreview command that does the first step (null when none applies, e.g. "collect data"). */
  command: z.string().nullable(),
});
export type Action = z.infer<typeof ActionSchema>;

/** The suggested next action: the main change, why (the flag or trend that triggered it), alternatives. */
export const NextActionSchema = ActionSchema.extend({
  /** What triggered it: a flag kind, or a trend ("improving", "plateau", "no-selection", ...). */
  trigger: z.union([FlagKindSchema, z.enum(["improving", "plateau", "no-selection", "healthy"])]),
  /** The epoch whose evidence triggered it (null for run-wide triggers). */
  epoch: z.number().int().nonnegative().nullable(),
  /** One sentence with the numbers behind the suggestion (usually the flag's evidence). */
  why: z.string(),
  /** Other changes worth trying, most promising first. */
  alternatives: z.array(ActionSchema),
});
export type NextAction = z.infer<typeof NextActionSchema>;

/** Per checkpoint: the measured scores with intervals, flags, notes and kept failure samples. */
export const CheckpointReviewSchema = z.object({
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative().nullable(),
  /** Samples measured (the same for every checkpoint). */
  n: z.number().int().positive(),
  quality: ScoreSchema,
  diversity: ScoreSchema,
  flags: z.array(FlagSchema),
  notes: CheckpointNotesSchema,
  /** Kept failure samples: those chosen by evaluate, then the user's marks (unmarked ones removed). */
  failures: z.array(FailureSampleSchema.extend({ note: z.string().optional() })),
});
export type CheckpointReview = z.infer<typeof CheckpointReviewSchema>;

/** Where the rule came from: the defaults, the run's review file, a --rule file; `overrides` are flags. */
export const RuleSourceSchema = z.object({
  kind: z.enum(["default", "notes", "file"]),
  /** The file for "notes" and "file". */
  path: z.string().nullable(),
  /** Thresholds set on the command line (--min-quality, --min-diversity, --floor). */
  overrides: z.record(z.string(), z.number()),
});
export type RuleSource = z.infer<typeof RuleSourceSchema>;

export const SelectionFileSchema = z.object({
  format: z.literal("genreview-selection/1"),
  createdAt: z.string(),
  toolVersion: z.string(),
  /** The evaluation the decision rests on (review/evaluation.json). */
  evaluation: z.object({
    createdAt: z.string(),
    n: z.number().int().positive(),
    seed: z.number().int(),
    extractor: z.string(),
    dataset: z.object({ id: z.string(), hash: z.string() }),
  }),
  rule: RuleSchema,
  ruleHash: z.string(),
  ruleSource: RuleSourceSchema,
  /** The rule applied to the measured scores, sorted by epoch (note = quality note, failure = failure note). */
  rows: z.array(RowResultSchema),
  selection: SelectionSchema,
  trends: z.array(TrendSchema),
  /** Sorted by epoch, one per row. */
  checkpoints: z.array(CheckpointReviewSchema),
  /** Flags about the run as a whole (loss spikes, divergence, oscillation). */
  runFlags: z.array(FlagSchema),
  nextAction: NextActionSchema,
  /** Warnings carried from the evaluation and found while reviewing. */
  warnings: z.array(z.string()),
});
export type SelectionFile = z.infer<typeof SelectionFileSchema>;

/** review/selection.json, or undefined when the run has not been reviewed yet. */
export function readSelection(run: string): SelectionFile | undefined {
  const path = runPaths(run).selection;
  if (!existsSync(path)) return undefined;
  return readJsonFile(path, SelectionFileSchema, "selection");
}

/** Validate and write review/selection.json atomically. */
export function writeSelection(run: string, selection: SelectionFile): void {
  writeJsonAtomic(runPaths(run).selection, SelectionFileSchema.parse(selection));
}
