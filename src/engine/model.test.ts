// Models as artefacts: bit-identical resume from a checkpoint, inference graphs sharing a trainer's
// weights, standalone .onnx exports that plain onnxruntime runs, and shape errors named by layer.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ort from "onnxruntime-node";
import { CheckpointError, GraphError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";
import { Graph, type Tensor } from "./graph.ts";
import * as layers from "./layers.ts";
import * as losses from "./losses.ts";
import { adam } from "./optim.ts";
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from "./safetensors.ts";
import { compileInference } from "./session.ts";
import { compileTraining, readCheckpointWeights, type Trainer } from "./trainer.ts";

// A tiny conv VAE on 8x8 images: B batch, Z latent size.
const B = 4;
const Z = 3;

function decoder(g: Graph, z: Tensor): Tensor {
  const h = g.relu(layers.dense(g, "dec.fc", z, 4 * 2 * 2));
  const h4 = g.reshape(h, [z.shape[0]!, 4, 2, 2]);
  const up = g.relu(
    layers.convTranspose2d(g, "dec.t1", h4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  );
  return layers.convTranspose2d(g, "dec.t2", g.upsampleNearest(up, 1), 1, 3, {
    stride: 2,
    padding: 1,
    outputPadding: 1,
  });
}

function vaeGraph(seed: number) {
  const g = new Graph({ seed });
  const x = g.input("x", [B, 1, 8, 8]);
  const eps = g.input("eps", [B, Z]);
  const h = g.relu(layers.conv2d(g, "enc.c1", x, 2, 3, { stride: 2, padding: 1 }));
  const n = layers.groupNorm(g, "enc.norm", h, 2);
  const stats = layers.dense(g, "enc.fc", n.flatten(), 2 * Z);
  const mean = g.slice(stats, 1, 0, Z);
  const logvar = g.slice(stats, 1, Z, 2 * Z);
  const logits = decoder(g, layers.reparameterize(g, mean, logvar, eps));
  return { g, loss: losses.vaeLoss(g, logits, x, mean, logvar) };
}

async function vaeTrainer(seed: number, threads = 2): Promise<Trainer> {
  const { g, loss } = vaeGraph(seed);
  return compileTraining(g, {
    loss,
    optimizer: adam({ lr: 1e-2 }),
    clipNorm: 5,
    ema: { decay: 0.9 },
    threads,
  });
}

async function runSteps(trainer: Trainer, rng: Rng, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const x = rng.fillUniform(new Float32Array(B * 64)) as Float32Array;
    const eps = rng.fillNormal(new Float32Array(B * Z)) as Float32Array;
    out.push((await trainer.step({ x, eps })).loss);
  }
  return out;
}

test("a run resumed from a checkpoint continues bit-identically", async () => {
  const dir = mkdtempSync(join(tmpdir(), "engine-ckpt-"));
  try {
    const straight = await vaeTrainer(42);
    const straightLosses = await runSteps(straight, new Rng(9), 6);

    const first = await vaeTrainer(42);
    const rng = new Rng(9);
    const firstLosses = await runSteps(first, rng, 3);
    const path = join(dir, "step3.safetensors");
    first.saveCheckpoint(path, { rng, meta: { epoch: 1 } });
    await first.dispose();

    const resumed = await vaeTrainer(42);
    const info = resumed.loadCheckpoint(path);
    assert.equal(info.step, 3);
    assert.deepEqual(info.meta, { epoch: 1 });
    const resumedLosses = await runSteps(resumed, info.rng!, 3);
    assert.deepEqual([...firstLosses, ...resumedLosses], straightLosses);
    for (const [name, values] of straight.weights) assert.deepEqual(resumed.weights.get(name), values, name);
    for (const [name, values] of straight.emaWeights)
      assert.deepEqual(resumed.emaWeights.get(name), values, name);

    // the checkpoint's weights serve an inference model directly; a foreign file is refused.
    assert.ok(readCheckpointWeights(path, { ema: true }).has("dec.t2.weight"));
    await straight.dispose();
    await resumed.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("results do not depend on the thread count (so autoThreads never changes a run)", async () => {
  const one = await vaeTrainer(5, 1);
  const two = await vaeTrainer(5, 2);
  assert.deepEqual(await runSteps(one, new Rng(2), 3), await runSteps(two, new Rng(2), 3));
  for (const [name, values] of one.weights) assert.deepEqual(two.weights.get(name), values, name);
  await one.dispose();
  await two.dispose();
});

test("steps(feeds, K) makes the same updates as K calls of step, in one run", async () => {
  const single = await vaeTrainer(8);
  const multi = await vaeTrainer(8);
  const rng = new Rng(4);
  const xs: Float32Array[] = [];
  const epss: Float32Array[] = [];
  for (let i = 0; i < 5; i++) {
    xs.push(rng.fillUniform(new Float32Array(B * 64)) as Float32Array);
    epss.push(rng.fillNormal(new Float32Array(B * Z)) as Float32Array);
  }
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) losses.push((await single.step({ x: xs[i]!, eps: epss[i]! })).loss);
  const stack = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.length * parts[0]!.length);
    parts.forEach((p, i) => {
      out.set(p, i * p.length);
    });
    return out;
  };
  const first = await multi.steps({ x: stack(xs.slice(0, 2)), eps: stack(epss.slice(0, 2)) }, 2);
  const rest = await multi.steps({ x: stack(xs.slice(2)), eps: stack(epss.slice(2)) }, 3);
  assert.deepEqual([...first.losses, ...rest.losses], losses);
  assert.equal(rest.gradNorms?.length, 3);
  assert.equal(multi.stepCount, 5);
  for (const [name, values] of single.weights) assert.deepEqual(multi.weights.get(name), values, name);
  for (const [name, values] of single.emaWeights) assert.deepEqual(multi.emaWeights.get(name), values, name);
  await assert.rejects(multi.steps({ x: xs[0]!, eps: epss[0]! }, 2), /expects 512 float32 values/);
  await single.dispose();
  await multi.dispose();
});

test("checkpoints of another model are refused with the mismatching tensors named", async () => {
  const dir = mkdtempSync(join(tmpdir(), "engine-ckpt-"));
  try {
    const trainer = await vaeTrainer(1);
    const path = join(dir, "a.safetensors");
    trainer.saveCheckpoint(path);
    const g = new Graph();
    const loss = g.sum(
      g.mul(
        g.param("w", [3], () => {}),
        g.input("x", [3]),
      ),
    );
    const small = await compileTraining(g, { loss, optimizer: adam({ lr: 1 }) });
    // a damaged generator state is refused before anything is restored.
    const content = readSafetensors(path);
    const damaged = join(dir, "damaged.safetensors");
    writeSafetensors(damaged, content.tensors, { ...content.metadata, step: "9", rng: '{"s":[1,2]}' });
    const before = new Float32Array(trainer.weights.get("enc.fc.weight")!);
    assert.throws(() => trainer.loadCheckpoint(damaged), /metadata "rng" is not a generator state/);
    assert.equal(trainer.stepCount, 0);
    assert.deepEqual(trainer.weights.get("enc.fc.weight"), before);
    assert.throws(
      () => small.loadCheckpoint(path),
      (e: unknown) => e instanceof CheckpointError && /missing: param\/w/.test(e.message),
    );
    await trainer.dispose();
    await small.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("safetensors round trip keeps names, shapes, values and metadata", () => {
  const tensors = new Map([
    ["b", { shape: [3], data: new Float32Array([1, 2, 3]) }],
    ["a", { shape: [2, 1], data: new Float64Array([0.5, -0.25]) }],
  ]);
  const bytes = encodeSafetensors(tensors, { step: "7" });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLength) % 8, 0);
  const back = decodeSafetensors(bytes, "x.safetensors");
  assert.deepEqual(back.metadata, { step: "7" });
  assert.deepEqual(back.tensors.get("a"), tensors.get("a"));
  assert.deepEqual(back.tensors.get("b"), tensors.get("b"));
  assert.throws(
    () => decodeSafetensors(bytes.subarray(0, bytes.length - 4), "cut.safetensors"),
    /cut\.safetensors: tensor "b"/,
  );
});

test("an inference graph shares the trainer's live weights and exports a standalone .onnx", async () => {
  const dir = mkdtempSync(join(tmpdir(), "engine-export-"));
  try {
    const trainer = await vaeTrainer(3);
    await runSteps(trainer, new Rng(1), 2);
    // the decoder alone, built in its own graph with the same layer names, any batch size.
    const dg = new Graph({ seed: 3 });
    const z = dg.input("z", [1, Z]);
    const image = dg.sigmoid(decoder(dg, z));
    const sampler = await compileInference(dg, { image }, { weights: trainer.weights, dynamicBatch: true });
    const zs = new Rng(2).fillNormal(new Float32Array(5 * Z)) as Float32Array;
    const before = (await sampler.run({ z: zs }))["image"]!;
    assert.equal(before.length, 5 * 64);
    await runSteps(trainer, new Rng(5), 1);
    const after = (await sampler.run({ z: zs }))["image"]!;
    assert.notDeepEqual(after, before, "the sampler reads the weights after the latest step");

    // the exported file runs in plain onnxruntime, without genreview, at another batch size.
    const path = join(dir, "decoder.onnx");
    sampler.exportOnnx(path);
    const session = await ort.InferenceSession.create(readFileSync(path));
    assert.deepEqual(session.inputNames, ["z"]);
    const out = await session.run({ z: new ort.Tensor("float32", zs.subarray(0, 2 * Z), [2, Z]) });
    assert.deepEqual(out["image"]!.dims, [2, 1, 8, 8]);
    assert.deepEqual(out["image"]!.data, after.subarray(0, 2 * 64));
    await session.release();
    await sampler.dispose();
    await trainer.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("shape errors name the op, the shapes and the layer", async () => {
  const g = new Graph();
  const x = g.input("x", [8, 784]);
  assert.throws(
    () => g.scope("enc", () => layers.dense(g, "fc1", g.reshape(x, [8, 28, 28]), 10)),
    (e: unknown) =>
      e instanceof GraphError &&
      /dense in layer "enc\.fc1": expects \[N, features\], got \[8,28,28\]/.test(e.message),
  );
  const w = g.param("w", [512, 32], () => {});
  assert.throws(() => g.matmul(x, w), /MatMul: inner dimensions differ: \[8,784\] x \[512,32\]/);
  const img = g.input("img", [8, 3, 28, 28]);
  assert.throws(
    () => layers.conv2d(g, "enc.c1", g.slice(img, 1, 0, 1), 4, 3).add(g.input("y", [8, 4, 28, 28])),
    /Add: shapes \[8,4,26,26\] and \[8,4,28,28\] do not broadcast/,
  );
  assert.throws(
    () =>
      g.scope("dec", () =>
        g.conv2d(
          img,
          g.param("k", [4, 2, 3, 3], () => {}),
          null,
        ),
      ),
    /Conv in layer "dec": input has 3 channels but the kernel \[4,2,3,3\] expects 2/,
  );
  assert.throws(() => g.reshape(x, [5, -1]), /Reshape: cannot reshape \[8,784\]/);
  assert.throws(() => g.input("x", [1]), /the name "x" is already used/);
  const other = new Graph();
  const foreignLoss = other.sum(other.param("w", [2], () => {}));
  await assert.rejects(compileTraining(g, { loss: foreignLoss, optimizer: adam({ lr: 1 }) }), GraphError);
});
