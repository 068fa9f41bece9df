// The machinery shared by the built-in datasets (shapes, glyphs, patterns): seeded streams per split,
// exactly balanced labels, per-image attributes, and assembly into a hashed Dataset.
// Determinism: split X of seed s draws its labels from new Rng(s).fork("KIND/X/labels") and its images
// from new Rng(s).fork("KIND/X/images"), image after image. So the test split does not depend on the
// train count, and the first k images of a split are the same whatever its count.
import { Rng } from "../util/rng.ts";
import { makeDataset } from "./dataset.ts";
import type { BuiltinKind, BuiltinSpec } from "./spec.ts";
import { formatDatasetSpec } from "./spec.ts";
import type { Dataset, ImageSet } from "./types.ts";

/** One built-in dataset: its classes, the parameters it records and how it draws one image. */
export interface Generator {
  kind: BuiltinKind;
  classes: readonly string[];
  /** Names of the per-image parameters `render` writes, in order. */
  attributeNames: readonly string[];
  /**
   * Draw one image of class `label` into `out` (side * side pixels, all 0 on entry) and its parameters
   * into `attrs` (attributeNames.length values), using only `rng`.
   */
  render(rng: Rng, label: number, side: number, out: Float32Array, attrs: Float32Array): void;
  /** The one-paragraph dataset card. */
  card(spec: BuiltinSpec): string;
}

/**
 * Labels for n images over k classes, exactly balanced: every consecutive block of k images holds each
 * class once, in an order drawn from `rng` (so counts differ by at most 1 when k does not divide n).
 */
export function balancedLabels(rng: Rng, n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  for (let start = 0; start < n; start += k) {
    const order = rng.permutation(k);
    for (let j = 0; j < k && start + j < n; j++) labels[start + j] = order[j]!;
  }
  return labels;
}

/** Generate one split of a built-in dataset. */
export function generateSplit(generator: Generator, spec: BuiltinSpec, split: "train" | "test"): ImageSet {
  const n = split === "train" ? spec.train : spec.test;
  const side = spec.size;
  const root = new Rng(spec.seed);
  const labels = balancedLabels(root.fork(`${generator.kind}/${split}/labels`), n, generator.classes.length);
  const rng = root.fork(`${generator.kind}/${split}/images`);

  // render image after image into views of one buffer
  const p = generator.attributeNames.length;
  const data = new Float32Array(n * side * side);
  const values = new Float32Array(n * p);
  for (let i = 0; i < n; i++) {
    const out = data.subarray(i * side * side, (i + 1) * side * side);
    generator.render(rng, labels[i]!, side, out, values.subarray(i * p, (i + 1) * p));
  }
  return {
    images: { data, n, h: side, w: side },
    labels,
    attributes: { names: [...generator.attributeNames], values },
  };
}

/** Generate a built-in dataset from its spec. */
export function generateBuiltin(generator: Generator, spec: BuiltinSpec): Dataset {
  return makeDataset({
    id: formatDatasetSpec(spec),
    classes: [...generator.classes],
    train: generateSplit(generator, spec, "train"),
    test: generateSplit(generator, spec, "test"),
    card: generator.card(spec),
  });
}

/** Uniform in [lo, hi). */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}
