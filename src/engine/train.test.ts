// Training end to end: the compiled step reproduces a hand-written float64 computation of the same
// optimiser on the same problem, and small models converge.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DivergenceError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";
import { Graph } from "./graph.ts";
import { constantInit } from "./init.ts";
import * as layers from "./layers.ts";
import * as losses from "./losses.ts";
import { adam, adamw, sgd } from "./optim.ts";
import { compileTraining, type Trainer } from "./trainer.ts";

// Linear regression y = x w + b on fixed data, D features, B samples.
const B = 16;
const D = 3;

function regressionData(): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(3);
  const x = rng.fillNormal(new Float64Array(B * D)) as Float64Array;
  const y = new Float64Array(B);
  for (let i = 0; i < B; i++)
    y[i] = 2 * x[i * D]! - x[i * D + 1]! + 0.5 * x[i * D + 2]! + 0.3 + 0.1 * rng.normal();
  return { x, y };
}

/** Mean squared error and its gradient for weights (w[0..D-1], b), computed directly in float64. */
function lossAndGrad(x: Float64Array, y: Float64Array, theta: number[]): { loss: number; g: number[] } {
  let loss = 0;
  const g = new Array<number>(D + 1).fill(0);
  for (let i = 0; i < B; i++) {
    let pred = theta[D]!;
    for (let j = 0; j < D; j++) pred += x[i * D + j]! * theta[j]!;
    const r = pred - y[i]!;
    loss += (r * r) / B;
    for (let j = 0; j < D; j++) g[j]! += (2 * r * x[i * D + j]!) / B;
    g[D]! += (2 * r) / B;
  }
  return { loss, g };
}

function regressionGraph(): { g: Graph; loss: ReturnType<typeof losses.mse> } {
  const g = new Graph({ dtype: "float64", seed: 0 });
  const x = g.input("x", [B, D]);
  const y = g.input("y", [B, 1]);
  const w = g.param("w", [D, 1], constantInit(0.1));
  const b = g.param("b", [1], constantInit(-0.2));
  return { g, loss: losses.mse(g, g.add(g.matmul(x, w), b), y) };
}

test("Adam on linear regression follows the hand-computed loss curve (float64)", async () => {
  const { x, y } = regressionData();
  const { g, loss } = regressionGraph();
  const trainer = await compileTraining(g, { loss, optimizer: adam({ lr: 0.05 }), threads: 1 });
  const theta = [0.1, 0.1, 0.1, -0.2];
  const m = new Array<number>(D + 1).fill(0);
  const v = new Array<number>(D + 1).fill(0);
  for (let t = 1; t <= 60; t++) {
    const { loss: expected, g: gr } = lossAndGrad(x, y, theta);
    const { loss: got } = await trainer.step({ x, y });
    assert.ok(Math.abs(got - expected) <= 1e-10 * Math.max(1, expected), `step ${t}: ${got} vs ${expected}`);
    // torch.optim.Adam, written out.
    for (let j = 0; j <= D; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * gr[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * gr[j]! * gr[j]!;
      const mHat = m[j]! / (1 - 0.9 ** t);
      const vHat = v[j]! / (1 - 0.999 ** t);
      theta[j] = theta[j]! - (0.05 * mHat) / (Math.sqrt(vHat) + 1e-8);
    }
  }
  const w = trainer.weights.get("w")!;
  for (let j = 0; j < D; j++) assert.ok(Math.abs(w[j]! - theta[j]!) < 1e-9);
  assert.ok(Math.abs(trainer.weights.get("b")![0]! - theta[D]!) < 1e-9);
  assert.equal(trainer.stepCount, 60);
  await trainer.dispose();
});

test("SGD with momentum and gradient clipping follow the hand computation (float64)", async () => {
  const { x, y } = regressionData();
  const { g, loss } = regressionGraph();
  const trainer = await compileTraining(g, {
    loss,
    optimizer: sgd({ lr: 0.1, momentum: 0.9 }),
    clipNorm: 1,
    threads: 1,
  });
  const theta = [0.1, 0.1, 0.1, -0.2];
  const buf = new Array<number>(D + 1).fill(0);
  for (let t = 1; t <= 30; t++) {
    const { loss: expected, g: gr } = lossAndGrad(x, y, theta);
    const result = await trainer.step({ x, y });
    assert.ok(Math.abs(result.loss - expected) <= 1e-10 * Math.max(1, expected), `step ${t}`);
    const norm = Math.sqrt(gr.reduce((s, gi) => s + gi * gi, 0));
    assert.ok(Math.abs(result.gradNorm! - norm) < 1e-10 * Math.max(1, norm));
    const factor = Math.min(1, 1 / (norm + 1e-6));
    for (let j = 0; j <= D; j++) {
      buf[j] = 0.9 * buf[j]! + gr[j]! * factor;
      theta[j] = theta[j]! - 0.1 * buf[j]!;
    }
  }
  await trainer.dispose();
});

test("EMA of the weights, plain and warmed up, follows the hand computation (float64)", async () => {
  const { x, y } = regressionData();
  for (const warmup of [false, true]) {
    const { g, loss } = regressionGraph();
    const trainer = await compileTraining(g, {
      loss,
      optimizer: sgd({ lr: 0.05 }),
      ema: { decay: 0.99, warmup },
      threads: 1,
    });
    const theta = [0.1, 0.1, 0.1, -0.2];
    const ema = [...theta];
    for (let t = 1; t <= 40; t++) {
      const { g: gr } = lossAndGrad(x, y, theta);
      await trainer.step({ x, y });
      // warm-up: min(decay, (1 + t) / (10 + t)), 0.18 at step 1 and still below 0.99 at step 40.
      const decay = warmup ? Math.min(0.99, (1 + t) / (10 + t)) : 0.99;
      for (let j = 0; j <= D; j++) {
        theta[j] = theta[j]! - 0.05 * gr[j]!;
        ema[j] = decay * ema[j]! + (1 - decay) * theta[j]!;
      }
    }
    const got = [...trainer.emaWeights.get("w")!, trainer.emaWeights.get("b")![0]!];
    for (let j = 0; j <= D; j++)
      assert.ok(Math.abs(got[j]! - ema[j]!) < 1e-10, `warmup ${warmup}, EMA ${j}: ${got[j]} vs ${ema[j]}`);
    await trainer.dispose();
  }
});

test("AdamW decays weights and an MLP learns XOR (float32)", async () => {
  const g = new Graph({ seed: 5 });
  const x = g.input("x", [4, 2]);
  const t = g.input("t", [4, 1]);
  const h = g.tanh(layers.dense(g, "fc1", x, 8, { init: "xavier" }));
  const logits = layers.dense(g, "fc2", h, 1, { init: "xavier" });
  const loss = losses.bceWithLogits(g, logits, t);
  const trainer = await compileTraining(g, {
    loss,
    optimizer: adamw({ lr: 0.05, weightDecay: 1e-4 }),
    extraOutputs: { logits },
    threads: 1,
  });
  const xs = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
  const ts = new Float32Array([0, 1, 1, 0]);
  let last = await trainer.step({ x: xs, t: ts });
  for (let i = 1; i < 300; i++) last = await trainer.step({ x: xs, t: ts });
  assert.ok(last.loss < 0.05, `XOR loss after 300 steps: ${last.loss}`);
  const out = last.outputs["logits"]!;
  assert.deepEqual(
    [...out].map((v) => (v > 0 ? 1 : 0)),
    [0, 1, 1, 0],
  );
  await trainer.dispose();
});

test("a diverging step throws DivergenceError and leaves the weights unchanged", async () => {
  const g = new Graph({ seed: 1 });
  const x = g.input("x", [2, 2]);
  const w = g.param("w", [2, 2], constantInit(1));
  const loss = g.sum(g.log(g.matmul(x, w)));
  const trainer = await compileTraining(g, { loss, optimizer: sgd({ lr: 0.1 }), threads: 1 });
  const before = new Float32Array(trainer.weights.get("w")!);
  await assert.rejects(trainer.step({ x: new Float32Array([-1, -1, -1, -1]) }), DivergenceError);
  assert.deepEqual(trainer.weights.get("w"), before);
  assert.equal(trainer.stepCount, 0);
  await trainer.dispose();
});

test("a GAN's two trainers share weights: the generator moves towards the data", async () => {
  // 1-D toy: real samples ~ N(3, 0.5^2); G maps z ~ N(0, 1) through a small MLP; D is a small MLP.
  const b = 64;
  const generator = (g: Graph, z: ReturnType<Graph["input"]>) =>
    layers.dense(g, "G.out", g.leakyRelu(layers.dense(g, "G.fc", z, 16)), 1, { init: "xavier" });
  const discriminator = (g: Graph, x: ReturnType<Graph["input"]>) =>
    layers.dense(g, "D.out", g.leakyRelu(layers.dense(g, "D.fc", x, 16)), 1, { init: "xavier" });

  // D step: real and generated samples, only D's parameters trained, G's read from the G trainer.
  const gd = new Graph({ seed: 7 });
  const real = gd.input("real", [b, 1]);
  const zd = gd.input("z", [b, 1]);
  const fakeD = generator(gd, zd);
  const dLoss = losses.ganDiscriminatorLoss(gd, discriminator(gd, real), discriminator(gd, fakeD));
  const dParams = gd
    .params()
    .filter((p) => p.name.startsWith("D."))
    .map((p) => p.tensor);

  // G step: only G's parameters trained, D's read from the D trainer.
  const gg = new Graph({ seed: 7 });
  const zg = gg.input("z", [b, 1]);
  const fakeG = generator(gg, zg);
  const gLoss = losses.ganGeneratorLoss(gg, discriminator(gg, fakeG));
  const gParams = gg
    .params()
    .filter((p) => p.name.startsWith("G."))
    .map((p) => p.tensor);

  // each trainer reads the other's live weights; the late lookup lets the two refer to each other.
  const trainers: { g?: Trainer } = {};
  const dTrainer = await compileTraining(gd, {
    loss: dLoss,
    params: dParams,
    optimizer: adam({ lr: 2e-3, beta1: 0.5 }),
    sharedWeights: { get: (name) => trainers.g?.weights.get(name) },
    threads: 1,
  });
  const gTrainer = await compileTraining(gg, {
    loss: gLoss,
    params: gParams,
    optimizer: adam({ lr: 2e-3, beta1: 0.5 }),
    sharedWeights: dTrainer.weights,
    extraOutputs: { fake: fakeG },
    threads: 1,
  });
  trainers.g = gTrainer;

  const rng = new Rng(1);
  const meanOf = (v: Float32Array | Float64Array) => {
    let sum = 0;
    for (const x of v) sum += x;
    return sum / v.length;
  };
  let fake: Float32Array | Float64Array = new Float32Array(b);
  for (let i = 0; i < 400; i++) {
    const realBatch = rng.fillNormal(new Float32Array(b), 3, 0.5);
    await dTrainer.step({ real: realBatch, z: rng.fillNormal(new Float32Array(b)) });
    // the G trainer must see D's update: its shared map is D's live `weights`.
    fake = (await gTrainer.step({ z: rng.fillNormal(new Float32Array(b)) })).outputs["fake"]!;
  }
  assert.ok(Math.abs(meanOf(fake) - 3) < 0.75, `generated mean ${meanOf(fake)} should approach 3`);
  // the G trainer's own copy of D is never used nor trained while the shared source has D's values.
  assert.deepEqual(gTrainer.weights.get("D.fc.weight"), gg.paramInfo("D.fc.weight")!.initial);
  assert.notDeepEqual(dTrainer.weights.get("D.fc.weight"), gg.paramInfo("D.fc.weight")!.initial);
  await dTrainer.dispose();
  await gTrainer.dispose();
});
