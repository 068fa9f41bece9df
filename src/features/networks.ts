// The two learned feature extractors as engine graphs, and the loops that train them on TRAIN and run
// them on image batches. Legend: N batch, C_k channels of conv layer k, H x W image size, D feature
// width, K classes. Images enter as [N, 1, H, W] in [0, 1] and are mapped to [-1, 1] inside the graph
// (zero-centred inputs let the first layer's ReLUs start half active).
//
//   classifier:   x -> conv 3x3/2 (C_1) -> ReLU -> ... -> conv 3x3/2 (C_L) -> ReLU -> dense D -> ReLU = features
//                 -> dense K = logits; trained with softmax cross-entropy.
//   autoencoder:  x -> the same conv stack -> dense D (linear) = features (the bottleneck)
//                 -> dense -> ReLU -> transposed conv 3x3/2 stack -> crop to H x W = logits;
//                 trained with per-pixel binary cross-entropy against x.

import type { ImageBatch } from "../data/types.ts";
import {
  adam,
  compileInference,
  compileTraining,
  conv2d,
  convTranspose2d,
  dense,
  Graph,
  type InferenceModel,
  type Tensor,
  type Trainer,
  type Values,
} from "../engine/index.ts";
import { Rng } from "../util/rng.ts";
import type { ExtractorProgress } from "./types.ts";

/** Resolved architecture and training settings of a learned extractor (all part of the cache key). */
export interface NetworkConfig {
  /** Output channels of the stride-2 convolutions, in order. */
  channels: number[];
  /** Feature width D. */
  features: number;
  epochs: number;
  batch: number;
  /** Peak Adam learning rate; it follows a cosine decay to 0 over all steps. */
  lr: number;
  seed: number;
}

/** Spatial size after `layers` 3x3 convolutions of stride 2 and padding 1: ceil(s / 2) each time. */
export function downsampled(size: number, layers: number): number {
  let s = size;
  for (let i = 0; i < layers; i++) s = Math.ceil(s / 2);
  return s;
}

/** The shared conv stack: [N, 1, H, W] in [0, 1] -> [N, C_L * h * w] flattened. */
function convStack(g: Graph, x: Tensor, channels: number[]): Tensor {
  let h = g.sub(g.mul(x, 2), 1);
  channels.forEach((c, i) => {
    h = g.relu(conv2d(g, `enc.conv${i + 1}`, h, c, 3, { stride: 2, padding: 1 }));
  });
  return h.flatten();
}

/** Classifier graph: post-ReLU penultimate features [N, D] and logits [N, K]. */
export function classifierGraph(
  g: Graph,
  x: Tensor,
  config: NetworkConfig,
  classes: number,
): { features: Tensor; logits: Tensor } {
  const features = g.relu(dense(g, "enc.fc", convStack(g, x, config.channels), config.features));
  return { features, logits: dense(g, "head.out", features, classes, { init: "xavier" }) };
}

/** Autoencoder graph: linear bottleneck features [N, D] and reconstruction logits [N, 1, H, W]. */
export function autoencoderGraph(
  g: Graph,
  x: Tensor,
  config: NetworkConfig,
  h: number,
  w: number,
): { features: Tensor; logits: Tensor } {
  const { channels } = config;
  const features = dense(g, "enc.fc", convStack(g, x, channels), config.features, { init: "xavier" });

  // decoder: back to the stack's last map, then one stride-2 transposed conv per encoder conv
  const n = x.shape[0]!;
  const hs = downsampled(h, channels.length);
  const ws = downsampled(w, channels.length);
  const last = channels[channels.length - 1]!;
  let y = g.relu(dense(g, "dec.fc", features, last * hs * ws));
  y = g.reshape(y, [n, last, hs, ws]);
  const outs = [...channels.slice(0, -1).reverse(), 1];
  outs.forEach((c, i) => {
    // outputPadding 1 doubles the size exactly; the crop below trims odd sizes
    y = convTranspose2d(g, `dec.tconv${i + 1}`, y, c, 3, { stride: 2, padding: 1, outputPadding: 1 });
    if (i < outs.length - 1) y = g.relu(y);
  });
  const logits = g.slice(g.slice(y, 2, 0, h), 3, 0, w);
  return { features, logits };
}

/** Softmax cross-entropy on logits [N, K] with one-hot targets [N, K], averaged over the batch. */
export function softmaxCrossEntropy(g: Graph, logits: Tensor, oneHot: Tensor): Tensor {
  // log sum_j exp(z_j) - z_y. The graph has no max reduction to subtract first, so the logits are
  // bounded by 30 tanh(z / 30) (identity for |z| << 30): exp stays below e^30, far from float32
  // overflow (e^88), and a confident network is not pushed further than that.
  const bound = 30;
  const z = g.mul(g.tanh(g.mul(logits, 1 / bound)), bound);
  const logSumExp = g.log(g.sum(g.exp(z), [1], true));
  const n = logits.shape[0]!;
  return g.mul(g.sum(g.mul(g.sub(logSumExp, z), oneHot)), 1 / n);
}

export interface TrainLoopOptions {
  trainer: Trainer;
  /** Training images. */
  n: number;
  config: NetworkConfig;
  /** Fill the feeds of the batch made of images `indices`. */
  fill: (indices: Uint32Array) => Record<string, Values>;
  onProgress?: ((p: ExtractorProgress) => void) | undefined;
}

/**
 * Mini-batch training with a seeded shuffle per epoch and a cosine learning-rate decay (Loshchilov &
 * Hutter 2017) from the peak to 0; the decay lets a few epochs end at a low-noise point. Each epoch
 * drops its last partial batch (a different one every epoch, the shuffle being new). Returns the mean
 * loss of the last epoch.
 */
export async function trainLoop(options: TrainLoopOptions): Promise<number> {
  const { trainer, n, config, fill, onProgress } = options;
  const { batch, epochs, lr } = config;
  const perEpoch = Math.floor(n / batch);
  const total = perEpoch * epochs;
  const rng = new Rng(config.seed).fork("batches");
  let lastEpochLoss = Number.NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(n);
    let sum = 0;
    for (let b = 0; b < perEpoch; b++) {
      const step = epoch * perEpoch + b;
      trainer.lr = 0.5 * lr * (1 + Math.cos((Math.PI * step) / total));
      const result = await trainer.step(fill(order.subarray(b * batch, (b + 1) * batch)));
      sum += result.loss;
      onProgress?.({ stage: "train", done: step + 1, total, loss: sum / (b + 1) });
    }
    lastEpochLoss = sum / perEpoch;
  }
  return lastEpochLoss;
}

/** Copy images `indices` of a batch into a [B, 1, H, W] buffer. */
export function gatherImages(
  images: ImageBatch,
  indices: ArrayLike<number>,
  out: Float32Array,
): Float32Array {
  const size = images.h * images.w;
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b]!;
    out.set(images.data.subarray(i * size, (i + 1) * size), b * size);
  }
  return out;
}

/** Images per inference run: large enough to amortise a session call, small enough to stay in cache. */
export const INFERENCE_BATCH = 512;

/** Run an inference model over all images in batches and concatenate the named outputs. */
export async function runBatches(
  model: InferenceModel,
  images: ImageBatch,
  outputs: string[],
  onProgress?: (p: ExtractorProgress) => void,
): Promise<Map<string, Float32Array>> {
  const size = images.h * images.w;
  const parts = new Map<string, Values[]>(outputs.map((o) => [o, []]));
  for (let start = 0; start < images.n; start += INFERENCE_BATCH) {
    const end = Math.min(images.n, start + INFERENCE_BATCH);
    const result = await model.run({ x: images.data.subarray(start * size, end * size) });
    for (const o of outputs) parts.get(o)!.push(result[o]!);
    onProgress?.({ stage: "embed", done: end, total: images.n });
  }
  const joined = new Map<string, Float32Array>();
  for (const [o, list] of parts) {
    const out = new Float32Array(list.reduce((s, v) => s + v.length, 0));
    let offset = 0;
    for (const v of list) {
      out.set(v, offset);
      offset += v.length;
    }
    joined.set(o, out);
  }
  return joined;
}

/** Build, compile and return an inference model over the given weights (any batch size). */
export async function compileExtractor(
  build: (g: Graph, x: Tensor) => Record<string, Tensor>,
  h: number,
  w: number,
  weights: ReadonlyMap<string, Values>,
  seed: number,
  threads: number | undefined,
): Promise<InferenceModel> {
  const g = new Graph({ seed });
  const x = g.input("x", [1, 1, h, w]);
  const outputs = build(g, x);
  return compileInference(g, outputs, {
    weights,
    dynamicBatch: true,
    ...(threads === undefined ? {} : { threads }),
  });
}

/** Build and compile a training graph at a fixed batch size. */
export async function compileTrainer(
  build: (g: Graph, x: Tensor) => Tensor,
  batch: number,
  h: number,
  w: number,
  config: NetworkConfig,
  threads: number | undefined,
): Promise<Trainer> {
  const g = new Graph({ seed: config.seed });
  const x = g.input("x", [batch, 1, h, w]);
  const loss = build(g, x);
  return compileTraining(g, {
    loss,
    optimizer: adam({ lr: config.lr }),
    ...(threads === undefined ? {} : { threads }),
  });
}
