// Building `Dataset` values: the content hash that identifies the exact data, the seeded split of data
// without its own test split, and selection of images by index.
// Legend: N images of H x W pixels; labels index the class list.
import { createHash } from "node:crypto";
import { fromBytes, toBytes } from "../image/image.ts";
import { Rng } from "../util/rng.ts";
import type { Dataset, ImageBatch, ImageSet } from "./types.ts";

/** Version tag mixed into the hash, so that a change of the hashed layout changes every hash. */
const HASH_LAYOUT = "genreview-dataset-v1";

/**
 * SHA-256 (hex) of the exact data of both splits. Hashed, in order: the layout tag; then for the train
 * and then the test split a line "NAME N H W labelled|unlabelled", the pixels as little-endian float32
 * and the labels as little-endian int32. Class names are not hashed: the hash identifies pixels and
 * labels, whatever the classes are called.
 */
export function hashDataset(train: ImageSet, test: ImageSet): string {
  const hash = createHash("sha256");
  hash.update(`${HASH_LAYOUT}\n`);
  for (const [name, set] of [
    ["train", train],
    ["test", test],
  ] as const) {
    const { n, h, w, data } = set.images;
    hash.update(`${name} ${n} ${h} ${w} ${set.labels ? "labelled" : "unlabelled"}\n`);
    // typed arrays are little-endian on every platform Node 20 supports (x64, arm64)
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (set.labels)
      hash.update(new Uint8Array(set.labels.buffer, set.labels.byteOffset, set.labels.byteLength));
  }
  return hash.digest("hex");
}

/** Assemble a Dataset and compute its hash. */
export function makeDataset(parts: {
  id: string;
  classes: string[] | null;
  train: ImageSet;
  test: ImageSet;
  card: string;
}): Dataset {
  return { ...parts, hash: hashDataset(parts.train, parts.test) };
}

/**
 * The dataset as byte formats (PNG, IDX, uint8 .npy) store it: every pixel rounded to k / 255 with
 * `toByte`, labels and attributes unchanged, hash recomputed. The id gains "+bytes" and so is no longer
 * a spec `loadDataset` accepts: the result is what a byte-format export of the spec loads back as.
 */
export function quantiseDataset(dataset: Dataset): Dataset {
  const q = (set: ImageSet): ImageSet => ({
    ...set,
    images: { ...set.images, data: fromBytes(toBytes(set.images.data)) },
  });
  return makeDataset({
    id: `${dataset.id}+bytes`,
    classes: dataset.classes,
    train: q(dataset.train),
    test: q(dataset.test),
    card: `${dataset.card} Pixels are quantised to 256 levels (round(v * 255) / 255).`,
  });
}

/** The images (and labels, and attributes) at `indices`, copied, in the given order. */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const { h, w } = set.images;
  const size = h * w;
  const data = new Float32Array(indices.length * size);
  const labels = set.labels ? new Int32Array(indices.length) : null;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    data.set(set.images.data.subarray(i * size, (i + 1) * size), k * size);
    if (labels && set.labels) labels[k] = set.labels[i]!;
  }
  const images: ImageBatch = { data, n: indices.length, h, w };
  if (!set.attributes) return { images, labels };

  // attributes: one row of P values per image
  const { names, values } = set.attributes;
  const p = names.length;
  const picked = new Float32Array(indices.length * p);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    picked.set(values.subarray(i * p, (i + 1) * p), k * p);
  }
  return { images, labels, attributes: { names, values: picked } };
}

/** How many of N images a seeded split holds out: round(N * fraction), at least 1, leaving at least 1. */
export function testCount(n: number, testFraction: number): number {
  return Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
}

/**
 * Split data that has no test split of its own. A permutation drawn from `new Rng(seed)` picks the
 * `testCount(N, testFraction)` held-out images (its first entries); both splits keep the original
 * order of the images, so the split is reproducible from (N, seed, fraction) alone. Needs N >= 2.
 */
export function splitSeeded(
  all: ImageSet,
  seed: number,
  testFraction: number,
): { train: ImageSet; test: ImageSet } {
  const n = all.images.n;
  if (n < 2) throw new RangeError(`a seeded split needs at least 2 images, got ${n}`);
  const permutation = new Rng(seed).permutation(n);
  const held = new Uint8Array(n);
  const nTest = testCount(n, testFraction);
  for (let k = 0; k < nTest; k++) held[permutation[k]!] = 1;

  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let i = 0; i < n; i++) (held[i] ? testIdx : trainIdx).push(i);
  return { train: selectImages(all, trainIdx), test: selectImages(all, testIdx) };
}

/** Number of images per class (length = number of classes). */
export function classCounts(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}
