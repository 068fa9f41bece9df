// The sample-set metrics of genreview, on feature matrices (float64 [N, D], src/util/matrix.ts) and, for
// blur and noise, on image batches. Every function is pure (same inputs and seed, same result; async
// only because the heavy loops run in onnxruntime) and returns a plain JSON-able object carrying the
// set sizes and a `warnings` array. Definitions and conventions: docs/metrics.md.
export { type AllMetricsResult, type ComputeAllOptions, computeAll, METRIC_DEFAULTS } from "./all.ts";
export { type ClassMetricsResult, classMetrics } from "./classes.ts";
export {
  NEAR_DUPLICATE_DEFAULTS,
  type NearDuplicateOptions,
  type NearDuplicateResult,
  nearDuplicates,
} from "./duplicates.ts";
export {
  type FrechetInfinityOptions,
  type FrechetInfinityResult,
  type FrechetResult,
  frechetDistance,
  frechetFromStats,
  frechetInfinity,
  type GaussianStats,
  gaussianStats,
} from "./frechet.ts";
export { KID_DEFAULTS, type KidOptions, type KidResult, kid, mmdUnbiased } from "./kid.ts";
export { assignCells, type KMeansOptions, type KMeansResult, kmeans } from "./kmeans.ts";
export { symmetricEigen } from "./linalg.ts";
export {
  MEMORIZATION_DEFAULTS,
  type MemorizationOptions,
  type MemorizationResult,
  memorization,
} from "./memorization.ts";
export { fitNdbBins, NDB_DEFAULTS, type NdbBins, type NdbResult, ndb } from "./ndb.ts";
export {
  type BallCounts,
  type BlockOptions,
  type CountOptions,
  countWithin,
  crossBallCounts,
  type KnnOptions,
  knn,
  kthRadiiSq,
  minScaledSqDistance,
  type Neighbours,
  rowSqNorms,
  sqDistance,
} from "./neighbours.ts";
export {
  PRDC_DEFAULTS,
  type PrdcOptions,
  type PrdcResult,
  prdc,
  type RealismOptions,
  type RealismResult,
  realism,
} from "./prdc.ts";
export {
  SHARPNESS_DEFAULTS,
  type SharpnessComparison,
  type SharpnessResult,
  type SharpnessScores,
  sharpness,
  sharpnessScores,
} from "./sharpness.ts";
export { birthdayCollision, jsDivergence, mannWhitneyU, mannWhitneyZ, twoProportionZ } from "./stats.ts";
export { type VendiResult, vendi, vendiFromKernel } from "./vendi.ts";
