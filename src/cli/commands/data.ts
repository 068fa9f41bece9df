// `genreview data preview|info|export SPEC`: look at a dataset before training on it, print what it
// holds (counts, classes, hash, card), and write it out as files other tools read. The work is in
// src/data/ and src/image/; this file turns flags into calls and results into text or JSON.
import { join } from "node:path";
import { Option } from "commander";
import { z } from "zod";
import { classCounts, selectImages } from "../../data/dataset.ts";
import { IDX_NAMES, writeIdxDataset } from "../../data/idx.ts";
import { loadDataset, SPEC_DEFAULTS } from "../../data/load.ts";
import { writePngDataset } from "../../data/png-folder.ts";
import type { Dataset, ImageSet } from "../../data/types.ts";
import type { GridRow } from "../../image/grid.ts";
import { makeGrid, makeLabelledGrid } from "../../image/grid.ts";
import { writeImage } from "../../image/png.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import { InputError } from "../../util/errors.ts";
import { encodeNpy } from "../../util/npy.ts";
import type { Io } from "../io.ts";
import type { CommandModule } from "../main.ts";

const SPLITS = ["train", "test"] as const;
export const EXPORT_FORMATS = ["idx", "png", "npy"] as const;

/** Images per class row of a preview: 8, one make_grid row. */
const DEFAULT_PER_CLASS = 8;
/** Preview cells are upscaled to about 64 px (2x for 28x28), big enough to judge strokes by eye. */
const PREVIEW_CELL = 64;

const SPEC_HELP = `
SPEC names the data, the same everywhere a command takes data:
  shapes | glyphs | patterns[:size=${SPEC_DEFAULTS.size},train=${SPEC_DEFAULTS.train},test=${SPEC_DEFAULTS.test},seed=${SPEC_DEFAULTS.seed}]
      built-in, generated from the seed (size 8-128; shapes: 8 classes, glyphs: digits 0-9,
      patterns: 6 texture classes)
  idx:PATH     MNIST-family IDX files: a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,
               t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each optionally .gz), or one images file
  png:DIR      PNG files: DIR/*.png, DIR/CLASS/*.png (labels), or DIR/train/ and DIR/test/ (splits)
  npy:PATH     a NumPy array [N, H, W] or [N, H, W, 1], uint8 or float in [0, 1]
Data without its own test split is split by a seeded permutation, 1/6 held out; change it with
#seed=S,testfrac=F after the path (e.g. npy:x.npy#seed=1,testfrac=0.2).`;

/** A positive integer flag value, or an InputError naming the flag. */
function positiveInteger(flag: string, text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InputError(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

export interface PreviewOptions {
  spec: string;
  out: string;
  split: (typeof SPLITS)[number];
  perClass: number;
  /** Upscaling factor; undefined picks about PREVIEW_CELL pixels per cell. */
  scale: number | undefined;
}

export interface PreviewResult {
  out: string;
  width: number;
  height: number;
  id: string;
  hash: string;
  split: string;
  scale: number;
  /** One entry per grid row: the class name (or null) and how many images it shows. */
  rows: { label: string | null; images: number }[];
}

/** Write a preview grid of a dataset: one labelled row per class, or a plain grid for unlabelled data. */
export function runPreview(options: PreviewOptions): PreviewResult {
  const dataset = loadDataset(options.spec);
  const set = dataset[options.split];
  const { h, w } = set.images;
  const scale = options.scale ?? Math.max(1, Math.round(PREVIEW_CELL / Math.max(h, w)));

  // labelled: the first N images of each class, in split order; unlabelled: the first 8 rows of N
  if (set.labels && dataset.classes) {
    const rows: GridRow[] = dataset.classes.map((label, c) => {
      const picked: number[] = [];
      for (let i = 0; i < set.images.n && picked.length < options.perClass; i++)
        if (set.labels![i] === c) picked.push(i);
      return { label, images: selectImages(set, picked).images };
    });
    const shown = rows.filter((r) => r.images.n > 0);
    const grid = makeLabelledGrid(shown, { columns: options.perClass, scale });
    writeImage(options.out, grid);
    return {
      ...summary(options, dataset, grid, scale),
      rows: shown.map((r) => ({ label: r.label, images: r.images.n })),
    };
  }
  const count = Math.min(set.images.n, 8 * options.perClass);
  const grid = makeGrid(selectImages(set, range(count)).images, { nrow: options.perClass, scale });
  writeImage(options.out, grid);
  const rows = Array.from({ length: Math.ceil(count / options.perClass) }, (_, r) => ({
    label: null,
    images: Math.min(options.perClass, count - r * options.perClass),
  }));
  return { ...summary(options, dataset, grid, scale), rows };
}

function summary(options: PreviewOptions, dataset: Dataset, grid: { w: number; h: number }, scale: number) {
  return {
    out: options.out,
    width: grid.w,
    height: grid.h,
    id: dataset.id,
    hash: dataset.hash,
    split: options.split,
    scale,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Pixel statistics of a split: mean, min, max (float64 sums). */
function pixelStats(set: ImageSet): { mean: number; min: number; max: number } {
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of set.images.data) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: sum / set.images.data.length, min, max };
}

export interface InfoResult {
  id: string;
  hash: string;
  height: number;
  width: number;
  classes: string[] | null;
  splits: Record<
    string,
    { images: number; perClass: number[] | null; pixels: { mean: number; min: number; max: number } }
  >;
  attributes: string[] | null;
  card: string;
}

/** Describe a dataset: identity, sizes, class counts per split, pixel statistics, card. */
export function runInfo(spec: string): InfoResult {
  const d = loadDataset(spec);
  const split = (set: ImageSet) => ({
    images: set.images.n,
    perClass: set.labels && d.classes ? classCounts(set.labels, d.classes.length) : null,
    pixels: pixelStats(set),
  });
  return {
    id: d.id,
    hash: d.hash,
    height: d.train.images.h,
    width: d.train.images.w,
    classes: d.classes,
    splits: { train: split(d.train), test: split(d.test) },
    attributes: d.train.attributes?.names ?? null,
    card: d.card,
  };
}

function formatInfo(info: InfoResult): string {
  const lines = [`id: ${info.id}`, `hash: ${info.hash}`, `images: ${info.width}x${info.height} grayscale`];
  for (const name of SPLITS) {
    const s = info.splits[name]!;
    const p = s.pixels;
    lines.push(
      `${name}: ${s.images} images, pixels mean ${p.mean.toFixed(4)} min ${p.min.toFixed(4)} max ${p.max.toFixed(4)}`,
    );
  }
  if (info.classes) {
    lines.push(`classes (${info.classes.length}): train / test images`);
    info.classes.forEach((c, i) => {
      lines.push(
        `  ${i} ${c}: ${info.splits["train"]!.perClass?.[i] ?? 0} / ${info.splits["test"]!.perClass?.[i] ?? 0}`,
      );
    });
  } else {
    lines.push("classes: none (unlabelled)");
  }
  if (info.attributes) lines.push(`attributes per image: ${info.attributes.join(", ")}`);
  lines.push("", info.card);
  return `${lines.join("\n")}\n`;
}

/** Write a dataset as files: IDX (gzipped, standard names), a PNG folder, or .npy arrays. */
export function runExport(
  spec: string,
  format: (typeof EXPORT_FORMATS)[number],
  dir: string,
): { id: string; hash: string; files: number } {
  const d = loadDataset(spec);
  if (format === "idx") return { id: d.id, hash: d.hash, files: writeIdxDataset(dir, d).length };
  if (format === "png") return { id: d.id, hash: d.hash, files: writePngDataset(dir, d) };

  // npy: float32 pixels [N, H, W] per split (exact), labels as uint8 when they fit
  let files = 0;
  for (const split of SPLITS) {
    const { images, labels } = d[split];
    writeFileAtomic(join(dir, `${split}.npy`), encodeNpy(images.data, [images.n, images.h, images.w]));
    files++;
    if (labels) {
      const small = labels.every((l) => l >= 0 && l <= 255);
      const data = small ? Uint8Array.from(labels) : Float64Array.from(labels);
      writeFileAtomic(join(dir, `${split}_labels.npy`), encodeNpy(data, [labels.length]));
      files++;
    }
  }
  if (d.classes) {
    writeFileAtomic(join(dir, "classes.txt"), `${d.classes.join("\n")}\n`);
    files++;
  }
  return { id: d.id, hash: d.hash, files };
}

const PreviewFlags = z.object({
  out: z.string(),
  split: z.enum(SPLITS),
  perClass: z.string().optional(),
  scale: z.string().optional(),
  json: z.boolean().optional(),
});
const InfoFlags = z.object({ json: z.boolean().optional() });
const ExportFlags = z.object({
  out: z.string(),
  format: z.enum(EXPORT_FORMATS),
  json: z.boolean().optional(),
});

function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

export const register: CommandModule = (program, io) => {
  const data = program
    .command("data")
    .description("Look at, describe and export datasets (built-in shapes, glyphs, patterns, or your files)")
    .addHelpText("after", SPEC_HELP);

  data
    .command("preview")
    .description("Write a PNG grid of a dataset: one labelled row per class (or a plain grid if unlabelled)")
    .argument("<spec>", "dataset spec (see genreview data --help)")
    .requiredOption("--out <file>", "PNG file to write")
    .option(
      "--per-class <n>",
      `images per class row (unlabelled data: per row, 8 rows) (default ${DEFAULT_PER_CLASS})`,
    )
    .option(
      "--scale <s>",
      "integer nearest-neighbour upscaling (default: cells of about 64 px, 2x for 28x28)",
    )
    .addOption(new Option("--split <split>", "split to show").choices(SPLITS).default("train"))
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nImages are taken in split order, the first N of each class. Class names appear at the left of each\n" +
        "row (5x7 pixel font; uppercase drawn as lowercase) and on stdout.\n\n" +
        "Examples:\n  genreview data preview shapes --out shapes.png\n" +
        "  genreview data preview idx:/usr/share/datasets/fashion-mnist --out fashion.png --per-class 12",
    )
    .action((spec: string, _options: unknown, command: { opts(): unknown }) => {
      const flags = PreviewFlags.parse(command.opts());
      const result = runPreview({
        spec,
        out: flags.out,
        split: flags.split,
        perClass:
          flags.perClass === undefined ? DEFAULT_PER_CLASS : positiveInteger("--per-class", flags.perClass),
        scale: flags.scale === undefined ? undefined : positiveInteger("--scale", flags.scale),
      });
      if (flags.json === true) return printJson(io, result);
      const lines = [
        `wrote ${result.out} (${result.width}x${result.height}, ${result.scale}x): ${result.split} split of ${result.id}`,
        `hash ${result.hash}`,
        ...result.rows.map((r, i) => `row ${i + 1}: ${r.label ?? "unlabelled"} (${r.images} images)`),
      ];
      io.out(`${lines.join("\n")}\n`);
    });

  data
    .command("info")
    .description("Print a dataset's id, hash, sizes, class counts per split, pixel range and card")
    .argument("<spec>", "dataset spec (see genreview data --help)")
    .option("--json", "print the result as JSON")
    .action((spec: string, _options: unknown, command: { opts(): unknown }) => {
      const flags = InfoFlags.parse(command.opts());
      const info = runInfo(spec);
      if (flags.json === true) printJson(io, info);
      else io.out(formatInfo(info));
    });

  data
    .command("export")
    .description(
      "Write a dataset as IDX files, a PNG folder or .npy arrays, readable by genreview and other tools",
    )
    .argument("<spec>", "dataset spec (see genreview data --help)")
    .requiredOption("--out <dir>", "folder to write into (created if missing)")
    .addOption(new Option("--format <format>", "file format").choices(EXPORT_FORMATS).default("idx"))
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `\nidx: ${IDX_NAMES.train.images}.gz and the other three standard names, plus classes.txt; loads back\n` +
        "     with idx:DIR. png: DIR/train/CLASS/00000.png ... plus classes.txt; loads back with png:DIR.\n" +
        "     Both store bytes: pixels are quantised as round(v * 255).\n" +
        "npy: train.npy and test.npy (float32 [N, H, W], exact), train_labels.npy and test_labels.npy,\n" +
        "     classes.txt; for NumPy users (npy:FILE reads one array and splits it by seed).",
    )
    .action((spec: string, _options: unknown, command: { opts(): unknown }) => {
      const flags = ExportFlags.parse(command.opts());
      const result = runExport(spec, flags.format, flags.out);
      if (flags.json === true) printJson(io, { ...result, format: flags.format, out: flags.out });
      else
        io.out(
          `wrote ${result.files} files to ${flags.out} (${flags.format}) from ${result.id}\nhash ${result.hash}\n`,
        );
    });
};
