// Input checks shared by the metrics: feature matrices must be non-empty and finite, and sets compared
// with each other must have the same width. Errors name the set and the first bad value.
import type { ImageBatch } from "../data/types.ts";
import { InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";

/** Throws InputError when `x` is empty or holds NaN/Infinity. `name` says which set (e.g. "real features"). */
export function checkFeatures(x: Matrix, name: string): void {
  if (x.rows === 0 || x.cols === 0) {
    throw new InputError(`${name}: expected a non-empty [N, D] matrix, got ${x.rows}x${x.cols}`);
  }
  if (x.data.length !== x.rows * x.cols) {
    throw new InputError(`${name}: ${x.rows}x${x.cols} matrix holds ${x.data.length} values`);
  }
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i]!)) {
      const r = Math.floor(i / x.cols);
      throw new InputError(
        `${name}: row ${r}, column ${i - r * x.cols} is ${x.data[i]}; features must be finite`,
      );
    }
  }
}

export function checkSameWidth(real: Matrix, fake: Matrix, names = ["real", "generated"]): void {
  if (real.cols !== fake.cols) {
    throw new InputError(
      `${names[0]} features have D = ${real.cols} but ${names[1]} features have D = ${fake.cols}; ` +
        "both must come from the same feature extractor",
    );
  }
}

/** Throws InputError when an image batch is empty, inconsistent or holds values outside [0, 1]. */
export function checkImages(images: ImageBatch, name: string): void {
  const { n, h, w, data } = images;
  if (n === 0 || h < 3 || w < 3) {
    throw new InputError(
      `${name}: expected at least one image of at least 3x3 pixels, got ${n} of ${h}x${w}`,
    );
  }
  if (data.length !== n * h * w) {
    throw new InputError(`${name}: ${n} images of ${h}x${w} need ${n * h * w} values, got ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= 1)) {
      const img = Math.floor(i / (h * w));
      throw new InputError(`${name}: image ${img} has pixel value ${v}; expected values in [0, 1]`);
    }
  }
}
