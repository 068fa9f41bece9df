// The safetensors file format (https://github.com/huggingface/safetensors, "Format" section), used for
// weights and checkpoints: an 8-byte little-endian header length, a JSON header mapping each tensor name
// to {dtype, shape, data_offsets: [begin, end]} (offsets into the data block that follows) plus an optional
// "__metadata__" object of strings, then the raw little-endian tensor data. Files are written atomically.
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.ts";
import { CheckpointError } from "../util/errors.ts";
import type { Values } from "./graph.ts";

export interface NamedTensor {
  shape: readonly number[];
  data: Values;
}

export interface SafetensorsContent {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

const DTYPE_OF = { F32: 4, F64: 8 } as const;

/** Serialize tensors (written in name order, so equal content gives equal bytes) and string metadata. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header["__metadata__"] = metadata;
  const names = [...tensors.keys()].sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const count = t.shape.reduce((n, d) => n * d, 1);
    if (count !== t.data.length)
      throw new CheckpointError(
        `tensor "${name}": shape [${t.shape.join(",")}] does not match ${t.data.length} values`,
      );
    const dtype = t.data instanceof Float64Array ? "F64" : "F32";
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  // the header is padded with spaces to a multiple of 8 bytes so the data block stays 8-byte aligned.
  let json = JSON.stringify(header);
  while ((Buffer.byteLength(json) + 8) % 8 !== 0) json += " ";
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const data = tensors.get(name)!.data;
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** Parse safetensors bytes; `file` names the source in error messages. Only F32 and F64 are read. */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsContent {
  if (bytes.length < 8)
    throw new CheckpointError(`${file}: too short for a safetensors file (${bytes.length} bytes)`, { file });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8)
    throw new CheckpointError(
      `${file}: header length ${headerLength} exceeds the file size ${bytes.length}`,
      { file },
    );
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString("utf8"));
  } catch (error) {
    throw new CheckpointError(`${file}: the safetensors header is not valid JSON`, { file, cause: error });
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    throw new CheckpointError(`${file}: the safetensors header is not a JSON object`, { file });
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = readMetadata(entry, file);
      continue;
    }
    tensors.set(name, readEntry(name, entry, bytes, dataStart, file));
  }
  return { tensors, metadata };
}

function readMetadata(entry: unknown, file: string): Record<string, string> {
  if (typeof entry !== "object" || entry === null)
    throw new CheckpointError(`${file}: __metadata__ must be an object of strings`, { file });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== "string")
      throw new CheckpointError(`${file}: metadata "${k}" must be a string`, { file });
    out[k] = v;
  }
  return out;
}

function readEntry(
  name: string,
  entry: unknown,
  bytes: Uint8Array,
  dataStart: number,
  file: string,
): NamedTensor {
  const e = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = e.dtype;
  if (dtype !== "F32" && dtype !== "F64")
    throw new CheckpointError(
      `${file}: tensor "${name}" has dtype ${String(dtype)}; only F32 and F64 are read`,
      { file },
    );
  const shape = e.shape;
  const offsets = e.data_offsets;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new CheckpointError(`${file}: tensor "${name}" has no valid shape`, { file });
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0))
    throw new CheckpointError(`${file}: tensor "${name}" has no valid data_offsets`, { file });
  const [begin, end] = offsets as [number, number];
  const count = (shape as number[]).reduce((n, d) => n * d, 1);
  if (end - begin !== count * DTYPE_OF[dtype] || dataStart + end > bytes.length)
    throw new CheckpointError(
      `${file}: tensor "${name}" [${shape.join(",")}] ${dtype} needs ${count * DTYPE_OF[dtype]} bytes, ` +
        `its offsets give ${end - begin} (file of ${bytes.length} bytes)`,
      { file },
    );
  // copy into a fresh, aligned buffer (the data block need not be aligned within the file buffer; and
  // Buffer#slice would return a view, so the copy is made through the Uint8Array constructor).
  const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end));
  const data = dtype === "F64" ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
  return { shape: shape as number[], data };
}

/** Write a safetensors file atomically (temp file + rename). */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, NamedTensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(path: string): SafetensorsContent {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CheckpointError(`${path}: cannot read the file`, { file: path, cause: error });
  }
  return decodeSafetensors(bytes, path);
}
