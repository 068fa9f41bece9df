// The model families on tiny images: a training step gives finite losses, samplers return images in
// [0, 1] of the data's size and export .onnx files that plain onnxruntime runs to the same values; the
// GAN's generator moves toward the data's pixel statistics; schedules, DDIM and settings behave.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import ort from "onnxruntime-node";
import { loadDataset } from "../data/load.ts";
import { ConfigError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";
import { parseSetting } from "./config.ts";
import { ddimStep } from "./diffusion.ts";
import { createModel, MODEL_KINDS, parseModelKind } from "./index.ts";
import { toSigned, toUnit } from "./pixels.ts";
import { alphasCumprod, ddimTimesteps } from "./schedule.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-models-"));
after(() => rmSync(root, { recursive: true, force: true }));

const SIZE = { h: 16, w: 16 };
const B = 16;
/** Narrow layers: the tests check wiring and numerics, not quality. */
const TINY = { channels: [4, 8] };

function setup() {
  return { size: SIZE, batchSize: B, lr: 1e-3, seed: 3, stepsPerEpoch: 4, threads: 1 };
}

function mean(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

for (const kind of MODEL_KINDS) {
  test(`${kind}: a step trains, the sampler draws [0,1] images and its .onnx runs in plain onnxruntime`, async () => {
    const model = createModel(kind, kind === "diffusion" ? { ...TINY, ddimSteps: 3 } : TINY, SIZE);
    const trainer = await model.createTrainer(setup());
    const x = new Rng(1).fillUniform(new Float32Array(B * 256)) as Float32Array;
    const metrics = await trainer.step(x, new Rng(2));
    assert.ok(Object.keys(metrics).some((k) => k.startsWith("loss/")));
    for (const [key, value] of Object.entries(metrics))
      assert.ok(Number.isFinite(value), `${key} = ${value}`);
    assert.equal(trainer.stepCount, 1);

    const sampler = await model.createSampler(trainer.samplerWeights, 1);
    const per = model.inputShape.reduce((a, b) => a * b, 1);
    const inputs = new Rng(4).fillNormal(new Float32Array(3 * per)) as Float32Array;
    const images = await sampler.sample(inputs.slice());
    assert.deepEqual([images.n, images.h, images.w], [3, 16, 16]);
    assert.ok(images.data.every((v) => v >= 0 && v <= 1));
    assert.deepEqual((await sampler.sample(inputs.slice())).data, images.data, "sampling is deterministic");

    // the exported file alone reproduces the sampler's network.
    const path = join(root, `${kind}.onnx`);
    sampler.exportOnnx(path);
    const session = await ort.InferenceSession.create(readFileSync(path));
    if (kind === "diffusion") {
      assert.deepEqual(session.inputNames, ["x_t", "t"]);
      const out = await session.run({
        x_t: new ort.Tensor("float32", inputs.subarray(0, 256), [1, 1, 16, 16]),
        t: new ort.Tensor("float32", new Float32Array([999]), [1, 1]),
      });
      assert.deepEqual(session.outputNames, ["v"], "the default denoiser predicts v");
      assert.deepEqual(out["v"]!.dims, [1, 1, 16, 16]);
      assert.equal(sampler.sampling["prediction"], "v");
      assert.equal((sampler.sampling["alphasCumprod"] as number[]).length, 1000);
      assert.deepEqual(sampler.sampling["ddimTimesteps"], [999, 666, 332]);
    } else {
      const z = new ort.Tensor("float32", inputs.subarray(0, 2 * per), [2, per]);
      const out = await session.run({ z });
      assert.deepEqual(out["image"]!.dims, [2, 1, 16, 16]);
      const values = out["image"]!.data as Float32Array;
      for (let i = 0; i < values.length; i++) assert.ok(Math.abs(values[i]! - images.data[i]!) < 1e-5);
    }
    await session.release();
    await sampler.dispose();
    await trainer.dispose();
  });
}

test("gan: the generator's pixel statistics move toward the data's within 80 steps", async () => {
  const data = loadDataset("shapes:size=16,train=512,test=16").train.images;
  const dataMean = mean(data.data);
  const model = createModel("gan", { channels: [8, 16] }, SIZE);
  const trainer = await model.createTrainer({ ...setup(), batchSize: 32, lr: 1e-3 });
  const sampler = await model.createSampler(trainer.samplerWeights, 1);
  const z = new Rng(5).fillNormal(new Float32Array(64 * 32)) as Float32Array;
  const gap = async () => Math.abs(mean((await sampler.sample(z)).data) - dataMean);

  const before = await gap();
  const rng = new Rng(6);
  const batch = new Float32Array(32 * 256);
  for (let step = 0; step < 80; step++) {
    const order = rng.sample(data.n, 32);
    order.forEach((idx, i) => {
      batch.set(data.data.subarray(idx * 256, (idx + 1) * 256), i * 256);
    });
    await trainer.step(batch, rng);
  }
  const afterTraining = await gap();
  assert.ok(
    afterTraining < before / 2,
    `mean pixel gap to the data ${before.toFixed(3)} -> ${afterTraining.toFixed(3)} (data mean ${dataMean.toFixed(3)})`,
  );
  await sampler.dispose();
  await trainer.dispose();
});

test("gan: both layouts train a step; resize-conv upsamples by convolution, transposed keeps DCGAN's layers", async () => {
  const layers = {
    "resize-conv": ["gen.u1.weight", "gen.t1.weight"],
    transposed: ["gen.t1.weight", "gen.u1.weight"],
  };
  for (const [architecture, [present, absent]] of Object.entries(layers)) {
    const model = createModel("gan", { ...TINY, architecture }, SIZE);
    const trainer = await model.createTrainer(setup());
    const x = new Rng(1).fillUniform(new Float32Array(B * 256)) as Float32Array;
    const metrics = await trainer.step(x, new Rng(2));
    assert.ok(Number.isFinite(metrics["loss/g"]!) && Number.isFinite(metrics["loss/d"]!), architecture);
    assert.ok(trainer.samplerWeights.get(present!) !== undefined, `${architecture} has ${present}`);
    assert.equal(trainer.samplerWeights.get(absent!), undefined, `${architecture} has no ${absent}`);
    await trainer.dispose();
  }
  assert.throws(() => createModel("gan", { architecture: "mlp" }, SIZE), /gan model setting 'architecture'/);
});

test("gan: the R1 penalty's double gradient compiles and adds a positive term", async () => {
  const model = createModel("gan", { ...TINY, r1Gamma: 10 }, SIZE);
  const trainer = await model.createTrainer(setup());
  const x = new Rng(1).fillUniform(new Float32Array(B * 256)) as Float32Array;
  const first = await trainer.step(x, new Rng(2));
  const second = await trainer.step(x, new Rng(3));
  assert.ok(first["loss/r1"]! > 0 && Number.isFinite(second["loss/r1"]!), JSON.stringify(first));
  await trainer.dispose();
});

test("schedules: alphaBar falls from ~1 to ~0; linear matches Ho et al.; DDIM steps are trailing", () => {
  for (const kind of ["cosine", "linear"] as const) {
    const ab = alphasCumprod(kind, 1000);
    assert.ok(ab[0]! > 0.999 && ab[999]! < 1e-3, `${kind}: ${ab[0]} .. ${ab[999]}`);
    for (let t = 1; t < 1000; t++) assert.ok(ab[t]! < ab[t - 1]!);
  }
  const linear = alphasCumprod("linear", 1000);
  assert.ok(Math.abs(linear[0]! - (1 - 1e-4)) < 1e-12);
  assert.ok(Math.abs(linear[1]! - (1 - 1e-4) * (1 - (1e-4 + (0.02 - 1e-4) / 999))) < 1e-12);
  assert.deepEqual(ddimTimesteps(1000, 4), [999, 749, 499, 249]);
  assert.deepEqual(ddimTimesteps(10, 10), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  assert.throws(() => ddimTimesteps(100, 101), ConfigError);
});

test("ddimStep: with the true noise (as eps or v) it lands exactly on the next point of the same trajectory", () => {
  const rng = new Rng(8);
  const x0 = rng.fillUniform(new Float32Array(50), -0.9, 0.9) as Float32Array;
  const eps = rng.fillNormal(new Float32Array(50)) as Float32Array;
  const [ab, abNext] = [0.3, 0.8];
  const v = x0.map((x, i) => Math.sqrt(ab) * eps[i]! - Math.sqrt(1 - ab) * x);
  for (const [prediction, out] of [
    ["eps", eps],
    ["v", v],
  ] as const) {
    const x = x0.map((value, i) => Math.sqrt(ab) * value + Math.sqrt(1 - ab) * eps[i]!);
    const predicted = new Float32Array(50);
    ddimStep(x, out, predicted, ab, abNext, prediction);
    for (let i = 0; i < 50; i++) {
      assert.ok(Math.abs(predicted[i]! - x0[i]!) < 1e-5, `${prediction}: x0[${i}]`);
      const next = Math.sqrt(abNext) * x0[i]! + Math.sqrt(1 - abNext) * eps[i]!;
      assert.ok(Math.abs(x[i]! - next) < 1e-5, `${prediction}: x[${i}]`);
    }
  }
  // the last step (abNext = 1) returns the clipped x0 itself.
  const far = new Float32Array([5]);
  const out = new Float32Array(1);
  ddimStep(far, new Float32Array([0]), out, 0.5, 1, "eps");
  assert.deepEqual([out[0], far[0]], [1, 1]);
});

test("pixels: [0,1] <-> [-1,1] round trip, clamped on the way back", () => {
  const unit = new Float32Array([0, 0.25, 1]);
  assert.deepEqual([...toSigned(unit)], [-1, -0.5, 1]);
  assert.deepEqual([...toUnit(toSigned(unit))], [0, 0.25, 1]);
  assert.deepEqual([...toUnit(toSigned(new Float32Array([1.5, -0.5])))], [1, 0]);
});

test("settings: parsed from key=value, checked per model with the key named", () => {
  assert.deepEqual(parseSetting("channels=8,16"), ["channels", [8, 16]]);
  assert.deepEqual(parseSetting("klWeight=0.5"), ["klWeight", 0.5]);
  assert.deepEqual(parseSetting("schedule=linear"), ["schedule", "linear"]);
  assert.deepEqual(parseSetting("emaWarmup=false"), ["emaWarmup", false]);
  assert.throws(
    () => createModel("diffusion", { emaWarmup: "no" }, SIZE),
    /diffusion model setting 'emaWarmup'/,
  );
  assert.throws(() => parseSetting("oops"), /--set expects key=value, got 'oops'/);
  assert.throws(() => createModel("vae", { klWieght: 1 }, SIZE), /vae model setting '\(config\)'|klWieght/);
  assert.throws(
    () => createModel("diffusion", { schedule: "sigmoid" }, SIZE),
    /diffusion model setting 'schedule'/,
  );
  assert.throws(
    () => createModel("gan", {}, { h: 30, w: 30 }, "png:/x"),
    /multiples of 4.*got 30x30 from png:\/x/,
  );
  assert.throws(() => parseModelKind("flow"), /unknown model 'flow': expected one of vae, gan, diffusion/);
  assert.equal(createModel("vae", {}, SIZE).config["latentDim"], 16);
});
