// The diffusion model: DDPM (Ho et al. 2020) with a small convolutional U-Net, trained on
// E w_t ||target - net(x_t, t)||^2 with t uniform, x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps.
// The target is v = sqrt(alphaBar_t) eps - sqrt(1 - alphaBar_t) x_0 by default (Salimans & Ho 2022), or
// DDPM's eps; w_t is the min-SNR-gamma weight (Hang et al. 2023; w = 1 is the plain loss), which spends
// the short training on the noisy steps that decide a sample's shape. v-prediction gives the x_0
// estimate directly at the noisiest steps, where eps-prediction must divide by sqrt(alphaBar_t) ~ 0.
// An EMA of the weights (warmed up) is sampled. Sampling is deterministic DDIM (Song et al. 2021,
// eta = 0) from stored noise x_T over `ddimSteps` steps, with x_0 predictions clipped to [-1, 1].
// U-Net (Ronneberger et al. 2015, in DDPM's pre-activation residual form): the image is first cut into
// 2x2 pixel patches ([N,1,H,W] -> [N,4,H/2,W/2], as a patch size of 2 in latent-free diffusion models),
// so the network's levels are H/2 and H/4; one residual block per level down, one in the middle, one up
// with a skip connection, then back to pixels. A patch level costs a quarter of a pixel level, which is
// what makes a minute of CPU training enough.
// Time embedding: Gaussian radial basis features of t / (T-1) (K centres evenly spaced on [0, 1], width
// the spacing) followed by a two-layer MLP. DDPM's sinusoids serve the same purpose; the engine has no
// sine op, and for a scalar in [0, 1] the RBF code is just as smooth and distinct per t.
// Pixels: the process runs in [-1, 1]: training batches go through toSigned, samples through toUnit.
// The exported .onnx is the denoiser (x_t, t) -> v (or eps); meta.json `sampling` holds the schedule.
// Legend: T timesteps, S DDIM steps, C1/C2 channels at H/2 and H/4, Ct time-embedding width, K RBF centres.
import { join } from "node:path";
import { z } from "zod";
import type { ImageBatch } from "../data/types.ts";
import {
  adam,
  compileInference,
  compileTraining,
  conv2d,
  dense,
  Graph,
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
import { asSigned, type SignedPixels, toSigned, toUnit } from "./pixels.ts";
import { alphasCumprod, ddimTimesteps, SCHEDULES } from "./schedule.ts";
import type { ImageSize, Model, ModelSampler, ModelTrainer, StepMetrics, TrainerSetup } from "./types.ts";

const D = MODEL_DEFAULTS.diffusion.model;

/** What the network predicts: v (Salimans & Ho 2022) or the noise eps (Ho et al. 2020). */
export const PREDICTIONS = ["v", "eps"] as const;
export type Prediction = (typeof PREDICTIONS)[number];

export const DiffusionConfigSchema = z.strictObject({
  channels: z
    .tuple([z.number().int().min(1).max(512), z.number().int().min(1).max(512)])
    .default([...D.channels]),
  timesteps: z.number().int().min(2).max(100000).default(D.timesteps),
  schedule: z.enum(SCHEDULES).default(D.schedule),
  ddimSteps: z.number().int().min(1).default(D.ddimSteps),
  emaDecay: z.number().min(0).lt(1).default(D.emaDecay),
  minSnrGamma: z.number().min(0).default(D.minSnrGamma),
  prediction: z.enum(PREDICTIONS).default(D.prediction),
  emaWarmup: z.boolean().default(D.emaWarmup),
});
export type DiffusionConfig = z.infer<typeof DiffusionConfigSchema>;

/** File of the trainer's state (weights, EMA weights, Adam moments); the sampler reads its EMA tensors. */
export const DIFFUSION_WEIGHTS = "weights.safetensors";

/** RBF centres of the time embedding: 32 resolve t to about T/32 steps, finer than the DDIM step list. */
const TIME_CENTRES = 32;
/** DDIM samples drawn per denoiser run; bounds memory when many samples are requested at once. */
const SAMPLE_CHUNK = 256;

/**
 * Initial weights of every layer: PyTorch's default U(+-1/sqrt(fanIn)). Measured on `shapes` at 6,240
 * steps, He initialisation (2.4 times the spread) drew blobs and crescents where this drew circles,
 * rings, stars, crescents and crosses.
 */
const INIT = { init: "torch" } as const;

/** Groups of a group normalisation: 8 when the channels allow (DDPM uses 32 groups on wider layers). */
function normGroups(c: number): number {
  return [8, 4, 2, 1].find((k) => c % k === 0)!;
}

/** SiLU (swish) x sigmoid(x), DDPM's activation. */
function silu(g: Graph, x: Tensor): Tensor {
  return g.mul(x, g.sigmoid(x));
}

/** [N,1,H,W] -> [N,4,H/2,W/2]: channel 2a+b holds pixel (2i+a, 2j+b) of each 2x2 patch. */
function patchify(g: Graph, x: Tensor): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const blocks = g.reshape(x, [n, 1, h / 2, 2, w / 2, 2]); // [N,1,H/2,a,W/2,b]
  return g.reshape(g.transpose(blocks, [0, 1, 3, 5, 2, 4]), [n, 4, h / 2, w / 2]); // [N,(a,b),H/2,W/2]
}

/** The inverse of patchify: [N,4,H/2,W/2] -> [N,1,H,W]. */
function unpatchify(g: Graph, p: Tensor): Tensor {
  const [n, , h2, w2] = p.shape as [number, number, number, number];
  const blocks = g.reshape(p, [n, 1, 2, 2, h2, w2]); // [N,1,a,b,H/2,W/2]
  return g.reshape(g.transpose(blocks, [0, 1, 4, 2, 5, 3]), [n, 1, 2 * h2, 2 * w2]); // [N,1,H/2,a,W/2,b]
}

/** t [N,1] (integer steps as floats) -> embedding [N,Ct]. */
function timeEmbedding(g: Graph, t: Tensor, timesteps: number, width: number): Tensor {
  return g.scope("time", () => {
    const centres = Array.from({ length: TIME_CENTRES }, (_, k) => k / (TIME_CENTRES - 1));
    const spacing = 1 / (TIME_CENTRES - 1);
    // exp(-((s - c_k) / spacing)^2 / 2) with s = t / (T-1): [N,1] against [1,K] -> [N,K].
    const d = g.div(g.sub(g.mul(t, 1 / (timesteps - 1)), g.constant(centres, [1, TIME_CENTRES])), spacing);
    const features = g.exp(g.mul(g.mul(d, d), -0.5));
    return dense(g, "fc2", silu(g, dense(g, "fc1", features, width, INIT)), width, INIT);
  });
}

/** DDPM's residual block: two 3x3 convolutions with group norm and SiLU, the time added in between. */
function resBlock(g: Graph, name: string, x: Tensor, out: number, temb: Tensor): Tensor {
  return g.scope(name, () => {
    const [n, cin] = x.shape as [number, number];
    let h = conv2d(g, "conv1", silu(g, groupNorm(g, "norm1", x, normGroups(cin))), out, 3, {
      padding: 1,
      ...INIT,
    });
    h = g.add(h, g.reshape(dense(g, "time", silu(g, temb), out, INIT), [n, out, 1, 1]));
    h = conv2d(g, "conv2", silu(g, groupNorm(g, "norm2", h, normGroups(out))), out, 3, {
      padding: 1,
      ...INIT,
    });
    const skip = cin === out ? x : conv2d(g, "skip", x, out, 1, INIT);
    return g.add(h, skip);
  });
}

/** net(x_t, t): x_t [N,1,H,W] in [-1, 1]-scaled units, t [N,1] -> v or eps [N,1,H,W]. */
function unet(g: Graph, xt: Tensor, t: Tensor, c: DiffusionConfig): Tensor {
  const [c1, c2] = c.channels;
  const temb = timeEmbedding(g, t, c.timesteps, 4 * c1);
  const h0 = conv2d(g, "in", patchify(g, xt), c1, 3, { padding: 1, ...INIT }); // [N,C1,H/2,W/2]
  const h1 = resBlock(g, "down1", h0, c1, temb); // H/2
  const h2 = resBlock(g, "down2", g.avgPool2d(h1, 2), c2, temb); // [N,C2,H/4,W/4]
  const mid = resBlock(g, "mid", h2, c2, temb);
  const up = resBlock(g, "up1", g.concat([g.upsampleNearest(mid, 2), h1], 1), c1, temb); // H/2
  const out = conv2d(g, "out", silu(g, groupNorm(g, "outNorm", up, normGroups(c1))), 4, 3, {
    padding: 1,
    ...INIT,
  });
  return unpatchify(g, out);
}

class DiffusionTrainer implements ModelTrainer {
  private readonly xt: Float32Array;
  private readonly t: Float32Array;
  private readonly eps: Float32Array;
  private readonly target: Float32Array;
  private readonly x0: Float32Array;
  private readonly weight: Float32Array;

  constructor(
    private readonly trainer: Trainer,
    private readonly alphaBar: Float64Array,
    private readonly config: DiffusionConfig,
    setup: TrainerSetup,
  ) {
    const pixels = setup.batchSize * setup.size.h * setup.size.w;
    this.xt = new Float32Array(pixels);
    this.eps = new Float32Array(pixels);
    this.target = config.prediction === "v" ? new Float32Array(pixels) : this.eps;
    this.x0 = new Float32Array(pixels);
    this.t = new Float32Array(setup.batchSize);
    this.weight = new Float32Array(setup.batchSize);
  }

  get stepCount(): number {
    return this.trainer.stepCount;
  }

  get samplerWeights(): WeightSource {
    return this.trainer.emaWeights;
  }

  async step(x: Float32Array, rng: Rng): Promise<StepMetrics> {
    // t ~ U{0..T-1} per sample, eps ~ N(0, I), then x_t (and v) from the signed batch.
    const B = this.t.length;
    const perImage = this.xt.length / B;
    for (let i = 0; i < B; i++) this.t[i] = rng.int(this.alphaBar.length);
    rng.fillNormal(this.eps);
    toSigned(x, this.x0);
    for (let i = 0; i < B; i++) {
      const ab = this.alphaBar[this.t[i]!]!;
      const a = Math.sqrt(ab);
      const s = Math.sqrt(1 - ab);
      // min-SNR-gamma (Hang et al. 2023), SNR = aB / (1 - aB): the x_0-loss weight min(SNR, gamma) becomes
      // min(SNR, gamma) / SNR on the eps loss and min(SNR, gamma) / (SNR + 1) on the v loss.
      const snr = ab / (1 - ab);
      const gamma = this.config.minSnrGamma;
      const v = this.config.prediction === "v";
      this.weight[i] = gamma > 0 ? Math.min(snr, gamma) / (v ? snr + 1 : snr) : 1;
      for (let j = i * perImage; j < (i + 1) * perImage; j++) {
        this.xt[j] = a * this.x0[j]! + s * this.eps[j]!;
        if (v) this.target[j] = a * this.eps[j]! - s * this.x0[j]!;
      }
    }
    const result = await this.trainer.step({
      x_t: this.xt,
      t: this.t,
      target: this.target,
      weight: this.weight,
    });
    return { "loss/total": result.loss, "loss/mse": result.outputs["mse"]![0]! };
  }

  save(dir: string, rng: Rng): string[] {
    this.trainer.saveCheckpoint(join(dir, DIFFUSION_WEIGHTS), { rng, meta: { model: "diffusion" } });
    return [DIFFUSION_WEIGHTS];
  }

  load(dir: string): Rng {
    const path = join(dir, DIFFUSION_WEIGHTS);
    const info = this.trainer.loadCheckpoint(path);
    if (!info.rng)
      throw new CheckpointError(`${path}: no generator state saved; cannot resume`, { file: path });
    return info.rng;
  }

  dispose(): Promise<void> {
    return this.trainer.dispose();
  }
}

/**
 * One deterministic DDIM update (Song et al. 2021, eq. 12 with sigma = 0) from alphaBar `ab` to `abNext`,
 * in place on `x`, given the network's output `out`: x0 = clip(sqrt(ab) x - sqrt(1-ab) v, -1, 1) for
 * v-prediction or clip((x - sqrt(1-ab) eps) / sqrt(ab), -1, 1) for eps-prediction, into `x0`; eps
 * re-derived from the clipped x0 so that x, x0 and eps stay consistent; then
 * x = sqrt(abNext) x0 + sqrt(1-abNext) eps.
 */
export function ddimStep(
  x: Float32Array,
  out: Values,
  x0: Float32Array,
  ab: number,
  abNext: number,
  prediction: Prediction,
): void {
  const [a, s] = [Math.sqrt(ab), Math.sqrt(1 - ab)];
  const [aNext, sNext] = [Math.sqrt(abNext), Math.sqrt(1 - abNext)];
  const v = prediction === "v";
  for (let j = 0; j < x.length; j++) {
    const xj = x[j]!;
    const estimate = v ? a * xj - s * out[j]! : (xj - s * out[j]!) / a;
    const clipped = Math.min(1, Math.max(-1, estimate));
    x0[j] = clipped;
    x[j] = aNext * clipped + sNext * ((xj - a * clipped) / s);
  }
}

class DdimSampler implements ModelSampler {
  private readonly steps: number[];

  constructor(
    private readonly denoiser: InferenceModel,
    private readonly config: DiffusionConfig,
    private readonly alphaBar: Float64Array,
    private readonly size: ImageSize,
  ) {
    this.steps = ddimTimesteps(config.timesteps, config.ddimSteps);
  }

  get inputShape(): readonly number[] {
    return [1, this.size.h, this.size.w];
  }

  async sample(inputs: Float32Array): Promise<ImageBatch> {
    const perImage = this.size.h * this.size.w;
    const n = inputs.length / perImage;
    const data = new Float32Array(inputs.length);
    for (let start = 0; start < n; start += SAMPLE_CHUNK) {
      const end = Math.min(n, start + SAMPLE_CHUNK);
      const x0 = await this.denoise(inputs.slice(start * perImage, end * perImage), end - start);
      data.set(toUnit(x0), start * perImage);
    }
    return { data, n, h: this.size.h, w: this.size.w };
  }

  /** DDIM with eta = 0 from x_T = `noise` (m images, updated in place); returns the last step's x0. */
  private async denoise(noise: Float32Array, m: number): Promise<SignedPixels> {
    const x = noise;
    const x0 = new Float32Array(x.length);
    for (let i = 0; i < this.steps.length; i++) {
      const t = this.steps[i]!;
      const next = this.steps[i + 1];
      const ab = this.alphaBar[t]!;
      const abNext = next === undefined ? 1 : this.alphaBar[next]!;
      const out = (await this.denoiser.run({ x_t: x, t: new Float32Array(m).fill(t) }))[
        this.config.prediction
      ]!;
      ddimStep(x, out, x0, ab, abNext, this.config.prediction);
    }
    return asSigned(x0);
  }

  exportOnnx(path: string): void {
    this.denoiser.exportOnnx(path, { name: "ddpm_denoiser" });
  }

  get sampling(): Record<string, unknown> {
    return {
      kind: "ddim",
      prediction: this.config.prediction,
      inputs: { x_t: ["N", 1, this.size.h, this.size.w], t: ["N", 1] },
      outputs: { [this.config.prediction]: ["N", 1, this.size.h, this.size.w] },
      t: "the integer timestep 0..T-1, as float32",
      range: [-1, 1],
      toImage: "(x0 + 1) / 2, clamped to [0, 1]",
      schedule: this.config.schedule,
      timesteps: this.config.timesteps,
      alphasCumprod: Array.from(this.alphaBar),
      ddimSteps: this.config.ddimSteps,
      ddimTimesteps: this.steps,
      eta: 0,
      clipX0: [-1, 1],
      weights: "EMA",
      emaDecay: this.config.emaDecay,
      emaWarmup: this.config.emaWarmup ? "min(emaDecay, (1 + step) / (10 + step))" : false,
    };
  }

  dispose(): Promise<void> {
    return this.denoiser.dispose();
  }
}

/** The diffusion model for images of `size` with `overrides` on MODEL_DEFAULTS.diffusion.model. */
export function diffusionModel(overrides: Readonly<Record<string, unknown>>, size: ImageSize): Model {
  const config = parseModelConfig("diffusion", DiffusionConfigSchema, overrides);
  const alphaBar = alphasCumprod(config.schedule, config.timesteps);
  ddimTimesteps(config.timesteps, config.ddimSteps); // validates ddimSteps <= timesteps now, not at sampling
  const threadOption = (threads: number | undefined) => (threads === undefined ? {} : { threads });

  return {
    kind: "diffusion",
    config,
    seedKind: "noise",
    inputShape: [1, size.h, size.w],

    async createTrainer(setup) {
      const B = setup.batchSize;
      const g = new Graph({ seed: setup.seed });
      const xt = g.input("x_t", [B, 1, size.h, size.w]);
      const t = g.input("t", [B, 1]);
      const target = g.input("target", [B, 1, size.h, size.w]);
      const weight = g.input("weight", [B, 1, 1, 1]);
      // the weighted squared error, averaged over pixels and the batch; the plain MSE is reported too.
      const d = g.sub(unet(g, xt, t, config), target);
      const squared = g.mul(d, d);
      const trainer = await compileTraining(g, {
        loss: g.mean(g.mul(squared, weight)),
        extraOutputs: { mse: g.mean(squared) },
        optimizer: adam({ lr: setup.lr }),
        ema: { decay: config.emaDecay, warmup: config.emaWarmup },
        ...threadOption(setup.threads),
      });
      return new DiffusionTrainer(trainer, alphaBar, config, setup);
    },

    async createSampler(weights, threads) {
      const g = new Graph();
      const xt = g.input("x_t", [1, 1, size.h, size.w]);
      const t = g.input("t", [1, 1]);
      const denoiser = await compileInference(
        g,
        { [config.prediction]: unet(g, xt, t, config) },
        { weights, dynamicBatch: true, ...threadOption(threads) },
      );
      return new DdimSampler(denoiser, config, alphaBar, size);
    },

    readSamplerWeights(dir) {
      return readCheckpointWeights(join(dir, DIFFUSION_WEIGHTS), { ema: true });
    },
  };
}
