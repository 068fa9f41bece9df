// Feature extractors for small grayscale images: `loadExtractor(dataset, options)` returns the pixel,
// classifier or autoencoder feature space of a dataset, trained on its TRAIN split (or loaded from the
// cache when the same data and config were seen before). Every extractor carries its identity (id,
// training data hash, preprocessing), which is recorded with every score computed in its space.
import type { Dataset, ImageBatch } from "../data/types.ts";
import type { InferenceModel, NamedTensor } from "../engine/index.ts";
import { InputError } from "../util/errors.ts";
import { AUTOENCODER_DEFAULTS, autoencoderModel, runAutoencoder, trainAutoencoder } from "./autoencoder.ts";
import {
  CACHE_FORMAT,
  type CacheMeta,
  cacheRoot,
  extractorKey,
  readCacheEntry,
  writeCacheEntry,
} from "./cache.ts";
import {
  CLASSIFIER_DEFAULTS,
  classifierModel,
  runClassifier,
  type TrainedNetwork,
  tensorValues,
  trainClassifier,
} from "./classifier.ts";
import type { NetworkConfig } from "./networks.ts";
import { fitPca, type PcaBasis, pixelMatrix, projectPca } from "./pixel.ts";
import type {
  Embedding,
  ExtractorInfo,
  ExtractorKind,
  ExtractorOptions,
  ExtractorProgress,
  FeatureExtractor,
} from "./types.ts";

export { AUTOENCODER_DEFAULTS } from "./autoencoder.ts";
export { CACHE_ENV, CACHE_FORMAT, cacheRoot, extractorKey } from "./cache.ts";
export { CLASSIFIER_DEFAULTS } from "./classifier.ts";
export { readImageSource } from "./source.ts";
export * from "./types.ts";

/** One defaults object for the API, the CLI and the docs. */
export const EXTRACTOR_DEFAULTS = {
  seed: 0,
  /** Raw pixels by default: the pixel extractor is the no-training fallback, PCA is opt-in. */
  pca: null,
  classifier: CLASSIFIER_DEFAULTS,
  autoencoder: AUTOENCODER_DEFAULTS,
} as const;

/** "classifier" when the dataset has labels, else "autoencoder". */
export function defaultExtractorKind(dataset: Dataset): ExtractorKind {
  return dataset.classes !== null && dataset.train.labels !== null ? "classifier" : "autoencoder";
}

/**
 * The feature extractor of a dataset: loaded from the cache when an entry for the same dataset hash
 * and config exists, else trained (classifier, autoencoder) or fitted (pixel PCA) on TRAIN and cached.
 * Raw pixel features need neither.
 */
export async function loadExtractor(
  dataset: Dataset,
  options: ExtractorOptions = {},
): Promise<FeatureExtractor> {
  const kind = options.kind ?? defaultExtractorKind(dataset);
  const seed = options.seed ?? EXTRACTOR_DEFAULTS.seed;
  const { h, w } = dataset.train.images;
  if (kind === "pixel") {
    const pca = options.pca === undefined ? EXTRACTOR_DEFAULTS.pca : options.pca;
    if (pca === null) return rawPixelExtractor(dataset);
    return pcaExtractor(dataset, pca, seed, options);
  }
  const defaults = kind === "classifier" ? CLASSIFIER_DEFAULTS : AUTOENCODER_DEFAULTS;
  const network: NetworkConfig = { ...defaults, epochs: options.epochs ?? defaults.epochs, seed };
  return learnedExtractor(dataset, kind, network, h, w, options);
}

/** Identity fields shared by every extractor. */
function info(
  kind: ExtractorKind,
  id: string,
  dataset: Dataset,
  preprocessing: string,
  dimensions: number,
  testAccuracy?: number,
): ExtractorInfo {
  const out: ExtractorInfo = { id, kind, trainHash: dataset.hash, preprocessing, dimensions };
  if (testAccuracy !== undefined) out.testAccuracy = testAccuracy;
  return out;
}

/** Throws InputError unless the images have the size the extractor was built for. */
function checkSize(images: ImageBatch, h: number, w: number, id: string): void {
  if (images.h !== h || images.w !== w) {
    throw new InputError(
      `the ${id} feature extractor takes ${h}x${w} images (the size of its training data), got ${images.h}x${images.w}`,
    );
  }
}

function rawPixelExtractor(dataset: Dataset): FeatureExtractor {
  const { h, w } = dataset.train.images;
  const id = `pixel-raw-${h}x${w}`;
  return {
    info: info(
      "pixel",
      id,
      dataset,
      `grayscale ${h}x${w}, pixels in [0, 1], flattened to ${h * w} values`,
      h * w,
    ),
    classes: null,
    height: h,
    width: w,
    config: { pca: null, height: h, width: w },
    fromCache: false,
    trainSeconds: null,
    training: {},
    warnings: [],
    embed: async (images) => {
      checkSize(images, h, w, id);
      return { features: pixelMatrix(images), probs: null };
    },
    dispose: async () => {},
  };
}

/** The cache step shared by every fitted extractor: read the entry, or build and write it. */
async function cached(
  dataset: Dataset,
  kind: ExtractorKind,
  config: Record<string, unknown>,
  options: ExtractorOptions,
  build: () => Promise<{
    tensors: Map<string, NamedTensor>;
    training: Record<string, number>;
    dimensions: number;
    preprocessing: string;
  }>,
): Promise<{
  meta: CacheMeta;
  tensors: Map<string, NamedTensor>;
  fromCache: boolean;
  seconds: number | null;
  warnings: string[];
}> {
  const root = cacheRoot(options.cacheRoot);
  const key = extractorKey(kind, dataset.hash, config);
  const warnings: string[] = [];
  if (options.retrain !== true) {
    const entry = readCacheEntry(root, key, (reason) => warnings.push(`${reason}; rebuilt it`));
    if (entry !== null) return { ...entry, fromCache: true, seconds: null, warnings };
  }
  const start = performance.now();
  const built = await build();
  const seconds = (performance.now() - start) / 1000;
  const meta: CacheMeta = {
    format: CACHE_FORMAT,
    key,
    kind,
    datasetHash: dataset.hash,
    datasetId: dataset.id,
    config,
    dimensions: built.dimensions,
    preprocessing: built.preprocessing,
    training: { ...built.training, seconds },
    createdAt: new Date().toISOString(),
  };
  writeCacheEntry(root, { meta, tensors: built.tensors });
  return { meta, tensors: built.tensors, fromCache: false, seconds, warnings };
}

async function pcaExtractor(
  dataset: Dataset,
  d: number,
  seed: number,
  options: ExtractorOptions,
): Promise<FeatureExtractor> {
  const { h, w } = dataset.train.images;
  const config = { pca: d, seed, height: h, width: w };
  const entry = await cached(dataset, "pixel", config, options, async () => {
    const basis = await fitPca(dataset, d, seed);
    const p = h * w;
    return {
      tensors: new Map<string, NamedTensor>([
        ["mean", { shape: [p], data: basis.mean }],
        ["components", { shape: [p, d], data: basis.components.data }],
        ["variances", { shape: [d], data: basis.variances }],
      ]),
      training: { explainedVariance: basis.explained },
      dimensions: d,
      preprocessing:
        `grayscale ${h}x${w}, pixels in [0, 1], flattened, centred on the TRAIN mean and projected on the ` +
        `top ${d} TRAIN principal components (${(100 * basis.explained).toFixed(1)}% of the pixel variance)`,
    };
  });
  const basis: PcaBasis = {
    mean: Float64Array.from(entry.tensors.get("mean")!.data),
    components: { data: Float64Array.from(entry.tensors.get("components")!.data), rows: h * w, cols: d },
    variances: Float64Array.from(entry.tensors.get("variances")!.data),
    explained: entry.meta.training["explainedVariance"] ?? Number.NaN,
  };
  const id = `pixel-pca${d}-${entry.meta.key.slice(0, 12)}`;
  return {
    info: info("pixel", id, dataset, entry.meta.preprocessing, d),
    classes: null,
    height: h,
    width: w,
    config,
    fromCache: entry.fromCache,
    trainSeconds: entry.seconds,
    training: entry.meta.training,
    warnings: entry.warnings,
    embed: async (images) => {
      checkSize(images, h, w, id);
      return { features: projectPca(images, basis), probs: null };
    },
    dispose: async () => {},
  };
}

async function learnedExtractor(
  dataset: Dataset,
  kind: "classifier" | "autoencoder",
  network: NetworkConfig,
  h: number,
  w: number,
  options: ExtractorOptions,
): Promise<FeatureExtractor> {
  const classes = kind === "classifier" ? dataset.classes : null;
  const k = classes?.length ?? 0;
  const architecture = kind === "classifier" ? "cnn-classifier/1" : "cnn-autoencoder/1";
  const config = {
    architecture,
    ...network,
    height: h,
    width: w,
    ...(kind === "classifier" ? { classes: k } : {}),
  };
  const preprocessing =
    `grayscale ${h}x${w}, pixels in [0, 1] mapped to [-1, 1]; features: ` +
    (kind === "classifier"
      ? `the post-ReLU ${network.features}-wide penultimate layer of a CNN classifier trained on TRAIN`
      : `the ${network.features}-wide linear bottleneck of a convolutional autoencoder trained on TRAIN`);
  const onProgress = (p: ExtractorProgress): void => options.onProgress?.(p);

  const entry = await cached(dataset, kind, config, options, async () => {
    const trained: TrainedNetwork =
      kind === "classifier"
        ? await trainClassifier(dataset, network, options.threads, onProgress)
        : await trainAutoencoder(dataset, network, options.threads, onProgress);
    return { ...trained, dimensions: network.features, preprocessing };
  });
  const weights = tensorValues(entry.tensors);
  const model: InferenceModel =
    kind === "classifier"
      ? await classifierModel(weights, network, k, h, w, options.threads)
      : await autoencoderModel(weights, network, h, w, options.threads);
  const id = `${kind}-${entry.meta.key.slice(0, 12)}`;
  const testAccuracy = kind === "classifier" ? entry.meta.training["testAccuracy"] : undefined;
  return {
    info: info(kind, id, dataset, entry.meta.preprocessing, network.features, testAccuracy),
    classes,
    height: h,
    width: w,
    config,
    fromCache: entry.fromCache,
    trainSeconds: entry.seconds,
    training: entry.meta.training,
    warnings: entry.warnings,
    embed: async (images): Promise<Embedding> => {
      checkSize(images, h, w, id);
      if (kind === "classifier") return runClassifier(model, images, k, onProgress);
      return { features: await runAutoencoder(model, images, onProgress), probs: null };
    },
    dispose: () => model.dispose(),
  };
}
