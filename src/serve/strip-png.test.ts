import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { Rng } from "../util/rng.ts";
import { decodeRgba, encodeRgba } from "./strip-png.ts";

/** A PNG of random pixels written by pngjs (adaptive filtering: every filter type occurs). */
function randomPng(colorType: 0 | 2 | 4 | 6, width: number, height: number, seed: number) {
  const rng = new Rng(seed);
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const gray = rng.int(256);
    const color = colorType === 2 || colorType === 6;
    png.data[4 * i] = gray;
    png.data[4 * i + 1] = color ? rng.int(256) : gray;
    png.data[4 * i + 2] = color ? rng.int(256) : gray;
    png.data[4 * i + 3] = colorType === 4 || colorType === 6 ? rng.int(256) : 255;
  }
  const bytes = PNG.sync.write(png, { colorType, inputHasAlpha: true });
  return { bytes, rgba: new Uint8Array(PNG.sync.read(bytes).data) };
}

describe("decodeRgba", () => {
  for (const colorType of [0, 2, 4, 6] as const) {
    it(`decodes 8-bit colour type ${colorType} exactly as pngjs does`, () => {
      const { bytes, rgba } = randomPng(colorType, 13, 9, colorType + 1);
      assert.equal(bytes[25], colorType);
      const decoded = decodeRgba(bytes);
      assert.equal(decoded.width, 13);
      assert.equal(decoded.height, 9);
      assert.deepEqual(decoded.data, rgba);
    });
  }

  it("refuses bytes that are not a PNG", () => {
    assert.throws(
      () => decodeRgba(new TextEncoder().encode("not a png at all, not even close")),
      /not a PNG/,
    );
  });
});

describe("encodeRgba", () => {
  it("writes grayscale+alpha when every pixel is gray, readable by pngjs", () => {
    const { rgba } = randomPng(4, 7, 5, 11);
    const bytes = encodeRgba({ width: 7, height: 5, data: rgba });
    assert.equal(bytes[25], 4);
    assert.deepEqual(new Uint8Array(PNG.sync.read(Buffer.from(bytes)).data), rgba);
  });

  it("writes RGBA when any pixel has colour", () => {
    const { rgba } = randomPng(6, 6, 4, 12);
    const bytes = encodeRgba({ width: 6, height: 4, data: rgba });
    assert.equal(bytes[25], 6);
    assert.deepEqual(decodeRgba(bytes).data, rgba);
  });
});
