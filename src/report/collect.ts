// Everything one run folder says, gathered once for the evidence pages (report and compare): what was run,
// the fixed-seed samples, the training losses and cost, the measurements, the user's notes and marks, the
// rule's verdict on every checkpoint and the failure gallery. The pages only render this; no page reads
// a file of the run by itself, so the HTML, the Markdown and the comparison always tell the same story.
import { existsSync, readdirSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { CheckpointStatus } from "../charts/specs.ts";
import { failuresInForce, notesInForce } from "../evaluate/notes.ts";
import type { CheckpointNotes as SelectionNotes } from "../evaluate/selection.ts";
import type { RowResult } from "../review/evaluate.ts";
import {
  listCheckpointEpochs,
  listSampleEpochs,
  readCheckpointMeta,
  readEvaluation,
  readMetrics,
  readNotes,
  readRunInfo,
  readSeedSet,
} from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type {
  CheckpointEvaluation,
  CheckpointMeta,
  Evaluation,
  FailureSample,
  Flag,
  MetricRecord,
  ReviewNotes,
  RunInfo,
  SeedSet,
} from "../run/schema.ts";
import { CheckpointError } from "../util/errors.ts";
import { type ReviewDecision, resolveDecision } from "./decision.ts";

const SEED_FILE = /^seed-(\d+)\.png$/;

/** The three notes of a checkpoint as the report shows them: the user's where written, else the drafts. */
export interface CheckpointNotes {
  quality: string;
  diversity: string;
  failure: string;
  /** Which of the three came from the user (review/notes.json) rather than `genreview evaluate`. */
  fromUser: { quality: boolean; diversity: boolean; failure: boolean };
}

/** One checkpoint: what training wrote, what evaluation measured, what the rule and the user said. */
export interface ReportCheckpoint {
  epoch: number;
  step: number | null;
  hasSamples: boolean;
  /** Mean losses of the epoch that ended here (checkpoint meta.json), when recorded. */
  losses: Record<string, number> | null;
  evaluation: CheckpointEvaluation | null;
  /** The flags in force: evaluate's, plus the rule's floor flag (from the decision); [] when not evaluated. */
  flags: Flag[];
  notes: CheckpointNotes;
  /** The rule's row for this checkpoint; null when the run is not evaluated. */
  verdict: RowResult | null;
  status: CheckpointStatus | null;
}

/** One sample of the failure gallery. */
export interface GalleryItem {
  epoch: number;
  kind: FailureSample["kind"];
  /** Image path relative to the run folder. */
  image: string;
  seed: number | null;
  value: number | null;
  /** For nearest_train: the training image beside it, relative to the run folder. */
  trainImage: string | null;
  group: number | null;
  /** The user's note on the sample, when they marked it with one. */
  userNote: string | null;
}

/** What training cost, read from metrics.jsonl and the checkpoints. */
export interface TrainingCost {
  /** Seconds from the start of the run to its last metric record; null without records. */
  seconds: number | null;
  /** Optimiser steps at the last checkpoint (or the last metric record). */
  steps: number | null;
  /** The last checkpoint epoch. */
  epochs: number | null;
}

export interface RunData {
  /** Absolute path of the run folder. */
  dir: string;
  /** The folder's name: the run's label in pages and comparisons. */
  name: string;
  /** The run folder as the user named it (used in the commands the pages suggest). */
  ref: string;
  info: RunInfo;
  seedSet: SeedSet | null;
  /** Epochs with fixed-seed samples (grid.png present), ascending. */
  sampleEpochs: number[];
  /** Seeds with a per-seed image in at least one sample epoch, ascending: the filmstrip's rows. */
  seeds: number[];
  /** One row per epoch known to training, sampling or evaluation, ascending. */
  checkpoints: ReportCheckpoint[];
  metrics: MetricRecord[];
  /** 1-based lines of metrics.jsonl that could not be read. */
  skippedMetricLines: number[];
  evaluation: Evaluation | null;
  notes: ReviewNotes;
  /** The rule's decision; null when the run is not evaluated. */
  decision: ReviewDecision | null;
  gallery: GalleryItem[];
  cost: TrainingCost;
}

/** Read a run folder for the evidence pages. A folder that is not a run is a CheckpointError naming it. */
export function collectRun(run: string): RunData {
  const dir = resolve(run);
  if (!existsSync(dir)) throw new CheckpointError(`${run}: no such run folder`, { file: run });
  const info = readRunInfo(dir);
  const seedSet = existsSync(runPaths(dir).seedsJson) ? readSeedSet(dir) : null;

  // training's output: checkpoints, samples and losses
  const checkpointEpochs = listCheckpointEpochs(dir);
  const metas = new Map<number, CheckpointMeta>(checkpointEpochs.map((e) => [e, readCheckpointMeta(dir, e)]));
  const sampleEpochs = listSampleEpochs(dir);
  const seeds = seedsOf(dir, sampleEpochs);
  const { records, skippedLines } = readMetrics(dir);

  // the review: measurements, the user's words, the rule's decision
  const evaluation = readEvaluation(dir) ?? null;
  const notes = readNotes(dir);
  const decision = evaluation === null ? null : resolveDecision(run, dir, info, evaluation, notes);
  const reviewed = new Map(decision?.file.checkpoints.map((c) => [c.epoch, c]) ?? []);

  const epochs = [
    ...new Set([
      ...checkpointEpochs,
      ...sampleEpochs,
      ...(evaluation?.checkpoints.map((c) => c.epoch) ?? []),
    ]),
  ].sort((a, b) => a - b);
  const checkpoints = epochs.map((epoch): ReportCheckpoint => {
    const meta = metas.get(epoch);
    const measured = evaluation?.checkpoints.find((c) => c.epoch === epoch) ?? null;
    const verdict = decision?.review.rows.find((r) => r.epoch === epoch) ?? null;
    return {
      epoch,
      step: meta?.step ?? measured?.step ?? null,
      hasSamples: sampleEpochs.includes(epoch),
      losses: meta?.losses ?? null,
      evaluation: measured,
      flags: reviewed.get(epoch)?.flags ?? [],
      notes: noteTexts(reviewed.get(epoch)?.notes ?? notesInForce(NO_NOTES, notes, epoch)),
      verdict,
      status: verdict === null ? null : statusOf(verdict),
    };
  });

  // the failure gallery: the samples in force per checkpoint (the user's marks applied)
  const gallery = epochs.flatMap((epoch) => {
    const inForce = reviewed.get(epoch)?.failures ?? failuresInForce([], notes, epoch);
    return inForce.map(
      (f): GalleryItem => ({
        epoch,
        kind: f.kind,
        image: f.image,
        seed: f.seed ?? null,
        value: f.value ?? null,
        trainImage: f.trainImage ?? null,
        group: f.group ?? null,
        userNote: f.note ?? null,
      }),
    );
  });

  return {
    dir,
    name: basename(dir),
    ref: run,
    info,
    seedSet,
    sampleEpochs,
    seeds,
    checkpoints,
    metrics: records,
    skippedMetricLines: skippedLines,
    evaluation,
    notes,
    decision,
    gallery,
    cost: trainingCost(records, metas),
  };
}

/** The chart status of a judged row (CheckpointStatus of src/charts/specs.ts). */
export function statusOf(row: RowResult): CheckpointStatus {
  if (row.selected) return "selected";
  if (!row.eligible) return "below floor";
  return row.status === "candidate" ? "candidate" : "review";
}

/** The selected checkpoint of a run, or null (not evaluated, or nothing meets the floor). */
export function selectedCheckpoint(data: RunData): ReportCheckpoint | null {
  const epoch = data.decision?.review.selection.epoch ?? null;
  return epoch === null ? null : (data.checkpoints.find((c) => c.epoch === epoch) ?? null);
}

/** The seeds that have an image in any sample epoch. */
function seedsOf(dir: string, sampleEpochs: readonly number[]): number[] {
  const seeds = new Set<number>();
  for (const epoch of sampleEpochs)
    for (const name of readdirSync(runPaths(dir).samples(epoch).dir)) {
      const match = SEED_FILE.exec(name);
      if (match) seeds.add(Number(match[1]));
    }
  return [...seeds].sort((a, b) => a - b);
}

const NO_NOTES = { quality: "", diversity: "", failure: "" };

/** The notes of the decision in the report's shape. */
function noteTexts(notes: SelectionNotes): CheckpointNotes {
  return {
    quality: notes.quality.text,
    diversity: notes.diversity.text,
    failure: notes.failure.text,
    fromUser: {
      quality: notes.quality.source === "user",
      diversity: notes.diversity.source === "user",
      failure: notes.failure.source === "user",
    },
  };
}

function trainingCost(
  records: readonly MetricRecord[],
  metas: ReadonlyMap<number, CheckpointMeta>,
): TrainingCost {
  let seconds: number | null = null;
  let lastStep: number | null = null;
  for (const r of records) {
    if (seconds === null || r.time > seconds) seconds = r.time;
    if (lastStep === null || r.step > lastStep) lastStep = r.step;
  }
  const lastEpoch = [...metas.keys()].reduce<number | null>((m, e) => (m === null || e > m ? e : m), null);
  const lastMeta = lastEpoch === null ? undefined : metas.get(lastEpoch);
  return { seconds, steps: lastMeta?.step ?? lastStep, epochs: lastEpoch };
}
