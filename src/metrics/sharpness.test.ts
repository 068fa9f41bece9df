import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageBatch } from "../data/types.ts";
import { Rng } from "../util/rng.ts";
import { sharpness, sharpnessScores } from "./sharpness.ts";

function batch(images: number[][], h: number, w: number): ImageBatch {
  return { data: Float32Array.from(images.flat()), n: images.length, h, w };
}

/** Full 2-D DFT energy above the cutoff over all non-DC energy, by the definition. */
function bruteHighShare(img: number[], h: number, w: number, cutoff: number): number {
  const mean = img.reduce((a, b) => a + b, 0) / img.length;
  let high = 0;
  let total = 0;
  for (let u = 0; u < h; u++) {
    for (let v = 0; v < w; v++) {
      let re = 0;
      let im = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const a = -2 * Math.PI * ((u * y) / h + (v * x) / w);
          re += (img[y * w + x]! - mean) * Math.cos(a);
          im += (img[y * w + x]! - mean) * Math.sin(a);
        }
      }
      const e = re * re + im * im;
      const fu = (u <= h / 2 ? u : u - h) / h;
      const fv = (v <= w / 2 ? v : v - w) / w;
      total += e;
      if (Math.hypot(fu, fv) > cutoff) high += e;
    }
  }
  return total === 0 ? 0 : high / total;
}

test("constant, checkerboard and smooth images", () => {
  const h = 28;
  const w = 28;
  const flat = new Array(h * w).fill(0.5);
  const checker = Array.from({ length: h * w }, (_, p) => ((Math.floor(p / w) + (p % w)) % 2 === 0 ? 1 : 0));
  const smooth = Array.from({ length: h * w }, (_, p) => 0.5 + 0.5 * Math.cos((2 * Math.PI * (p % w)) / w));
  const s = sharpnessScores(batch([flat, checker, smooth], h, w));
  assert.deepEqual(s.laplacianVariance.slice(0, 2), [0, 16]);
  assert.equal(s.highFrequencyShare[0], 0);
  assert.ok(Math.abs(s.highFrequencyShare[1]! - 1) < 1e-6);
  assert.ok(s.highFrequencyShare[2]! < 1e-6);
});

test("high-frequency share equals the full DFT definition on random images of odd and even sizes", () => {
  const rng = new Rng(1);
  for (const [h, w] of [
    [12, 12],
    [9, 14],
  ] as const) {
    const img = Array.from({ length: h * w }, () => rng.uniform());
    const got = sharpnessScores(batch([img], h, w)).highFrequencyShare[0]!;
    assert.ok(Math.abs(got - bruteHighShare(img, h, w, 0.25)) < 1e-5, `${h}x${w}`);
  }
});

test("blurred images fall below the real 5th percentile, noisy ones above the 95th", () => {
  const rng = new Rng(2);
  const h = 16;
  const w = 16;
  // "real": random strokes (bright rectangles) on black
  const real: number[][] = [];
  for (let i = 0; i < 200; i++) {
    const img = new Array(h * w).fill(0);
    for (let s = 0; s < 3; s++) {
      const y0 = rng.int(h - 4);
      const x0 = rng.int(w - 4);
      const vertical = rng.int(2) === 0;
      for (let t = 0; t < 4; t++) img[(y0 + (vertical ? t : 0)) * w + x0 + (vertical ? 0 : t)] = 1;
    }
    real.push(img);
  }
  const blur = (img: number[]): number[] =>
    img.map((_, p) => {
      const y = Math.floor(p / w);
      const x = p % w;
      let s = 0;
      let c = 0;
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++)
          if (y + dy >= 0 && y + dy < h && x + dx >= 0 && x + dx < w) {
            s += img[(y + dy) * w + x + dx]!;
            c++;
          }
      return s / c;
    });
  const noisy = (img: number[]): number[] => img.map((v) => Math.min(1, Math.max(0, v + 0.3 * rng.normal())));
  const realBatch = batch(real, h, w);
  const blurred = sharpness(batch(real.slice(0, 50).map(blur), h, w), realBatch);
  const noised = sharpness(batch(real.slice(0, 50).map(noisy), h, w), realBatch);
  assert.ok(blurred.laplacianVariance.shareBelowRealP5 > 0.9);
  assert.ok(blurred.highFrequencyShare.shareBelowRealP5 > 0.9);
  assert.ok(noised.laplacianVariance.shareAboveRealP95 > 0.9);
  assert.ok(noised.highFrequencyShare.shareAboveRealP95 > 0.5);
  assert.equal(blurred.laplacianVariance.fakeRank.length, 50);
});

test("rejects images of another size or out of range", () => {
  const a = batch([new Array(9).fill(0)], 3, 3);
  const b = batch([new Array(16).fill(0)], 4, 4);
  assert.throws(() => sharpness(a, b), /3x3 but real images 4x4/);
  assert.throws(() => sharpnessScores(batch([[0, 0, 0, 0, 2, 0, 0, 0, 0]], 3, 3)), /pixel value 2/);
});
