// Building the dashboard's views of a run folder: the runs-list summary, the run detail (checkpoints,
// scores, flags, notes, rule verdicts, failure gallery), the loss series and the filmstrip strips. Every
// file problem (a malformed review file, a sample of the wrong size) becomes a FileProblem shown in the
// page; nothing a run folder contains can crash the server.
//
// Strip: all seed images of one sample epoch stacked vertically in seed order, [seeds * H, W] RGBA, so
// that the page draws a filmstrip column from one request instead of one request per image.
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { lossSeries } from "../charts/specs.ts";
import {
  listCheckpointEpochs,
  listSampleEpochs,
  readCheckpointMeta,
  readEvaluation,
  readMetrics,
  readNotes,
  readRunInfo,
} from "../run/io.ts";
import { epochDirName, runPaths, seedFileName } from "../run/layout.ts";
import type { CheckpointMeta, Evaluation, ReviewNotes, RunInfo } from "../run/schema.ts";
import { GenreviewError } from "../util/errors.ts";
import type {
  CheckpointRow,
  FailureItem,
  FileProblem,
  MetricsResponse,
  NoteTexts,
  RunDetail,
  RunSummary,
} from "./api-types.ts";
import type { RunLocation } from "./discover.ts";
import { judge, resolveRule } from "./selection.ts";
import { decodeRgba, encodeRgba } from "./strip-png.ts";

const SEED_FILE = /^seed-(\d+)\.png$/;
const EMPTY_NOTES: NoteTexts = { quality: "", diversity: "", failure: "" };

/** A problem with a file of the run, for the page; anything that is not a GenreviewError is a bug. */
function problemOf(run: string, error: unknown): FileProblem {
  if (!(error instanceof GenreviewError)) throw error;
  const file = error.file === undefined ? "" : relative(run, error.file).split(sep).join("/");
  return { file, message: error.message };
}

/** Read with `read`, turning a file problem into an entry of `problems` and undefined. */
function attempt<T>(run: string, problems: FileProblem[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    problems.push(problemOf(run, error));
    return undefined;
  }
}

/** The files a run view is read from, and whether they could be read. */
interface RunFiles {
  info: RunInfo | undefined;
  evaluation: Evaluation | undefined;
  /** Undefined when review/notes.json exists but is malformed: edits are refused until it is fixed. */
  notes: ReviewNotes | undefined;
  problems: FileProblem[];
}

function readRunFiles(dir: string): RunFiles {
  const problems: FileProblem[] = [];
  const info = attempt(dir, problems, () => readRunInfo(dir));
  const evaluation = attempt(dir, problems, () => readEvaluation(dir));
  const notes = attempt(dir, problems, () => readNotes(dir));
  return { info, evaluation, notes, problems };
}

/**
 * The rule in force and, for an evaluated run whose review files are readable and whose rule is valid,
 * the decision `genreview review RUN` would make.
 */
function judgeRun(dir: string, files: RunFiles) {
  const rule = resolveRule(dir, files.notes);
  const { evaluation, notes, info } = files;
  if (evaluation === undefined || notes === undefined || info === undefined || rule.state.problem !== null) {
    return { rule: rule.state, judgement: undefined };
  }
  try {
    return { rule: rule.state, judgement: judge(dir, { evaluation, notes, info, rule }) };
  } catch (error) {
    // scores outside [0, 1], duplicate or no epochs in evaluation.json: the review names the row
    files.problems.push({ ...problemOf(dir, error), file: "review/evaluation.json" });
    return { rule: rule.state, judgement: undefined };
  }
}

/** The runs-list row of a run. */
export function readRunSummary(location: RunLocation): RunSummary {
  const files = readRunFiles(location.dir);
  const { judgement } = judgeRun(location.dir, files);
  return {
    id: location.id,
    model: files.info?.model ?? null,
    dataset: files.info?.dataset.id ?? null,
    status: files.info?.status ?? null,
    createdAt: files.info?.createdAt ?? null,
    checkpoints: listCheckpointEpochs(location.dir).length,
    sampleEpochs: listSampleEpochs(location.dir).length,
    evaluated: files.evaluation !== undefined,
    selectedEpoch: judgement?.selection.selectedEpoch ?? null,
    problems: files.problems,
  };
}

/** Everything the run view shows, read fresh from the run folder. */
export function readRunDetail(location: RunLocation): RunDetail {
  const dir = location.dir;
  const files = readRunFiles(dir);
  const { problems, evaluation, notes, info } = files;
  const { rule, judgement } = judgeRun(dir, files);

  // checkpoints written by training, samples of the fixed seed set
  const checkpointEpochs = listCheckpointEpochs(dir);
  const metas = new Map<number, CheckpointMeta>();
  for (const epoch of checkpointEpochs) {
    const meta = attempt(dir, problems, () => readCheckpointMeta(dir, epoch));
    if (meta) metas.set(epoch, meta);
  }
  const { sampleEpochs, samples, seeds, imageSize } = filmstripLayout(dir, info);
  problems.push(...sampleProblems(sampleEpochs, samples, seeds, imageSize));

  // one row per epoch known to any of training, sampling or evaluation
  const evaluatedEpochs = evaluation?.checkpoints.map((c) => c.epoch) ?? [];
  const epochs = [...new Set([...checkpointEpochs, ...sampleEpochs, ...evaluatedEpochs])].sort(
    (a, b) => a - b,
  );
  const checkpoints: CheckpointRow[] = epochs.map((epoch) => {
    const meta = metas.get(epoch);
    const measured = evaluation?.checkpoints.find((c) => c.epoch === epoch);
    const user = notes?.checkpoints[String(epoch)] ?? {};
    return {
      epoch,
      step: meta?.step ?? measured?.step ?? null,
      hasCheckpoint: checkpointEpochs.includes(epoch),
      hasSamples: sampleEpochs.includes(epoch),
      losses: meta?.losses ?? {},
      scores: measured?.scores ?? null,
      metrics: measured?.metrics ?? {},
      flags: judgement?.flags.get(epoch) ?? measured?.flags ?? [],
      drafted: measured?.notes ?? EMPTY_NOTES,
      user: withoutUndefined(user),
      verdict: judgement?.verdicts.get(epoch) ?? null,
    };
  });

  return {
    id: location.id,
    info: info ?? null,
    sampleEpochs,
    seeds,
    imageSize,
    checkpoints,
    evaluation: evaluation
      ? {
          createdAt: evaluation.createdAt,
          n: evaluation.n,
          extractor: `${evaluation.extractor.id} (${evaluation.extractor.kind}, ${evaluation.extractor.dimensions}-D)`,
          runFlags: evaluation.runFlags,
          warnings: evaluation.warnings,
        }
      : null,
    failures: failureItems(evaluation, notes),
    rule,
    selection: judgement?.selection ?? null,
    problems,
    version: runVersion(dir),
  };
}

function withoutUndefined(notes: {
  quality?: string | undefined;
  diversity?: string | undefined;
  failure?: string | undefined;
}): Partial<NoteTexts> {
  const out: Partial<NoteTexts> = {};
  if (notes.quality !== undefined) out.quality = notes.quality;
  if (notes.diversity !== undefined) out.diversity = notes.diversity;
  if (notes.failure !== undefined) out.failure = notes.failure;
  return out;
}

/** The failure gallery: evaluation's kept samples with the user's marks, plus samples only the user marked. */
function failureItems(evaluation: Evaluation | undefined, notes: ReviewNotes | undefined): FailureItem[] {
  // the last mark of a (epoch, seed) wins, as in review/notes.json's append order
  const marks = new Map<string, { marked: boolean; note: string | null }>();
  for (const m of notes?.failureMarks ?? [])
    marks.set(`${m.epoch}/${m.seed}`, { marked: m.marked, note: m.note ?? null });

  const items: FailureItem[] = [];
  const seen = new Set<string>();
  for (const checkpoint of evaluation?.checkpoints ?? []) {
    for (const f of checkpoint.failures) {
      const key = f.seed === undefined ? undefined : `${checkpoint.epoch}/${f.seed}`;
      const mark = key === undefined ? undefined : marks.get(key);
      if (key !== undefined) seen.add(key);
      items.push({
        epoch: checkpoint.epoch,
        kind: f.kind,
        image: f.image,
        seed: f.seed ?? null,
        value: f.value ?? null,
        trainImage: f.trainImage ?? null,
        mark: mark?.marked ?? null,
        note: mark?.note ?? null,
      });
    }
  }
  for (const [key, mark] of marks) {
    if (seen.has(key) || !mark.marked) continue;
    const [epoch, seed] = key.split("/").map(Number) as [number, number];
    items.push({
      epoch,
      kind: "user_marked",
      image: `samples/${epochDirName(epoch)}/${seedFileName(seed)}`,
      seed,
      value: null,
      trainImage: null,
      mark: true,
      note: mark.note,
    });
  }
  return items.sort((a, b) => a.epoch - b.epoch || (a.seed ?? -1) - (b.seed ?? -1));
}

// ---- samples ----------------------------------------------------------------------------------------

interface SampleIndex {
  epoch: number;
  /** Seeds with a seed-NNN.png file, ascending. */
  seeds: number[];
  /** [width, height] per seed, read from the PNG header; null when the file is not a readable PNG. */
  sizes: Map<number, [number, number] | null>;
}

// Sample folders do not change once written except while being written; the cache key is the folder's
// mtime, which every atomic rename into it updates.
const sampleCache = new Map<string, { key: number; index: SampleIndex }>();

/** The seed images of one sample epoch with their sizes (from the PNG headers, not decoded). */
export function sampleIndex(dir: string, epoch: number): SampleIndex {
  const folder = runPaths(dir).samples(epoch).dir;
  const key = statSync(folder).mtimeMs;
  const cached = sampleCache.get(folder);
  if (cached && cached.key === key) return cached.index;
  const seeds = readdirSync(folder)
    .map((name) => SEED_FILE.exec(name)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const sizes = new Map(seeds.map((seed) => [seed, pngSize(join(folder, seedFileName(seed)))] as const));
  const index = { epoch, seeds, sizes };
  sampleCache.set(folder, { key, index });
  return index;
}

/** The filmstrip's columns (sample epochs), rows (seeds) and cell size. */
export function filmstripLayout(dir: string, info: RunInfo | undefined) {
  const sampleEpochs = listSampleEpochs(dir);
  const samples = sampleEpochs.map((epoch) => sampleIndex(dir, epoch));
  const seeds = [...new Set(samples.flatMap((s) => s.seeds))].sort((a, b) => a - b);
  return { sampleEpochs, samples, seeds, imageSize: expectedSize(info, samples) };
}

/** [width, height] from a PNG's IHDR chunk (bytes 16-23), or null for anything else. */
function pngSize(path: string): [number, number] | null {
  const header = Buffer.alloc(24);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    if (readSync(fd, header, 0, 24, 0) < 24) return null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  // 8-byte signature, then the IHDR chunk: length (4), type (4), width (4), height (4)
  if (header.readUInt32BE(0) !== 0x89504e47 || header.toString("latin1", 12, 16) !== "IHDR") return null;
  return [header.readUInt32BE(16), header.readUInt32BE(20)];
}

/** The sample size: the dataset's from run.json, else the first readable sample's. */
function expectedSize(info: RunInfo | undefined, samples: readonly SampleIndex[]) {
  if (info) return { width: info.dataset.width, height: info.dataset.height };
  for (const s of samples) {
    for (const size of s.sizes.values()) if (size) return { width: size[0], height: size[1] };
  }
  return null;
}

function sampleProblems(
  epochs: readonly number[],
  samples: readonly SampleIndex[],
  seeds: readonly number[],
  size: { width: number; height: number } | null,
): FileProblem[] {
  const problems: FileProblem[] = [];
  samples.forEach((s, i) => {
    const folder = `samples/${epochDirName(epochs[i]!)}`;
    const missing = seeds.filter((seed) => !s.sizes.has(seed));
    if (missing.length > 0) {
      problems.push({
        file: folder,
        message: `${folder}/ lacks ${missing.length} of the ${seeds.length} seeds (${missing
          .slice(0, 5)
          .map(seedFileName)
          .join(", ")}${missing.length > 5 ? ", ..." : ""}); their filmstrip cells are empty`,
      });
    }
    for (const [seed, got] of s.sizes) {
      const file = `${folder}/${seedFileName(seed)}`;
      if (got === null) problems.push({ file, message: `${file} is not a readable PNG` });
      else if (size && (got[0] !== size.width || got[1] !== size.height)) {
        problems.push({
          file,
          message: `expected ${size.width}x${size.height} samples, got ${got[0]}x${got[1]} in ${file}; its cell is empty`,
        });
      }
    }
  });
  return problems;
}

export interface Strip {
  png: Uint8Array;
  /** An HTTP validator: changes whenever the strip's pixels may have. */
  etag: string;
}

const stripCache = new Map<string, { key: string; strip: Strip }>();
/**
 * Strips kept in memory, least recently used dropped first: 20 checkpoints of 64 seeds are ~1 MB of
 * strips, so 400 (twenty such runs open in turn) stays within a few tens of MB.
 */
const MAX_STRIPS = 400;

/**
 * The strip of sample epoch `epoch`: `seeds` stacked top to bottom, each `size`; a seed whose image is
 * missing, unreadable or of another size is left transparent (its problem is listed in the run detail).
 */
export function sampleStrip(
  dir: string,
  epoch: number,
  seeds: readonly number[],
  size: { width: number; height: number },
): Strip {
  const index = sampleIndex(dir, epoch);
  const folder = runPaths(dir).samples(epoch).dir;
  const key = `${statSync(folder).mtimeMs}|${seeds.join(",")}|${size.width}x${size.height}`;
  const cached = stripCache.get(folder);
  if (cached && cached.key === key) {
    // re-insert: Map iteration order is insertion order, so the first entry is the least recent
    stripCache.delete(folder);
    stripCache.set(folder, cached);
    return cached.strip;
  }

  // [seeds * H, W] RGBA, transparent where a cell has no usable image
  const { width: W, height: H } = size;
  const data = new Uint8Array(W * H * 4 * seeds.length);
  seeds.forEach((seed, row) => {
    const got = index.sizes.get(seed);
    if (!got || got[0] !== W || got[1] !== H) return;
    try {
      const image = decodeRgba(readFileSync(join(folder, seedFileName(seed))));
      data.set(image.data.subarray(0, W * H * 4), row * W * H * 4);
    } catch {
      // the header was fine but the data is not: left empty, like a missing sample
    }
  });
  const png = encodeRgba({ width: W, height: H * seeds.length, data });
  const etag = `"${createHash("sha256").update(key).digest("hex").slice(0, 16)}"`;
  stripCache.delete(folder);
  stripCache.set(folder, { key, strip: { png, etag } });
  if (stripCache.size > MAX_STRIPS) stripCache.delete(stripCache.keys().next().value!);
  return { png, etag };
}

// ---- metrics ----------------------------------------------------------------------------------------

const metricsCache = new Map<string, { key: string; view: MetricsResponse }>();

/** The loss series of metrics.jsonl, averaged for drawing; cached until the file changes. */
export function readMetricsView(dir: string): MetricsResponse {
  const path = runPaths(dir).metrics;
  const key = fileKey(path);
  const cached = metricsCache.get(dir);
  if (cached && cached.key === key) return cached.view;
  const { records, skippedLines } = readMetrics(dir);
  const view = { losses: lossSeries(records), records: records.length, skippedLines };
  metricsCache.set(dir, { key, view });
  return view;
}

// ---- change detection -------------------------------------------------------------------------------

function fileKey(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "-";
  }
}

/**
 * A fingerprint of the files a run view is read from: stats of the run's JSON files and metrics, and the
 * completed checkpoint and sample epochs. It changes when training adds a checkpoint or logs losses, when
 * an evaluation is written and when notes are saved. Cost: a handful of stats and two folder listings.
 */
export function runFingerprint(
  dir: string,
): Record<"info" | "metrics" | "review" | "checkpoints" | "samples", string> {
  const paths = runPaths(dir);
  return {
    info: fileKey(paths.runJson),
    metrics: fileKey(paths.metrics),
    review: [paths.evaluation, paths.notes, paths.selection].map(fileKey).join("|"),
    checkpoints: listCheckpointEpochs(dir).join(","),
    samples: existsSync(paths.samplesDir)
      ? listSampleEpochs(dir)
          .map((e) => `${e}@${fileKey(paths.samples(e).grid)}`)
          .join(",")
      : "",
  };
}

/** The fingerprint as one string (the detail's `version`). */
export function runVersion(dir: string): string {
  return Object.values(runFingerprint(dir)).join(";");
}
