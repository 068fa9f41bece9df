// Failure samples kept as evidence for one checkpoint: the least realistic samples, the largest groups
// of near-duplicates, the samples closest to a training image (written beside that image), and a few
// average samples, so that the evidence is not only the best and the worst. Images go to
// review/failures/epoch-NNNN/ as PNG; the records (FailureSample in src/run/schema.ts) go into
// evaluation.json with paths relative to the run folder.
//
// Legend: N evaluated samples of H x W; realism r_i (Kynkaanniemi et al. 2019, low = unrealistic);
// t_i the nearest-train distance of sample i in feature space, j_i that training image's index.
import { rmSync } from "node:fs";
import { join, relative } from "node:path";
import type { ImageBatch } from "../data/types.ts";
import { imageAt } from "../data/types.ts";
import { writePng } from "../image/png.ts";
import { runPaths } from "../run/layout.ts";
import type { FailureSample } from "../run/schema.ts";

/**
 * How many samples of each kind are kept. Four per kind fills one row of a report's gallery and stays
 * small on disk (16 tiny PNGs per checkpoint); two duplicate groups of at most four show the repeats.
 */
export const FAILURE_COUNTS = {
  leastRealistic: 4,
  nearestTrain: 4,
  average: 4,
  duplicateGroups: 2,
  perGroup: 4,
} as const;

/** Pixels between the two images of a nearest-train strip, and their gray level (mid-gray separates both). */
const STRIP_PADDING = 2;
const STRIP_PAD_VALUE = 0.5;

/** Per-sample measurements the choice is made from (as the scores module reports them). */
export interface FailureInputs {
  /** Realism per sample; null or Infinity = coincides with a real point (maximally realistic). */
  realism: readonly (number | null)[];
  nearestTrainIndex: readonly number[];
  nearestTrainDistance: readonly number[];
  /** Near-duplicate groups of sample indices, largest first. */
  duplicateGroups: readonly (readonly number[])[];
}

export interface FailureChoice {
  kind: FailureSample["kind"];
  index: number;
  value?: number;
  group?: number;
}

function realismOf(r: number | null | undefined): number {
  return r === null || r === undefined ? Number.POSITIVE_INFINITY : r;
}

/** Root-mean-square pixel difference between samples i and j. */
function rmsDifference(images: ImageBatch, i: number, j: number): number {
  const a = imageAt(images, i);
  const b = imageAt(images, j);
  let s = 0;
  for (let p = 0; p < a.length; p++) s += (a[p]! - b[p]!) ** 2;
  return Math.sqrt(s / a.length);
}

/**
 * Which samples to keep (pure): per kind, by the measurement named in the top comment; ties go to the
 * lower index. A sample may appear under several kinds (a copy of a training image can also be one of
 * a duplicate group): each kind tells its own story.
 */
export function chooseFailures(
  inputs: FailureInputs,
  images: ImageBatch,
  counts = FAILURE_COUNTS,
): FailureChoice[] {
  const n = inputs.realism.length;
  const order = (key: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b);

  // least realistic: lowest realism
  const realism = (i: number) => realismOf(inputs.realism[i]);
  const least = order(realism)
    .slice(0, counts.leastRealistic)
    .map((i): FailureChoice => ({ kind: "least_realistic", index: i, value: realism(i) }));

  // near-duplicate groups: the largest, each member with the distance to its closest other member
  const dupes: FailureChoice[] = [];
  inputs.duplicateGroups.slice(0, counts.duplicateGroups).forEach((group, g) => {
    const members = [...group].sort((a, b) => a - b).slice(0, counts.perGroup);
    for (const i of members) {
      const twin = Math.min(...members.filter((j) => j !== i).map((j) => rmsDifference(images, i, j)));
      dupes.push({ kind: "near_duplicate", index: i, value: twin, group: g });
    }
  });

  // closest to a training image
  const nearest = order((i) => inputs.nearestTrainDistance[i]!)
    .slice(0, counts.nearestTrain)
    .map((i): FailureChoice => ({ kind: "nearest_train", index: i, value: inputs.nearestTrainDistance[i]! }));

  // average: realism closest to the median realism (finite values only)
  const finite = order(realism).filter((i) => Number.isFinite(realism(i)));
  const median = finite.length === 0 ? 0 : realism(finite[Math.floor(finite.length / 2)]!);
  const average = order((i) =>
    Number.isFinite(realism(i)) ? Math.abs(realism(i) - median) : Number.POSITIVE_INFINITY,
  )
    .slice(0, counts.average)
    .map((i): FailureChoice => ({ kind: "average", index: i, value: realism(i) }));

  return [...least, ...dupes, ...nearest, ...average].map((c) =>
    c.value !== undefined && !Number.isFinite(c.value)
      ? { kind: c.kind, index: c.index, ...(c.group === undefined ? {} : { group: c.group }) }
      : c,
  );
}

/** File name of a kept sample: "least-realistic-0.png", "near-duplicate-g1-2.png", "nearest-train-3.png". */
function fileName(choice: FailureChoice, rank: number): string {
  const kind = choice.kind.replace(/_/g, "-");
  return choice.group === undefined ? `${kind}-${rank}.png` : `${kind}-g${choice.group}-${rank}.png`;
}

/** Sample `i` and training image `j` side by side, separated by a mid-gray bar (H x (2W + pad)). */
function strip(sample: Float32Array, train: Float32Array, h: number, w: number): Float32Array {
  const width = 2 * w + STRIP_PADDING;
  const out = new Float32Array(h * width).fill(STRIP_PAD_VALUE);
  for (let y = 0; y < h; y++) {
    out.set(sample.subarray(y * w, (y + 1) * w), y * width);
    out.set(train.subarray(y * w, (y + 1) * w), y * width + w + STRIP_PADDING);
  }
  return out;
}

export interface WriteFailuresInput {
  run: string;
  epoch: number;
  choices: readonly FailureChoice[];
  images: ImageBatch;
  /** The dataset's TRAIN images (for the nearest-train pictures). */
  train: ImageBatch;
  nearestTrainIndex: readonly number[];
  /** The fixed seed of sample i, when the evaluated samples are (partly) the fixed seed set. */
  seedOf?: (index: number) => number | undefined;
}

/**
 * Write the chosen samples' PNGs under review/failures/epoch-NNNN/ (emptied first, so no image of an
 * earlier evaluation lingers) and return their records. A nearest_train record's `image` is the strip
 * (sample | training image); `trainImage` is the training image alone.
 */
export function writeFailures(input: WriteFailuresInput): FailureSample[] {
  const { run, epoch, images, train } = input;
  const dir = runPaths(run).failures(epoch);
  rmSync(dir, { recursive: true, force: true });
  const { h, w } = images;
  const rel = (path: string) => relative(run, path).split("\\").join("/");
  const ranks = new Map<string, number>();

  return input.choices.map((choice) => {
    const key = `${choice.kind}/${choice.group ?? ""}`;
    const rank = ranks.get(key) ?? 0;
    ranks.set(key, rank + 1);
    const path = join(dir, fileName(choice, rank));
    const sample = imageAt(images, choice.index);
    const seed = input.seedOf?.(choice.index);
    const record: FailureSample = {
      kind: choice.kind,
      image: rel(path),
      index: choice.index,
      ...(seed === undefined ? {} : { seed }),
      ...(choice.value === undefined ? {} : { value: choice.value }),
      ...(choice.group === undefined ? {} : { group: choice.group }),
    };

    if (choice.kind === "nearest_train") {
      const j = input.nearestTrainIndex[choice.index]!;
      const trainImage = imageAt(train, j);
      const trainPath = path.replace(/\.png$/, "-train.png");
      writePng(path, strip(sample, trainImage, h, w), 2 * w + STRIP_PADDING, h);
      writePng(trainPath, trainImage, w, h);
      return { ...record, trainImage: rel(trainPath), trainIndex: j };
    }
    writePng(path, sample, w, h);
    return record;
  });
}
