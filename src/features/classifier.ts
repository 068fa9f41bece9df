// The `classifier` feature extractor: a small CNN trained on the dataset's TRAIN split only, whose
// post-ReLU penultimate layer gives the features (a "Frechet classifier distance" feature space for
// small grayscale data, where Inception-v3 does not fit) and whose softmax gives the class
// probabilities of the class-based metrics. Its accuracy on the TEST split is recorded with it.
// Legend: N images, K classes, D feature width; p(y|x) = softmax of the logits.
import type { Dataset, ImageBatch } from "../data/types.ts";
import type { InferenceModel, NamedTensor, Values } from "../engine/index.ts";
import { ConfigError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import {
  classifierGraph,
  compileExtractor,
  compileTrainer,
  gatherImages,
  type NetworkConfig,
  runBatches,
  softmaxCrossEntropy,
  trainLoop,
} from "./networks.ts";
import type { ExtractorProgress } from "./types.ts";

/**
 * Three stride-2 convolutions (16, 32, 64 channels) and a 64-wide feature layer: about 0.6 M
 * multiply-adds per 28x28 image. Three epochs at a peak learning rate of 0.01 with cosine decay reach
 * about 95% TEST accuracy on `shapes` (measured: see docs/scores.md) in a few seconds per epoch on two
 * cores. Batch 64: the best accuracy per second of the sizes tried (32, 64, 128).
 */
export const CLASSIFIER_DEFAULTS: Omit<NetworkConfig, "seed"> = {
  channels: [16, 32, 64],
  features: 64,
  epochs: 3,
  batch: 64,
  lr: 1e-2,
};

export interface TrainedNetwork {
  tensors: Map<string, NamedTensor>;
  training: Record<string, number>;
}

/** Train the classifier on TRAIN and measure its TEST accuracy. */
export async function trainClassifier(
  dataset: Dataset,
  config: NetworkConfig,
  threads: number | undefined,
  onProgress?: (p: ExtractorProgress) => void,
): Promise<TrainedNetwork> {
  const { train } = dataset;
  const classes = dataset.classes;
  if (classes === null || train.labels === null) {
    throw new ConfigError(
      `the classifier extractor needs class labels, and ${dataset.id} has none; use --features autoencoder or pixel`,
    );
  }
  const k = classes.length;
  const { h, w } = train.images;
  if (train.images.n < config.batch) {
    throw new ConfigError(
      `the classifier trains in batches of ${config.batch}, but ${dataset.id} has only ${train.images.n} TRAIN images`,
    );
  }

  // training graph: softmax cross-entropy on one-hot targets
  const trainer = await compileTrainer(
    (g, x) => {
      const y = g.input("y", [config.batch, k]);
      return softmaxCrossEntropy(g, classifierGraph(g, x, config, k).logits, y);
    },
    config.batch,
    h,
    w,
    config,
    threads,
  );
  const xs = new Float32Array(config.batch * h * w);
  const ys = new Float32Array(config.batch * k);
  const labels = train.labels;
  let finalLoss: number;
  try {
    finalLoss = await trainLoop({
      trainer,
      n: train.images.n,
      config,
      onProgress,
      fill: (indices) => {
        ys.fill(0);
        for (let b = 0; b < indices.length; b++) ys[b * k + labels[indices[b]!]!] = 1;
        return { x: gatherImages(train.images, indices, xs), y: ys };
      },
    });
  } finally {
    await trainer.dispose();
  }

  // keep the parameters with their shapes; the TEST accuracy is measured by the inference graph
  const tensors = new Map<string, NamedTensor>();
  for (const [name, data] of trainer.weights) {
    tensors.set(name, { shape: trainer.graph.paramInfo(name)!.tensor.shape, data });
  }
  const model = await classifierModel(tensorValues(tensors), config, k, h, w, threads);
  try {
    const { probs } = await runClassifier(model, dataset.test.images, k);
    return {
      tensors,
      training: {
        finalLoss,
        testAccuracy: accuracy(probs, dataset.test.labels),
        trainImages: train.images.n,
        steps: trainer.stepCount,
      },
    };
  } finally {
    await model.dispose();
  }
}

export function tensorValues(tensors: ReadonlyMap<string, NamedTensor>): Map<string, Values> {
  return new Map([...tensors].map(([name, t]) => [name, t.data]));
}

/** The inference model: features [N, D] and logits [N, K]. */
export function classifierModel(
  weights: ReadonlyMap<string, Values>,
  config: NetworkConfig,
  classes: number,
  h: number,
  w: number,
  threads: number | undefined,
): Promise<InferenceModel> {
  return compileExtractor(
    (g, x) => {
      const { features, logits } = classifierGraph(g, x, config, classes);
      return { features, logits };
    },
    h,
    w,
    weights,
    config.seed,
    threads,
  );
}

/** Features and softmax probabilities (float64, computed from the logits with the max subtracted). */
export async function runClassifier(
  model: InferenceModel,
  images: ImageBatch,
  classes: number,
  onProgress?: (p: ExtractorProgress) => void,
): Promise<{ features: Matrix; probs: Matrix }> {
  const out = await runBatches(model, images, ["features", "logits"], onProgress);
  const f = out.get("features")!;
  const logits = out.get("logits")!;
  const n = images.n;
  const probs = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[i * classes + c]! - max);
      probs[i * classes + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) probs[i * classes + c]! /= sum;
  }
  return {
    features: { data: Float64Array.from(f), rows: n, cols: f.length / n },
    probs: { data: probs, rows: n, cols: classes },
  };
}

/** Share of rows whose most probable class (lowest index on ties) is the label. */
export function accuracy(probs: Matrix, labels: Int32Array | null): number {
  if (labels === null || probs.rows === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < probs.rows; i++) {
    let best = 0;
    for (let c = 1; c < probs.cols; c++) {
      if (probs.data[i * probs.cols + c]! > probs.data[i * probs.cols + best]!) best = c;
    }
    if (best === labels[i]) correct++;
  }
  return correct / probs.rows;
}
