// NumPy .npy files (format versions 1.0-3.0): read any little-endian numeric array, write float32,
// float64 or uint8 arrays in C order. Spec: numpy.lib.format (magic "\x93NUMPY", version, header
// length, a Python-dict header with descr, fortran_order and shape, then the raw data).
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "./atomic.ts";
import { GenreviewError } from "./errors.ts";

export type NpyDtype =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "int64"
  | "float32"
  | "float64";

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** The values in C order, widened to float64 for int64 (exact up to 2^53). */
  data:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array;
}

const DESCR: Record<string, NpyDtype> = {
  "|u1": "uint8",
  "<u1": "uint8",
  "|i1": "int8",
  "<i1": "int8",
  "<u2": "uint16",
  "<i2": "int16",
  "<u4": "uint32",
  "<i4": "int32",
  "<i8": "int64",
  "<f4": "float32",
  "<f8": "float64",
};

const BYTES: Record<NpyDtype, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  int64: 8,
  float32: 4,
  float64: 8,
};

/** Parse .npy bytes; `name` is used in error messages. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const fail = (what: string): never => {
    throw new GenreviewError(`${name}: not a readable .npy array: ${what}`, { file: name });
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) fail("missing the \\x93NUMPY magic");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let offset: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLength = view.getUint32(8, true);
    offset = 12;
  } else {
    return fail(`unsupported format version ${major}`);
  }
  const header = new TextDecoder("latin1").decode(bytes.subarray(offset, offset + headerLength));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    return fail(`bad header ${header.trim()}`);
  if (fortran === "True") fail("Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
  const dtype = DESCR[descr];
  if (dtype === undefined) {
    return fail(
      `dtype '${descr}' is not supported (expected little-endian uint8, int8-int64, float32 or float64)`,
    );
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = offset + headerLength;
  const byteLength = count * BYTES[dtype];
  if (bytes.length - start < byteLength) {
    fail(
      `header says ${count} values of ${dtype} (${byteLength} bytes) but the file has ${bytes.length - start}`,
    );
  }
  // copy into a fresh ArrayBuffer so the typed array is aligned whatever the header length (and never
  // a view of the shared pool behind a Node Buffer)
  const raw = new Uint8Array(bytes.subarray(start, start + byteLength)).buffer;
  switch (dtype) {
    case "uint8":
      return { dtype, shape, data: new Uint8Array(raw) };
    case "int8":
      return { dtype, shape, data: new Int8Array(raw) };
    case "uint16":
      return { dtype, shape, data: new Uint16Array(raw) };
    case "int16":
      return { dtype, shape, data: new Int16Array(raw) };
    case "uint32":
      return { dtype, shape, data: new Uint32Array(raw) };
    case "int32":
      return { dtype, shape, data: new Int32Array(raw) };
    case "int64":
      return { dtype, shape, data: Float64Array.from(new BigInt64Array(raw), (v) => Number(v)) };
    case "float32":
      return { dtype, shape, data: new Float32Array(raw) };
    case "float64":
      return { dtype, shape, data: new Float64Array(raw) };
  }
}

/** Read a .npy file. Errors name the file. */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new GenreviewError(`${path}: cannot read file (${(error as Error).message})`, {
      file: path,
      cause: error,
    });
  }
  return parseNpy(bytes, path);
}

/** Serialise a float32, float64 or uint8 array as .npy version 1.0 bytes. */
export function encodeNpy(data: Float32Array | Float64Array | Uint8Array, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new RangeError(`shape [${shape}] needs ${count} values, got ${data.length}`);
  const descr = data instanceof Float32Array ? "<f4" : data instanceof Float64Array ? "<f8" : "|u1";
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // pad so that the data starts on a 64-byte boundary; the header ends with a newline
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64);
  header += "\n";
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Write a .npy file atomically. */
export function writeNpy(
  path: string,
  data: Float32Array | Float64Array | Uint8Array,
  shape: number[],
): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}
