// The convolutional VAE (Kingma & Welling 2014): an encoder of two stride-2 convolutions to the mean and
// log-variance of q(z|x), the reparameterised latent, and a decoder of two stride-2 transposed
// convolutions to Bernoulli logits. Loss: the negative ELBO, BCE summed over pixels plus beta times the
// KL term, both averaged over the batch; beta rises linearly over `klWarmupEpochs` (KL annealing).
// Pixels: data in [0, 1] are the Bernoulli targets as they are; the sampler applies the sigmoid, so its
// images (and the exported .onnx's) are in [0, 1].
// Legend: B batch, Z latent size, C1/C2 channels at H/2 and H/4, beta the KL weight.
import { join } from "node:path";
import { z } from "zod";
import type { ImageBatch } from "../data/types.ts";
import {
  adam,
  bceWithLogits,
  compileInference,
  compileTraining,
  conv2d,
  convTranspose2d,
  dense,
  Graph,
  gaussianKl,
  type InferenceModel,
  readCheckpointWeights,
  reparameterize,
  type Tensor,
  type Trainer,
  type WeightSource,
} from "../engine/index.ts";
import { CheckpointError } from "../util/errors.ts";
import type { Rng } from "../util/rng.ts";
import { parseModelConfig } from "./config.ts";
import { MODEL_DEFAULTS } from "./defaults.ts";
import type { ImageSize, Model, ModelSampler, ModelTrainer, StepMetrics, TrainerSetup } from "./types.ts";

const D = MODEL_DEFAULTS.vae.model;

export const VaeConfigSchema = z.strictObject({
  latentDim: z.number().int().min(1).max(1024).default(D.latentDim),
  channels: z
    .tuple([z.number().int().min(1).max(512), z.number().int().min(1).max(512)])
    .default([...D.channels]),
  klWeight: z.number().min(0).max(100).default(D.klWeight),
  klWarmupEpochs: z.number().min(0).default(D.klWarmupEpochs),
});
export type VaeConfig = z.infer<typeof VaeConfigSchema>;

/** File of the trainer's state in a checkpoint folder. */
export const VAE_WEIGHTS = "weights.safetensors";

/** Stride-2 4x4 convolutions with padding 1 halve a side exactly (DCGAN's down- and up-sampling). */
const DOWN = { stride: 2, padding: 1 } as const;

/** q(z|x): x [N,1,H,W] -> (mean, logvar), each [N,Z]. */
function encoder(g: Graph, x: Tensor, c: VaeConfig): { mean: Tensor; logvar: Tensor } {
  const [c1, c2] = c.channels;
  const h1 = g.relu(conv2d(g, "enc.c1", x, c1, 4, DOWN)); // [N,C1,H/2,W/2]
  const h2 = g.relu(conv2d(g, "enc.c2", h1, c2, 4, DOWN)); // [N,C2,H/4,W/4]
  const stats = dense(g, "enc.fc", h2.flatten(), 2 * c.latentDim, { init: "xavier" }); // [N,2Z]
  return { mean: g.slice(stats, 1, 0, c.latentDim), logvar: g.slice(stats, 1, c.latentDim, 2 * c.latentDim) };
}

/** p(x|z): z [N,Z] -> Bernoulli logits [N,1,H,W]. */
function decoder(g: Graph, z: Tensor, c: VaeConfig, size: ImageSize): Tensor {
  const [c1, c2] = c.channels;
  const n = z.shape[0]!;
  const h = g.relu(dense(g, "dec.fc", z, c2 * (size.h / 4) * (size.w / 4)));
  const h4 = g.reshape(h, [n, c2, size.h / 4, size.w / 4]); // [N,C2,H/4,W/4]
  const h2 = g.relu(convTranspose2d(g, "dec.t1", h4, c1, 4, DOWN)); // [N,C1,H/2,W/2]
  return convTranspose2d(g, "dec.t2", h2, 1, 4, { ...DOWN, init: "xavier" }); // [N,1,H,W]
}

class VaeTrainer implements ModelTrainer {
  private readonly eps: Float32Array;

  constructor(
    private readonly trainer: Trainer,
    private readonly config: VaeConfig,
    private readonly setup: TrainerSetup,
  ) {
    this.eps = new Float32Array(setup.batchSize * config.latentDim);
  }

  get stepCount(): number {
    return this.trainer.stepCount;
  }

  get samplerWeights(): WeightSource {
    return this.trainer.weights;
  }

  /** beta at the coming step: klWeight * min(1, steps taken / warm-up steps). */
  private beta(): number {
    const warmup = this.config.klWarmupEpochs * this.setup.stepsPerEpoch;
    if (warmup <= 0) return this.config.klWeight;
    return this.config.klWeight * Math.min(1, this.trainer.stepCount / warmup);
  }

  async step(x: Float32Array, rng: Rng): Promise<StepMetrics> {
    const beta = this.beta();
    rng.fillNormal(this.eps);
    const result = await this.trainer.step({ x, eps: this.eps, beta: new Float32Array([beta]) });
    return {
      "loss/total": result.loss,
      "loss/recon": result.outputs["recon"]![0]!,
      "loss/kl": result.outputs["kl"]![0]!,
      "vae/beta": beta,
    };
  }

  save(dir: string, rng: Rng): string[] {
    this.trainer.saveCheckpoint(join(dir, VAE_WEIGHTS), { rng, meta: { model: "vae" } });
    return [VAE_WEIGHTS];
  }

  load(dir: string): Rng {
    const path = join(dir, VAE_WEIGHTS);
    const info = this.trainer.loadCheckpoint(path);
    if (!info.rng)
      throw new CheckpointError(`${path}: no generator state saved; cannot resume`, { file: path });
    return info.rng;
  }

  dispose(): Promise<void> {
    return this.trainer.dispose();
  }
}

class VaeSampler implements ModelSampler {
  constructor(
    private readonly model: InferenceModel,
    readonly inputShape: readonly number[],
    private readonly size: ImageSize,
  ) {}

  async sample(inputs: Float32Array): Promise<ImageBatch> {
    const n = inputs.length / this.inputShape[0]!;
    const image = (await this.model.run({ z: inputs }))["image"]!;
    return { data: Float32Array.from(image), n, h: this.size.h, w: this.size.w };
  }

  exportOnnx(path: string): void {
    this.model.exportOnnx(path, { name: "vae_decoder" });
  }

  get sampling(): Record<string, unknown> {
    return {
      kind: "decoder",
      inputs: { z: ["N", this.inputShape[0]] },
      latent: "standard normal",
      outputs: { image: ["N", 1, this.size.h, this.size.w] },
      range: [0, 1],
    };
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

/** The VAE for images of `size` with `overrides` on MODEL_DEFAULTS.vae.model. */
export function vaeModel(overrides: Readonly<Record<string, unknown>>, size: ImageSize): Model {
  const config = parseModelConfig("vae", VaeConfigSchema, overrides);
  return {
    kind: "vae",
    config,
    seedKind: "latent",
    inputShape: [config.latentDim],

    async createTrainer(setup) {
      const B = setup.batchSize;
      const g = new Graph({ seed: setup.seed });
      const x = g.input("x", [B, 1, size.h, size.w]);
      const eps = g.input("eps", [B, config.latentDim]);
      const beta = g.input("beta", [1]);
      const { mean, logvar } = encoder(g, x, config);
      const logits = decoder(g, reparameterize(g, mean, logvar, eps), config, size);
      const recon = bceWithLogits(g, logits, x, "perSample");
      const kl = gaussianKl(g, mean, logvar, "perSample");
      const loss = g.add(recon, g.mul(g.reshape(beta, []), kl));
      const trainer = await compileTraining(g, {
        loss,
        optimizer: adam({ lr: setup.lr }),
        extraOutputs: { recon, kl },
        ...(setup.threads === undefined ? {} : { threads: setup.threads }),
      });
      return new VaeTrainer(trainer, config, setup);
    },

    async createSampler(weights, threads) {
      // built for one sample; the batch axis is symbolic, so any N runs.
      const g = new Graph();
      const z = g.input("z", [1, config.latentDim]);
      const image = g.sigmoid(decoder(g, z, config, size));
      const model = await compileInference(
        g,
        { image },
        { weights, dynamicBatch: true, ...(threads === undefined ? {} : { threads }) },
      );
      return new VaeSampler(model, [config.latentDim], size);
    },

    readSamplerWeights(dir) {
      return readCheckpointWeights(join(dir, VAE_WEIGHTS));
    },
  };
}
