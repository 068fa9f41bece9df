// The `autoencoder` feature extractor, the default for data without labels: a convolutional
// autoencoder trained on TRAIN to reconstruct its input, whose linear bottleneck gives the features.
// The bottleneck keeps what is needed to redraw an image (position, size, stroke), so distances in it
// follow the look of images rather than a class. Its TEST reconstruction loss is recorded with it.
// Legend: N images, D bottleneck width; loss = mean per-pixel binary cross-entropy.
import type { Dataset, ImageBatch } from "../data/types.ts";
import type { InferenceModel, NamedTensor, Values } from "../engine/index.ts";
import { bceWithLogits } from "../engine/index.ts";
import { ConfigError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import type { TrainedNetwork } from "./classifier.ts";
import { tensorValues } from "./classifier.ts";
import {
  autoencoderGraph,
  compileExtractor,
  compileTrainer,
  gatherImages,
  type NetworkConfig,
  runBatches,
  trainLoop,
} from "./networks.ts";
import type { ExtractorProgress } from "./types.ts";

/**
 * The classifier's conv stack (16, 32, 64) with a 32-wide bottleneck: narrower than the classifier's
 * features because nothing but reconstruction shapes it, and 32 numbers redraw a one-object 28x28
 * image closely. Four epochs, peak learning rate 0.005 with cosine decay.
 */
export const AUTOENCODER_DEFAULTS: Omit<NetworkConfig, "seed"> = {
  channels: [16, 32, 64],
  features: 32,
  epochs: 4,
  batch: 64,
  lr: 5e-3,
};

/** Train the autoencoder on TRAIN and measure its TEST reconstruction loss. */
export async function trainAutoencoder(
  dataset: Dataset,
  config: NetworkConfig,
  threads: number | undefined,
  onProgress?: (p: ExtractorProgress) => void,
): Promise<TrainedNetwork> {
  const { train } = dataset;
  const { h, w } = train.images;
  if (train.images.n < config.batch) {
    throw new ConfigError(
      `the autoencoder trains in batches of ${config.batch}, but ${dataset.id} has only ${train.images.n} TRAIN images`,
    );
  }
  const trainer = await compileTrainer(
    (g, x) => bceWithLogits(g, autoencoderGraph(g, x, config, h, w).logits, x, "mean"),
    config.batch,
    h,
    w,
    config,
    threads,
  );
  const xs = new Float32Array(config.batch * h * w);
  let finalLoss: number;
  try {
    finalLoss = await trainLoop({
      trainer,
      n: train.images.n,
      config,
      onProgress,
      fill: (indices) => ({ x: gatherImages(train.images, indices, xs) }),
    });
  } finally {
    await trainer.dispose();
  }

  const tensors = new Map<string, NamedTensor>();
  for (const [name, data] of trainer.weights) {
    tensors.set(name, { shape: trainer.graph.paramInfo(name)!.tensor.shape, data });
  }
  const model = await autoencoderModel(tensorValues(tensors), config, h, w, threads, true);
  try {
    const out = await runBatches(model, dataset.test.images, ["logits"]);
    return {
      tensors,
      training: {
        finalLoss,
        testLoss: meanBce(out.get("logits")!, dataset.test.images),
        trainImages: train.images.n,
        steps: trainer.stepCount,
      },
    };
  } finally {
    await model.dispose();
  }
}

/** Mean per-pixel binary cross-entropy of logits against the images (float64, stable form). */
function meanBce(logits: Float32Array, images: ImageBatch): number {
  let s = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i]!;
    // softplus(z) - z t, with softplus(z) = max(z, 0) + log(1 + exp(-|z|))
    s += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - z * images.data[i]!;
  }
  return s / logits.length;
}

/** The inference model: bottleneck features [N, D] (and reconstruction logits when asked). */
export function autoencoderModel(
  weights: ReadonlyMap<string, Values>,
  config: NetworkConfig,
  h: number,
  w: number,
  threads: number | undefined,
  withReconstruction = false,
): Promise<InferenceModel> {
  return compileExtractor(
    (g, x) => {
      const { features, logits } = autoencoderGraph(g, x, config, h, w);
      return withReconstruction ? { features, logits } : { features };
    },
    h,
    w,
    weights,
    config.seed,
    threads,
  );
}

/** Bottleneck features as a float64 matrix. */
export async function runAutoencoder(
  model: InferenceModel,
  images: ImageBatch,
  onProgress?: (p: ExtractorProgress) => void,
): Promise<Matrix> {
  const f = (await runBatches(model, images, ["features"], onProgress)).get("features")!;
  return { data: Float64Array.from(f), rows: images.n, cols: f.length / images.n };
}
