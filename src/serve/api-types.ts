// The dashboard's JSON API: the shapes the server sends and the page reads. Types only, so that the
// browser bundle and the server agree at compile time without sharing any runtime code.
import type { CheckpointStatus, LossPoint } from "../charts/specs.ts";
import type { Rule } from "../review/rule.ts";
import type { FailureSample, Flag, RunInfo, Score } from "../run/schema.ts";

/** An error shown in the page instead of crashing: which file, and what is wrong with it. */
export interface FileProblem {
  /** Path relative to the run folder (e.g. "review/notes.json"). */
  file: string;
  message: string;
}

/** One row of the runs list. */
export interface RunSummary {
  /** The run folder relative to the served directory, "/"-separated; "." when the directory is a run. */
  id: string;
  model: RunInfo["model"] | null;
  dataset: string | null;
  status: RunInfo["status"] | null;
  createdAt: string | null;
  checkpoints: number;
  sampleEpochs: number;
  evaluated: boolean;
  /** The checkpoint the rule selects now, or null (not evaluated, nothing passes, or a problem). */
  selectedEpoch: number | null;
  problems: FileProblem[];
}

export interface RunsResponse {
  /** The served directory as given on the command line. */
  root: string;
  runs: RunSummary[];
}

/** The three notes of a checkpoint. */
export interface NoteTexts {
  quality: string;
  diversity: string;
  failure: string;
}

/** The rule's verdict for one checkpoint. */
export interface RuleVerdict {
  status: CheckpointStatus;
  /** Why: the comparisons that decided (e.g. "quality 0.52 < 0.60"). */
  reasons: string[];
}

/** One checkpoint of the run view: what training wrote, what evaluation measured, what the user wrote. */
export interface CheckpointRow {
  epoch: number;
  step: number | null;
  hasCheckpoint: boolean;
  hasSamples: boolean;
  /** Mean losses of the epoch that ended here, from the checkpoint's meta.json. */
  losses: Record<string, number>;
  scores: { quality: Score; diversity: Score } | null;
  metrics: Record<string, number | null>;
  flags: Flag[];
  /** Notes drafted by `genreview evaluate` (empty strings when not evaluated). */
  drafted: NoteTexts;
  /** The user's notes from review/notes.json; a present field wins over the drafted one. */
  user: Partial<NoteTexts>;
  verdict: RuleVerdict | null;
}

/** A sample shown in the failure gallery. */
export interface FailureItem {
  epoch: number;
  /** Where it came from: a kind picked by `genreview evaluate`, or "user_marked". */
  kind: FailureSample["kind"];
  /** Image path relative to the run folder. */
  image: string;
  seed: number | null;
  value: number | null;
  trainImage: string | null;
  /** The user's mark for this (epoch, seed): true marked, false unmarked, null none. */
  mark: boolean | null;
  note: string | null;
}

export interface RuleState {
  /** The rule in force: the user's rule from review/notes.json when valid, the default otherwise. */
  rule: Rule;
  source: "default" | "notes";
  hash: string;
  description: string;
  /** The default rule, for the "reset" button and to show what was changed. */
  defaults: Rule;
  /** The rule in notes.json is invalid: no selection is made until it is fixed (the CLI would fail too). */
  problem: string | null;
}

export interface SelectionState {
  selectedEpoch: number | null;
  /** One sentence: why this checkpoint, or why none. */
  summary: string;
  /** The suggested next step, as `genreview review RUN` words it. */
  nextAction: { title: string; why: string; firstStep: string; command: string | null };
  /** Warnings carried from the evaluation and found while reviewing (e.g. notes for unevaluated epochs). */
  warnings: string[];
}

export interface RunDetail {
  id: string;
  info: RunInfo | null;
  /** Fixed-seed sample epochs (the filmstrip's columns), ascending. */
  sampleEpochs: number[];
  /** Seeds of the fixed sample set found in samples/ (the filmstrip's rows), ascending. */
  seeds: number[];
  /** Width and height of one sample image, when any exists. */
  imageSize: { width: number; height: number } | null;
  checkpoints: CheckpointRow[];
  evaluation: {
    createdAt: string;
    n: number;
    extractor: string;
    runFlags: Flag[];
    warnings: string[];
  } | null;
  failures: FailureItem[];
  rule: RuleState;
  selection: SelectionState | null;
  problems: FileProblem[];
  /** Changes whenever a file the view is built from changes; the page compares it after a live event. */
  version: string;
}

export interface MetricsResponse {
  /** Loss series averaged down for drawing (see lossSeries in src/charts/specs.ts). */
  losses: LossPoint[];
  records: number;
  skippedLines: number[];
}

/** The message of a refused request. */
export interface ErrorResponse {
  error: string;
}
