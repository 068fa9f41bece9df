// The `png:DIR` loader and its writer. Layouts, checked in this order:
//   DIR/train/..., DIR/test/...   the folder's own split; each split is laid out as below
//   DIR/CLASS/*.png               one subfolder per class (labels), seeded split
//   DIR/*.png                     unlabelled images, seeded split
// Files are taken in natural name order ("2.png" before "10.png"); classes in the order of
// DIR/classes.txt when present, else of their folder names in natural order. Every image must have the
// size of the first one; colour images become grayscale (BT.601 luma, see src/image/png.ts).
import { join } from "node:path";
import { toBytes } from "../image/image.ts";
import { decodePng, encodePng } from "../image/png.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { DatasetError } from "../util/errors.ts";
import { fileDataset, listFolder, naturalCompare, pathKind, readBytes, readClassList } from "./files.ts";
import type { FileSpec } from "./spec.ts";
import type { Dataset, ImageSet } from "./types.ts";

/** The PNG files of one split: paths and, when in class folders, their class folder names. */
interface SplitFiles {
  folder: string;
  paths: string[];
  classNames: (string | null)[];
}

const isPng = (name: string): boolean => /\.png$/i.test(name);

/** Collect the PNG files of a split folder: flat, or one level of class subfolders, never both. */
function collectSplit(folder: string): SplitFiles {
  const { files, dirs } = listFolder(folder);
  const pngs = files.filter(isPng);
  if (pngs.length > 0 && dirs.length > 0) {
    throw new DatasetError(
      `${folder}: holds both PNG files (${pngs[0]}, ...) and subfolders (${dirs[0]}, ...); expected either ` +
        "PNG files directly or one subfolder of PNG files per class",
      { file: folder },
    );
  }
  if (pngs.length > 0)
    return { folder, paths: pngs.map((n) => join(folder, n)), classNames: pngs.map(() => null) };
  if (dirs.length === 0) {
    const other = files.length > 0 ? ` (found ${files.slice(0, 3).join(", ")}, none ending in .png)` : "";
    throw new DatasetError(`${folder}: no PNG files and no class subfolders${other}`, { file: folder });
  }

  // one subfolder per class
  const paths: string[] = [];
  const classNames: string[] = [];
  for (const name of dirs) {
    const classFolder = join(folder, name);
    const inner = listFolder(classFolder);
    const classPngs = inner.files.filter(isPng);
    if (classPngs.length === 0) {
      throw new DatasetError(`${classFolder}: class folder "${name}" holds no PNG files`, {
        file: classFolder,
      });
    }
    for (const file of classPngs) {
      paths.push(join(classFolder, file));
      classNames.push(name);
    }
  }
  return { folder, paths, classNames };
}

/** Decode the files of a split, all of one size, into an ImageSet (labels from `classIndex`). */
function readSplit(
  files: SplitFiles,
  classIndex: Map<string, number> | null,
  expected: ReadSize | null,
): ImageSet {
  const first = decodePng(readBytes(files.paths[0]!), files.paths[0]!);
  const size = expected ?? { w: first.w, h: first.h, file: files.paths[0]! };
  const n = files.paths.length;
  const pixels = size.w * size.h;
  const data = new Float32Array(n * pixels);
  const labels = classIndex ? new Int32Array(n) : null;

  for (let i = 0; i < n; i++) {
    const path = files.paths[i]!;
    const image = i === 0 ? first : decodePng(readBytes(path), path);
    if (image.w !== size.w || image.h !== size.h) {
      throw new DatasetError(
        `expected ${size.w}x${size.h} PNGs in ${files.folder} (the size of ${size.file}), got ` +
          `${image.w}x${image.h} ${image.color} in ${path}`,
        { file: path },
      );
    }
    data.set(image.data, i * pixels);
    if (labels && classIndex) labels[i] = classIndex.get(files.classNames[i]!)!;
  }
  return { images: { data, n, h: size.h, w: size.w }, labels };
}

interface ReadSize {
  w: number;
  h: number;
  file: string;
}

/** Class order: classes.txt in the root when present (it must list exactly the folders), else natural. */
function classOrder(root: string, splits: SplitFiles[]): string[] | null {
  const labelled = splits.map((s) => s.classNames[0] !== null);
  if (labelled.some((l) => l) && !labelled.every((l) => l)) {
    const flat = splits[labelled.indexOf(false)]!.folder;
    const withClasses = splits[labelled.indexOf(true)]!.folder;
    throw new DatasetError(
      `${flat}: holds PNG files directly while ${withClasses} has class subfolders; use the same layout in both`,
      { file: flat },
    );
  }
  if (!labelled[0]) return null;

  const found = new Set<string>();
  for (const split of splits) for (const name of split.classNames) found.add(name!);
  const listed = readClassList(root);
  if (!listed) return [...found].sort(naturalCompare);
  const unlisted = [...found].filter((name) => !listed.names.includes(name));
  if (unlisted.length > 0) {
    throw new DatasetError(`${listed.file}: does not list the class folder "${unlisted[0]}"`, {
      file: listed.file,
    });
  }
  return listed.names;
}

/** Load `png:DIR`. */
export function loadPngFolder(spec: FileSpec): Dataset {
  const root = spec.path;
  const kind = pathKind(root);
  if (kind !== "dir") {
    throw new DatasetError(
      `${root}: expected a folder of PNG files, ${kind === "missing" ? "it does not exist" : "got a file"}`,
      {
        file: root,
      },
    );
  }

  // layout: train/ and test/ subfolders, or a single split
  const { dirs } = listFolder(root);
  const hasSplits = dirs.includes("train") || dirs.includes("test");
  if (hasSplits && !(dirs.includes("train") && dirs.includes("test"))) {
    const missing = dirs.includes("train") ? "test" : "train";
    throw new DatasetError(
      `${root}: has a ${missing === "test" ? "train" : "test"}/ folder but no ${missing}/ folder; a folder split ` +
        "needs both (or rename the folder if it is a class)",
      { file: root },
    );
  }
  if (hasSplits && dirs.length > 2) {
    const extra = dirs.find((d) => d !== "train" && d !== "test");
    throw new DatasetError(
      `${root}: has train/ and test/ and also ${extra}/; expected only the two split folders`,
      {
        file: root,
      },
    );
  }
  const splits = hasSplits
    ? [collectSplit(join(root, "train")), collectSplit(join(root, "test"))]
    : [collectSplit(root)];

  // labels from class folders
  const classes = classOrder(root, splits);
  const classIndex = classes ? new Map(classes.map((name, i) => [name, i])) : null;
  const first = readSplit(splits[0]!, classIndex, null);
  const sets = splits.map((split, k) =>
    k === 0
      ? first
      : readSplit(split, classIndex, { w: first.images.w, h: first.images.h, file: splits[0]!.paths[0]! }),
  );

  const count = splits.reduce((sum, s) => sum + s.paths.length, 0);
  const layout = hasSplits
    ? "train/ and test/ subfolders"
    : classes
      ? "one subfolder per class"
      : "one folder";
  const source = `Read from ${count} PNG files in ${root} (${layout}, files in natural name order).`;
  const labelsNote = classes
    ? `labels come from the ${classes.length} class folder names (${classes.slice(0, 10).join(", ")}${classes.length > 10 ? ", ..." : ""}).`
    : "there are no labels.";
  const data = hasSplits ? { splits: { train: sets[0]!, test: sets[1]! } } : { all: first };
  return fileDataset(spec, data, classes, source, labelsNote);
}

/**
 * Write a dataset as a png: folder that loads back with the same split, labels and order of classes:
 * DIR/train/CLASS/NNNNN.png (DIR/train/NNNNN.png without labels), the same for test, and classes.txt.
 * NNNNN is the image's index in its split, so within a class the original order is kept. Pixels are
 * quantised with `toByte`. Returns the number of files written.
 */
export function writePngDataset(dir: string, dataset: Dataset): number {
  let written = 0;
  for (const split of ["train", "test"] as const) {
    const { images, labels } = dataset[split];
    const digits = Math.max(5, String(images.n - 1).length);
    const size = images.h * images.w;
    for (let i = 0; i < images.n; i++) {
      const name = `${String(i).padStart(digits, "0")}.png`;
      const folder =
        labels && dataset.classes
          ? join(dir, split, safeFolderName(dataset.classes[labels[i]!]!))
          : join(dir, split);
      const pixels = toBytes(images.data.subarray(i * size, (i + 1) * size));
      writeFileAtomic(join(folder, name), encodePng(pixels, images.w, images.h));
      written++;
    }
  }
  if (dataset.classes && dataset.train.labels) {
    writeFileAtomic(join(dir, "classes.txt"), `${dataset.classes.map(safeFolderName).join("\n")}\n`);
    written++;
  }
  return written;
}

/** A class name usable as one folder name: path separators and leading dots replaced by '_'. */
export function safeFolderName(name: string): string {
  return name.replace(/[/\\]/g, "_").replace(/^\.+/, "_") || "_";
}
