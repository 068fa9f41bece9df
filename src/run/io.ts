// Reading and writing run folders with validation. Every read names the file and field on failure;
// every write is atomic, except metrics.jsonl, which is append-only (one line per write, so a crash can
// at worst leave a partial last line, which readers skip and report).
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";
import { writeJsonAtomic } from "../util/atomic.ts";
import { CheckpointError } from "../util/errors.ts";
import { parseEpochDirName, runPaths } from "./layout.ts";
import {
  type CheckpointMeta,
  CheckpointMetaSchema,
  type Evaluation,
  EvaluationSchema,
  emptyNotes,
  type MetricRecord,
  MetricRecordSchema,
  type ReviewNotes,
  ReviewNotesSchema,
  type RunInfo,
  RunInfoSchema,
  type SeedSet,
  SeedSetSchema,
} from "./schema.ts";

/** Read and validate a JSON file against a schema; errors name the file and the offending field. */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CheckpointError(`${path}: cannot read ${what} (${(error as Error).message})`, {
      file: path,
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${path}: ${what} is not valid JSON (${(error as Error).message})`, {
      file: path,
      cause: error,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `field '${issue.path.join(".")}'` : "top level";
    throw new CheckpointError(`${path}: ${what} is malformed at ${where}: ${issue?.message ?? "invalid"}`, {
      file: path,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export function readRunInfo(run: string): RunInfo {
  const path = runPaths(run).runJson;
  if (!existsSync(path)) {
    throw new CheckpointError(`${run}: not a genreview run folder (expected ${path})`, { file: path });
  }
  return readJsonFile(path, RunInfoSchema, "run info");
}

export function writeRunInfo(run: string, info: RunInfo): void {
  writeJsonAtomic(runPaths(run).runJson, RunInfoSchema.parse(info));
}

export function readSeedSet(run: string): SeedSet {
  return readJsonFile(runPaths(run).seedsJson, SeedSetSchema, "seed set");
}

/** Append metric records to metrics.jsonl (creating the folder and file as needed). */
export function appendMetrics(run: string, records: MetricRecord[]): void {
  if (records.length === 0) return;
  const path = runPaths(run).metrics;
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${records.map((r) => JSON.stringify(MetricRecordSchema.parse(r))).join("\n")}\n`);
}

export interface MetricsRead {
  records: MetricRecord[];
  /** Lines that could not be read (e.g. a partial last line after a crash), 1-based. */
  skippedLines: number[];
}

/** Read metrics.jsonl; a missing file is an empty log. Unreadable lines are skipped and listed. */
export function readMetrics(run: string): MetricsRead {
  const path = runPaths(run).metrics;
  if (!existsSync(path)) return { records: [], skippedLines: [] };
  const records: MetricRecord[] = [];
  const skippedLines: number[] = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        const parsed = MetricRecordSchema.safeParse(JSON.parse(line));
        if (parsed.success) records.push(parsed.data);
        else skippedLines.push(i + 1);
      } catch {
        skippedLines.push(i + 1);
      }
    });
  return { records, skippedLines };
}

/** Epochs with a complete checkpoint (its meta.json is written last), ascending. */
export function listCheckpointEpochs(run: string): number[] {
  const dir = runPaths(run).checkpointsDir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => parseEpochDirName(name))
    .filter(
      (epoch): epoch is number => epoch !== undefined && existsSync(runPaths(run).checkpoint(epoch).meta),
    )
    .sort((a, b) => a - b);
}

export function readCheckpointMeta(run: string, epoch: number): CheckpointMeta {
  return readJsonFile(runPaths(run).checkpoint(epoch).meta, CheckpointMetaSchema, "checkpoint meta");
}

/** Epochs whose fixed-seed samples exist (samples/epoch-NNNN/grid.png), ascending. */
export function listSampleEpochs(run: string): number[] {
  const dir = runPaths(run).samplesDir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => parseEpochDirName(name))
    .filter((epoch): epoch is number => epoch !== undefined && existsSync(runPaths(run).samples(epoch).grid))
    .sort((a, b) => a - b);
}

/** The user's review notes; a missing file is an empty set of notes. */
export function readNotes(run: string): ReviewNotes {
  const path = runPaths(run).notes;
  if (!existsSync(path)) return emptyNotes();
  return readJsonFile(path, ReviewNotesSchema, "review notes");
}

export function writeNotes(run: string, notes: ReviewNotes): void {
  writeJsonAtomic(
    runPaths(run).notes,
    ReviewNotesSchema.parse({ ...notes, updatedAt: new Date().toISOString() }),
  );
}

/** review/evaluation.json, or undefined when the run has not been evaluated yet. */
export function readEvaluation(run: string): Evaluation | undefined {
  const path = runPaths(run).evaluation;
  if (!existsSync(path)) return undefined;
  return readJsonFile(path, EvaluationSchema, "evaluation");
}

export function writeEvaluation(run: string, evaluation: Evaluation): void {
  writeJsonAtomic(runPaths(run).evaluation, EvaluationSchema.parse(evaluation));
}
