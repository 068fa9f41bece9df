// The in-memory shapes of image data shared by every part of genreview.
// Legend: N images, H x W pixels, one grayscale channel; pixel values are float32 in [0, 1] (0 = black).

/** N grayscale images stored contiguously, row-major: pixel (i, y, x) is at data[i*H*W + y*W + x]. */
export interface ImageBatch {
  /** Length N*H*W, values in [0, 1]. */
  data: Float32Array;
  n: number;
  h: number;
  w: number;
}

/** Images with optional class labels (labels[i] indexes Dataset.classes). */
export interface ImageSet {
  images: ImageBatch;
  labels: Int32Array | null;
  /** Per-image generation parameters of built-in data (position, size, rotation, ...); absent for files. */
  attributes?: ImageAttributes | undefined;
}

/** Named per-image parameters: values[i*names.length + j] is parameter names[j] of image i. */
export interface ImageAttributes {
  names: string[];
  /** Length N * names.length. */
  values: Float32Array;
}

/** A loaded dataset: fixed train/test split, identity and documentation. */
export interface Dataset {
  /** The dataset spec it was loaded from, normalised (e.g. "shapes:size=28,train=10000,test=2000,seed=0"). */
  id: string;
  /** Hex SHA-256 of the exact pixels and labels of both splits: identifies the data. */
  hash: string;
  /** Class names, or null when the data has no labels. */
  classes: string[] | null;
  train: ImageSet;
  test: ImageSet;
  /** One-paragraph dataset card: contents, how it was made or read, known biases. */
  card: string;
}

/** A view of image i of a batch (no copy). */
export function imageAt(batch: ImageBatch, i: number): Float32Array {
  const size = batch.h * batch.w;
  return batch.data.subarray(i * size, (i + 1) * size);
}
