// Sampling saved checkpoints: the fixed seed set replays the images written at training time, fresh
// samples depend only on their seed, the exported sampler.onnx alone gives the same images, and asking for
// a checkpoint that is not there names the ones that are.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import ort from "onnxruntime-node";
import { imageAt } from "../data/types.ts";
import { toByte } from "../image/image.ts";
import { readPng } from "../image/png.ts";
import { runPaths } from "../run/layout.ts";
import {
  lastCheckpointEpoch,
  openSampler,
  readSeeds,
  sampleCheckpoint,
  sampleFixedSeeds,
  trainRun,
} from "./index.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-sample-"));
after(() => rmSync(root, { recursive: true, force: true }));
const runs: Record<"vae" | "diffusion", string> = {
  vae: join(root, "vae"),
  diffusion: join(root, "diffusion"),
};

before(async () => {
  const common = {
    data: "shapes:size=16,train=64,test=16",
    epochs: 1,
    batchSize: 16,
    samples: 6,
    threads: 1,
  };
  await trainRun({ ...common, model: "vae", out: runs.vae, config: { channels: [4, 8], latentDim: 4 } });
  await trainRun({
    ...common,
    model: "diffusion",
    out: runs.diffusion,
    config: { channels: [4, 8], ddimSteps: 4 },
  });
});

for (const kind of ["vae", "diffusion"] as const) {
  test(`${kind}: the fixed seed set replays the PNGs written during training`, async () => {
    const run = runs[kind];
    const images = await sampleFixedSeeds(run, 1);
    assert.equal(images.n, 6);
    for (let i = 0; i < images.n; i++) {
      const png = readPng(runPaths(run).samples(1).seed(i));
      assert.deepEqual(
        png.data.map((v) => Math.round(v * 255)),
        imageAt(images, i).map((v) => toByte(v)),
        `seed ${i}`,
      );
    }
  });
}

test("fresh samples: the same seed gives the same images, another seed other images", async () => {
  const a = await sampleCheckpoint(runs.vae, 1, 5, 3);
  const b = await sampleCheckpoint(runs.vae, 1, 5, 3);
  const c = await sampleCheckpoint(runs.vae, 1, 5, 4);
  assert.deepEqual([a.n, a.h, a.w], [5, 16, 16]);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.ok(a.data.every((v) => v >= 0 && v <= 1));
  const fixed = await sampleFixedSeeds(runs.vae, 1);
  assert.notDeepEqual(
    a.data.subarray(0, 256),
    fixed.data.subarray(0, 256),
    "fresh inputs are not the fixed set",
  );

  // more DDIM steps change a diffusion sample, and only diffusion runs take the option.
  const coarse = await sampleCheckpoint(runs.diffusion, 1, 2, 1);
  const fine = await sampleCheckpoint(runs.diffusion, 1, 2, 1, { ddimSteps: 12 });
  assert.notDeepEqual(coarse.data, fine.data);
  await assert.rejects(sampleCheckpoint(runs.vae, 1, 2, 1, { ddimSteps: 12 }), /applies to diffusion runs/);
});

test("the exported sampler.onnx alone reproduces the checkpoint's fixed-seed images", async () => {
  const run = runs.vae;
  const { values, set } = readSeeds(run);
  const session = await ort.InferenceSession.create(readFileSync(runPaths(run).checkpoint(1).sampler));
  const out = await session.run({ z: new ort.Tensor("float32", values, set.shape) });
  const expected = await sampleFixedSeeds(run, 1);
  const got = out["image"]!.data as Float32Array;
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - expected.data[i]!) < 1e-5);
  await session.release();
});

test("samplers open any complete checkpoint and name the available ones otherwise", async () => {
  assert.equal(lastCheckpointEpoch(runs.vae), 1);
  const sampler = await openSampler(runs.vae, 0);
  assert.deepEqual([sampler.model, sampler.seedKind, sampler.inputShape], ["vae", "latent", [4]]);
  const inputs = sampler.drawInputs(3, 9);
  assert.equal((await sampler.sample(inputs, 2)).n, 2);
  await assert.rejects(sampler.sample(inputs, 4), /4 samples need 16 input values of shape \[4\], got 12/);
  await sampler.dispose();
  await assert.rejects(openSampler(runs.vae, 5), /no complete checkpoint at epoch 5 \(available: 0, 1\)/);
  await assert.rejects(openSampler(join(root, "nothing"), 1), /not a genreview run folder/);
});
