// The shapes shared by genreview's feature extractors: what an extractor is (its identity, recorded with
// every result so that scores are only compared within one feature space) and what it returns.
// Legend: N images of H x W pixels; D feature width; C classes.
import type { ImageBatch } from "../data/types.ts";
import type { Matrix } from "../util/matrix.ts";

export const EXTRACTOR_KINDS = ["pixel", "classifier", "autoencoder"] as const;
export type ExtractorKind = (typeof EXTRACTOR_KINDS)[number];

/** Identity of a feature space; fits the `extractor` field of evaluation.json (src/run/schema.ts). */
export interface ExtractorInfo {
  /** Kind plus a short key of the training data hash and the config, e.g. "classifier-3f9a1c2b7d10". */
  id: string;
  kind: ExtractorKind;
  /** Hash of the data the extractor was trained or fitted on (the dataset hash; only TRAIN is used). */
  trainHash: string;
  /** How images are prepared before the extractor sees them, in words. */
  preprocessing: string;
  /** Feature width D. */
  dimensions: number;
  /** Classifier only: share of the dataset's TEST images classified correctly. */
  testAccuracy?: number;
}

/** Features of a batch of images, and the classifier's class probabilities when it has them. */
export interface Embedding {
  /** [N, D] float64. */
  features: Matrix;
  /** [N, C] softmax probabilities (classifier only), else null. */
  probs: Matrix | null;
}

export interface FeatureExtractor {
  readonly info: ExtractorInfo;
  /** Class names of the classifier's outputs, else null. */
  readonly classes: string[] | null;
  /** Image size the extractor accepts. */
  readonly height: number;
  readonly width: number;
  /** The resolved configuration the cache key was derived from (architecture, epochs, seed, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Loaded from the cache (true) or trained / fitted now (false). */
  readonly fromCache: boolean;
  /** Seconds spent training or fitting now; null when loaded from the cache. */
  readonly trainSeconds: number | null;
  /** Training summary (final loss, test accuracy or test reconstruction loss, ...). */
  readonly training: Readonly<Record<string, number>>;
  /** Problems met on the way (e.g. an unreadable cache entry that was rebuilt). */
  readonly warnings: readonly string[];
  /** Embed images of the extractor's size, in batches. */
  embed(images: ImageBatch): Promise<Embedding>;
  /** Release the inference session. */
  dispose(): Promise<void>;
}

/** Progress of the slow parts, for a progress bar. */
export interface ExtractorProgress {
  stage: "train" | "embed";
  done: number;
  total: number;
  /** Mean training loss of the epoch so far. */
  loss?: number;
}

export interface ExtractorOptions {
  /** Default: "classifier" when the dataset has labels, else "autoencoder". */
  kind?: ExtractorKind;
  /** Cache folder root; default: env GENREVIEW_CACHE, else <working folder>/.cache/genreview. */
  cacheRoot?: string;
  /** Seeds weight initialisation, batch order and the PCA subset. */
  seed?: number;
  /** Pixel extractor only: PCA dimensions fitted on TRAIN, or null for raw pixels. */
  pca?: number | null;
  /** Training epochs of the classifier or autoencoder. */
  epochs?: number;
  /** Train even when a cached extractor exists (the cache is then overwritten). */
  retrain?: boolean;
  /** onnxruntime threads (default: all cores). */
  threads?: number;
  onProgress?: (progress: ExtractorProgress) => void;
}
