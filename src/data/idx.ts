// IDX files, the format of MNIST and its family (Fashion-MNIST, KMNIST, EMNIST): reading, writing and
// the `idx:PATH` loader. Format (LeCun et al., the MNIST page): a 4-byte magic 0x00 0x00 TYPE NDIMS,
// NDIMS big-endian uint32 sizes, then the values in row-major order, big-endian. TYPE 0x08 is unsigned
// byte, so images are magic 0x00000803 [N, H, W] and labels 0x00000801 [N]. Files may be gzipped.
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { fromBytes, toBytes } from "../image/image.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { DatasetError } from "../util/errors.ts";
import {
  fileDataset,
  impliedClassCount,
  listFolder,
  pathKind,
  plainBytes,
  readClassList,
  readMaybeGzip,
} from "./files.ts";
import type { FileSpec } from "./spec.ts";
import type { Dataset, ImageSet } from "./types.ts";

export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

// TYPE byte -> element type and size in bytes.
const TYPES: Record<number, [IdxType, number]> = {
  8: ["uint8", 1],
  9: ["int8", 1],
  11: ["int16", 2],
  12: ["int32", 4],
  13: ["float32", 4],
  14: ["float64", 8],
};

/** Parse IDX bytes (already gunzipped); `name` is used in errors. */
export function parseIdx(buffer: Uint8Array, name: string): IdxArray {
  const bytes = plainBytes(buffer);
  const fail = (what: string): never => {
    throw new DatasetError(`${name}: not a readable IDX file: ${what}`, { file: name });
  };
  if (bytes.length < 4) fail(`${bytes.length} bytes, too short for the 4-byte magic`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const typeInfo = TYPES[bytes[2]!];
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !typeInfo || ndims === 0) {
    fail(
      `magic 0x${magic.toString(16).padStart(8, "0")} (expected 0x00000803 for images or 0x00000801 for labels)`,
    );
  }
  const [type, size] = typeInfo!;

  // dimensions, then the payload must hold exactly their product
  if (bytes.length < 4 + 4 * ndims) fail(`header announces ${ndims} dimensions but the file ends first`);
  const dims: number[] = [];
  for (let k = 0; k < ndims; k++) dims.push(view.getUint32(4 + 4 * k, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndims;
  if (bytes.length - start !== count * size) {
    fail(
      `dimensions [${dims.join(", ")}] need ${count * size} bytes of ${type} data, the file has ${bytes.length - start}`,
    );
  }

  // values: bytes as they are, wider types converted from big-endian
  if (type === "uint8") return { type, dims, data: bytes.slice(start) };
  if (type === "int8") return { type, dims, data: new Int8Array(bytes.slice(start).buffer) };
  const read = {
    int16: (o: number) => view.getInt16(o, false),
    int32: (o: number) => view.getInt32(o, false),
    float32: (o: number) => view.getFloat32(o, false),
    float64: (o: number) => view.getFloat64(o, false),
  }[type];
  const data =
    type === "int16"
      ? new Int16Array(count)
      : type === "int32"
        ? new Int32Array(count)
        : type === "float32"
          ? new Float32Array(count)
          : new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(start + i * size);
  return { type, dims, data };
}

/** Encode unsigned bytes as IDX (magic 0x000008NN, NN = number of dimensions). */
export function encodeIdx(data: Uint8Array, dims: number[]): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new RangeError(`IDX dims [${dims}] need ${count} values, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + dims.length, false);
  for (let k = 0; k < dims.length; k++) view.setUint32(4 + 4 * k, dims[k]!, false);
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** Read an IDX file, gzipped or not. */
export function readIdx(path: string): IdxArray {
  return parseIdx(readMaybeGzip(path), path);
}

/** Write unsigned bytes as an IDX file atomically, gzipped when the path ends in ".gz". */
export function writeIdx(path: string, data: Uint8Array, dims: number[]): void {
  const bytes = encodeIdx(data, dims);
  writeFileAtomic(path, path.endsWith(".gz") ? gzipSync(bytes) : bytes);
}

/** Standard file stems of the MNIST family, per split and content. */
export const IDX_NAMES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
} as const;

/** Class names of Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), in label order. */
export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/**
 * The file in `dir` for a stem, trying the spellings in use: "train-images-idx3-ubyte", the
 * "train-images.idx3-ubyte" that some archives unpack to, each optionally with ".gz".
 */
function findIdxFile(files: string[], stem: string): string | undefined {
  const dotted = stem.replace(/-(idx\d)/, ".$1");
  return [stem, `${stem}.gz`, dotted, `${dotted}.gz`].find((name) => files.includes(name));
}

/** Read one images file (and its labels file, when given) as an ImageSet, checking both. */
function readIdxSet(imagesPath: string, labelsPath: string | undefined): ImageSet {
  const images = readIdx(imagesPath);
  if (images.type !== "uint8" || images.dims.length !== 3) {
    throw new DatasetError(
      `${imagesPath}: expected unsigned-byte images [N, H, W] (magic 0x00000803), got ${images.type} ` +
        `with dimensions [${images.dims.join(", ")}]`,
      { file: imagesPath },
    );
  }
  const [n, h, w] = images.dims as [number, number, number];
  if (n === 0 || h === 0 || w === 0)
    throw new DatasetError(`${imagesPath}: holds no pixels (dimensions [${n}, ${h}, ${w}])`, {
      file: imagesPath,
    });
  const batch = { data: fromBytes(images.data as Uint8Array), n, h, w };
  if (labelsPath === undefined) return { images: batch, labels: null };

  // labels: one unsigned byte per image
  const labels = readIdx(labelsPath);
  if (labels.type !== "uint8" || labels.dims.length !== 1) {
    throw new DatasetError(
      `${labelsPath}: expected unsigned-byte labels [N] (magic 0x00000801), got ${labels.type} with ` +
        `dimensions [${labels.dims.join(", ")}]`,
      { file: labelsPath },
    );
  }
  if (labels.dims[0] !== n) {
    throw new DatasetError(
      `${labelsPath}: holds ${labels.dims[0]} labels but ${imagesPath} holds ${n} images`,
      {
        file: labelsPath,
      },
    );
  }
  return { images: batch, labels: Int32Array.from(labels.data) };
}

/** The labels file that belongs to an images file by name, if it exists beside it. */
function labelsBeside(imagesPath: string): string | undefined {
  const name = basename(imagesPath);
  if (!/images[-.]idx3/.test(name)) return undefined;
  const stem = name.replace(/images([-.])idx3/, "labels$1idx1").replace(/\.gz$/, "");
  const files = listFolder(dirname(imagesPath)).files;
  const found = [stem, `${stem}.gz`].find((candidate) => files.includes(candidate));
  return found === undefined ? undefined : join(dirname(imagesPath), found);
}

/**
 * Load `idx:PATH`. A folder with the standard train and t10k files keeps their split; a folder with
 * only one of them, or a single images file, gets the seeded split. Labels are read when their files
 * exist; class names come from a classes.txt beside the files, else Fashion-MNIST's names when the
 * folder's name says "fashion" and the labels are 0-9, else the label numbers.
 */
export function loadIdxDataset(spec: FileSpec): Dataset {
  const kind = pathKind(spec.path);
  if (kind === "missing") throw new DatasetError(`${spec.path}: no such file or folder`, { file: spec.path });

  // locate the images and labels files
  let sets: { train: ImageSet; test: ImageSet } | null = null;
  let all: ImageSet | null = null;
  let read: string[];
  const dir = kind === "dir" ? spec.path : dirname(spec.path);
  if (kind === "dir") {
    const { files } = listFolder(spec.path);
    const find = (stem: string): string | undefined => {
      const name = findIdxFile(files, stem);
      return name === undefined ? undefined : join(spec.path, name);
    };
    const trainImages = find(IDX_NAMES.train.images);
    const testImages = find(IDX_NAMES.test.images);
    const trainLabels = find(IDX_NAMES.train.labels);
    const testLabels = find(IDX_NAMES.test.labels);
    if (trainImages === undefined && testImages === undefined) {
      const seen = files.length === 0 ? "the folder is empty" : `found ${files.slice(0, 6).join(", ")}`;
      throw new DatasetError(
        `${spec.path}: no IDX images file (expected ${IDX_NAMES.train.images} and/or ${IDX_NAMES.test.images}, ` +
          `optionally .gz); ${seen}`,
        { file: spec.path },
      );
    }
    if (trainImages !== undefined && testImages !== undefined) {
      if ((trainLabels === undefined) !== (testLabels === undefined)) {
        const missing = trainLabels === undefined ? IDX_NAMES.train.labels : IDX_NAMES.test.labels;
        throw new DatasetError(
          `${spec.path}: one split has a labels file and the other not (${missing} is missing)`,
          {
            file: spec.path,
          },
        );
      }
      sets = { train: readIdxSet(trainImages, trainLabels), test: readIdxSet(testImages, testLabels) };
      read = [trainImages, trainLabels, testImages, testLabels].filter((f) => f !== undefined);
      const a = sets.train.images;
      const b = sets.test.images;
      if (a.h !== b.h || a.w !== b.w) {
        throw new DatasetError(
          `${testImages}: holds ${b.w}x${b.h} images but ${trainImages} holds ${a.w}x${a.h}`,
          {
            file: testImages,
          },
        );
      }
    } else {
      const images = (trainImages ?? testImages)!;
      const labels = trainImages !== undefined ? trainLabels : testLabels;
      all = readIdxSet(images, labels);
      read = [images, labels].filter((f) => f !== undefined);
    }
  } else {
    const labels = labelsBeside(spec.path);
    all = readIdxSet(spec.path, labels);
    read = [spec.path, labels].filter((f) => f !== undefined);
  }

  // class names for the labels, if any
  const labelSets = sets ? [sets.train.labels, sets.test.labels] : [all!.labels];
  const present = labelSets.filter((l): l is Int32Array => l !== null);
  let classes: string[] | null = null;
  let labelsNote = "there are no labels.";
  if (present.length > 0) {
    const k = impliedClassCount(...present);
    const listed = readClassList(dir);
    if (listed && listed.names.length < k) {
      throw new DatasetError(
        `${listed.file}: names ${listed.names.length} classes but the labels go up to ${k - 1}`,
        {
          file: listed.file,
        },
      );
    }
    if (listed) {
      classes = listed.names;
      labelsNote = `labels name ${classes.length} classes, as listed in ${listed.file}.`;
    } else if (/fashion/i.test(basename(dir)) && k <= 10) {
      classes = [...FASHION_MNIST_CLASSES];
      labelsNote =
        "labels are Fashion-MNIST's 10 classes (named after the folder's name), images of Zalando articles.";
    } else {
      classes = Array.from({ length: k }, (_, i) => String(i));
      labelsNote = `labels are the numbers 0-${k - 1}, used as class names.`;
    }
  }

  const source = `Read from IDX files: ${read.join(", ")}.`;
  return fileDataset(spec, sets ? { splits: sets } : { all: all! }, classes, source, labelsNote);
}

/**
 * Write a dataset as the four standard IDX files (two when it has no labels) in `dir`, gzipped unless
 * `gzip` is false, plus classes.txt when it has class names. Pixels are quantised with `toByte`.
 */
export function writeIdxDataset(dir: string, dataset: Dataset, gzip = true): string[] {
  const written: string[] = [];
  const ext = gzip ? ".gz" : "";
  for (const split of ["train", "test"] as const) {
    const { images, labels } = dataset[split];
    const imagesPath = join(dir, IDX_NAMES[split].images + ext);
    writeIdx(imagesPath, toBytes(images.data), [images.n, images.h, images.w]);
    written.push(imagesPath);
    if (labels) {
      if (labels.some((l) => l < 0 || l > 255))
        throw new RangeError("IDX labels are unsigned bytes; this dataset has labels outside 0-255");
      const labelsPath = join(dir, IDX_NAMES[split].labels + ext);
      writeIdx(labelsPath, Uint8Array.from(labels), [labels.length]);
      written.push(labelsPath);
    }
  }
  if (dataset.classes) {
    const classesPath = join(dir, "classes.txt");
    writeFileAtomic(classesPath, `${dataset.classes.join("\n")}\n`);
    written.push(classesPath);
  }
  return written;
}
