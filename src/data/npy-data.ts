// The `npy:PATH` loader: one NumPy array of images, [N, H, W] or [N, H, W, 1], either uint8 (0-255,
// divided by 255) or float32/float64 already in [0, 1]. It has no labels and no split of its own, so it
// gets the seeded split. This is what `np.save(path, images)` gives a PyTorch or JAX user.
import { DatasetError, GenreviewError } from "../util/errors.ts";
import type { NpyArray } from "../util/npy.ts";
import { parseNpy } from "../util/npy.ts";
import { fileDataset, pathKind, readBytes } from "./files.ts";
import type { FileSpec } from "./spec.ts";
import type { Dataset, ImageSet } from "./types.ts";

/** Check and convert a parsed array to images in [0, 1]; `name` is used in errors. */
export function npyToImages(array: NpyArray, name: string): ImageSet {
  const { shape, dtype } = array;
  const shapeOk = (shape.length === 3 || (shape.length === 4 && shape[3] === 1)) && shape.every((d) => d > 0);
  if (!shapeOk) {
    throw new DatasetError(
      `${name}: expected an image array of shape [N, H, W] or [N, H, W, 1], got [${shape.join(", ")}]`,
      { file: name },
    );
  }
  const [n, h, w] = shape as [number, number, number];

  // uint8 scales by 1/255; floats must already be pixels in [0, 1]
  if (dtype === "uint8") {
    const data = new Float32Array(array.data.length);
    for (let i = 0; i < data.length; i++) data[i] = array.data[i]! / 255;
    return { images: { data, n, h, w }, labels: null };
  }
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DatasetError(`${name}: expected dtype uint8 (0-255) or float32/float64 (0-1), got ${dtype}`, {
      file: name,
    });
  }
  const data = new Float32Array(array.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = array.data[i]!;
    if (!(v >= 0 && v <= 1)) {
      const pixel = i % (h * w);
      throw new DatasetError(
        `${name}: expected ${dtype} values in [0, 1], got ${v} at image ${Math.floor(i / (h * w))}, ` +
          `pixel (${Math.floor(pixel / w)}, ${pixel % w}) (rescale [-1, 1] data with (x + 1) / 2)`,
        { file: name },
      );
    }
    data[i] = v;
  }
  return { images: { data, n, h, w }, labels: null };
}

/** Load `npy:PATH`. */
export function loadNpyDataset(spec: FileSpec): Dataset {
  const kind = pathKind(spec.path);
  if (kind !== "file") {
    throw new DatasetError(
      `${spec.path}: expected a .npy file, ${kind === "missing" ? "it does not exist" : "got a folder"}`,
      {
        file: spec.path,
      },
    );
  }
  let array: NpyArray;
  try {
    array = parseNpy(readBytes(spec.path), spec.path);
  } catch (error) {
    // the .npy parser reports format errors as a plain GenreviewError; for data they are DatasetErrors
    if (error instanceof GenreviewError && !(error instanceof DatasetError))
      throw new DatasetError(error.message, { file: spec.path, cause: error });
    throw error;
  }
  const all = npyToImages(array, spec.path);
  const { n, h, w } = all.images;
  const source = `Read from ${spec.path}, a ${array.dtype} array of ${n} images of ${h}x${w}.`;
  return fileDataset(spec, { all }, null, source, "there are no labels.");
}
