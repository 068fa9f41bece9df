// Feature extractors: identity recorded with every extractor, the cache (reused for the same data and
// config, rebuilt when either changes or the entry is damaged), embeddings, and the
// image sources of `genreview metrics --images`. Tiny 12x12 data keeps training to a second or two.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadDataset } from "../data/load.ts";
import type { Dataset } from "../data/types.ts";
import { writePng } from "../image/png.ts";
import { DatasetError, InputError } from "../util/errors.ts";
import { writeNpy } from "../util/npy.ts";
import { CACHE_ENV, cacheRoot, defaultExtractorKind, loadExtractor, readImageSource } from "./index.ts";

let dir: string;
let data: Dataset;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "genreview-features-"));
  data = loadDataset("shapes:size=12,train=640,test=200,seed=3");
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("the default extractor is the classifier with labels and the autoencoder without", () => {
  assert.equal(defaultExtractorKind(data), "classifier");
  const unlabelled = { ...data, classes: null, train: { ...data.train, labels: null } };
  assert.equal(defaultExtractorKind(unlabelled), "autoencoder");
});

test("the cache root is the explicit folder, else $GENREVIEW_CACHE, else .cache/genreview", () => {
  const saved = process.env[CACHE_ENV];
  try {
    process.env[CACHE_ENV] = join(dir, "env-cache");
    assert.equal(cacheRoot(), join(dir, "env-cache"));
    assert.equal(cacheRoot(join(dir, "explicit")), join(dir, "explicit"));
    delete process.env[CACHE_ENV];
    assert.equal(cacheRoot(), join(process.cwd(), ".cache", "genreview"));
  } finally {
    if (saved === undefined) delete process.env[CACHE_ENV];
    else process.env[CACHE_ENV] = saved;
  }
});

test("a trained classifier records its identity, is cached, and reloads to identical features", async () => {
  const root = join(dir, "classifier");
  const first = await loadExtractor(data, { cacheRoot: root, epochs: 1 });
  assert.equal(first.fromCache, false);
  assert.ok(first.trainSeconds !== null && first.trainSeconds > 0);
  assert.match(first.info.id, /^classifier-[0-9a-f]{12}$/);
  assert.equal(first.info.trainHash, data.hash);
  assert.equal(first.info.dimensions, 64);
  assert.match(first.info.preprocessing, /12x12.*\[-1, 1\].*penultimate/);
  assert.ok(first.info.testAccuracy !== undefined && first.info.testAccuracy > 1 / 8, "better than chance");

  // features [N, 64] and softmax rows, the same in one batch or image by image
  const test = data.test.images;
  const all = await first.embed(test);
  assert.equal(all.features.rows, test.n);
  assert.equal(all.features.cols, 64);
  const probs = all.probs!;
  for (let i = 0; i < probs.rows; i++) {
    const row = probs.data.subarray(i * probs.cols, (i + 1) * probs.cols);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  }
  // onnxruntime picks its float32 kernels by batch size, so one image alone agrees to rounding only
  const one = await first.embed({ ...test, n: 1, data: test.data.subarray(5 * 144, 6 * 144) });
  const batched = all.features.data.subarray(5 * 64, 6 * 64);
  one.features.data.forEach((v, j) => {
    assert.ok(Math.abs(v - batched[j]!) <= 1e-5 * (1 + Math.abs(v)));
  });

  // the second load reads the cache: same id, same features, no training
  const second = await loadExtractor(data, { cacheRoot: root, epochs: 1 });
  assert.equal(second.fromCache, true);
  assert.equal(second.trainSeconds, null);
  assert.deepEqual(second.info, first.info);
  assert.deepEqual((await second.embed(test)).features, all.features);
  await first.dispose();
  await second.dispose();
});

test("the cache is rebuilt when the dataset, the config or the entry changes", async () => {
  const root = join(dir, "invalidation");
  const base = await loadExtractor(data, { kind: "pixel", pca: 6, cacheRoot: root });
  assert.equal(base.fromCache, false);
  assert.equal((await loadExtractor(data, { kind: "pixel", pca: 6, cacheRoot: root })).fromCache, true);

  // another dataset hash (another seed): another key, trained afresh
  const other = loadDataset("shapes:size=12,train=640,test=200,seed=4");
  assert.notEqual(other.hash, data.hash);
  const moved = await loadExtractor(other, { kind: "pixel", pca: 6, cacheRoot: root });
  assert.equal(moved.fromCache, false);
  assert.notEqual(moved.info.id, base.info.id);
  assert.equal(moved.info.trainHash, other.hash);

  // another config: another key
  const wider = await loadExtractor(data, { kind: "pixel", pca: 7, cacheRoot: root });
  assert.equal(wider.fromCache, false);
  assert.equal(readdirSync(join(root, "extractors")).length, 3);

  // a damaged entry is reported and rebuilt, not used
  const key = readdirSync(join(root, "extractors")).find((k) => base.info.id.endsWith(k.slice(0, 12)))!;
  writeFileSync(join(root, "extractors", key, "meta.json"), "{ not json");
  const rebuilt = await loadExtractor(data, { kind: "pixel", pca: 6, cacheRoot: root });
  assert.equal(rebuilt.fromCache, false);
  assert.match(rebuilt.warnings[0] ?? "", /unreadable cache entry.*rebuilt it/);
  assert.deepEqual(
    (await rebuilt.embed(data.test.images)).features,
    (await base.embed(data.test.images)).features,
    "the PCA fit is deterministic",
  );
});

test("pixel features are the flattened pixels or their PCA projection", async () => {
  const raw = await loadExtractor(data, { kind: "pixel" });
  assert.equal(raw.info.id, "pixel-raw-12x12");
  assert.equal(raw.info.dimensions, 144);
  const f = await raw.embed(data.test.images);
  assert.equal(f.features.data[7], data.test.images.data[7]);
  assert.equal(f.probs, null);

  // PCA: centred projections; the first component carries the most variance
  const pca = await loadExtractor(data, { kind: "pixel", pca: 4, cacheRoot: join(dir, "pca") });
  const p = (await pca.embed(data.train.images)).features;
  const variance = [0, 1, 2, 3].map((c) => {
    let s = 0;
    for (let i = 0; i < p.rows; i++) s += p.data[i * 4 + c]! ** 2;
    return s / p.rows;
  });
  assert.ok(variance[0]! >= variance[1]! && variance[1]! >= variance[2]! && variance[2]! >= variance[3]!);
  assert.match(pca.info.preprocessing, /top 4 TRAIN principal components \(\d+\.\d% of the pixel variance\)/);
});

test("an autoencoder trains on unlabelled data and gives bottleneck features", async () => {
  const unlabelled: Dataset = { ...data, classes: null, train: { ...data.train, labels: null } };
  const ae = await loadExtractor(unlabelled, { cacheRoot: join(dir, "ae"), epochs: 1 });
  assert.equal(ae.info.kind, "autoencoder");
  assert.equal(ae.info.dimensions, 32);
  assert.equal(ae.info.testAccuracy, undefined);
  assert.ok(Number.isFinite(ae.training["testLoss"]));
  const e = await ae.embed(data.test.images);
  assert.equal(e.features.cols, 32);
  assert.equal(e.probs, null);
  await ae.dispose();
});

test("images of another size are refused with both sizes named", async () => {
  const raw = await loadExtractor(data, { kind: "pixel" });
  await assert.rejects(
    raw.embed({ data: new Float32Array(2 * 28 * 28), n: 2, h: 28, w: 28 }),
    (e: unknown) => e instanceof InputError && /takes 12x12 images .* got 28x28/.test(e.message),
  );
});

test("image sources: a .npy array or a folder of PNGs in natural order, with clear errors", () => {
  // .npy [N, H, W] uint8
  const npy = join(dir, "samples.npy");
  const bytes = new Uint8Array(3 * 4 * 5).map((_, i) => i);
  writeNpy(npy, bytes, [3, 4, 5]);
  const a = readImageSource(npy);
  assert.deepEqual([a.n, a.h, a.w], [3, 4, 5]);
  assert.equal(a.data[59], Math.fround(59 / 255));

  // PNG folder: "2.png" before "10.png"
  const folder = join(dir, "epoch_010");
  mkdirSync(folder);
  writePng(join(folder, "10.png"), new Float32Array(20).fill(1), 5, 4);
  writePng(join(folder, "2.png"), new Float32Array(20).fill(0), 5, 4);
  const b = readImageSource(folder);
  assert.deepEqual([b.n, b.h, b.w], [2, 4, 5]);
  assert.equal(b.data[0], 0);
  assert.equal(b.data[20], 1);

  writePng(join(folder, "3.png"), new Float32Array(36), 6, 6);
  assert.throws(
    () => readImageSource(folder),
    (e: unknown) =>
      e instanceof DatasetError && /expected 5x4 PNGs in .*epoch_010.*got 6x6 .*3\.png/.test(e.message),
  );
  assert.throws(() => readImageSource(join(dir, "missing")), /does not exist; expected a \.npy image array/);
  writeFileSync(join(dir, "notes.txt"), "hello");
  assert.throws(
    () => readImageSource(join(dir, "notes.txt")),
    /expected a \.npy image array or a folder of PNG/,
  );
});
