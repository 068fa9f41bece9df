// Image sources given on the command line (`genreview metrics REAL FAKE --images`): one .npy array of
// images [N, H, W] or [N, H, W, 1] (uint8 0-255 or float 0-1), or a folder of PNG files taken in
// natural name order ("2.png" before "10.png"). Reading reuses the dataset loaders' parsers, so the same
// files are accepted here as by `--data npy:PATH` / `png:PATH`, with the same error messages.
import { join } from "node:path";
import { listFolder, pathKind, readBytes } from "../data/files.ts";
import { npyToImages } from "../data/npy-data.ts";
import type { ImageBatch } from "../data/types.ts";
import { decodePng } from "../image/png.ts";
import { DatasetError, GenreviewError } from "../util/errors.ts";
import { parseNpy } from "../util/npy.ts";

/** Read every image of a .npy file or a folder of PNGs, in order. */
export function readImageSource(path: string): ImageBatch {
  const kind = pathKind(path);
  if (kind === "missing") {
    throw new DatasetError(`${path}: does not exist; expected a .npy image array or a folder of PNG files`, {
      file: path,
    });
  }
  return kind === "dir" ? readPngFolder(path) : readNpyImages(path);
}

function readNpyImages(path: string): ImageBatch {
  if (!/\.npy$/i.test(path)) {
    throw new DatasetError(`${path}: expected a .npy image array or a folder of PNG files`, { file: path });
  }
  try {
    return npyToImages(parseNpy(readBytes(path), path), path).images;
  } catch (error) {
    // the .npy parser reports format errors as a plain GenreviewError; for images they are DatasetErrors
    if (error instanceof GenreviewError && !(error instanceof DatasetError))
      throw new DatasetError(error.message, { file: path, cause: error });
    throw error;
  }
}

function readPngFolder(folder: string): ImageBatch {
  const { files, dirs } = listFolder(folder);
  const pngs = files.filter((name) => /\.png$/i.test(name));
  if (pngs.length === 0) {
    const found = dirs.length > 0 ? ` (it holds subfolders: ${dirs.slice(0, 3).join(", ")})` : "";
    throw new DatasetError(`${folder}: expected PNG files directly in the folder, found none${found}`, {
      file: folder,
    });
  }

  // every image must have the size of the first
  const first = decodePng(readBytes(join(folder, pngs[0]!)), join(folder, pngs[0]!));
  const { w, h } = first;
  const data = new Float32Array(pngs.length * h * w);
  pngs.forEach((name, i) => {
    const path = join(folder, name);
    const image = i === 0 ? first : decodePng(readBytes(path), path);
    if (image.w !== w || image.h !== h) {
      throw new DatasetError(
        `expected ${w}x${h} PNGs in ${folder} (the size of ${pngs[0]}), got ${image.w}x${image.h} ${image.color} in ${path}`,
        { file: path },
      );
    }
    data.set(image.data, i * h * w);
  });
  return { data, n: pngs.length, h, w };
}
