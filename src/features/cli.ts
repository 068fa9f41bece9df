// The `--images` mode of `genreview metrics REAL FAKE`: REAL and FAKE are image sources (a .npy image
// array or a folder of PNGs), embedded by a feature extractor before the metrics run. The extractor is
// trained on (or fitted to) the TRAIN split of `--data DATASET`; raw pixels need no dataset.
import { InvalidArgumentError } from "commander";
import { type Io, type Progress, progressBar } from "../cli/io.ts";
import { loadDataset } from "../data/load.ts";
import type { ImageBatch } from "../data/types.ts";
import { ConfigError, InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import { defaultExtractorKind, loadExtractor } from "./index.ts";
import { readImageSource } from "./source.ts";
import { EXTRACTOR_KINDS, type ExtractorInfo, type ExtractorKind, type FeatureExtractor } from "./types.ts";

/** The command-line flags of the images mode (commander fills them in). */
export interface ImageModeFlags {
  features?: ExtractorKind;
  data?: string;
  pca?: number;
  cache?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Throws InputError when images-mode flags are given without --images (they would be ignored). */
export function checkImageModeFlags(flags: ImageModeFlags & { images?: boolean }): void {
  if (flags.images === true) return;
  const given = (["features", "data", "pca", "cache"] as const).filter((f) => flags[f] !== undefined);
  if (given.length > 0) {
    throw new InputError(
      `--${given[0]} applies to images: add --images (REAL and FAKE are then image sources)`,
    );
  }
}

/** Parse `--features`: one of the extractor kinds. */
export function parseExtractorKind(text: string): ExtractorKind {
  const kind = EXTRACTOR_KINDS.find((k) => k === text);
  if (kind === undefined)
    throw new InvalidArgumentError(`expected one of ${EXTRACTOR_KINDS.join(", ")}, got '${text}'`);
  return kind;
}

/** Same shape as the metrics command's FeatureSource: where a feature matrix came from. */
export interface EmbeddedSource {
  path: string;
  rows: number;
  cols: number;
  dtype: string;
}

export interface EmbeddedPair {
  real: { features: Matrix; source: EmbeddedSource };
  fake: { features: Matrix; source: EmbeddedSource };
  extractor: ExtractorInfo;
  /** Extractor messages (trained or loaded from the cache, warnings), for stderr. */
  notes: string[];
}

/** The extractor the flags ask for: `--features` (default: the dataset's default, or pixel without data). */
async function extractorFor(flags: ImageModeFlags, images: ImageBatch, io: Io): Promise<FeatureExtractor> {
  if (flags.data === undefined) {
    const kind = flags.features ?? "pixel";
    if (kind !== "pixel" || flags.pca !== undefined) {
      throw new ConfigError(
        `--features ${kind}${flags.pca !== undefined ? ` --pca ${flags.pca}` : ""} is trained on a dataset's TRAIN split: ` +
          "give it with --data DATASET (e.g. --data shapes or --data png:train_images/)",
      );
    }
    // raw pixels of the images' own size need no dataset: a one-image stand-in gives the extractor its size
    const standIn = {
      images: { ...images, n: 1, data: images.data.subarray(0, images.h * images.w) },
      labels: null,
    };
    return loadExtractor(
      { id: "images", hash: "none", classes: null, train: standIn, test: standIn, card: "" },
      { kind: "pixel" },
    );
  }
  const dataset = loadDataset(flags.data);
  const kind = flags.features ?? defaultExtractorKind(dataset);
  // a bar over the training steps, opened when training starts (a cached extractor never opens it)
  const show = flags.json !== true && flags.quiet !== true;
  const open: { bar: Progress | null } = { bar: null };
  try {
    return await loadExtractor(dataset, {
      kind,
      ...(flags.pca === undefined ? {} : { pca: flags.pca }),
      ...(flags.cache === undefined ? {} : { cacheRoot: flags.cache }),
      onProgress: (p) => {
        if (p.stage !== "train") return;
        open.bar ??= progressBar(io, p.total, `training the ${kind} extractor`, ["loss"], show);
        open.bar.update(p.done, { loss: p.loss?.toFixed(4) ?? "-" });
      },
    });
  } finally {
    open.bar?.stop();
  }
}

/** Read both image sources, check they match the extractor, and embed them. */
export async function embedImageSources(
  realPath: string,
  fakePath: string,
  flags: ImageModeFlags,
  io: Io,
): Promise<EmbeddedPair> {
  const realImages = readImageSource(realPath);
  const fakeImages = readImageSource(fakePath);
  if (realImages.h !== fakeImages.h || realImages.w !== fakeImages.w) {
    throw new InputError(
      `${realPath} holds ${realImages.w}x${realImages.h} images but ${fakePath} holds ${fakeImages.w}x${fakeImages.h}; ` +
        "compare images of one size",
    );
  }
  const extractor = await extractorFor(flags, realImages, io);
  try {
    const notes = [
      extractor.fromCache
        ? `features: ${extractor.info.id}, loaded from the cache`
        : extractor.trainSeconds !== null
          ? `features: ${extractor.info.id}, trained in ${extractor.trainSeconds.toFixed(1)} s`
          : `features: ${extractor.info.id}`,
      ...extractor.warnings,
    ];
    const dtype = `images embedded by ${extractor.info.id}`;
    const real = (await extractor.embed(realImages)).features;
    const fake = (await extractor.embed(fakeImages)).features;
    return {
      real: { features: real, source: { path: realPath, rows: real.rows, cols: real.cols, dtype } },
      fake: { features: fake, source: { path: fakePath, rows: fake.rows, cols: fake.cols, dtype } },
      extractor: extractor.info,
      notes,
    };
  } finally {
    await extractor.dispose();
  }
}
