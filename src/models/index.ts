// The model families genreview trains, by name: `createModel(kind, overrides, size)` binds a family to a
// resolved configuration and an image size. See types.ts for what a model provides.
import { ConfigError } from "../util/errors.ts";
import { checkImageSize } from "./config.ts";
import { diffusionModel } from "./diffusion.ts";
import { ganModel } from "./gan.ts";
import type { ImageSize, Model, ModelKind } from "./types.ts";
import { MODEL_KINDS } from "./types.ts";
import { vaeModel } from "./vae.ts";

export { DEMO_PRESET, MODEL_DEFAULTS, RUN_DEFAULTS } from "./defaults.ts";
export type { SignedPixels } from "./pixels.ts";
export { toSigned, toUnit } from "./pixels.ts";
export * from "./types.ts";

const FAMILIES: Record<ModelKind, (overrides: Readonly<Record<string, unknown>>, size: ImageSize) => Model> =
  {
    vae: vaeModel,
    gan: ganModel,
    diffusion: diffusionModel,
  };

/** A model kind from user input, or a ConfigError listing the kinds. */
export function parseModelKind(text: string): ModelKind {
  if ((MODEL_KINDS as readonly string[]).includes(text)) return text as ModelKind;
  throw new ConfigError(`unknown model '${text}': expected one of ${MODEL_KINDS.join(", ")}`);
}

/**
 * The model `kind` for images of `size`, with `overrides` on MODEL_DEFAULTS[kind].model. `dataId` names
 * the data in the error when the size does not fit the model.
 */
export function createModel(
  kind: ModelKind,
  overrides: Readonly<Record<string, unknown>>,
  size: ImageSize,
  dataId = "the data",
): Model {
  checkImageSize(kind, size, dataId);
  return FAMILIES[kind](overrides, size);
}
