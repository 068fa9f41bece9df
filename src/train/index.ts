// The training library: train a model into a run folder (trainRun), and sample its checkpoints
// (openSampler, sampleCheckpoint, sampleFixedSeeds). The CLI commands `train` and `sample` call these.
export { writeSamples } from "./checkpoint.ts";
export {
  checkpointEpochs,
  defaultCheckpoints,
  PRESETS,
  type Preset,
  parseEpochList,
  type TrainConfig,
  TrainConfigSchema,
  type TrainOptions,
} from "./options.ts";
export { type RunSummary, type TrainHooks, type TrainProgress, trainRun } from "./run.ts";
export {
  type CheckpointSampler,
  lastCheckpointEpoch,
  openSampler,
  type SamplerOptions,
  sampleCheckpoint,
  sampleFixedSeeds,
} from "./sample.ts";
export { readSeeds, type StoredSeeds } from "./seeds.ts";
