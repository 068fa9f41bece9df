// One grayscale image in memory, and the single rule that turns float pixels into bytes.
// Legend: w x h pixels, row-major, values in [0, 1] with 0 = black (the convention of src/data/types.ts).

/** A grayscale image: pixel (y, x) is data[y*w + x], in [0, 1]. */
export interface GrayImage {
  w: number;
  h: number;
  data: Float32Array;
}

/**
 * Quantise one pixel: round(v * 255), clamped to 0..255; NaN becomes 0.
 * Every byte genreview writes (PNG, IDX, uint8 .npy) goes through this rule, so a value that was read
 * from a byte (k / 255 in float32) is written back as exactly k: float32(k/255) * 255 lies within
 * 1e-4 of k, far from the .5 rounding boundary.
 */
export function toByte(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return Math.round(v * 255);
}

/** Quantise a whole array of pixels with `toByte`. */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toByte(values[i]!);
  return out;
}

/** Bytes 0..255 to pixels k / 255 in [0, 1]. */
export function fromBytes(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! / 255;
  return out;
}

/** Nearest-neighbour upscaling by an integer factor (each pixel becomes a scale x scale block). */
export function upscale(image: GrayImage, scale: number): GrayImage {
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`scale must be an integer >= 1, got ${scale}`);
  if (scale === 1) return image;
  const w = image.w * scale;
  const h = image.h * scale;
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const src = Math.floor(y / scale) * image.w;
    const row = y * w;
    for (let x = 0; x < w; x++) data[row + x] = image.data[src + Math.floor(x / scale)]!;
  }
  return { w, h, data };
}
