import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { PNG } from "pngjs";
import { DatasetError } from "../util/errors.ts";
import { fromBytes, toByte, toBytes, upscale } from "./image.ts";
import { decodePng, encodePng, readPng, writePng } from "./png.ts";

/** A PNG written by pngjs directly, in a colour type and depth genreview itself never writes. */
function foreignPng(
  w: number,
  h: number,
  samples: number[],
  colorType: 0 | 2 | 4 | 6,
  bitDepth: 8 | 16,
): Uint8Array {
  const png = new PNG({ width: w, height: h });
  const data = bitDepth === 16 ? Buffer.from(new Uint16Array(samples).buffer) : Buffer.from(samples);
  png.data = data;
  const hasAlpha = colorType === 4 || colorType === 6;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: hasAlpha, bitDepth });
}

test("quantisation is round(v * 255), clamped, NaN to 0, and exact on byte values", () => {
  assert.equal(toByte(0), 0);
  assert.equal(toByte(1), 255);
  assert.equal(toByte(-0.2), 0);
  assert.equal(toByte(1.7), 255);
  assert.equal(toByte(Number.NaN), 0);
  assert.equal(toByte(0.5), 128);
  assert.equal(toByte(0.4 / 255), 0);
  assert.equal(toByte(0.6 / 255), 1);
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(toBytes(fromBytes(bytes)), bytes);
});

test("PNG round trip of byte-valued pixels is exact, for float and byte input", () => {
  const bytes = Uint8Array.from({ length: 16 * 16 }, (_, i) => i % 256);
  const floats = fromBytes(bytes);
  const fromFloats = decodePng(encodePng(floats, 16, 16), "a.png");
  assert.equal(fromFloats.w, 16);
  assert.equal(fromFloats.h, 16);
  assert.equal(fromFloats.color, "grayscale");
  assert.equal(fromFloats.bitDepth, 8);
  assert.deepEqual(fromFloats.data, floats);
  assert.deepEqual(decodePng(encodePng(bytes, 32, 8), "b.png").data, floats);
  // non-square images keep rows and columns apart
  const wide = decodePng(encodePng(new Float32Array([0, 1, 0, 0, 0, 1]), 3, 2), "c.png");
  assert.deepEqual([wide.w, wide.h, ...wide.data], [3, 2, 0, 1, 0, 0, 0, 1]);
});

test("RGB becomes BT.601 luma, gray RGB stays exact, alpha composites over black", () => {
  const rgb = decodePng(foreignPng(3, 1, [255, 0, 0, 0, 255, 0, 77, 77, 77], 2, 8), "rgb.png");
  assert.equal(rgb.color, "RGB");
  assert.ok(Math.abs(rgb.data[0]! - 0.299) < 1e-6);
  assert.ok(Math.abs(rgb.data[1]! - 0.587) < 1e-6);
  assert.equal(rgb.data[2], Math.fround(77 / 255));
  const rgba = decodePng(foreignPng(2, 1, [200, 200, 200, 255, 200, 200, 200, 51], 6, 8), "rgba.png");
  assert.equal(rgba.color, "RGBA");
  assert.equal(rgba.data[0], Math.fround(200 / 255));
  assert.ok(Math.abs(rgba.data[1]! - (200 / 255) * (51 / 255)) < 1e-6);
  const ga = decodePng(foreignPng(1, 1, [255, 0], 4, 8), "ga.png");
  assert.equal(ga.color, "grayscale+alpha");
  assert.equal(ga.data[0], 0);
});

test("16-bit grayscale keeps its precision", () => {
  const png = decodePng(foreignPng(3, 1, [0, 1000, 65535], 0, 16), "deep.png");
  assert.equal(png.bitDepth, 16);
  assert.equal(png.data[0], 0);
  assert.equal(png.data[1], Math.fround(1000 / 65535));
  assert.equal(png.data[2], 1);
});

test("unreadable PNGs are DatasetErrors naming the file", () => {
  assert.throws(
    () => decodePng(new Uint8Array([1, 2, 3, 4]), "epoch_010/7.png"),
    (e: unknown) =>
      e instanceof DatasetError && /^epoch_010\/7\.png: not a readable PNG file/.test(e.message),
  );
  const truncated = encodePng(new Float32Array(64), 8, 8).subarray(0, 40);
  assert.throws(() => decodePng(truncated, "cut.png"), /cut\.png: not a readable PNG file/);
  assert.throws(() => readPng("/nonexistent/x.png"), /\/nonexistent\/x\.png: cannot read file/);
  assert.throws(() => encodePng(new Float32Array(5), 2, 2), /needs 4 pixels, got 5/);
});

test("writePng writes atomically and the file reads back", () => {
  const dir = mkdtempSync(join(tmpdir(), "genreview-png-"));
  try {
    const path = join(dir, "sub", "x.png");
    writePng(path, new Float32Array([0, 0.5, 1, 0.25]), 2, 2);
    assert.deepEqual(readdirSync(join(dir, "sub")), ["x.png"]);
    assert.deepEqual([...toBytes(readPng(path).data)], [0, 128, 255, 64]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nearest-neighbour upscaling repeats each pixel in a block", () => {
  const big = upscale({ w: 2, h: 1, data: new Float32Array([0.25, 1]) }, 3);
  assert.equal(big.w, 6);
  assert.equal(big.h, 3);
  assert.deepEqual([...big.data.subarray(0, 6)], [0.25, 0.25, 0.25, 1, 1, 1]);
  assert.deepEqual(big.data.subarray(12, 18), big.data.subarray(0, 6));
  assert.throws(() => upscale(big, 0), /scale must be an integer >= 1/);
});
