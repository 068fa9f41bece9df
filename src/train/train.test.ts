// trainRun on tiny models and data: the run folder it writes, byte-identical results for one seed,
// a run killed mid-epoch and resumed ending with the same bytes as an uninterrupted one (each model),
// divergence recorded and reported, and bad options refused before anything is written.
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readPng } from "../image/png.ts";
import { createModel, DEMO_PRESET, MODEL_DEFAULTS, MODEL_KINDS, type ModelKind } from "../models/index.ts";
import {
  listCheckpointEpochs,
  readCheckpointMeta,
  readMetrics,
  readRunInfo,
  readSeedSet,
} from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import { ConfigError, DivergenceError } from "../util/errors.ts";
import { type TrainOptions, type TrainProgress, trainRun } from "./index.ts";
import { resolveTrainConfig, TrainConfigSchema } from "./options.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-train-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** 128 images of 16x16, batches of 16: 8 steps per epoch. */
const DATA = "shapes:size=16,train=128,test=16";
const TINY: Record<ModelKind, Record<string, unknown>> = {
  vae: { channels: [4, 8], latentDim: 4 },
  gan: { channels: [4, 8], latentDim: 4 },
  diffusion: { channels: [4, 8], ddimSteps: 3 },
};

function options(model: ModelKind, out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    model,
    data: DATA,
    out: join(root, out),
    epochs: 2,
    batchSize: 16,
    samples: 8,
    seed: 7,
    threads: 1,
    config: TINY[model],
    ...extra,
  };
}

/** Every file of a run that must be byte-identical between equal runs (meta.json holds a timestamp). */
function reproducibleFiles(run: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path, `${rel}${name.name}/`);
      else if (/\.(safetensors|onnx|png|npy)$/.test(name.name))
        files.set(`${rel}${name.name}`, readFileSync(path));
    }
  };
  walk(run, "");
  return files;
}

/** The metrics that depend on the computation only: no clock readings, no throughput. */
function metricsWithoutTime(run: string) {
  return readMetrics(run)
    .records.filter((r) => !r.key.includes("time/"))
    .map(({ time: _time, ...rest }) => rest);
}

test("a new run writes run.json, metrics.jsonl, the seed set, checkpoints and fixed-seed samples", async () => {
  const progress: TrainProgress[] = [];
  const checkpoints: number[] = [];
  const summary = await trainRun(options("vae", "layout", { checkpoints: [1] }), {
    onProgress: (p) => progress.push(p),
    onCheckpoint: (c) => checkpoints.push(c.epoch),
  });
  const run = summary.run;
  const paths = runPaths(run);

  const info = readRunInfo(run);
  assert.equal(info.status, "complete");
  assert.deepEqual(info.checkpointEpochs, [0, 1, 2]);
  assert.equal(info.dataset.id, "shapes:size=16,train=128,test=16,seed=0");
  assert.match(info.dataset.hash, /^[0-9a-f]{64}$/);
  assert.equal(info.config["trainSize"], 128);
  assert.equal(info.config["stepsPerEpoch"], 8);
  assert.deepEqual(info.config["modelConfig"], {
    latentDim: 4,
    channels: [4, 8],
    klWeight: 1,
    klWarmupEpochs: 1,
  });

  const seeds = readSeedSet(run);
  assert.deepEqual([seeds.kind, seeds.shape, seeds.count], ["latent", [8, 4], 8]);
  assert.ok(existsSync(paths.seedsNpy));

  assert.deepEqual(listCheckpointEpochs(run), [0, 1, 2]);
  assert.deepEqual(checkpoints, [0, 1, 2]);
  for (const epoch of [0, 1, 2]) {
    const meta = readCheckpointMeta(run, epoch);
    assert.equal(meta.step, epoch * 8);
    assert.equal(meta.seedSetId, seeds.id);
    assert.ok(existsSync(paths.checkpoint(epoch).weights) && existsSync(paths.checkpoint(epoch).sampler));
    assert.equal(epoch === 0, meta.losses === undefined);
    const grid = readPng(paths.samples(epoch).grid);
    // make_grid: 8 images in one row of 16 px cells with 2 px padding.
    assert.deepEqual([grid.w, grid.h], [8 * 18 + 2, 20]);
    assert.equal(readdirSync(paths.samples(epoch).dir).filter((f) => f.startsWith("seed-")).length, 8);
  }
  assert.deepEqual(Object.keys(readCheckpointMeta(run, 2).losses ?? {}), [
    "loss/total",
    "loss/recon",
    "loss/kl",
  ]);

  const { records, skippedLines } = readMetrics(run);
  assert.deepEqual(skippedLines, []);
  const keys = new Set(records.map((r) => r.key));
  for (const key of ["loss/total", "loss/recon", "loss/kl", "time/samples_per_s", "epoch/loss/total"])
    assert.ok(keys.has(key), key);
  assert.deepEqual(
    records.filter((r) => r.key === "loss/total").map((r) => r.step),
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  assert.equal(progress.length, 16);
  assert.deepEqual(
    [summary.steps, summary.checkpoints, summary.resumedFrom, summary.seedSetId],
    [16, [0, 1, 2], null, seeds.id],
  );
});

for (const model of MODEL_KINDS) {
  test(`${model}: a run killed mid-epoch and resumed ends byte-identical to an uninterrupted one`, async () => {
    const straight = await trainRun(options(model, `${model}-straight`));

    // the "kill": a hook throws at step 12 of 16 (epoch 2), after epoch 1's checkpoint.
    const killed = options(model, `${model}-killed`);
    const crash = new Error("killed");
    await assert.rejects(
      trainRun(killed, {
        onProgress: (p) => {
          if (p.step === 12) throw crash;
        },
      }),
      (e: unknown) => e === crash,
    );
    assert.deepEqual(listCheckpointEpochs(killed.out), [0, 1]);
    assert.equal(readRunInfo(killed.out).status, "training");

    const resumed = await trainRun({ out: killed.out, resume: true });
    assert.equal(resumed.resumedFrom, 1);
    assert.equal(readRunInfo(killed.out).status, "complete");

    const a = reproducibleFiles(straight.run);
    const b = reproducibleFiles(killed.out);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [file, bytes] of a) assert.ok(bytes.equals(b.get(file)!), `${file} differs`);
    assert.deepEqual(metricsWithoutTime(killed.out), metricsWithoutTime(straight.run));
  });
}

test("a diverging run stops with a clear error, an event/diverged record and status diverged", async () => {
  const out = join(root, "diverged");
  await assert.rejects(trainRun(options("vae", "diverged", { lr: 1e8, epochs: 3 })), (e: unknown) => {
    assert.ok(e instanceof DivergenceError);
    assert.match(
      e.message,
      /training diverged at epoch 1, step \d+ .*checkpoints written before are kept \(epochs 0\)/,
    );
    return true;
  });
  assert.equal(readRunInfo(out).status, "diverged");
  const events = readMetrics(out).records.filter((r) => r.key === "event/diverged");
  assert.equal(events.length, 1);
  assert.equal(events[0]!.value, events[0]!.step);
  assert.deepEqual(listCheckpointEpochs(out), [0]);
});

test("bad options and folders are refused before anything is written", async () => {
  const foreign = join(root, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, "notes.txt"), "mine");
  await assert.rejects(
    trainRun(options("vae", "foreign")),
    (e: unknown) =>
      e instanceof ConfigError &&
      /is not a genreview run folder .* refusing to write into it/.test(e.message),
  );
  assert.deepEqual(readdirSync(foreign), ["notes.txt"]);

  const cases: [Partial<TrainOptions>, RegExp][] = [
    [{ checkpoints: [1, 9] }, /--checkpoints: epoch 9 is beyond --epochs 2/],
    [{ checkpoints: [0] }, /epochs count from 1/],
    [{ model: undefined }, /a new run needs a model/],
    [{ batchSize: 500 }, /128 images, fewer than one batch of 500/],
    [{ data: "shapes:size=18,train=64,test=8" }, /multiples of 4 .*got 18x18/],
    [{ config: { channels: [4] } }, /vae model setting 'channels'/],
  ];
  for (const [extra, message] of cases) {
    const out = `bad-${readdirSync(root).length}`;
    await assert.rejects(trainRun(options("vae", out, extra)), message);
    assert.equal(existsSync(join(root, out)), false, `${message} left ${out} behind`);
  }

  // an existing run: only --resume continues it, and only with the settings it was trained with.
  const done = await trainRun(options("vae", "existing", { epochs: 1 }));
  await assert.rejects(trainRun(options("vae", "existing")), /already holds a run; use --resume/);
  await assert.rejects(
    trainRun({ out: done.run, resume: true, lr: 0.5 }),
    /cannot resume .* lr 0\.5 \(the run has 0\.001\)/,
  );
  const longer = await trainRun({ out: done.run, resume: true, epochs: 2 });
  assert.deepEqual([longer.resumedFrom, longer.checkpoints], [1, [0, 1, 2]]);
});

test("the demo preset trims epochs and images per epoch; explicit options still win", () => {
  for (const model of MODEL_KINDS) {
    const demo = resolveTrainConfig({ out: "x", preset: "demo" }, model, 10000, {});
    assert.equal(demo.epochs, DEMO_PRESET[model].epochs, `${model} demo epochs`);
    assert.equal(demo.trainSize, DEMO_PRESET[model].trainSize, `${model} demo images per epoch`);
    const full = resolveTrainConfig({ out: "x" }, model, 10000, {});
    assert.equal(full.epochs, MODEL_DEFAULTS[model].train.epochs, `${model} default epochs`);
    assert.equal(full.trainSize, MODEL_DEFAULTS[model].train.trainSize, `${model} default images per epoch`);
    const mine = resolveTrainConfig(
      { out: "x", preset: "demo", epochs: 3, trainSize: 500 },
      model,
      10000,
      {},
    );
    assert.deepEqual([mine.epochs, mine.trainSize], [3, 500], `${model} explicit options`);
  }
  // a training split smaller than the default epoch is used whole
  assert.equal(resolveTrainConfig({ out: "x" }, "vae", 4000, {}).trainSize, 4000, "capped by the data");
});

test("a stored run without a later setting reads it with the value it was trained with", () => {
  const resolve = (model: ModelKind) =>
    resolveTrainConfig({ out: "x" }, model, 10000, { ...createModel(model, {}, { h: 28, w: 28 }).config });
  const config = resolve("diffusion");
  const { prediction, emaWarmup, ...older } = config.modelConfig;
  assert.equal(prediction, "v", "today's default prediction");
  assert.equal(emaWarmup, true, "today's default warm-up");
  const stored = TrainConfigSchema.parse({ ...config, modelConfig: older });
  assert.equal(stored.modelConfig["prediction"], "eps", "runs before the setting predicted the noise");
  assert.equal(stored.modelConfig["emaWarmup"], false, "runs before the setting had no warm-up");
  assert.deepEqual(TrainConfigSchema.parse(config).modelConfig, config.modelConfig, "stored keys win");
  const gan = resolve("gan");
  assert.deepEqual(
    TrainConfigSchema.parse(gan).modelConfig,
    gan.modelConfig,
    "a complete GAN setting is kept",
  );
  const { architecture, ...olderGan } = gan.modelConfig;
  assert.equal(architecture, "resize-conv", "today's default GAN layout");
  const storedGan = TrainConfigSchema.parse({ ...gan, modelConfig: olderGan });
  assert.equal(
    storedGan.modelConfig["architecture"],
    "transposed",
    "runs before the setting used DCGAN's layout",
  );
});
