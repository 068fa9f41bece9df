// Sampling saved checkpoints of a run: open a checkpoint's sampler (the model rebuilt from run.json, its
// weights read from the checkpoint folder), replay the fixed seed set, or draw fresh samples from a seed.
// Every image returned is in [0, 1], one channel, H x W as the run's data.
import type { ImageBatch } from "../data/types.ts";
import { createModel } from "../models/index.ts";
import type { ModelKind, SeedKind } from "../models/types.ts";
import { listCheckpointEpochs, readRunInfo } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import { CheckpointError, InputError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";
import { TrainConfigSchema } from "./options.ts";
import { drawInputs, readSeeds } from "./seeds.ts";

export interface SamplerOptions {
  /** onnxruntime threads (default: all cores). */
  threads?: number | undefined;
  /** Diffusion runs: DDIM steps instead of the run's `ddimSteps` (more steps, finer samples, slower). */
  ddimSteps?: number | undefined;
}

/** A checkpoint's sampler, ready to run. Call `dispose` when done. */
export interface CheckpointSampler {
  run: string;
  epoch: number;
  model: ModelKind;
  seedKind: SeedKind;
  /** Shape of one input: [Z] latents or [1, H, W] noise. */
  inputShape: readonly number[];
  h: number;
  w: number;
  /** Images from `count` inputs (count * prod(inputShape) values); count defaults to what `inputs` holds. */
  sample(inputs: Float32Array, count?: number): Promise<ImageBatch>;
  /** Fresh standard-normal inputs for `n` samples from `seed` (a stream independent of the fixed set's). */
  drawInputs(n: number, seed: number): Float32Array;
  dispose(): Promise<void>;
}

/** The checkpoint epochs of a run, or a CheckpointError naming the run when there is none. */
function completeEpochs(run: string): number[] {
  const epochs = listCheckpointEpochs(run);
  if (epochs.length === 0)
    throw new CheckpointError(
      `${run}: no complete checkpoint (a checkpoint is complete once its meta.json exists)`,
    );
  return epochs;
}

/** The last complete checkpoint's epoch (a CheckpointError when `run` is not a run or has none). */
export function lastCheckpointEpoch(run: string): number {
  readRunInfo(run);
  return completeEpochs(run).at(-1)!;
}

/** Open the sampler of checkpoint `epoch` of `run`. */
export async function openSampler(
  run: string,
  epoch: number,
  options: SamplerOptions = {},
): Promise<CheckpointSampler> {
  const info = readRunInfo(run);
  const epochs = completeEpochs(run);
  if (!epochs.includes(epoch))
    throw new CheckpointError(
      `${run}: no complete checkpoint at epoch ${epoch} (available: ${epochs.join(", ")})`,
    );
  const parsed = TrainConfigSchema.safeParse(info.config);
  if (!parsed.success || info.model === "imported")
    throw new CheckpointError(
      `${runPaths(run).runJson}: not a run trained by genreview train; it has no sampler`,
    );
  const settings =
    options.ddimSteps === undefined
      ? parsed.data.modelConfig
      : { ...parsed.data.modelConfig, ddimSteps: options.ddimSteps };
  if (options.ddimSteps !== undefined && info.model !== "diffusion")
    throw new InputError(`--ddim-steps applies to diffusion runs; ${run} is a ${info.model} run`);
  const size = { h: info.dataset.height, w: info.dataset.width };
  const model = createModel(parsed.data.model, settings, size, info.dataset.id);
  const weights = model.readSamplerWeights(runPaths(run).checkpoint(epoch).dir);
  const sampler = await model.createSampler(weights, options.threads);
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  return {
    run,
    epoch,
    model: model.kind,
    seedKind: model.seedKind,
    inputShape: model.inputShape,
    h: size.h,
    w: size.w,
    async sample(inputs, count) {
      const n = count ?? inputs.length / per;
      if (!Number.isInteger(n) || n < 1 || inputs.length < n * per)
        throw new InputError(
          `sample: ${count ?? "?"} samples need ${n * per} input values of shape [${model.inputShape}], got ${inputs.length}`,
        );
      return sampler.sample(inputs.subarray(0, n * per));
    },
    drawInputs(n, seed) {
      return drawInputs(new Rng(seed).fork("fresh-samples"), n, model.inputShape);
    },
    dispose: () => sampler.dispose(),
  };
}

/** `n` fresh samples of checkpoint `epoch` drawn from `seed` (the same seed gives the same images). */
export async function sampleCheckpoint(
  run: string,
  epoch: number,
  n: number,
  seed: number,
  options: SamplerOptions = {},
): Promise<ImageBatch> {
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`the number of samples must be a positive integer, got ${n}`);
  const sampler = await openSampler(run, epoch, options);
  try {
    return await sampler.sample(sampler.drawInputs(n, seed));
  } finally {
    await sampler.dispose();
  }
}

/** Checkpoint `epoch`'s images of the run's fixed seed set (what samples/epoch-NNNN/ holds, unquantised). */
export async function sampleFixedSeeds(
  run: string,
  epoch: number,
  options: SamplerOptions = {},
): Promise<ImageBatch> {
  const seeds = readSeeds(run);
  const sampler = await openSampler(run, epoch, options);
  try {
    return await sampler.sample(seeds.values);
  } finally {
    await sampler.dispose();
  }
}
