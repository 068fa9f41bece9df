import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { PNG } from "pngjs";
import { writePng } from "../image/png.ts";
import { DatasetError } from "../util/errors.ts";
import { quantiseDataset } from "./dataset.ts";
import { loadDataset } from "./load.ts";
import { writePngDataset } from "./png-folder.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-pngdir-"));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = (): string => {
  const dir = join(root, `case-${folders++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** A w x h image whose pixels are all byte value `v`. */
const flat = (path: string, v: number, w = 4, h = 4): void =>
  writePng(path, new Uint8Array(w * h).fill(v), w, h);

const isDatasetError = (pattern: RegExp) => (e: unknown) =>
  e instanceof DatasetError && pattern.test(e.message) && e.file !== undefined;

test("png:DIR round trip: train/ and test/ with class folders load back identically", () => {
  const source = quantiseDataset(loadDataset("patterns:size=12,train=18,test=6,seed=1"));
  const dir = folder();
  assert.equal(writePngDataset(dir, source), 18 + 6 + 1);
  const back = loadDataset(`png:${dir}`);
  assert.equal(back.id, `png:${dir}`);
  assert.deepEqual(back.classes, source.classes); // order from classes.txt, not alphabetical
  // within a class the original order is kept; compare class by class
  for (const split of ["train", "test"] as const) {
    const a = source[split];
    const b = back[split];
    assert.equal(b.images.n, a.images.n);
    for (let c = 0; c < source.classes!.length; c++) {
      const pick = (set: typeof a) =>
        [...set.labels!.keys()]
          .filter((i) => set.labels![i] === c)
          .map((i) => set.images.data.subarray(i * 144, (i + 1) * 144).join());
      assert.deepEqual(pick(b), pick(a), `${split} class ${c}`);
    }
  }
});

test("png:DIR of flat files is unlabelled, in natural name order, with a seeded split", () => {
  const dir = folder();
  for (const n of [10, 2, 1, 20, 3, 11]) flat(join(dir, `${n}.png`), n);
  writeFileSync(join(dir, "notes.txt"), "ignored");
  const d = loadDataset(`png:${dir}`);
  assert.equal(d.classes, null);
  assert.equal(d.train.labels, null);
  assert.equal(d.id, `png:${dir}#seed=0,testfrac=1/6`);
  assert.equal(d.test.images.n, 1);
  // both splits keep natural order 1, 2, 3, 10, 11, 20
  const firsts = (set: typeof d.train) =>
    Array.from({ length: set.images.n }, (_, i) => Math.round(set.images.data[i * 16]! * 255));
  const order = [...firsts(d.train), ...firsts(d.test)].sort((a, b) => a - b);
  assert.deepEqual(order, [1, 2, 3, 10, 11, 20]);
  assert.deepEqual(
    firsts(d.train),
    [...firsts(d.train)].sort((a, b) => a - b),
  );
});

test("png:DIR of class folders labels by folder name (natural order) and converts RGB to gray", () => {
  const dir = folder();
  for (const name of ["cat", "ant"]) mkdirSync(join(dir, name));
  flat(join(dir, "cat", "a.png"), 200);
  flat(join(dir, "ant", "a.png"), 50);
  flat(join(dir, "ant", "b.png"), 60);
  const png = new PNG({ width: 4, height: 4 });
  png.data = Buffer.alloc(4 * 4 * 3, 90);
  writeFileSync(
    join(dir, "cat", "b.png"),
    PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }),
  );
  const d = loadDataset(`png:${dir}#testfrac=1/4`);
  assert.deepEqual(d.classes, ["ant", "cat"]);
  assert.equal(d.train.images.n + d.test.images.n, 4);
  const byValue = new Map<number, number>();
  for (const set of [d.train, d.test])
    for (let i = 0; i < set.images.n; i++)
      byValue.set(Math.round(set.images.data[i * 16]! * 255), set.labels![i]!);
  assert.deepEqual(Object.fromEntries(byValue), { 50: 0, 60: 0, 200: 1, 90: 1 });
});

test("png:DIR errors name the file or folder and say what was expected and found", () => {
  // mismatched sizes: expected size, where it came from, and the file that differs
  const sizes = folder();
  flat(join(sizes, "1.png"), 0, 28, 28);
  flat(join(sizes, "7.png"), 0, 32, 32);
  assert.throws(
    () => loadDataset(`png:${sizes}`),
    isDatasetError(
      /expected 28x28 PNGs in .*case-\d+ \(the size of .*1\.png\), got 32x32 grayscale in .*7\.png/,
    ),
  );
  // unreadable PNG
  const broken = folder();
  flat(join(broken, "1.png"), 0);
  writeFileSync(join(broken, "2.png"), "not a png");
  assert.throws(() => loadDataset(`png:${broken}`), isDatasetError(/2\.png: not a readable PNG file/));
  // empty, missing, a file, only non-PNG files
  const empty = folder();
  assert.throws(() => loadDataset(`png:${empty}`), isDatasetError(/no PNG files and no class subfolders$/));
  writeFileSync(join(empty, "a.jpg"), "x");
  assert.throws(() => loadDataset(`png:${empty}`), isDatasetError(/found a\.jpg, none ending in \.png/));
  assert.throws(
    () => loadDataset(`png:${join(root, "nope")}`),
    isDatasetError(/expected a folder of PNG files, it does not exist/),
  );
  assert.throws(
    () => loadDataset(`png:${join(broken, "1.png")}`),
    isDatasetError(/expected a folder of PNG files, got a file/),
  );
  // files and class folders mixed; an empty class folder
  const mixed = folder();
  flat(join(mixed, "1.png"), 0);
  mkdirSync(join(mixed, "dogs"));
  assert.throws(
    () => loadDataset(`png:${mixed}`),
    isDatasetError(/holds both PNG files \(1\.png, \.\.\.\) and subfolders \(dogs, \.\.\.\)/),
  );
  rmSync(join(mixed, "1.png"));
  assert.throws(
    () => loadDataset(`png:${mixed}`),
    isDatasetError(/dogs: class folder "dogs" holds no PNG files/),
  );
  // split folders: one without the other, extra folders, different layouts, different sizes
  const splits = folder();
  mkdirSync(join(splits, "train"));
  flat(join(splits, "train", "1.png"), 0);
  assert.throws(
    () => loadDataset(`png:${splits}`),
    isDatasetError(/has a train\/ folder but no test\/ folder/),
  );
  mkdirSync(join(splits, "test", "x"), { recursive: true });
  flat(join(splits, "test", "x", "1.png"), 0);
  assert.throws(
    () => loadDataset(`png:${splits}`),
    isDatasetError(
      /train: holds PNG files directly while .*test has class subfolders; use the same layout in both/,
    ),
  );
  rmSync(join(splits, "test"), { recursive: true });
  mkdirSync(join(splits, "test"));
  flat(join(splits, "test", "1.png"), 0, 5, 5);
  assert.throws(
    () => loadDataset(`png:${splits}`),
    isDatasetError(/expected 4x4 PNGs in .*test .*got 5x5 grayscale in .*test\/1\.png/),
  );
  mkdirSync(join(splits, "extra"));
  assert.throws(
    () => loadDataset(`png:${splits}`),
    isDatasetError(/has train\/ and test\/ and also extra\//),
  );
  // classes.txt that misses a folder; a single image cannot be split
  const listed = folder();
  mkdirSync(join(listed, "a"));
  mkdirSync(join(listed, "b"));
  flat(join(listed, "a", "1.png"), 0);
  flat(join(listed, "b", "1.png"), 0);
  writeFileSync(join(listed, "classes.txt"), "a\n");
  assert.throws(
    () => loadDataset(`png:${listed}`),
    isDatasetError(/classes\.txt: does not list the class folder "b"/),
  );
  const one = folder();
  flat(join(one, "1.png"), 0);
  assert.throws(
    () => loadDataset(`png:${one}`),
    isDatasetError(/needs at least 2 images to split into train and test, found 1/),
  );
});
