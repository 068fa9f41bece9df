import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageBatch } from "../data/types.ts";
import { ADVANCE, drawText, GLYPH_HEIGHT, textWidth } from "./font.ts";
import { makeGrid, makeLabelledGrid } from "./grid.ts";

/** n images of h x w where every pixel of image i is (i + 1) / 100. */
function constantBatch(n: number, h: number, w: number): ImageBatch {
  const data = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) data.fill((i + 1) / 100, i * h * w, (i + 1) * h * w);
  return { data, n, h, w };
}

test("makeGrid matches torchvision's make_grid sizes: 64 28x28 images give 242x242", () => {
  const grid = makeGrid(constantBatch(64, 28, 28));
  assert.equal(grid.w, 8 * 30 + 2);
  assert.equal(grid.h, 242);
  // fewer images than nrow: one row of n cells
  const small = makeGrid(constantBatch(3, 28, 28));
  assert.equal(small.w, 3 * 30 + 2);
  assert.equal(small.h, 32);
});

test("makeGrid places image k at row floor(k / nrow), column k mod nrow, with padding between", () => {
  const batch = constantBatch(10, 3, 2); // H = 3, W = 2
  const grid = makeGrid(batch, { nrow: 4, padding: 1, padValue: 0.9 });
  assert.equal(grid.w, 4 * 3 + 1);
  assert.equal(grid.h, 3 * 4 + 1);
  const at = (x: number, y: number) => grid.data[y * grid.w + x]!;
  for (let k = 0; k < 10; k++) {
    const x = 1 + (k % 4) * 3;
    const y = 1 + Math.floor(k / 4) * 4;
    assert.equal(at(x, y), Math.fround((k + 1) / 100), `image ${k}`);
    assert.equal(at(x + 1, y + 2), Math.fround((k + 1) / 100), `image ${k} bottom-right`);
  }
  assert.equal(at(0, 0), Math.fround(0.9));
  assert.equal(at(3, 1), Math.fround(0.9)); // the gap between columns 0 and 1
  assert.equal(at(1 + 2 * 3, 1 + 2 * 4), Math.fround(0.9)); // empty cell after the last image
});

test("makeGrid upscales the whole grid by nearest neighbour", () => {
  const batch = constantBatch(2, 2, 2);
  const plain = makeGrid(batch, { padding: 1 });
  const big = makeGrid(batch, { padding: 1, scale: 3 });
  assert.equal(big.w, plain.w * 3);
  assert.equal(big.h, plain.h * 3);
  for (let y = 0; y < big.h; y++)
    for (let x = 0; x < big.w; x++)
      assert.equal(big.data[y * big.w + x], plain.data[Math.floor(y / 3) * plain.w + Math.floor(x / 3)]);
  assert.throws(() => makeGrid(batch, { nrow: 0 }), /nrow must be an integer >= 1/);
  assert.throws(() => makeGrid(constantBatch(0, 2, 2)), /empty batch/);
});

test("the bitmap font draws known pixels and measures text", () => {
  assert.equal(textWidth("ab", 1), 2 * ADVANCE - 1);
  assert.equal(textWidth("ab", 3), 3 * (2 * ADVANCE - 1));
  const image = { w: 6, h: GLYPH_HEIGHT, data: new Float32Array(6 * GLYPH_HEIGHT) };
  drawText(image, "1", 0, 0, 1);
  const rows = Array.from({ length: 7 }, (_, y) =>
    [...image.data.subarray(y * 6, y * 6 + 5)].map((v) => (v === 1 ? "#" : ".")).join(""),
  );
  assert.deepEqual(rows, ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."]);
  // uppercase is drawn as lowercase, unknown characters as '?'
  const upper = { w: 6, h: GLYPH_HEIGHT, data: new Float32Array(6 * GLYPH_HEIGHT) };
  const lower = { w: 6, h: GLYPH_HEIGHT, data: new Float32Array(6 * GLYPH_HEIGHT) };
  drawText(upper, "T", 0, 0, 1);
  drawText(lower, "t", 0, 0, 1);
  assert.deepEqual(upper.data, lower.data);
  const unknown = { w: 6, h: GLYPH_HEIGHT, data: new Float32Array(6 * GLYPH_HEIGHT) };
  const question = { w: 6, h: GLYPH_HEIGHT, data: new Float32Array(6 * GLYPH_HEIGHT) };
  drawText(unknown, "é", 0, 0, 1);
  drawText(question, "?", 0, 0, 1);
  assert.deepEqual(unknown.data, question.data);
});

test("a labelled grid puts one row per label, the label's ink on the left, cells on the right", () => {
  const rows = [
    { label: "ring", images: constantBatch(3, 4, 4) },
    { label: "x", images: constantBatch(1, 4, 4) },
  ];
  const grid = makeLabelledGrid(rows, { padding: 2, padValue: 0.5, scale: 1 });
  const cellsW = 3 * 6 + 2;
  const labelW = grid.w - cellsW;
  assert.equal(grid.h, 2 * 6 + 2);
  assert.equal(labelW, textWidth("ring", 1) + 4);
  const at = (x: number, y: number) => grid.data[y * grid.w + x]!;
  // cells: row 0 holds images 0-2, row 1 image 0 then padding where images are missing
  assert.equal(at(labelW + 2, 2), Math.fround(0.01));
  assert.equal(at(labelW + 2 + 2 * 6, 2), Math.fround(0.03));
  assert.equal(at(labelW + 2, 8), Math.fround(0.01));
  assert.equal(at(labelW + 2 + 6, 8), Math.fround(0.5));
  // the label column holds white ink on black in each row's band
  let inkTop = 0;
  let inkBottom = 0;
  for (let y = 0; y < grid.h; y++) {
    for (let x = 0; x < labelW; x++) {
      const v = at(x, y);
      assert.ok(v === 0 || v === 1);
      if (v === 1) {
        if (y < 7) inkTop++;
        else inkBottom++;
      }
    }
  }
  assert.ok(inkTop > 10 && inkBottom > 3, `ink ${inkTop} / ${inkBottom}`);
  assert.throws(() => makeLabelledGrid([]), /without rows/);
});
