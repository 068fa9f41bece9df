// The DCGAN-style GAN (Radford et al. 2016) in two layouts. "resize-conv" (the default): a generator of a
// dense layer to H/4, then per level a 3x3 convolution and a 2x nearest upsampling followed by a 3x3
// convolution (Odena et al. 2016: resizing then convolving avoids the checkerboard speckle of strided
// transposed convolutions), with group normalisation and ReLU, ending in tanh; a discriminator of two
// stride-2 convolutions and a 3x3 convolution at H/4, with LeakyReLU(0.2), and a dense logit.
// "transposed": DCGAN's own layout, two stride-2 transposed convolutions in the generator and two
// stride-2 convolutions in the discriminator; measured on `shapes`, it drew speckled blobs.
// Losses (Goodfellow et al. 2014): the discriminator's logistic loss with one-sided label smoothing
// (real targets `labelSmoothing`), plus an optional R1 penalty gamma/2 E||grad_x D(x)||^2 on real data
// (Mescheder et al. 2018); the generator's non-saturating loss -log D(G(z)).
// Two trainers take turns, one discriminator step then one generator step per batch; each reads the
// other's parameters live (the discriminator's through a map refreshed after its step, the generator's
// through the engine's sharedWeights).
// Pixels: the generator works in [-1, 1] (tanh); real batches are mapped with toSigned before the
// discriminator sees them, and the sampler maps G(z) back to [0, 1] inside its graph, so the exported
// .onnx yields images in [0, 1] like every other sampler.
// Legend: B batch, Z latent size, C1/C2 channels at H/2 and H/4, s label smoothing, gamma R1 weight.
import { join } from "node:path";
import { z } from "zod";
import type { ImageBatch } from "../data/types.ts";
import {
  adam,
  compileInference,
  compileTraining,
  conv2d,
  convTranspose2d,
  dense,
  Graph,
  grad,
  groupNorm,
  type InferenceModel,
  readCheckpointWeights,
  type Tensor,
  type Trainer,
  type Values,
  type WeightSource,
} from "../engine/index.ts";
import { CheckpointError } from "../util/errors.ts";
import type { Rng } from "../util/rng.ts";
import { parseModelConfig } from "./config.ts";
import { MODEL_DEFAULTS } from "./defaults.ts";
import { toSigned } from "./pixels.ts";
import type { ImageSize, Model, ModelSampler, ModelTrainer, StepMetrics, TrainerSetup } from "./types.ts";

const D = MODEL_DEFAULTS.gan.model;

/** Layouts of the two networks (see the header). */
export const GAN_ARCHITECTURES = ["resize-conv", "transposed"] as const;

export const GanConfigSchema = z.strictObject({
  architecture: z.enum(GAN_ARCHITECTURES).default(D.architecture),
  latentDim: z.number().int().min(1).max(1024).default(D.latentDim),
  channels: z
    .tuple([z.number().int().min(1).max(512), z.number().int().min(1).max(512)])
    .default([...D.channels]),
  beta1: z.number().min(0).lt(1).default(D.beta1),
  beta2: z.number().min(0).lt(1).default(D.beta2),
  labelSmoothing: z.number().gt(0).max(1).default(D.labelSmoothing),
  r1Gamma: z.number().min(0).default(D.r1Gamma),
});
export type GanConfig = z.infer<typeof GanConfigSchema>;

/** Files of a checkpoint: the generator's trainer state (sampled from) and the discriminator's. */
export const GAN_WEIGHTS = "weights.safetensors";
export const GAN_DISCRIMINATOR = "discriminator.safetensors";

const DOWN = { stride: 2, padding: 1 } as const;
/** LeakyReLU slope of the discriminator, DCGAN's 0.2. */
const LEAK = 0.2;

/** Groups of a group normalisation: 8 when the channels allow (Wu & He 2018's default is 32 for wide nets). */
function normGroups(c: number): number {
  return [8, 4, 2, 1].find((k) => c % k === 0)!;
}

const SAME = { padding: 1 } as const;

/**
 * Initial weights of the resize-conv generator: PyTorch's default U(+-1/sqrt(fanIn)). Measured on
 * `shapes`, it drew rings, crescents and circles by 2,496 steps where He initialisation drew blobs. The
 * discriminator keeps He initialisation: with PyTorch's in both networks, the discriminator won (its
 * output on generated images fell to 0.0004) and the samples went black.
 */
const GEN_INIT = { init: "torch" } as const;

/** G: z [N,Z] -> signed images [N,1,H,W] in [-1, 1]. */
function generator(g: Graph, z: Tensor, c: GanConfig, size: ImageSize): Tensor {
  const [c1, c2] = c.channels;
  const n = z.shape[0]!;
  const resize = c.architecture === "resize-conv";
  const fcInit = resize ? GEN_INIT : {};
  const h = g.reshape(dense(g, "gen.fc", z, c2 * (size.h / 4) * (size.w / 4), fcInit), [
    n,
    c2,
    size.h / 4,
    size.w / 4,
  ]);
  const h4 = g.relu(groupNorm(g, "gen.n0", h, normGroups(c2))); // [N,C2,H/4,W/4]
  if (resize) {
    const block = (name: string, x: Tensor, out: number, up: boolean) =>
      g.relu(
        groupNorm(
          g,
          `gen.${name}n`,
          conv2d(g, `gen.${name}`, up ? g.upsampleNearest(x, 2) : x, out, 3, { ...SAME, ...GEN_INIT }),
          normGroups(out),
        ),
      );
    const a4 = block("c4", h4, c2, false); // [N,C2,H/4,W/4]
    const a2 = block("c2", block("u2", a4, c1, true), c1, false); // [N,C1,H/2,W/2]
    const out = conv2d(g, "gen.u1", g.upsampleNearest(a2, 2), 1, 3, { ...SAME, ...GEN_INIT });
    return g.tanh(out); // [N,1,H,W]
  }
  const t1 = convTranspose2d(g, "gen.t1", h4, c1, 4, DOWN);
  const h2 = g.relu(groupNorm(g, "gen.n1", t1, normGroups(c1))); // [N,C1,H/2,W/2]
  return g.tanh(convTranspose2d(g, "gen.t2", h2, 1, 4, { ...DOWN, init: "xavier" })); // [N,1,H,W]
}

/** D: signed images [N,1,H,W] -> logits [N,1]. */
function discriminator(g: Graph, x: Tensor, c: GanConfig): Tensor {
  const [c1, c2] = c.channels;
  const h2 = g.leakyRelu(conv2d(g, "disc.c1", x, c1, 4, DOWN), LEAK); // [N,C1,H/2,W/2]
  let h4 = g.leakyRelu(conv2d(g, "disc.c2", h2, c2, 4, DOWN), LEAK); // [N,C2,H/4,W/4]
  if (c.architecture === "resize-conv") h4 = g.leakyRelu(conv2d(g, "disc.c3", h4, c2, 3, SAME), LEAK);
  return dense(g, "disc.fc", h4.flatten(), 1, { init: "xavier" });
}

const isGenerator = (name: string) => name.startsWith("gen.");
const isDiscriminator = (name: string) => name.startsWith("disc.");

class GanTrainer implements ModelTrainer {
  private readonly zD: Float32Array;
  private readonly zG: Float32Array;
  private readonly real: Float32Array;

  constructor(
    private readonly gen: Trainer,
    private readonly disc: Trainer,
    /** The discriminator's current parameters, as the generator's trainer reads them. */
    private readonly discShared: Map<string, Values>,
    private readonly config: GanConfig,
    setup: TrainerSetup,
  ) {
    this.zD = new Float32Array(setup.batchSize * config.latentDim);
    this.zG = new Float32Array(setup.batchSize * config.latentDim);
    this.real = new Float32Array(setup.batchSize * setup.size.h * setup.size.w);
    this.syncDiscriminator();
  }

  /** Point the generator's view of the discriminator at the latest values (no copy). */
  private syncDiscriminator(): void {
    for (const name of this.disc.trainedNames) this.discShared.set(name, this.disc.weights.get(name)!);
  }

  get stepCount(): number {
    return this.gen.stepCount;
  }

  get samplerWeights(): WeightSource {
    return this.gen.weights;
  }

  async step(x: Float32Array, rng: Rng): Promise<StepMetrics> {
    // discriminator on real (mapped to [-1, 1]) and G(z) for fresh z, then the generator on other z.
    toSigned(x, this.real);
    rng.fillNormal(this.zD);
    const d = await this.disc.step({ x: this.real, z: this.zD });
    this.syncDiscriminator();
    rng.fillNormal(this.zG);
    const g = await this.gen.step({ z: this.zG });

    const metrics: StepMetrics = {
      "loss/d": d.loss,
      "loss/g": g.loss,
      "gan/d_real": d.outputs["dReal"]![0]!,
      "gan/d_fake": d.outputs["dFake"]![0]!,
    };
    if (this.config.r1Gamma > 0) metrics["loss/r1"] = d.outputs["r1"]![0]!;
    return metrics;
  }

  save(dir: string, rng: Rng): string[] {
    // the generator's file also holds its (stale, unused) copy of the discriminator's initial values:
    // the engine saves every parameter a training graph reads; samplers read only "gen." tensors.
    this.gen.saveCheckpoint(join(dir, GAN_WEIGHTS), { rng, meta: { model: "gan", part: "generator" } });
    this.disc.saveCheckpoint(join(dir, GAN_DISCRIMINATOR), { meta: { model: "gan", part: "discriminator" } });
    return [GAN_WEIGHTS, GAN_DISCRIMINATOR];
  }

  load(dir: string): Rng {
    const path = join(dir, GAN_WEIGHTS);
    const info = this.gen.loadCheckpoint(path);
    this.disc.loadCheckpoint(join(dir, GAN_DISCRIMINATOR));
    this.syncDiscriminator();
    if (!info.rng)
      throw new CheckpointError(`${path}: no generator state saved; cannot resume`, { file: path });
    return info.rng;
  }

  async dispose(): Promise<void> {
    await this.gen.dispose();
    await this.disc.dispose();
  }
}

class GanSampler implements ModelSampler {
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
    this.model.exportOnnx(path, { name: "gan_generator" });
  }

  get sampling(): Record<string, unknown> {
    return {
      kind: "generator",
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

/** The GAN for images of `size` with `overrides` on MODEL_DEFAULTS.gan.model. */
export function ganModel(overrides: Readonly<Record<string, unknown>>, size: ImageSize): Model {
  const config = parseModelConfig("gan", GanConfigSchema, overrides);
  const optimizer = (lr: number) => adam({ lr, beta1: config.beta1, beta2: config.beta2 });
  const threadOption = (threads: number | undefined) => (threads === undefined ? {} : { threads });

  return {
    kind: "gan",
    config,
    seedKind: "latent",
    inputShape: [config.latentDim],

    async createTrainer(setup) {
      const B = setup.batchSize;
      const s = config.labelSmoothing;

      // discriminator step: D on [real; G(z)] in one pass, G's parameters read from the generator trainer.
      const gd = new Graph({ seed: setup.seed });
      const real = gd.input("x", [B, 1, size.h, size.w]);
      const zd = gd.input("z", [B, config.latentDim]);
      const logits = discriminator(gd, gd.concat([real, generator(gd, zd, config, size)], 0), config);
      const realLogits = gd.slice(logits, 0, 0, B); // [B,1]
      const fakeLogits = gd.slice(logits, 0, B, 2 * B);
      // BCE(l, s) = s softplus(-l) + (1 - s) softplus(l) on real; softplus(l) on fake (target 0).
      let dLoss = gd.add(
        gd.add(
          gd.mul(gd.mean(gd.softplus(gd.neg(realLogits))), s),
          gd.mul(gd.mean(gd.softplus(realLogits)), 1 - s),
        ),
        gd.mean(gd.softplus(fakeLogits)),
      );
      const extra: Record<string, Tensor> = {
        dReal: gd.mean(gd.sigmoid(realLogits)),
        dFake: gd.mean(gd.sigmoid(fakeLogits)),
      };
      if (config.r1Gamma > 0) {
        // R1: the gradient of D's real logits with respect to the real images, penalised per sample.
        const [gx] = grad(gd.sum(realLogits), [real]) as [Tensor];
        const r1 = gd.mul(gd.sum(gd.mul(gx, gx)), config.r1Gamma / 2 / B);
        extra["r1"] = r1;
        dLoss = gd.add(dLoss, r1);
      }

      // generator step: the non-saturating loss through D, whose parameters come from the map below.
      const gg = new Graph({ seed: setup.seed });
      const zg = gg.input("z", [B, config.latentDim]);
      const gLogits = discriminator(gg, generator(gg, zg, config, size), config);
      const gLoss = gg.mean(gg.softplus(gg.neg(gLogits)));

      const discShared = new Map<string, Values>();
      const gen = await compileTraining(gg, {
        loss: gLoss,
        params: gg
          .params()
          .filter((p) => isGenerator(p.name))
          .map((p) => p.tensor),
        optimizer: optimizer(setup.lr),
        sharedWeights: discShared,
        ...threadOption(setup.threads),
      });
      const disc = await compileTraining(gd, {
        loss: dLoss,
        params: gd
          .params()
          .filter((p) => isDiscriminator(p.name))
          .map((p) => p.tensor),
        optimizer: optimizer(setup.lr),
        extraOutputs: extra,
        sharedWeights: gen.weights,
        ...threadOption(setup.threads),
      });
      return new GanTrainer(gen, disc, discShared, config, setup);
    },

    async createSampler(weights, threads) {
      const g = new Graph();
      const zIn = g.input("z", [1, config.latentDim]);
      // [-1, 1] -> [0, 1] at the boundary, inside the exported graph.
      const image = g.mul(g.add(generator(g, zIn, config, size), 1), 0.5);
      const model = await compileInference(
        g,
        { image },
        { weights, dynamicBatch: true, ...threadOption(threads) },
      );
      return new GanSampler(model, [config.latentDim], size);
    },

    readSamplerWeights(dir) {
      const all = readCheckpointWeights(join(dir, GAN_WEIGHTS));
      return new Map([...all].filter(([name]) => isGenerator(name)));
    },
  };
}
