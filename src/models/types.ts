// The contract between a model family (vae.ts, gan.ts, diffusion.ts) and the training loop
// (src/train/): a family builds, for one resolved configuration and image size, a trainer that advances
// its weights one batch at a time and saves or restores them, and a sampler that turns stored inputs
// (latents or noise) into images and exports itself as a standalone .onnx file.
// Legend: B training batch size, N samples drawn at once, H x W image size, Z latent size.
import type { ImageBatch } from "../data/types.ts";
import type { WeightSource } from "../engine/index.ts";
import type { Rng } from "../util/rng.ts";

export const MODEL_KINDS = ["vae", "gan", "diffusion"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** The image geometry a model is built for (one grayscale channel). */
export interface ImageSize {
  h: number;
  w: number;
}

/** What a trainer needs besides the model's own configuration. */
export interface TrainerSetup {
  size: ImageSize;
  /** Images per step (fixed: the training graph is compiled for it). */
  batchSize: number;
  /** Adam learning rate. */
  lr: number;
  /** Seed of the weight initialisation (each parameter draws from a fork named after it). */
  seed: number;
  /** Steps in one epoch, for warm-ups given in epochs. */
  stepsPerEpoch: number;
  /** onnxruntime threads (default: all cores). */
  threads?: number | undefined;
}

/** Metric values of one step keyed as in metrics.jsonl ("loss/total", "loss/kl", "gan/d_real", ...). */
export type StepMetrics = Record<string, number>;

export interface ModelTrainer {
  /**
   * One optimisation step on `x` (B x H x W pixels in [0, 1]); the step's latents and noise are drawn
   * from `rng`, so a run is reproduced by replaying the same stream. Throws DivergenceError on a
   * non-finite loss, leaving the weights as they were.
   */
  step(x: Float32Array, rng: Rng): Promise<StepMetrics>;
  /** Optimisation steps taken (restored by `load`). */
  readonly stepCount: number;
  /**
   * Write weights and optimiser state into `dir` (atomic files) with `rng`'s state, so that `load` and
   * the same stream continue bit-identically. Returns the file names written, the sampler's weights first.
   */
  save(dir: string, rng: Rng): string[];
  /** Restore what `save` wrote in `dir`; returns the saved generator state. */
  load(dir: string): Rng;
  /** The live weights the sampler reads (EMA weights for diffusion, the generator's for the GAN). */
  readonly samplerWeights: WeightSource;
  dispose(): Promise<void>;
}

export interface ModelSampler {
  /** Shape of one stored input: [Z] latents (VAE, GAN) or [1, H, W] noise (diffusion). */
  readonly inputShape: readonly number[];
  /** Images in [0, 1] from N stored inputs (N * prod(inputShape) values), deterministically. */
  sample(inputs: Float32Array): Promise<ImageBatch>;
  /** Write the sampler as a standalone .onnx file with the current weights inside. */
  exportOnnx(path: string): void;
  /** What a runtime needs besides the .onnx file to sample (meta.json `sampling`). */
  readonly sampling: Record<string, unknown>;
  dispose(): Promise<void>;
}

/** What the sampler's stored inputs are (seeds.json `kind`). */
export type SeedKind = "latent" | "noise";

/** A model family bound to one resolved configuration and image size. */
export interface Model {
  readonly kind: ModelKind;
  /** The resolved configuration (every default filled in), as recorded in run.json. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly seedKind: SeedKind;
  /** Shape of one stored sampler input. */
  readonly inputShape: readonly number[];
  createTrainer(setup: TrainerSetup): Promise<ModelTrainer>;
  /** A sampler reading `weights` at each call (a trainer's live weights or a checkpoint's). */
  createSampler(weights: WeightSource, threads?: number): Promise<ModelSampler>;
  /** The sampler's weights saved in checkpoint folder `dir`. */
  readSamplerWeights(dir: string): WeightSource;
}
