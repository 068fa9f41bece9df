// The per-dataset side of scoring, computed once and reused for every checkpoint: TRAIN features, the
// real sharpness distribution, the NDB bins, and per sample count N a calibration holding the real
// reference subset, its k-NN radii and the real-vs-real baseline (held-out TEST against TRAIN).
// Legend: T all TRAIN features; R an N-image TRAIN subset (the real set every sample set is compared
// with); B an N-image TEST subset (never trained on: the baseline a perfect generator would match).

import { selectImages } from "../data/dataset.ts";
import type { Dataset, ImageBatch } from "../data/types.ts";
import type { Embedding, ExtractorInfo, FeatureExtractor } from "../features/index.ts";
import { fitNdbBins, kthRadiiSq, type NdbBins, sharpnessScores } from "../metrics/index.ts";
import { InputError } from "../util/errors.ts";
import { type Matrix, selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import {
  type LogSharpness,
  logSharpness,
  type RealSharpness,
  type ResidualBands,
  realSharpness,
  residualBands,
} from "./sharpness.ts";
import { type SetStatistics, setStatistics } from "./statistics.ts";

/** One defaults object for the API, the CLI and the docs. */
export const SCORE_DEFAULTS = {
  seed: 0,
  /** k = 5 as in Naeem et al. (density/coverage); used for all four of precision/recall/density/coverage. */
  k: 5,
  /** 200 bootstrap resamples: percentiles 2.5/97.5 then rest on 5 resamples each side. */
  bootstrap: 200,
  /** Two-sided 95% interval. */
  interval: 0.95,
  /** NDB bins (Richardson & Weiss 2018's default). */
  ndbBins: 100,
  /** KID subsets and their size (the usual 100 x 1000, shrunk to the set size when smaller). */
  kidSubsets: 100,
  kidSubsetSize: 1000,
  /** TRAIN images whose sharpness makes the real distribution: percentiles 1-99 need a few thousand. */
  sharpnessImages: 5000,
} as const;

export interface ReferenceOptions {
  /** The sample count scores are calibrated at (the size of each evaluated sample set). */
  n: number;
  /** Seeds the TRAIN reference subset, the TEST baseline subset, KID subsets and the bootstrap. */
  seed?: number;
  k?: number;
  bootstrap?: number;
  /** Fit NDB bins on TRAIN (k-means with 100 cells; a few seconds on 10,000 images). Default true. */
  ndb?: boolean;
  /** Stages as they finish, for a progress display. */
  onStage?: (stage: string) => void;
}

/** Everything that depends on the real data at one sample count N. */
export interface Calibration {
  n: number;
  /** Indices into dataset.train of R, and into dataset.test of B. */
  trainIndices: number[];
  testIndices: number[];
  /** R [N, D] and its squared k-th neighbour radii. */
  real: Matrix;
  realRadiiSq: Float64Array;
  /** B's embedding and images. */
  test: Embedding;
  testImages: ImageBatch;
  /** Log sharpness measures of R's images (what samples' detail is compared with). */
  realSharpness: LogSharpness;
  /** Bands of the sharpness residuals of B (sharpness.ts). */
  sharpnessBands: ResidualBands;
  /** The statistics of B against R: what held-out real data scores. */
  baseline: SetStatistics;
}

export interface Reference {
  dataset: { id: string; hash: string };
  extractor: FeatureExtractor;
  info: ExtractorInfo;
  classes: string[] | null;
  n: number;
  seed: number;
  k: number;
  bootstrap: number;
  /** T [N_train, D]: nearest-train search for memorisation runs over all of TRAIN. */
  trainFeatures: Matrix;
  /** TRAIN class shares (null without labels). */
  dataClassShares: number[] | null;
  sharpness: RealSharpness;
  ndbBins: NdbBins | null;
  /** The calibration at N samples (memoised; computed on first use for an N other than `n`). */
  calibration(n: number): Promise<Calibration>;
  warnings: string[];
}

/** Build the reference of a dataset in an extractor's feature space, calibrated at `options.n` samples. */
export async function buildReference(
  dataset: Dataset,
  extractor: FeatureExtractor,
  options: ReferenceOptions,
): Promise<Reference> {
  const seed = options.seed ?? SCORE_DEFAULTS.seed;
  const k = options.k ?? SCORE_DEFAULTS.k;
  const bootstrap = options.bootstrap ?? SCORE_DEFAULTS.bootstrap;
  const stage = options.onStage ?? (() => {});
  checkCount(dataset, options.n, k);
  if (!Number.isInteger(bootstrap) || bootstrap < 0) {
    throw new InputError(`bootstrap must be a whole number of resamples >= 0, got ${bootstrap}`);
  }
  const warnings: string[] = [];

  // TRAIN: features, class shares, sharpness distribution, NDB bins
  const train = await extractor.embed(dataset.train.images);
  stage("train features");
  const labels = dataset.train.labels;
  const dataClassShares =
    dataset.classes !== null && labels !== null ? classShares(labels, dataset.classes.length) : null;
  const sharpRows = new Rng(seed)
    .fork("sharpness")
    .sample(dataset.train.images.n, Math.min(dataset.train.images.n, SCORE_DEFAULTS.sharpnessImages));
  const sharpness = realSharpness(sharpnessScores(selectImages(dataset.train, sharpRows).images));
  if (sharpRows.length < 100) {
    warnings.push(`only ${sharpRows.length} TRAIN images: the real sharpness percentiles are rough`);
  }
  let ndbBins: NdbBins | null = null;
  if (options.ndb !== false) {
    const bins = Math.min(SCORE_DEFAULTS.ndbBins, Math.floor(train.features.rows / 10));
    if (bins >= 2) ndbBins = await fitNdbBins(train.features, { bins, seed });
    else warnings.push(`NDB skipped: ${train.features.rows} TRAIN images are too few for its bins`);
    stage("NDB bins");
  }

  const calibrations = new Map<number, Promise<Calibration>>();
  const reference: Reference = {
    dataset: { id: dataset.id, hash: dataset.hash },
    extractor,
    info: extractor.info,
    classes: extractor.classes,
    n: options.n,
    seed,
    k,
    bootstrap,
    trainFeatures: train.features,
    dataClassShares,
    sharpness,
    ndbBins,
    calibration: (n) => {
      let c = calibrations.get(n);
      if (c === undefined) {
        checkCount(dataset, n, k);
        c = calibrate(dataset, reference, n);
        calibrations.set(n, c);
      }
      return c;
    },
    warnings,
  };
  await reference.calibration(options.n);
  stage("baseline");
  return reference;
}

/** Scores compare N samples with N TRAIN and N TEST images, so both splits must hold N. */
function checkCount(dataset: Dataset, n: number, k: number): void {
  if (!Number.isInteger(n) || n <= k) {
    throw new InputError(`the sample count must be an integer above k = ${k}, got ${n}`);
  }
  const nTest = dataset.test.images.n;
  const nTrain = dataset.train.images.n;
  if (n > nTest || n > nTrain) {
    throw new InputError(
      `scores are calibrated against ${n} held-out TEST images and ${n} TRAIN images, but ${dataset.id} has ` +
        `${nTest} TEST and ${nTrain} TRAIN images; evaluate at most ${Math.min(nTest, nTrain)} samples or use a larger split`,
    );
  }
}

function classShares(labels: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts.map((c) => c / labels.length);
}

/** The seeded subsets R and B of size n, and the baseline statistics of B against R. */
async function calibrate(dataset: Dataset, reference: Reference, n: number): Promise<Calibration> {
  const rng = new Rng(reference.seed).fork(`calibration-${n}`);
  const trainIndices = Array.from(rng.fork("train").sample(dataset.train.images.n, n)).sort((a, b) => a - b);
  const testIndices = Array.from(rng.fork("test").sample(dataset.test.images.n, n)).sort((a, b) => a - b);
  const real = selectRows(reference.trainFeatures, trainIndices);
  const realRadiiSq = await kthRadiiSq(real, reference.k);
  const realSharp = logSharpness(sharpnessScores(selectImages(dataset.train, trainIndices).images));
  const testImages = selectImages(dataset.test, testIndices).images;
  const test = await reference.extractor.embed(testImages);

  // the baseline is measured like any sample set; its own sharpness residuals set the bands
  const partial = {
    n,
    trainIndices,
    testIndices,
    real,
    realRadiiSq,
    test,
    testImages,
    realSharpness: realSharp,
  };
  const baseline = await setStatistics(reference, partial, test, testImages);
  return { ...partial, baseline, sharpnessBands: residualBands(baseline.perSample.sharpnessResiduals) };
}
