// The public API of genreview's training engine: build a model as a graph, train it with one ONNX session
// run per step, run or export inference graphs, and save or restore checkpoints. See docs/engine.md.
export { grad, unbroadcast } from "./autodiff.ts";
export { type EmitOptions, type EmittedModel, emitModel, type ModelInput, OPSET } from "./emit.ts";
export {
  type ConvOptions,
  type ConvTransposeOptions,
  type DType,
  type FloatDType,
  formatShape,
  Graph,
  type GraphOptions,
  type Init,
  type ParamInfo,
  type Shape,
  sizeOf,
  Tensor,
  type Values,
} from "./graph.ts";
export {
  constantInit,
  heNormal,
  heUniform,
  normalInit,
  ones,
  uniformInit,
  xavierNormal,
  xavierUniform,
  zeros,
} from "./init.ts";
export {
  type Conv2dOptions,
  type ConvTranspose2dOptions,
  conv2d,
  convTranspose2d,
  type DenseOptions,
  dense,
  groupNorm,
  reparameterize,
  type WeightInit,
} from "./layers.ts";
export {
  bceWithLogits,
  ganDiscriminatorLoss,
  ganGeneratorLoss,
  gaussianKl,
  mse,
  type Reduction,
  vaeLoss,
} from "./losses.ts";
export {
  type AdamOptions,
  adam,
  adamw,
  clipByGlobalNorm,
  type Optimizer,
  type SgdOptions,
  sgd,
} from "./optim.ts";
export {
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensor,
  readSafetensors,
  type SafetensorsContent,
  writeSafetensors,
} from "./safetensors.ts";
export {
  autoThreads,
  compileInference,
  createSession,
  type InferenceModel,
  type InferenceOptions,
  type RuntimeOptions,
  runGraph,
  type WeightSource,
} from "./session.ts";
export {
  CHECKPOINT_FORMAT,
  type CheckpointInfo,
  compileTraining,
  type EmaOptions,
  type MultiStepResult,
  readCheckpointWeights,
  type StepResult,
  type Trainer,
  type TrainingOptions,
} from "./trainer.ts";
