// `genreview import`: samples made by any other tool become a run folder that `evaluate` and `review`
// treat like a run trained here. The input is one folder per checkpoint, named with its number
// ("epoch_010/", "step-2000/", "10/"), each holding PNG files or one .npy array [N, H, W] or
// [N, H, W, 1] (uint8 0-255 or float 0-1): what a PyTorch or JAX script exports in two lines.
//
// The run written (see src/run/layout.ts):
//   run.json                              model "imported", status "imported", the dataset's identity
//   checkpoints/epoch-NNNN/samples.npy    every imported sample of the checkpoint, in file order
//   checkpoints/epoch-NNNN/meta.json      written last: a checkpoint without it is incomplete
//   samples/epoch-NNNN/seed-NNN.png       the first 64 samples, standing in for the fixed seed set
//   samples/epoch-NNNN/grid.png
// Sample i of every checkpoint is treated as "seed i": that holds when the exporting script drew its
// samples from one fixed batch of latents (as PyTorch's DCGAN example does), and the filmstrip of an
// imported run is only meaningful then.
import { existsSync, readdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { listFolder, pathKind, readBytes } from "../data/files.ts";
import { loadDataset } from "../data/load.ts";
import { npyToImages } from "../data/npy-data.ts";
import type { Dataset, ImageBatch } from "../data/types.ts";
import { writeGrid } from "../image/grid.ts";
import { decodePng, type PngColor, writePng } from "../image/png.ts";
import { writeRunInfo } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { CheckpointMeta, RunInfo } from "../run/schema.ts";
import { CheckpointMetaSchema } from "../run/schema.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import { CheckpointError, DatasetError, GenreviewError, InputError } from "../util/errors.ts";
import { parseNpy, writeNpy } from "../util/npy.ts";
import { VERSION } from "../version.ts";

/** 64 samples stand in for the fixed seed set: the size of the seed set of runs trained here. */
export const IMPORT_SEED_COUNT = 64;

/** Folder name prefixes that mean "training step"; any other (or none) means "epoch". */
const STEP_PREFIXES = ["step", "steps", "iter", "iteration", "it"];

/** What the checkpoint numbers count. */
export type CheckpointUnit = "epoch" | "step";

export interface ParsedFolderName {
  number: number;
  unit: CheckpointUnit;
  /** The word before the number ("epoch", "step", "" for a bare number). */
  prefix: string;
}

/**
 * The checkpoint number of a folder name: an optional word, an optional "-" or "_", then digits
 * ("epoch_010" → 10, "step-2000" → 2000 steps, "ckpt5" → 5, "30" → 30); undefined for anything else.
 */
export function parseCheckpointFolder(name: string): ParsedFolderName | undefined {
  const match = /^([A-Za-z]*)[-_]?(\d+)$/.exec(name);
  if (match === null) return undefined;
  const prefix = match[1]!.toLowerCase();
  const number = Number(match[2]);
  if (!Number.isSafeInteger(number)) return undefined;
  return { number, prefix, unit: STEP_PREFIXES.includes(prefix) ? "step" : "epoch" };
}

/** One checkpoint's samples as read. */
export interface ImportedCheckpoint {
  /** The checkpoint number (epoch, or step when the folders are named by step). */
  epoch: number;
  /** The source folder's name ("epoch_010"). */
  folder: string;
  /** "png": a folder of PNG files; "npy": one array. */
  format: "png" | "npy";
  /** The files read, relative to the checkpoint folder, in the order of the samples. */
  files: string[];
  images: ImageBatch;
}

export interface SamplesFolder {
  dir: string;
  unit: CheckpointUnit;
  checkpoints: ImportedCheckpoint[];
  warnings: string[];
}

/**
 * Read a samples folder: one subfolder per checkpoint, each with PNG files or one .npy array of images
 * of `expected` size (the dataset's). Errors are DatasetErrors (InputErrors for folder names) naming
 * the file, what was expected and what was found.
 */
export function readSamplesFolder(dir: string, expected: { h: number; w: number }): SamplesFolder {
  const kind = pathKind(dir);
  if (kind !== "dir")
    throw new InputError(
      `${dir}: expected a folder of checkpoint subfolders, ${kind === "missing" ? "it does not exist" : "got a file"}`,
      { file: dir },
    );
  const { files, dirs } = listFolder(dir);
  const warnings: string[] = [];
  if (dirs.length === 0) {
    const found =
      files.length > 0 ? `, found only files (${files.slice(0, 3).join(", ")})` : ", found nothing";
    throw new InputError(
      `${dir}: expected one subfolder per checkpoint (epoch_010/, step-2000/, ...)${found}`,
      { file: dir },
    );
  }
  if (files.length > 0)
    warnings.push(
      `${dir}: ignored ${files.length} file(s) beside the checkpoint folders (${files.slice(0, 3).join(", ")})`,
    );

  // folder names: one number each, one unit for all, no number twice
  const parsed = dirs.map((name) => {
    const p = parseCheckpointFolder(name);
    if (p === undefined)
      throw new InputError(
        `${join(dir, name)}: cannot read a checkpoint number from the folder name "${name}"; expected a ` +
          'name such as "epoch_010", "step-2000" or "30" (an optional word, "-" or "_", then digits)',
        { file: join(dir, name) },
      );
    return { name, ...p };
  });
  const units = new Set(parsed.map((p) => p.unit));
  if (units.size > 1) {
    const step = parsed.find((p) => p.unit === "step")!;
    const epoch = parsed.find((p) => p.unit === "epoch")!;
    throw new InputError(
      `${dir}: checkpoint folders mix steps ("${step.name}") and epochs ("${epoch.name}"); name them all by one`,
      { file: dir },
    );
  }
  const byNumber = new Map<number, string>();
  for (const p of parsed) {
    const other = byNumber.get(p.number);
    if (other !== undefined)
      throw new InputError(`${dir}: folders "${other}" and "${p.name}" both name checkpoint ${p.number}`, {
        file: dir,
      });
    byNumber.set(p.number, p.name);
  }

  // each checkpoint's images
  const checkpoints = parsed
    .sort((a, b) => a.number - b.number)
    .map((p) => readCheckpointFolder(join(dir, p.name), p.number, expected, warnings));
  return { dir, unit: parsed[0]!.unit, checkpoints, warnings };
}

/** Size words for messages: "28x28 grayscale". */
function sizeWords(w: number, h: number, color?: PngColor): string {
  return `${w}x${h}${color === undefined ? "" : ` ${color}`}`;
}

function readCheckpointFolder(
  folder: string,
  epoch: number,
  expected: { h: number; w: number },
  warnings: string[],
): ImportedCheckpoint {
  const name = basename(folder);
  const { files, dirs } = listFolder(folder);
  const pngs = files.filter((f) => /\.png$/i.test(f));
  const npys = files.filter((f) => /\.npy$/i.test(f));
  const other = files.filter((f) => !/\.(png|npy)$/i.test(f));
  if (pngs.length === 0 && npys.length === 0) {
    const found =
      files.length + dirs.length === 0
        ? "the folder is empty"
        : `found ${[...files, ...dirs.map((d) => `${d}/`)].slice(0, 3).join(", ")}`;
    throw new DatasetError(`${folder}: expected PNG files or one .npy array of samples, ${found}`, {
      file: folder,
    });
  }
  if (pngs.length > 0 && npys.length > 0)
    throw new DatasetError(
      `${folder}: holds both PNG files (${pngs[0]}) and a .npy array (${npys[0]}); expected one or the other`,
      { file: folder },
    );
  if (npys.length > 1)
    throw new DatasetError(
      `${folder}: expected one .npy array, found ${npys.length} (${npys.slice(0, 3).join(", ")})`,
      {
        file: folder,
      },
    );
  if (other.length > 0 || dirs.length > 0)
    warnings.push(
      `${folder}: ignored ${other.length + dirs.length} entries that are not samples (${[...other, ...dirs].slice(0, 3).join(", ")})`,
    );
  const { h, w } = expected;

  if (npys.length === 1) {
    const path = join(folder, npys[0]!);
    let set: ReturnType<typeof npyToImages>;
    try {
      set = npyToImages(parseNpy(readBytes(path), path), path);
    } catch (error) {
      if (error instanceof GenreviewError && !(error instanceof DatasetError))
        throw new DatasetError(error.message, { file: path, cause: error });
      throw error;
    }
    const images = set.images;
    if (images.h !== h || images.w !== w)
      throw new DatasetError(
        `${path}: expected ${sizeWords(w, h)} images (the dataset's size), got ${sizeWords(images.w, images.h)}`,
        { file: path },
      );
    return { epoch, folder: name, format: "npy", files: [npys[0]!], images };
  }

  // PNG files: every one the dataset's size, read in natural name order
  const data = new Float32Array(pngs.length * h * w);
  pngs.forEach((file, i) => {
    const path = join(folder, file);
    const png = decodePng(readBytes(path), path);
    if (png.w !== w || png.h !== h)
      throw new DatasetError(
        `expected ${sizeWords(w, h)} PNGs (the dataset's size) in ${name}/, got ` +
          `${sizeWords(png.w, png.h, png.color)} in ${name}/${file}`,
        { file: path },
      );
    data.set(png.data, i * h * w);
  });
  return { epoch, folder: name, format: "png", files: pngs, images: { data, n: pngs.length, h, w } };
}

/** True when every value is exactly k / 255 in float32 (PNG or uint8 data): stored as uint8 losslessly. */
function isByteValued(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Math.fround(Math.round(v * 255) / 255) !== v) return false;
  }
  return true;
}

export interface ImportedRunSource {
  /** Where the samples came from (recorded in run.json). */
  source: string;
  unit: CheckpointUnit;
  checkpoints: Pick<ImportedCheckpoint, "epoch" | "folder" | "format" | "images">[];
}

/** The checkpoint's samples file of an imported run, relative to its checkpoint folder. */
export const IMPORTED_SAMPLES_FILE = "samples.npy";

/**
 * Write an imported run folder at `out` from samples in memory (the second half of `importSamples`;
 * tests build runs with it directly). `out` must not exist or be empty.
 */
export function writeImportedRun(out: string, dataset: Dataset, from: ImportedRunSource): RunInfo {
  if (existsSync(out) && (pathKind(out) !== "dir" || readdirSync(out).length > 0))
    throw new InputError(`${out}: the output folder already exists and is not empty; choose a new --out`, {
      file: out,
    });
  const { h, w } = dataset.train.images;
  for (const c of from.checkpoints)
    if (c.images.h !== h || c.images.w !== w || c.images.n === 0)
      throw new DatasetError(
        `${c.folder}: expected ${w}x${h} samples (the dataset's size), got ${c.images.n} of ${c.images.w}x${c.images.h}`,
      );
  const paths = runPaths(out);
  const createdAt = new Date().toISOString();
  const info: RunInfo = {
    format: "genreview-run/1",
    tool: { name: "genreview", version: VERSION },
    createdAt,
    model: "imported",
    config: {
      source: from.source,
      checkpointUnit: from.unit,
      folders: Object.fromEntries(from.checkpoints.map((c) => [String(c.epoch), c.folder])),
      samples: Object.fromEntries(from.checkpoints.map((c) => [String(c.epoch), c.images.n])),
    },
    dataset: {
      spec: dataset.id,
      id: dataset.id,
      hash: dataset.hash,
      classes: dataset.classes,
      height: h,
      width: w,
    },
    seed: 0,
    checkpointEpochs: from.checkpoints.map((c) => c.epoch).sort((a, b) => a - b),
    status: "imported",
    description: `Samples imported from ${from.source} (${from.checkpoints.length} checkpoints, numbered by ${from.unit}).`,
  };
  writeRunInfo(out, info);

  for (const c of from.checkpoints) {
    const { images } = c;

    // all samples, losslessly: bytes when they are bytes, float32 otherwise
    const ckpt = paths.checkpoint(c.epoch);
    const file = join(ckpt.dir, IMPORTED_SAMPLES_FILE);
    if (isByteValued(images.data))
      writeNpy(
        file,
        Uint8Array.from(images.data, (v) => Math.round(v * 255)),
        [images.n, h, w],
      );
    else writeNpy(file, images.data, [images.n, h, w]);

    // the first 64 as the stand-in fixed seed set, then the grid
    const samples = paths.samples(c.epoch);
    const seeds = Math.min(IMPORT_SEED_COUNT, images.n);
    for (let s = 0; s < seeds; s++)
      writePng(samples.seed(s), images.data.subarray(s * h * w, (s + 1) * h * w), w, h);
    writeGrid(samples.grid, { data: images.data.subarray(0, seeds * h * w), n: seeds, h, w });

    const meta: CheckpointMeta = {
      epoch: c.epoch,
      step: from.unit === "step" ? c.epoch : 0,
      model: "imported",
      seedSetId: "imported",
      toolVersion: VERSION,
      createdAt,
      files: {},
      sampling: {
        source: "imported",
        folder: c.folder,
        format: c.format,
        file: IMPORTED_SAMPLES_FILE,
        count: images.n,
        unit: from.unit,
        // the exporting tool did not say which step an epoch folder ended on
        stepKnown: from.unit === "step",
      },
    };
    writeJsonAtomic(ckpt.meta, CheckpointMetaSchema.parse(meta));
  }
  return info;
}

export interface ImportOptions {
  /** Dataset spec the samples are compared with. */
  data: string;
  out: string;
  /** Folder that relative paths resolve against (default: the working folder). */
  cwd?: string;
}

export interface ImportResult {
  run: string;
  info: RunInfo;
  checkpoints: { epoch: number; folder: string; format: "png" | "npy"; n: number }[];
  warnings: string[];
}

/** Import a samples folder as a run (see the top of this file). */
export function importSamples(samplesDir: string, options: ImportOptions): ImportResult {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, samplesDir);
  const out = resolve(cwd, options.out);
  if (existsSync(out) && (pathKind(out) !== "dir" || readdirSync(out).length > 0))
    throw new InputError(`${out}: the output folder already exists and is not empty; choose a new --out`, {
      file: out,
    });
  const dataset = loadDataset(options.data, { cwd });
  const { h, w } = dataset.train.images;
  const folder = readSamplesFolder(dir, { h, w });
  const info = writeImportedRun(out, dataset, {
    source: dir,
    unit: folder.unit,
    checkpoints: folder.checkpoints,
  });
  const warnings = [...folder.warnings];
  const counts = folder.checkpoints.map((c) => c.images.n);
  if (new Set(counts).size > 1)
    warnings.push(
      `checkpoints hold different numbers of samples (${Math.min(...counts)} to ${Math.max(...counts)}); ` +
        `evaluate uses the same N for all, at most ${Math.min(...counts)}`,
    );
  return {
    run: out,
    info,
    checkpoints: folder.checkpoints.map((c) => ({
      epoch: c.epoch,
      folder: c.folder,
      format: c.format,
      n: c.images.n,
    })),
    warnings,
  };
}

/** The imported samples of checkpoint `epoch` of an imported run, as written by `writeImportedRun`. */
export function readImportedSamples(run: string, epoch: number): ImageBatch {
  const path = join(runPaths(run).checkpoint(epoch).dir, IMPORTED_SAMPLES_FILE);
  if (pathKind(path) !== "file")
    throw new CheckpointError(`${path}: the imported samples of epoch ${epoch} are missing`, { file: path });
  let set: ReturnType<typeof npyToImages>;
  try {
    set = npyToImages(parseNpy(readBytes(path), path), path);
  } catch (error) {
    if (error instanceof GenreviewError && !(error instanceof CheckpointError))
      throw new CheckpointError(error.message, { file: path, cause: error });
    throw error;
  }
  return set.images;
}
