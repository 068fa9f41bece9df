// Functions shared by the loaders of user files (idx:, png:, npy:): reading bytes with errors that name
// the file, natural ordering of file names, optional class lists, and assembly of the split Dataset.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DatasetError } from "../util/errors.ts";
import { makeDataset, splitSeeded, testCount } from "./dataset.ts";
import type { FileSpec } from "./spec.ts";
import { formatDatasetSpec, formatFraction } from "./spec.ts";
import type { Dataset, ImageSet } from "./types.ts";

/**
 * A plain Uint8Array view of a Node Buffer. Parsers call `.slice()` to copy payloads into aligned typed
 * arrays; on a Buffer, `.slice()` returns a view into the whole underlying memory instead of a copy.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

/** Read a file whole; a missing or unreadable file is a DatasetError naming it. */
export function readBytes(path: string): Uint8Array {
  try {
    return plainBytes(readFileSync(path));
  } catch (error) {
    throw new DatasetError(
      `${path}: cannot read file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      {
        file: path,
        cause: error,
      },
    );
  }
}

/** Read a file, gunzipping it when it starts with the gzip magic (1f 8b) whatever its name. */
export function readMaybeGzip(path: string): Uint8Array {
  const bytes = readBytes(path);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return plainBytes(gunzipSync(bytes));
  } catch (error) {
    throw new DatasetError(`${path}: cannot decompress gzip data (${(error as Error).message})`, {
      file: path,
      cause: error,
    });
  }
}

/** What a path is: "file", "dir" or "missing". */
export function pathKind(path: string): "file" | "dir" | "missing" {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
}

/** Entries of a folder, hidden ones (starting with '.') left out; unreadable folders name themselves. */
export function listFolder(dir: string): { files: string[]; dirs: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new DatasetError(
      `${dir}: cannot list folder (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      {
        file: dir,
        cause: error,
      },
    );
  }
  const files: string[] = [];
  const dirs: string[] = [];
  for (const name of names.filter((n) => !n.startsWith(".")).sort(naturalCompare)) {
    (pathKind(join(dir, name)) === "dir" ? dirs : files).push(name);
  }
  return { files, dirs };
}

/**
 * Order names as people number files: digit runs compare by value ("2.png" before "10.png"), other
 * text by UTF-16 code units (not by locale, so the order is the same on every machine).
 */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    if (numeric) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      if (x.length !== y.length) return x.length - y.length;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return pa.length - pb.length;
}

/** Class names from a `classes.txt` (one per line, blank lines ignored) in `dir`, or null if absent. */
export function readClassList(dir: string): { names: string[]; file: string } | null {
  const file = join(dir, "classes.txt");
  if (pathKind(file) !== "file") return null;
  const names = new TextDecoder()
    .decode(readBytes(file))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length === 0)
    throw new DatasetError(`${file}: expected one class name per line, found none`, { file });
  if (new Set(names).size !== names.length)
    throw new DatasetError(`${file}: class names must be distinct, found a repeated name`, { file });
  return { names, file };
}

/** The largest label plus one: the number of classes labels imply (0 for none). */
export function impliedClassCount(...labels: Int32Array[]): number {
  let max = -1;
  for (const set of labels) for (const label of set) if (label > max) max = label;
  return max + 1;
}

/**
 * Assemble the Dataset of file data. With `splits` the data keeps its own train/test split; with `all`
 * it gets the seeded split of spec.seed and spec.testFraction (dataset.ts), and the id records both.
 * `source` and `labelsNote` are sentences for the card.
 */
export function fileDataset(
  spec: FileSpec,
  data: { splits: { train: ImageSet; test: ImageSet } } | { all: ImageSet },
  classes: string[] | null,
  source: string,
  labelsNote: string,
): Dataset {
  let train: ImageSet;
  let test: ImageSet;
  let splitNote: string;
  if ("splits" in data) {
    ({ train, test } = data.splits);
    splitNote = `The files' own split gives ${train.images.n} training and ${test.images.n} test images.`;
  } else {
    const n = data.all.images.n;
    if (n < 2) {
      throw new DatasetError(
        `${spec.path}: a dataset needs at least 2 images to split into train and test, found ${n}`,
        {
          file: spec.path,
        },
      );
    }
    ({ train, test } = splitSeeded(data.all, spec.seed, spec.testFraction));
    splitNote =
      `The data has no test split of its own, so genreview held out ${testCount(n, spec.testFraction)} of ${n} ` +
      `images (fraction ${formatFraction(spec.testFraction)}) chosen by a permutation with seed ${spec.seed}, ` +
      "both splits keeping the files' order.";
  }
  const { h, w } = train.images;
  const card =
    `${source} ${splitNote} Images are ${w}x${h} grayscale in [0, 1]; ${labelsNote} ` +
    "Known biases: genreview knows only what the files hold; how the images were collected, and what " +
    "they leave out, is documented (if at all) by whoever made them.";
  return makeDataset({ id: formatDatasetSpec(spec, !("splits" in data)), classes, train, test, card });
}
