import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadDataset } from "../data/load.ts";
import type { ImageBatch } from "../data/types.ts";
import { imageAt } from "../data/types.ts";
import { readPng } from "../image/png.ts";
import { knn, nearDuplicates, realism } from "../metrics/index.ts";
import { runPaths } from "../run/layout.ts";
import type { Matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { chooseFailures, FAILURE_COUNTS, type FailureInputs, writeFailures } from "./failures.ts";

const dataset = loadDataset("shapes:size=16,train=300,test=100,seed=5");
const { h, w } = dataset.train.images;
const dir = mkdtempSync(join(tmpdir(), "genreview-failures-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function pixels(batch: ImageBatch): Matrix {
  return { data: Float64Array.from(batch.data), rows: batch.n, cols: h * w };
}

/**
 * 40 samples: test images 0-29, then 5 copies of training image 7 (exact), then 5 images of uniform
 * noise. The copies form one near-duplicate group and are the nearest to a training image; the noise
 * is the least realistic.
 */
function samples(): ImageBatch {
  const n = 40;
  const data = new Float32Array(n * h * w);
  data.set(dataset.test.images.data.subarray(0, 30 * h * w));
  for (let i = 30; i < 35; i++) data.set(imageAt(dataset.train.images, 7), i * h * w);
  new Rng(1).fillUniform(data.subarray(35 * h * w));
  return { data, n, h, w };
}

async function measured(images: ImageBatch): Promise<FailureInputs> {
  const train = pixels(dataset.train.images);
  const fake = pixels(images);
  const r = await realism(train, fake, { k: 5 });
  const nn = await knn(fake, train, 1);
  const dupes = await nearDuplicates(pixels(dataset.test.images), fake, { seed: 0 });
  return {
    realism: r.scores.map((v) => (Number.isFinite(v) ? v : null)),
    nearestTrainIndex: Array.from(nn.indices),
    nearestTrainDistance: Array.from(nn.distances),
    duplicateGroups: dupes.groups,
  };
}

test("failure choice: noise is least realistic, copies are duplicates and nearest to training, averages are middling", async () => {
  const images = samples();
  const inputs = await measured(images);
  const choices = chooseFailures(inputs, images);
  const of = (kind: string) => choices.filter((c) => c.kind === kind);

  assert.equal(of("least_realistic").length, FAILURE_COUNTS.leastRealistic);
  for (const c of of("least_realistic")) assert.ok(c.index >= 35, `least realistic ${c.index} is noise`);
  const dupes = of("near_duplicate");
  assert.deepEqual(
    dupes.map((c) => c.index),
    [30, 31, 32, 33],
  );
  for (const c of dupes) {
    assert.equal(c.group, 0);
    assert.equal(c.value, 0); // exact copies: RMS difference 0
  }
  for (const c of of("nearest_train")) {
    assert.ok(c.index >= 30 && c.index < 35);
    assert.equal(c.value, 0);
    assert.equal(inputs.nearestTrainIndex[c.index], 7);
  }
  // averages: realism within the middle of the finite values, and not the noise
  const finite = inputs.realism.filter((r): r is number => r !== null).sort((a, b) => a - b);
  const median = finite[Math.floor(finite.length / 2)]!;
  for (const c of of("average")) {
    assert.ok(c.index < 35);
    assert.ok(Math.abs(c.value! - median) <= Math.abs(finite[0]! - median));
  }
});

test("writeFailures writes PNGs (nearest-train as a strip beside its training image) and replaces old ones", async () => {
  const images = samples();
  const inputs = await measured(images);
  const run = join(dir, "run");
  const stale = runPaths(run).failures(10);
  // an image from an earlier evaluation must not survive
  const records0 = writeFailures({
    run,
    epoch: 10,
    choices: [{ kind: "average", index: 0, value: 1 }],
    images,
    train: dataset.train.images,
    nearestTrainIndex: inputs.nearestTrainIndex,
  });
  assert.equal(records0[0]!.image, "review/failures/epoch-0010/average-0.png");
  writeFileSync(join(stale, "old.png"), "x");

  const records = writeFailures({
    run,
    epoch: 10,
    choices: chooseFailures(inputs, images),
    images,
    train: dataset.train.images,
    nearestTrainIndex: inputs.nearestTrainIndex,
    seedOf: (i) => (i < 32 ? i : undefined),
  });
  assert.ok(!existsSync(join(stale, "old.png")));
  for (const r of records) assert.ok(existsSync(join(run, r.image)), r.image);
  assert.equal(
    readdirSync(stale).length,
    records.length + records.filter((r) => r.kind === "nearest_train").length,
  );

  const dupe = records.find((r) => r.kind === "near_duplicate")!;
  assert.equal(dupe.image, "review/failures/epoch-0010/near-duplicate-g0-0.png");
  assert.equal(dupe.seed, 30);
  const nearest = records.find((r) => r.kind === "nearest_train")!;
  assert.equal(nearest.trainIndex, 7);
  assert.equal(nearest.trainImage, "review/failures/epoch-0010/nearest-train-0-train.png");
  const stripPng = readPng(join(run, nearest.image));
  assert.equal(stripPng.w, 2 * w + 2);
  assert.equal(stripPng.h, h);
  // left half is the sample, right half the training image, both equal here (a copy)
  const trainPng = readPng(join(run, nearest.trainImage!));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      assert.equal(stripPng.data[y * (2 * w + 2) + x], trainPng.data[y * w + x]);
      assert.equal(stripPng.data[y * (2 * w + 2) + w + 2 + x], trainPng.data[y * w + x]);
    }
  assert.equal(records.find((r) => r.kind === "least_realistic")!.seed, undefined);
});
