import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DatasetError } from "../util/errors.ts";
import { encodeNpy, writeNpy } from "../util/npy.ts";
import { loadDataset } from "./load.ts";
import type { ImageSet } from "./types.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-npy-"));
after(() => rmSync(root, { recursive: true, force: true }));

const isDatasetError = (pattern: RegExp) => (e: unknown) =>
  e instanceof DatasetError && pattern.test(e.message) && e.file !== undefined;

/** All images of both splits, each as a string of its pixels, sorted. */
function imageKeys(sets: ImageSet[]): string[] {
  const keys: string[] = [];
  for (const set of sets) {
    const size = set.images.h * set.images.w;
    for (let i = 0; i < set.images.n; i++)
      keys.push(set.images.data.subarray(i * size, (i + 1) * size).join(","));
  }
  return keys.sort();
}

test("npy: float32 [N, H, W] round trips exactly through the seeded split", () => {
  const source = loadDataset("shapes:size=8,train=24,test=1");
  const path = join(root, "f32.npy");
  writeNpy(path, source.train.images.data, [24, 8, 8]);
  const d = loadDataset(`npy:${path}`);
  assert.equal(d.id, `npy:${path}#seed=0,testfrac=1/6`);
  assert.equal(d.classes, null);
  assert.equal(d.test.images.n, 4);
  assert.deepEqual(imageKeys([d.train, d.test]), imageKeys([source.train]));
  assert.match(d.card, /a float32 array of 24 images of 8x8/);
});

test("npy: uint8 is divided by 255, [N, H, W, 1] and float64 are accepted", () => {
  const bytes = Uint8Array.from({ length: 6 * 2 * 3 }, (_, i) => (i * 7) % 256);
  const u8 = join(root, "u8.npy");
  writeNpy(u8, bytes, [6, 2, 3, 1]);
  const d = loadDataset(`npy:${u8}#seed=4,testfrac=1/3`);
  assert.equal(d.train.images.h, 2);
  assert.equal(d.train.images.w, 3);
  assert.equal(d.test.images.n, 2);
  const expected = imageKeys([
    { images: { data: Float32Array.from(bytes, (b) => b / 255), n: 6, h: 2, w: 3 }, labels: null },
  ]);
  assert.deepEqual(imageKeys([d.train, d.test]), expected);

  const f64 = join(root, "f64.npy");
  writeNpy(f64, new Float64Array([0, 0.25, 0.5, 1]), [2, 1, 2]);
  assert.deepEqual(
    [...loadDataset(`npy:${f64}`).train.images.data, ...loadDataset(`npy:${f64}`).test.images.data].sort(),
    [0, 0.25, 0.5, 1],
  );
});

test("npy errors name the file and say what was expected and found", () => {
  const write = (name: string, bytes: Uint8Array): string => {
    const path = join(root, name);
    writeFileSync(path, bytes);
    return path;
  };
  const rgb = write("rgb.npy", encodeNpy(new Uint8Array(2 * 2 * 2 * 3), [2, 2, 2, 3]));
  assert.throws(
    () => loadDataset(`npy:${rgb}`),
    isDatasetError(
      /rgb\.npy: expected an image array of shape \[N, H, W\] or \[N, H, W, 1\], got \[2, 2, 2, 3\]/,
    ),
  );
  const flat = write("flat.npy", encodeNpy(new Float32Array(4), [4]));
  assert.throws(() => loadDataset(`npy:${flat}`), isDatasetError(/got \[4\]/));
  // 16 bytes re-labelled as 8 int16 values of shape (2, 2, 2): same header length
  const bytes16 = new TextDecoder("latin1").decode(encodeNpy(new Uint8Array(16), [2, 2, 4]));
  const text = bytes16.replace("|u1", "<i2").replace("(2, 2, 4)", "(2, 2, 2)");
  const i16 = write(
    "i16.npy",
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
  );
  assert.throws(
    () => loadDataset(`npy:${i16}`),
    isDatasetError(/i16\.npy: expected dtype uint8 \(0-255\) or float32\/float64 \(0-1\), got int16/),
  );
  const range = write("range.npy", encodeNpy(new Float32Array([0, 0.5, 0, -1, 0, 0, 0, 0]), [2, 2, 2]));
  assert.throws(
    () => loadDataset(`npy:${range}`),
    isDatasetError(
      /range\.npy: expected float32 values in \[0, 1\], got -1 at image 0, pixel \(1, 1\) \(rescale \[-1, 1\] data/,
    ),
  );
  const nan = write("nan.npy", encodeNpy(new Float64Array([0, 0, 0, 0, 0, Number.NaN, 0, 0]), [2, 2, 2]));
  assert.throws(() => loadDataset(`npy:${nan}`), isDatasetError(/got NaN at image 1, pixel \(0, 1\)/));
  const garbage = write("garbage.npy", new Uint8Array([1, 2, 3]));
  assert.throws(
    () => loadDataset(`npy:${garbage}`),
    isDatasetError(/garbage\.npy: not a readable \.npy array/),
  );
  const one = write("one.npy", encodeNpy(new Uint8Array(4), [1, 2, 2]));
  assert.throws(() => loadDataset(`npy:${one}`), isDatasetError(/needs at least 2 images to split/));
  assert.throws(
    () => loadDataset(`npy:${join(root, "none.npy")}`),
    isDatasetError(/none\.npy: expected a \.npy file, it does not exist/),
  );
  assert.throws(() => loadDataset(`npy:${root}`), isDatasetError(/expected a \.npy file, got a folder/));
});
