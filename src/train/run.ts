// trainRun: train one model on one dataset into a run folder (layout: src/run/layout.ts), or continue
// such a run from its last complete checkpoint. The order of writes makes an interruption at any moment
// harmless: run.json and the fixed seed set first, the untrained model's checkpoint and samples at
// epoch 0, metrics appended one line per step, and each checkpoint finished by its meta.json.
//
// Randomness: one seed, split into named streams of src/util/rng.ts: "init" (weights), "subset" (the
// images used per epoch), "latents"/"noise" (the fixed sample set), and "train" (batch order and every
// latent, noise and timestep a step draws). The "train" stream's state is saved in each checkpoint, so a
// resumed run replays exactly what an uninterrupted one would have drawn, and ends with the same bytes.
import { existsSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import ort from "onnxruntime-node";
import { loadDataset } from "../data/load.ts";
import type { Dataset, ImageBatch } from "../data/types.ts";
import { CHECKPOINT_FORMAT } from "../engine/index.ts";
import { createModel } from "../models/index.ts";
import type { Model, ModelKind, ModelSampler, ModelTrainer, StepMetrics } from "../models/types.ts";
import { listCheckpointEpochs, readCheckpointMeta, readRunInfo, writeRunInfo } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { RunInfo } from "../run/schema.ts";
import { CheckpointError, ConfigError, DivergenceError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";
import { VERSION } from "../version.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import { MetricLog } from "./metrics.ts";
import {
  checkpointEpochs,
  resolveTrainConfig,
  resumeTrainConfig,
  type TrainConfig,
  TrainConfigSchema,
  type TrainOptions,
} from "./options.ts";
import { makeSeedSet, readSeeds, writeSeedSet } from "./seeds.ts";

export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** Steps taken in the whole run. */
  step: number;
  totalSteps: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** This step's metrics ("loss/total", ...). */
  metrics: StepMetrics;
  /** Training images per second over this call so far (checkpoint writing included). */
  samplesPerSecond: number;
  /** Seconds left at the current pace. */
  etaSeconds: number;
}

export interface TrainHooks {
  /** After every step. Throwing here stops training as a crash would (files stay as written). */
  onProgress?(progress: TrainProgress): void;
  /** After each complete checkpoint, with its fixed-seed samples. */
  onCheckpoint?(checkpoint: { epoch: number; dir: string; samples: ImageBatch }): void;
  /** Notes for the user (resuming, starting over, nothing left to do). */
  onMessage?(text: string): void;
}

export interface RunSummary {
  run: string;
  model: ModelKind;
  dataset: { id: string; hash: string };
  status: "complete";
  epochs: number;
  steps: number;
  stepsPerEpoch: number;
  batchSize: number;
  /** Epochs with a complete checkpoint in the folder. */
  checkpoints: number[];
  /** The checkpoint epoch this call continued from (null for a new run). */
  resumedFrom: number | null;
  seedSetId: string;
  /** Wall time of this call. */
  seconds: number;
  /** Wall time spent in training steps. */
  trainSeconds: number;
  /** Training images per second in steps (checkpoints excluded); null when no step ran. */
  samplesPerSecond: number | null;
  /** Wall time per trained epoch, checkpoints included; null when no epoch ran. */
  secondsPerEpoch: number | null;
  /** Mean metrics of the last epoch trained in this call ({} when none). */
  finalMetrics: Record<string, number>;
}

type OutState = "missing" | "empty" | "run" | "other";

function outState(run: string): OutState {
  if (!existsSync(run)) return "missing";
  if (!statSync(run).isDirectory()) return "other";
  if (existsSync(runPaths(run).runJson)) return "run";
  return readdirSync(run).length === 0 ? "empty" : "other";
}

/** Versions that decide whether a run can be reproduced bit for bit. */
function runtimeVersions() {
  return { node: process.version, onnxruntime: ort.env.versions.common, checkpointFormat: CHECKPOINT_FORMAT };
}

/** The integer seed of the weight initialisers, from the run seed's "init" stream. */
function initSeed(seed: number): number {
  return new Rng(seed).fork("init").nextUint32();
}

/** The images trained on: a seeded subset of the training split, copied contiguously. */
function trainingImages(dataset: Dataset, config: TrainConfig): Float32Array {
  const { images } = dataset.train;
  const per = images.h * images.w;
  const picked = new Rng(config.seed).fork("subset").sample(images.n, config.trainSize);
  const out = new Float32Array(config.trainSize * per);
  picked.forEach((idx, i) => {
    out.set(images.data.subarray(idx * per, (idx + 1) * per), i * per);
  });
  return out;
}

interface Prepared {
  run: string;
  config: TrainConfig;
  info: RunInfo;
  dataset: Dataset;
  model: Model;
  resuming: boolean;
}

/** Decide between a new run and a resumed one, and check the folder, options and data. */
function prepare(options: TrainOptions, hooks: TrainHooks): Prepared {
  const run = resolve(options.out);
  const state = outState(run);
  if (state === "other")
    throw new ConfigError(
      `${run} exists and is not a genreview run folder (no run.json); refusing to write into it, choose another --out`,
    );
  if (state === "run" && !options.resume)
    throw new ConfigError(`${run} already holds a run; use --resume to continue it, or choose another --out`);
  const load = (spec: string) => loadDataset(spec, options.cwd === undefined ? {} : { cwd: options.cwd });

  if (state === "run") {
    const info = readRunInfo(run);
    const parsed = TrainConfigSchema.safeParse(info.config);
    if (!parsed.success || info.model === "imported")
      throw new CheckpointError(
        `${runPaths(run).runJson}: not a run trained by genreview train; cannot resume`,
        {
          file: runPaths(run).runJson,
        },
      );
    const config = resumeTrainConfig(parsed.data, { ...options, data: undefined }, run);
    const dataset = load(options.data ?? config.data);
    if (dataset.hash !== info.dataset.hash)
      throw new CheckpointError(
        `cannot resume ${run}: the data ${dataset.id} hashes to ${dataset.hash.slice(0, 12)}, but the run was trained on ${info.dataset.id} (${info.dataset.hash.slice(0, 12)})`,
      );
    const size = { h: dataset.train.images.h, w: dataset.train.images.w };
    const model = createModel(config.model, config.modelConfig, size, dataset.id);
    return { run, config, info, dataset, model, resuming: true };
  }

  if (options.resume) hooks.onMessage?.(`no run in ${run} yet; starting a new one`);
  if (options.model === undefined)
    throw new ConfigError("a new run needs a model: --model vae, gan or diffusion");
  const dataset = load(options.data ?? "shapes");
  const size = { h: dataset.train.images.h, w: dataset.train.images.w };
  const model = createModel(options.model, options.config ?? {}, size, dataset.id);
  const config = {
    ...resolveTrainConfig(options, options.model, dataset.train.images.n, { ...model.config }),
    data: dataset.id,
  };
  const info: RunInfo = {
    format: "genreview-run/1",
    tool: { name: "genreview", version: VERSION },
    createdAt: new Date().toISOString(),
    model: config.model,
    config: { ...config, runtime: runtimeVersions() },
    dataset: {
      spec: options.data ?? "shapes",
      id: dataset.id,
      hash: dataset.hash,
      classes: dataset.classes,
      height: size.h,
      width: size.w,
    },
    seed: config.seed,
    checkpointEpochs: checkpointEpochs(config),
    status: "training",
    ...(options.description === undefined ? {} : { description: options.description }),
  };
  return { run, config, info, dataset, model, resuming: false };
}

/**
 * Train a model into a run folder, or continue one (`resume`). Returns when the last epoch's checkpoint is
 * written. Throws ConfigError for bad options or a folder it must not write into, CheckpointError for a
 * run it cannot continue, and DivergenceError when a loss becomes NaN or Inf (after recording an
 * "event/diverged" metric and status "diverged"; the checkpoints written before are kept).
 */
export async function trainRun(options: TrainOptions, hooks: TrainHooks = {}): Promise<RunSummary> {
  const started = performance.now();
  const p = prepare(options, hooks);
  const { run, config, dataset, model } = p;
  const epochsToWrite = new Set(checkpointEpochs(config));
  let info: RunInfo = {
    ...p.info,
    config: { ...p.info.config, ...config },
    checkpointEpochs: [...epochsToWrite],
    status: "training",
  };

  // where to start: the last complete checkpoint of a resumed run, or epoch 0 of a new one.
  const completed = p.resuming ? listCheckpointEpochs(run) : [];
  const last = completed.at(-1);
  const fresh = last === undefined;
  if (p.resuming && fresh) hooks.onMessage?.(`${run} has no complete checkpoint; starting it over`);
  writeRunInfo(run, info);

  const seeds = fresh
    ? makeSeedSet(config.seed, model.seedKind, config.samples, model.inputShape)
    : { ...readSeeds(run), bytes: null };
  if (seeds.bytes !== null) writeSeedSet(run, seeds);
  const expectedShape = [config.samples, ...model.inputShape];
  if (seeds.set.shape.join(",") !== expectedShape.join(","))
    throw new CheckpointError(
      `${runPaths(run).seedsJson}: the stored inputs have shape [${seeds.set.shape}], the model needs [${expectedShape}]`,
    );

  const trainer = await model.createTrainer({
    size: { h: dataset.train.images.h, w: dataset.train.images.w },
    batchSize: config.batchSize,
    lr: config.lr,
    seed: initSeed(config.seed),
    stepsPerEpoch: config.stepsPerEpoch,
    threads: config.threads ?? undefined,
  });
  let sampler: ModelSampler | null = null;
  try {
    sampler = await model.createSampler(trainer.samplerWeights, config.threads ?? undefined);
    let rng = new Rng(config.seed).fork("train");
    const log = new MetricLog(run);
    let startEpoch = 0;
    if (fresh) {
      log.reset();
      const samples = await writeCheckpoint({
        run,
        epoch: 0,
        model: config.model,
        seedSetId: seeds.set.id,
        trainer,
        sampler,
        seeds: seeds.values,
        rng,
      });
      hooks.onCheckpoint?.({ epoch: 0, dir: runPaths(run).checkpoint(0).dir, samples });
    } else {
      const dir = runPaths(run).checkpoint(last).dir;
      rng = trainer.load(dir);
      const meta = readCheckpointMeta(run, last);
      if (meta.step !== trainer.stepCount || meta.step !== last * config.stepsPerEpoch)
        throw new CheckpointError(
          `${dir}: meta.json says step ${meta.step}, the weights ${trainer.stepCount}, the schedule ${last * config.stepsPerEpoch}`,
          { file: dir },
        );
      log.truncate(meta.step, last);
      startEpoch = last;
      hooks.onMessage?.(`resuming ${run} from epoch ${last} (step ${meta.step})`);
    }

    hooks.onMessage?.(
      `training ${config.model} on ${dataset.id}: epochs ${startEpoch + 1}-${config.epochs} of ${config.stepsPerEpoch} steps ` +
        `(batch ${config.batchSize}, ${config.trainSize} images), checkpoints at ${[...epochsToWrite].join(", ")}`,
    );
    const result = await trainEpochs({
      ...p,
      trainer,
      sampler,
      rng,
      log,
      startEpoch,
      epochsToWrite,
      seeds,
      hooks,
    });
    info = { ...info, status: "complete" };
    writeRunInfo(run, info);
    return {
      run,
      model: config.model,
      dataset: { id: dataset.id, hash: dataset.hash },
      status: "complete",
      epochs: config.epochs,
      steps: trainer.stepCount,
      stepsPerEpoch: config.stepsPerEpoch,
      batchSize: config.batchSize,
      checkpoints: listCheckpointEpochs(run),
      resumedFrom: fresh ? null : last,
      seedSetId: seeds.set.id,
      seconds: (performance.now() - started) / 1000,
      ...result,
    };
  } catch (error) {
    if (error instanceof DivergenceError) writeRunInfo(run, { ...info, status: "diverged" });
    throw error;
  } finally {
    await sampler?.dispose();
    await trainer.dispose();
  }
}

interface EpochLoop extends Prepared {
  trainer: ModelTrainer;
  sampler: ModelSampler;
  rng: Rng;
  log: MetricLog;
  startEpoch: number;
  epochsToWrite: Set<number>;
  seeds: { set: { id: string }; values: Float32Array };
  hooks: TrainHooks;
}

/** Epochs startEpoch+1 .. epochs: shuffled batches, metrics per step and per epoch, checkpoints. */
async function trainEpochs(l: EpochLoop) {
  const { config, trainer, log, hooks } = l;
  const { h, w } = l.dataset.train.images;
  const per = h * w;
  const images = trainingImages(l.dataset, config);
  const batch = new Float32Array(config.batchSize * per);
  const totalSteps = config.epochs * config.stepsPerEpoch;
  const loopStart = performance.now();
  const stepsAtStart = trainer.stepCount;
  let trainSeconds = 0;
  let finalMetrics: Record<string, number> = {};

  for (let epoch = l.startEpoch + 1; epoch <= config.epochs; epoch++) {
    const epochStart = performance.now();
    let epochTrainSeconds = 0;
    const sums: Record<string, number> = {};
    const order = l.rng.permutation(config.trainSize);
    for (let k = 0; k < config.stepsPerEpoch; k++) {
      // the batch: images order[kB .. kB+B-1] of the training subset.
      for (let i = 0; i < config.batchSize; i++) {
        const idx = order[k * config.batchSize + i]!;
        batch.set(images.subarray(idx * per, (idx + 1) * per), i * per);
      }
      const stepStart = performance.now();
      let metrics: StepMetrics;
      try {
        metrics = await trainer.step(batch, l.rng);
      } catch (error) {
        if (error instanceof DivergenceError) throw diverged(l, error, epoch, k);
        throw error;
      }
      const seconds = (performance.now() - stepStart) / 1000;
      epochTrainSeconds += seconds;

      const step = trainer.stepCount;
      const at = epoch - 1 + (k + 1) / config.stepsPerEpoch;
      log.append(step, at, { ...metrics, "time/samples_per_s": config.batchSize / seconds });
      for (const [key, value] of Object.entries(metrics)) sums[key] = (sums[key] ?? 0) + value;
      if (hooks.onProgress) {
        const elapsed = (performance.now() - loopStart) / 1000;
        const done = step - stepsAtStart;
        hooks.onProgress({
          epoch,
          epochs: config.epochs,
          step,
          totalSteps,
          stepInEpoch: k + 1,
          stepsPerEpoch: config.stepsPerEpoch,
          metrics,
          samplesPerSecond: (done * config.batchSize) / elapsed,
          etaSeconds: ((totalSteps - step) * elapsed) / done,
        });
      }
    }

    // epoch means, then the checkpoint if this epoch has one.
    trainSeconds += epochTrainSeconds;
    const means = Object.fromEntries(
      Object.entries(sums).map(([key, sum]) => [key, sum / config.stepsPerEpoch] as const),
    );
    finalMetrics = means;
    const epochRecords: Record<string, number> = {};
    for (const [key, value] of Object.entries(means)) epochRecords[`epoch/${key}`] = value;
    epochRecords["epoch/time/samples_per_s"] = (config.stepsPerEpoch * config.batchSize) / epochTrainSeconds;
    log.append(trainer.stepCount, epoch, epochRecords);
    const timing: Record<string, number> = {};
    if (l.epochsToWrite.has(epoch)) {
      const checkpointStart = performance.now();
      const losses = Object.fromEntries(Object.entries(means).filter(([key]) => key.startsWith("loss/")));
      const samples = await writeCheckpoint({
        run: l.run,
        epoch,
        model: config.model,
        seedSetId: l.seeds.set.id,
        trainer,
        sampler: l.sampler,
        seeds: l.seeds.values,
        rng: l.rng,
        losses,
      });
      timing["epoch/time/checkpoint_s"] = (performance.now() - checkpointStart) / 1000;
      hooks.onCheckpoint?.({ epoch, dir: runPaths(l.run).checkpoint(epoch).dir, samples });
    }
    timing["epoch/time/seconds"] = (performance.now() - epochStart) / 1000;
    log.append(trainer.stepCount, epoch, timing);
  }

  const epochsRun = config.epochs - l.startEpoch;
  const stepsRun = trainer.stepCount - stepsAtStart;
  return {
    trainSeconds,
    samplesPerSecond: stepsRun > 0 ? (stepsRun * config.batchSize) / trainSeconds : null,
    secondsPerEpoch: epochsRun > 0 ? (performance.now() - loopStart) / 1000 / epochsRun : null,
    finalMetrics,
  };
}

/** Record a divergence and return the error to throw: which step, and what is kept. */
function diverged(l: EpochLoop, cause: DivergenceError, epoch: number, k: number): DivergenceError {
  const step = l.trainer.stepCount + 1;
  l.log.append(step, epoch - 1 + (k + 1) / l.config.stepsPerEpoch, { "event/diverged": step });
  const kept = listCheckpointEpochs(l.run);
  return new DivergenceError(
    `training diverged at epoch ${epoch}, step ${step} (${cause.message}); run.json now says "diverged" and ` +
      `the checkpoints written before are kept (epochs ${kept.join(", ")}). Try a lower --lr (now ${l.config.lr}).`,
    { cause },
  );
}
