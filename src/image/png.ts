// PNG reading and writing for genreview (codec: pngjs). Writes 8-bit grayscale, lossless; reads every
// PNG colour type and bit depth and converts it to grayscale floats in [0, 1].
// Conversion rules, applied in this order:
//   - samples are scaled by their own maximum (2^depth - 1; 8-bit for palette entries), so 16-bit data
//     keeps its full precision in float32;
//   - colour becomes luma Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, the weights of PIL's "L" mode);
//     a pixel with R = G = B keeps that value exactly;
//   - alpha is composited over black (Y * alpha), matching the black background of the data convention;
//     fully opaque images, the usual case, are unaffected.
import { readFileSync } from "node:fs";
import { PNG } from "pngjs";
import { writeFileAtomic } from "../util/atomic.ts";
import { DatasetError } from "../util/errors.ts";
import type { GrayImage } from "./image.ts";
import { toByte } from "./image.ts";

/** How a PNG file stored its pixels, for error messages ("32x32 RGB"). */
export type PngColor = "grayscale" | "grayscale+alpha" | "RGB" | "RGBA" | "palette";

export interface DecodedPng extends GrayImage {
  color: PngColor;
  /** Bits per sample as stored in the file (1, 2, 4, 8 or 16). */
  bitDepth: number;
}

// PNG colour type codes (PNG spec, IHDR chunk).
const COLOR_NAMES: Record<number, PngColor> = {
  0: "grayscale",
  2: "RGB",
  3: "palette",
  4: "grayscale+alpha",
  6: "RGBA",
};

// ITU-R BT.601 luma weights.
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

/**
 * Encode a grayscale image as an 8-bit grayscale PNG. A Float32Array holds pixels in [0, 1] and is
 * quantised with `toByte`; a Uint8Array holds bytes 0..255 written as they are.
 */
export function encodePng(gray: Float32Array | Uint8Array, w: number, h: number): Uint8Array {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1)
    throw new RangeError(`PNG size must be positive integers, got ${w}x${h}`);
  if (gray.length !== w * h)
    throw new RangeError(`a ${w}x${h} image needs ${w * h} pixels, got ${gray.length}`);

  // quantise into the byte buffer pngjs packs as-is (colour type 0 in and out, no alpha)
  const bytes = Buffer.alloc(w * h);
  if (gray instanceof Uint8Array) bytes.set(gray);
  else for (let i = 0; i < gray.length; i++) bytes[i] = toByte(gray[i]!);

  const png = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = bytes;
  const out = PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decode PNG bytes to grayscale floats in [0, 1]; `name` (usually the path) is used in errors. */
export function decodePng(bytes: Uint8Array, name: string): DecodedPng {
  // parse without pngjs's 8-bit rescaling so that 16-bit samples keep their precision
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (error) {
    throw new DatasetError(`${name}: not a readable PNG file (${(error as Error).message})`, {
      file: name,
      cause: error,
    });
  }

  // pngjs expands every colour type to RGBA samples: bytes for depth <= 8, 16-bit words for depth 16
  const { width: w, height: h } = png;
  const colorType: number = png.colorType;
  const color = COLOR_NAMES[colorType] ?? "RGBA";
  const rgba: ArrayLike<number> = png.data;
  const max = colorType === 3 ? 255 : 2 ** png.depth - 1;

  const data = new Float32Array(w * h);
  for (let i = 0, j = 0; i < data.length; i++, j += 4) {
    const r = rgba[j]!;
    const g = rgba[j + 1]!;
    const b = rgba[j + 2]!;
    const a = rgba[j + 3]!;
    const y = r === g && g === b ? r / max : (LUMA_R * r + LUMA_G * g + LUMA_B * b) / max;
    data[i] = a === max ? y : (y * a) / max;
  }
  return { w, h, data, color, bitDepth: png.depth };
}

/** Read and decode a PNG file; errors name the file. */
export function readPng(path: string): DecodedPng {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new DatasetError(`${path}: cannot read file (${(error as Error).message})`, {
      file: path,
      cause: error,
    });
  }
  return decodePng(bytes, path);
}

/** Write a grayscale image (float [0, 1] or bytes) as an 8-bit PNG, atomically. */
export function writePng(path: string, gray: Float32Array | Uint8Array, w: number, h: number): void {
  writeFileAtomic(path, encodePng(gray, w, h));
}

/** Write a `GrayImage` as an 8-bit PNG, atomically. */
export function writeImage(path: string, image: GrayImage): void {
  writePng(path, image.data, image.w, image.h);
}
