import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { toBytes } from "../image/image.ts";
import { DatasetError } from "../util/errors.ts";
import { quantiseDataset, testCount } from "./dataset.ts";
import { encodeIdx, FASHION_MNIST_CLASSES, IDX_NAMES, parseIdx, writeIdx, writeIdxDataset } from "./idx.ts";
import { loadDataset } from "./load.ts";
import type { Dataset, ImageSet } from "./types.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-idx-"));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = (): string => {
  const dir = join(root, `case-${folders++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** A small built-in dataset with pixels quantised to bytes, as IDX can store it exactly. */
const quantised = (spec: string): Dataset => quantiseDataset(loadDataset(spec));

const isDatasetError = (pattern: RegExp) => (e: unknown) =>
  e instanceof DatasetError && pattern.test(e.message) && e.file !== undefined;

test("IDX encode/parse round trip, big-endian dimensions, gzip by content", () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
  const bytes = encodeIdx(data, [2, 3, 4]);
  assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 8, 3, 0, 0, 0, 2]);
  const back = parseIdx(bytes, "x");
  assert.deepEqual(back, { type: "uint8", dims: [2, 3, 4], data });
  const path = join(folder(), "x-idx3-ubyte.gz");
  writeIdx(path, data, [2, 3, 4]);
  assert.deepEqual(loadDataset(`idx:${path}`).train.images.n + loadDataset(`idx:${path}`).test.images.n, 2);
  // wider types are big-endian
  const floats = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0]);
  assert.deepEqual([...parseIdx(floats, "f").data], [1]);
});

test("idx:DIR with the four standard files keeps their split and reads back exactly what was written", () => {
  const source = quantised("shapes:size=16,train=40,test=16,seed=2");
  const dir = folder();
  const written = writeIdxDataset(dir, source);
  assert.equal(written.length, 5);
  const back = loadDataset(`idx:${dir}`);
  assert.equal(back.id, `idx:${dir}`);
  assert.deepEqual(back.train.images, source.train.images);
  assert.deepEqual(back.test.labels, source.test.labels);
  assert.deepEqual(back.classes, source.classes); // from classes.txt
  assert.equal(back.hash, source.hash);
  assert.match(back.card, /own split gives 40 training and 16 test images/);

  // uncompressed files, without classes.txt: labels become the class numbers
  const plain = folder();
  writeIdxDataset(plain, source, false);
  rmSync(join(plain, "classes.txt"));
  const numbered = loadDataset(`idx:${plain}`);
  assert.deepEqual(numbered.classes, ["0", "1", "2", "3", "4", "5", "6", "7"]);
  assert.equal(numbered.hash, source.hash);
});

test("a folder with one images file, or an images file itself, gets the documented seeded split", () => {
  const source = quantised("glyphs:size=16,train=30,test=6");
  const dir = folder();
  writeIdx(join(dir, `${IDX_NAMES.train.images}.gz`), toBytes(source.train.images.data), [30, 16, 16]);
  writeIdx(join(dir, `${IDX_NAMES.train.labels}.gz`), Uint8Array.from(source.train.labels!), [30]);
  const d = loadDataset(`idx:${dir}`);
  assert.equal(d.id, `idx:${dir}#seed=0,testfrac=1/6`);
  assert.equal(d.test.images.n, testCount(30, 1 / 6));
  assert.equal(d.test.images.n, 5);
  assert.equal(d.train.images.n + d.test.images.n, 30);
  assert.match(d.card, /held out 5 of 30 images \(fraction 1\/6\) chosen by a permutation with seed 0/);

  // same seed, same split; another seed, another split; every image lands in exactly one split
  assert.equal(loadDataset(`idx:${dir}`).hash, d.hash);
  const other = loadDataset(`idx:${dir}#seed=1`);
  assert.notEqual(other.hash, d.hash);
  const key = (set: ImageSet, i: number) => set.images.data.subarray(i * 256, (i + 1) * 256).join(",");
  const seen = new Set<string>();
  for (const set of [d.train, d.test]) for (let i = 0; i < set.images.n; i++) seen.add(key(set, i));
  const all = new Set<string>();
  for (let i = 0; i < 30; i++) all.add(key(source.train, i));
  assert.deepEqual(seen, all);

  // the images file alone finds its labels beside it
  const single = loadDataset(`idx:${join(dir, `${IDX_NAMES.train.images}.gz`)}#testfrac=0.2`);
  assert.equal(single.test.images.n, 6);
  assert.ok(single.train.labels !== null);
});

test("idx errors name the file and say what was expected and found", () => {
  const dir = folder();
  const images = join(dir, IDX_NAMES.train.images);
  const labels = join(dir, IDX_NAMES.train.labels);

  writeFileSync(images, new Uint8Array([1, 2, 3, 4, 5]));
  assert.throws(
    () => loadDataset(`idx:${dir}`),
    isDatasetError(/train-images-idx3-ubyte: not a readable IDX file: magic 0x01020304/),
  );
  writeFileSync(images, encodeIdx(new Uint8Array(20), [2, 10]).subarray(0, 18));
  assert.throws(
    () => loadDataset(`idx:${dir}`),
    isDatasetError(/need 20 bytes of uint8 data, the file has 6/),
  );
  writeFileSync(images, encodeIdx(new Uint8Array(4), [4]));
  assert.throws(
    () => loadDataset(`idx:${dir}`),
    isDatasetError(
      /expected unsigned-byte images \[N, H, W\] \(magic 0x00000803\), got uint8 with dimensions \[4\]/,
    ),
  );
  writeFileSync(images, encodeIdx(new Uint8Array(2 * 4), [2, 2, 2]));
  writeFileSync(labels, encodeIdx(new Uint8Array(3), [3]));
  assert.throws(
    () => loadDataset(`idx:${dir}`),
    isDatasetError(/train-labels-idx1-ubyte: holds 3 labels but .*train-images-idx3-ubyte holds 2 images/),
  );
  writeFileSync(labels, encodeIdx(new Uint8Array(4), [2, 2]));
  assert.throws(
    () => loadDataset(`idx:${dir}`),
    isDatasetError(/expected unsigned-byte labels \[N\] \(magic 0x00000801\)/),
  );
  writeFileSync(labels, encodeIdx(new Uint8Array([0, 3]), [2]));
  writeFileSync(join(dir, "classes.txt"), "a\nb\n");
  assert.throws(
    () => loadDataset(`idx:${dir}`),
    isDatasetError(/classes\.txt: names 2 classes but the labels go up to 3/),
  );

  // corrupt gzip
  const gz = folder();
  const bad = gzipSync(encodeIdx(new Uint8Array(8), [2, 2, 2])).subarray(0, 15);
  writeFileSync(join(gz, `${IDX_NAMES.train.images}.gz`), bad);
  assert.throws(
    () => loadDataset(`idx:${gz}`),
    isDatasetError(/train-images-idx3-ubyte\.gz: cannot decompress gzip data/),
  );

  // folders: missing, empty, unrelated files, one split labelled and not the other, split sizes differ
  assert.throws(
    () => loadDataset(`idx:${join(root, "missing")}`),
    isDatasetError(/missing: no such file or folder/),
  );
  const empty = folder();
  assert.throws(
    () => loadDataset(`idx:${empty}`),
    isDatasetError(
      /no IDX images file \(expected train-images-idx3-ubyte and\/or t10k-images-idx3-ubyte, optionally \.gz\); the folder is empty/,
    ),
  );
  writeFileSync(join(empty, "readme.txt"), "x");
  assert.throws(() => loadDataset(`idx:${empty}`), isDatasetError(/found readme\.txt/));
  const mixed = folder();
  writeIdx(join(mixed, IDX_NAMES.train.images), new Uint8Array(8), [2, 2, 2]);
  writeIdx(join(mixed, IDX_NAMES.train.labels), new Uint8Array(2), [2]);
  writeIdx(join(mixed, IDX_NAMES.test.images), new Uint8Array(9), [1, 3, 3]);
  assert.throws(
    () => loadDataset(`idx:${mixed}`),
    isDatasetError(/one split has a labels file and the other not \(t10k-labels-idx1-ubyte is missing\)/),
  );
  writeIdx(join(mixed, IDX_NAMES.test.labels), new Uint8Array(1), [1]);
  assert.throws(
    () => loadDataset(`idx:${mixed}`),
    isDatasetError(/t10k-images-idx3-ubyte: holds 3x3 images but .*train-images-idx3-ubyte holds 2x2/),
  );
});

test("class names: classes.txt, else Fashion-MNIST's when the folder says so, else the numbers", () => {
  const labels = Uint8Array.from({ length: 10 }, (_, i) => i);
  const write = (dir: string): void => {
    writeIdx(join(dir, IDX_NAMES.train.images), new Uint8Array(10 * 4), [10, 2, 2]);
    writeIdx(join(dir, IDX_NAMES.train.labels), labels, [10]);
  };
  const fashion = join(folder(), "Fashion-small");
  mkdirSync(fashion);
  write(fashion);
  assert.deepEqual(loadDataset(`idx:${fashion}`).classes, FASHION_MNIST_CLASSES);
  writeFileSync(join(fashion, "classes.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
  assert.deepEqual(loadDataset(`idx:${fashion}`).classes, [..."abcdefghij"]);
  const other = folder();
  write(other);
  assert.deepEqual(loadDataset(`idx:${other}`).classes, [..."0123456789"]);
});

const FASHION = "/usr/share/datasets/fashion-mnist";
test("Fashion-MNIST from Debian's dataset-fashion-mnist loads with its split and class names", {
  skip: existsSync(join(FASHION, `${IDX_NAMES.train.images}.gz`)) ? false : `${FASHION} is not installed`,
}, () => {
  const d = loadDataset(`idx:${FASHION}`);
  assert.equal(d.train.images.n, 60000);
  assert.equal(d.test.images.n, 10000);
  assert.equal(d.train.images.h, 28);
  assert.deepEqual(d.classes, FASHION_MNIST_CLASSES);
  assert.equal(d.id, `idx:${FASHION}`);
  let max = 0;
  for (const v of d.test.images.data) if (v > max) max = v;
  assert.equal(max, 1);
});
