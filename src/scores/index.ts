// Calibrated quality and diversity scores of generated image sets: build a Reference once per dataset,
// feature extractor and sample count (`buildReference`), then score each checkpoint's samples against it
// (`scoreSamples`). Both scores are in [0, 1], ~1 for held-out real data, with seeded bootstrap
// intervals; every component, the flat metrics, the flags and per-sample values come with them.
// Definitions: components.ts, sharpness.ts, flags.ts and docs/scores.md.
export { type BootstrapOptions, type BootstrapResult, bootstrapScores } from "./bootstrap.ts";
export {
  drawImages,
  fewNearDuplicates,
  gaussianBlur,
  jitter,
  oneClass,
  uniformNoise,
} from "./cases.ts";
export {
  COMPONENT_WEIGHTS,
  type ComponentValues,
  combine,
  DIVERSITY_NAMES,
  type DiversityName,
  QUALITY_NAMES,
  type QualityName,
  type ScoreComponent,
  term,
} from "./components.ts";
export {
  blurFlag,
  type MetricRecord,
  memorizationFlag,
  modeCollapseFlag,
  noiseFlag,
  sampleFlags,
} from "./flags.ts";
export {
  buildReference,
  type Calibration,
  type Reference,
  type ReferenceOptions,
  SCORE_DEFAULTS,
} from "./reference.ts";
export {
  baselineMetrics,
  evaluateStatistics,
  type PerSample,
  type SampleEvaluation,
  type ScoreOptions,
  scoreSamples,
} from "./score.ts";
export {
  type LogSharpness,
  logHighFrequency,
  logLaplacian,
  logSharpness,
  type Percentiles,
  type RealSharpness,
  type ResidualBand,
  type ResidualBands,
  realSharpness,
  residualBands,
  SHARPNESS_NEIGHBOURS,
  sharpnessResiduals,
  sharpnessTerms,
} from "./sharpness.ts";
export { type SetStatistics, setStatistics } from "./statistics.ts";
