// `genreview metrics REAL FAKE --images`: image sources (.npy arrays, PNG folders) embedded by a feature
// extractor before the metrics, with the extractor recorded in the output.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadDataset } from "../../data/load.ts";
import { writePng } from "../../image/png.ts";
import { writeNpy } from "../../util/npy.ts";
import type { Io } from "../io.ts";
import { main } from "../main.ts";

const dir = mkdtempSync(join(tmpdir(), "genreview-metrics-images-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// real: 120 TEST images of a small shapes dataset; generated: 80 images of another seed, as a PNG folder
const spec = "shapes:size=12,train=640,test=200,seed=3";
const data = loadDataset(spec);
const realPath = join(dir, "real.npy");
writeNpy(realPath, data.test.images.data.slice(0, 120 * 144), [120, 12, 12]);
const other = loadDataset("shapes:size=12,train=80,test=1,seed=9").train.images;
const fakeDir = join(dir, "epoch_010");
mkdirSync(fakeDir);
for (let i = 0; i < other.n; i++)
  writePng(join(fakeDir, `${i}.png`), other.data.subarray(i * 144, (i + 1) * 144), 12, 12);

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false };
}

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await main(["node", "genreview", "metrics", ...args], io);
  return { code, out: io.stdout.join(""), err: io.stderr.join("\n") };
}

test("--images without --data compares raw pixels of a .npy array and a PNG folder", async () => {
  const r = await run(realPath, fakeDir, "--images", "--kid-subsets", "3", "--kid-size", "50");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /real +.*real\.npy +120 x 144 images embedded by pixel-raw-12x12/);
  assert.match(r.out, /generated +.*epoch_010 +80 x 144 images embedded by pixel-raw-12x12/);
  assert.match(r.out, /^FD +\d/m);
});

test("--images --data trains the classifier on TRAIN once, caches it, and records it in --json", async () => {
  const cache = join(dir, "cache");
  const args = [
    realPath,
    fakeDir,
    "--images",
    "--data",
    spec,
    "--cache",
    cache,
    "--kid-subsets",
    "3",
    "--kid-size",
    "50",
  ];
  const first = await run(...args, "--json");
  assert.equal(first.code, 0, first.err);
  const got = JSON.parse(first.out);
  assert.equal(got.extractor.kind, "classifier");
  assert.equal(got.extractor.trainHash, data.hash);
  assert.equal(got.real.cols, 64);
  assert.equal(got.fake.rows, 80);
  assert.ok(got.prdc.precision >= 0 && got.prdc.precision <= 1);

  const second = await run(...args);
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, new RegExp(`features: ${got.extractor.id}, loaded from the cache`));
});

test("images-mode mistakes are named: missing --data, flags without --images, mismatched sizes", async () => {
  const noData = await run(realPath, fakeDir, "--images", "--features", "classifier");
  assert.equal(noData.code, 2);
  assert.match(
    noData.err,
    /--features classifier is trained on a dataset's TRAIN split: give it with --data/,
  );

  const noImages = await run(realPath, fakeDir, "--features", "pixel");
  assert.equal(noImages.code, 2);
  assert.match(noImages.err, /--features applies to images: add --images/);

  const badKind = await run(realPath, fakeDir, "--images", "--features", "inception");
  assert.equal(badKind.code, 2);
  assert.match(badKind.err, /expected one of pixel, classifier, autoencoder, got 'inception'/);

  const bigPath = join(dir, "big.npy");
  writeNpy(bigPath, new Float32Array(4 * 16 * 16), [4, 16, 16]);
  const mismatch = await run(realPath, bigPath, "--images");
  assert.equal(mismatch.code, 2);
  assert.match(mismatch.err, /real\.npy holds 12x12 images but .*big\.npy holds 16x16/);
});
