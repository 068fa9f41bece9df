// The calibrated scores on constructed cases from the built-in `shapes` data, where a reviewer knows the
// verdict: held-out real images, outputs collapsed to one class or to a few near-duplicates, uniform
// noise, blurred real images and copies of training images. Small sizes keep the file fast: a classifier
// trained for 3 epochs on 3,000 images (weaker than the default 10,000-image one, which makes the test
// stricter, not looser) and sets of N = 300 samples (600 for one class, see its test).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadDataset } from "../data/load.ts";
import type { Dataset, ImageBatch } from "../data/types.ts";
import { type FeatureExtractor, loadExtractor } from "../features/index.ts";
import { FlagSchema } from "../run/schema.ts";
import {
  buildReference,
  drawImages,
  fewNearDuplicates,
  gaussianBlur,
  jitter,
  oneClass,
  type Reference,
  type SampleEvaluation,
  scoreSamples,
  uniformNoise,
} from "./index.ts";

const N = 300;
let cache: string;
let data: Dataset;
/** Fresh real images from the same generator (another seed): never seen by the extractor or the reference. */
let pool: Dataset;
let extractor: FeatureExtractor;
let reference: Reference;
const results = new Map<string, SampleEvaluation>();

before(async () => {
  cache = mkdtempSync(join(tmpdir(), "genreview-scores-"));
  data = loadDataset("shapes:train=3000,test=1000,seed=0");
  pool = loadDataset("shapes:train=1500,test=1,seed=77");
  extractor = await loadExtractor(data, { cacheRoot: cache, epochs: 3 });
  reference = await buildReference(data, extractor, { n: N, bootstrap: 100 });
});

after(async () => {
  await extractor.dispose();
  rmSync(cache, { recursive: true, force: true });
});

async function score(name: string, images: () => ImageBatch): Promise<SampleEvaluation> {
  let e = results.get(name);
  if (e === undefined) {
    e = await scoreSamples(reference, images());
    results.set(name, e);
  }
  return e;
}

const real = () => score("real", () => drawImages(pool.train, N, 1));
const kinds = (e: SampleEvaluation) => e.flags.map((f) => f.kind);

function describe(e: SampleEvaluation): string {
  const parts = [...e.components.quality, ...e.components.diversity].map(
    (c) => `${c.name} ${c.term.toFixed(3)}`,
  );
  return `quality ${e.scores.quality.value.toFixed(3)}, diversity ${e.scores.diversity.value.toFixed(3)} (${parts.join(", ")})`;
}

test("held-out real images score about 1 on quality and diversity, with no flags", async () => {
  const e = await real();
  assert.ok(e.scores.quality.value >= 0.9, describe(e));
  assert.ok(e.scores.diversity.value >= 0.9, describe(e));
  assert.deepEqual(kinds(e), []);
  for (const s of [e.scores.quality, e.scores.diversity]) {
    assert.ok(s.low <= s.value && s.value <= s.high && s.low >= 0 && s.high <= 1, JSON.stringify(s));
  }
});

test("outputs collapsed to one class lose diversity but keep quality, and are flagged", async () => {
  // 600 samples, so that the classes have the 50 held-out images of the calibration (600 TEST images)
  // that a per-class copy threshold needs (75 per class on average; with this classifier, 51 to 90): at
  // 300, whether any class reached 50 depended on how evenly the classifier happened to predict. Fresh
  // images of the one class come from a pool of their own.
  const circles = loadDataset("shapes:train=6000,test=1,seed=78").train;
  const e = await score("one class", () => oneClass(circles, 0, 2 * N, 2));
  assert.equal(e.n, 2 * N);
  assert.ok(e.scores.diversity.value < 0.55, describe(e));
  assert.ok(e.scores.quality.value >= 0.6, describe(e));
  assert.ok(kinds(e).includes("mode_collapse"), JSON.stringify(e.flags));
  assert.ok(e.metrics["class/perplexity"]! < 2, `effective classes ${e.metrics["class/perplexity"]}`);
  // the classes never produced are named as the dataset names them
  const prefix = "classes: classes never generated: ";
  const missing = e.warnings.find((w) => w.startsWith(prefix));
  assert.ok(missing !== undefined, e.warnings.join("\n"));
  const names = missing.slice(prefix.length).split(", ");
  assert.ok(names.length > 0 && names.every((c) => data.classes!.slice(1).includes(c)), missing);
  // fresh images of one simple class sit close to training images of that class, as held-out ones of
  // that class do: the copy threshold is taken per predicted class, so they are not read as copies
  assert.ok(!kinds(e).includes("memorization"), JSON.stringify(e.flags));
  assert.equal(e.metrics["memorization/copy_by_class"], 1, "per-class copy thresholds with a classifier");
  assert.ok(e.metrics["memorization/copy_p_value"]! > 0.001, `p = ${e.metrics["memorization/copy_p_value"]}`);
});

test("outputs collapsed to a few realistic near-duplicates lose diversity but keep quality", async () => {
  const e = await score("near-duplicates", () => fewNearDuplicates(pool.train, 10, N, 3));
  assert.ok(e.scores.diversity.value < 0.55, describe(e));
  assert.ok(e.scores.quality.value >= 0.6, describe(e));
  assert.ok(kinds(e).includes("mode_collapse"));
  // ten groups of repeats, each holding the 30 copies of one image
  assert.equal(e.perSample.duplicateGroups.length, 10);
  assert.ok(
    e.perSample.duplicateGroups.every((g) => g.length === N / 10 && g.every((i) => i % 10 === g[0]! % 10)),
  );
});

test("uniform noise has low quality and is flagged as noise", async () => {
  const e = await score("noise", () => uniformNoise(N, 28, 28, 4));
  assert.ok(e.scores.quality.value < 0.3, describe(e));
  const noise = e.flags.find((f) => f.kind === "noise");
  assert.ok(noise !== undefined && noise.severity === "fail", JSON.stringify(e.flags));
});

test("blurred real images (Gaussian, sigma 1.5 px) score clearly below real and are flagged as blurry", async () => {
  const sharp = await real();
  const e = await score("blurred", () => gaussianBlur(drawImages(pool.train, N, 1), 1.5));
  assert.ok(
    e.scores.quality.value < sharp.scores.quality.value - 0.3,
    `${describe(e)} vs real ${describe(sharp)}`,
  );
  assert.ok(e.scores.quality.high < sharp.scores.quality.low, "the intervals do not overlap");
  const blur = e.flags.find((f) => f.kind === "blur");
  assert.ok(blur !== undefined, JSON.stringify(e.flags));
  assert.match(blur.evidence, /Laplacian variance of its nearest real images, below the 5th percentile/);
  assert.ok(!kinds(sharp).includes("blur"));
});

test("exact and near copies of TRAIN images look fine on both scores but are flagged as memorisation", async () => {
  // half exact copies, half copies with pixel noise of sigma 0.01
  const picked = drawImages(data.train, N, 5);
  const noisy = jitter(picked, 0.01, 6);
  const size = picked.h * picked.w;
  const copies = { ...picked, data: Float32Array.from(picked.data) };
  copies.data.set(noisy.data.subarray((N / 2) * size), (N / 2) * size);
  const e = await score("copies", () => copies);
  assert.ok(e.scores.quality.value >= 0.9, describe(e));
  assert.ok(e.scores.diversity.value >= 0.9, describe(e));
  const flag = e.flags.find((f) => f.kind === "memorization");
  assert.ok(flag !== undefined && flag.severity === "fail", JSON.stringify(e.flags));
  assert.ok(e.metrics["memorization/copy_share"]! > 0.9);
  assert.equal(e.metrics["memorization/exact_share"], 0.5);
  assert.ok(!kinds(await real()).includes("memorization"));
});

test("flags carry evidence and values in the evaluation.json shape", () => {
  const flags = [...results.values()].flatMap((e) => e.flags);
  assert.ok(flags.length >= 5);
  for (const flag of flags) {
    FlagSchema.parse(flag);
    assert.ok(Object.keys(flag.values).length > 0);
    assert.match(flag.evidence, /\d/);
  }
});

test("the same reference and seed give identical scores, metrics and per-sample values", async () => {
  const images = drawImages(pool.train, N, 9);
  const a = await scoreSamples(reference, images);
  const b = await scoreSamples(reference, images);
  assert.deepEqual(a.scores, b.scores);
  assert.deepEqual(a.metrics, b.metrics);
  assert.deepEqual(a.perSample, b.perSample);
  const other = await scoreSamples(reference, images, { seed: 1 });
  assert.equal(other.scores.quality.value, a.scores.quality.value, "the seed moves the interval only");
  assert.notDeepEqual(other.scores, a.scores);
});

test("per-sample values cover every sample and point into TRAIN", async () => {
  const e = await real();
  const { perSample } = e;
  for (const list of [
    perSample.realism,
    perSample.nearestTrainIndex,
    perSample.nearestTrainDistance,
    perSample.sharpness,
  ]) {
    assert.equal(list.length, N);
  }
  assert.ok(
    perSample.nearestTrainIndex.every((j) => Number.isInteger(j) && j >= 0 && j < data.train.images.n),
  );
  assert.equal(perSample.predictedClass?.length, N);
  assert.equal(e.metrics["extractor/test_accuracy"], extractor.info.testAccuracy);
});

test("samples of another size or count are refused with the sizes named", async () => {
  await assert.rejects(
    scoreSamples(reference, uniformNoise(10, 16, 16, 0)),
    /samples are 16x16 but .* images are 28x28/,
  );
  await assert.rejects(
    scoreSamples(reference, drawImages(pool.train, 1200, 0)),
    /1000 TEST and 3000 TRAIN images; evaluate at most 1000 samples/,
  );
});
