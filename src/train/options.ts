// Training options: what a caller may give (TrainOptions), and the resolved configuration recorded in
// run.json (every default filled in from src/models/defaults.ts, checkpoint epochs computed). Bad values
// are ConfigErrors naming the option, what was expected and what was given.
import { z } from "zod";
import {
  DEMO_PRESET,
  MODEL_DEFAULTS,
  RUN_DEFAULTS,
  SETTINGS_BEFORE_THEY_EXISTED,
} from "../models/defaults.ts";
import { MODEL_KINDS, type ModelKind } from "../models/types.ts";
import { ConfigError } from "../util/errors.ts";

export const PRESETS = ["full", "demo"] as const;
export type Preset = (typeof PRESETS)[number];

/** What a caller of trainRun may set; everything but `out` (and `model` for a new run) has a default. */
export interface TrainOptions {
  /** The run folder to create, or to continue with `resume`. */
  out: string;
  /** Model family; required for a new run, taken from run.json when resuming. */
  model?: ModelKind | undefined;
  /** Dataset spec (see src/data/spec.ts), default RUN_DEFAULTS.data. */
  data?: string | undefined;
  /** Epochs to train in total (MODEL_DEFAULTS[model].train.epochs, or DEMO_PRESET's with preset "demo"). */
  epochs?: number | undefined;
  /** Epochs after which to write a checkpoint; epoch 0 (before training) and the last are always added. */
  checkpoints?: readonly number[] | undefined;
  /** Also write a checkpoint every N epochs. */
  every?: number | undefined;
  seed?: number | undefined;
  batchSize?: number | undefined;
  lr?: number | undefined;
  /** Training images used per epoch, a seeded subset of the training split (all of it when larger). */
  trainSize?: number | undefined;
  /** Size of the fixed sample set stored in seeds.npy. */
  samples?: number | undefined;
  /** Model settings over MODEL_DEFAULTS[model].model (e.g. { klWeight: 0.5 }). */
  config?: Readonly<Record<string, unknown>> | undefined;
  /** "demo" trims the epochs and images per epoch to DEMO_PRESET; explicit `epochs`/`trainSize` still win. */
  preset?: Preset | undefined;
  /** Continue the run in `out` from its last complete checkpoint (or start one if there is none). */
  resume?: boolean | undefined;
  /** onnxruntime threads (default: the engine's choice from the load; results do not depend on it). */
  threads?: number | undefined;
  /** Folder that relative dataset paths resolve against. */
  cwd?: string | undefined;
  /** Free-form description stored in run.json. */
  description?: string | undefined;
}

/** The resolved configuration stored as run.json `config` (read back with this schema on resume). */
export const TrainConfigSchema = z
  .object({
    model: z.enum(MODEL_KINDS),
    data: z.string(),
    preset: z.enum(PRESETS),
    epochs: z.number().int().positive(),
    /** Requested checkpoint epochs (0 and the last are written in any case). */
    checkpoints: z.array(z.number().int().positive()),
    every: z.number().int().positive().nullable(),
    seed: z.number().int().nonnegative(),
    batchSize: z.number().int().positive(),
    lr: z.number().positive(),
    /** Images per epoch actually used (the request, capped at the training split's size). */
    trainSize: z.number().int().positive(),
    /** Steps per epoch: floor(trainSize / batchSize); the incomplete last batch is dropped. */
    stepsPerEpoch: z.number().int().positive(),
    samples: z.number().int().positive(),
    /** onnxruntime threads; null = the engine's load-aware default (results do not depend on it). */
    threads: z.number().int().positive().nullable(),
    /**
     * The model's resolved settings (every default filled in). A run stored before a setting existed
     * reads it with the value it was trained with (SETTINGS_BEFORE_THEY_EXISTED), not today's default.
     */
    modelConfig: z.record(z.string(), z.unknown()),
  })
  .transform((c) => {
    const before: Readonly<Record<string, unknown>> = SETTINGS_BEFORE_THEY_EXISTED[c.model];
    return { ...c, modelConfig: { ...before, ...c.modelConfig } };
  });
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

/** Parse an epoch list "1,10,30,60" (CLI --checkpoints). */
export function parseEpochList(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  return parts.map((p) => {
    if (!/^\d+$/.test(p))
      throw new ConfigError(
        `--checkpoints expects comma-separated epoch numbers like 1,10,30, got '${text}'`,
      );
    return Number(p);
  });
}

/** The default checkpoint epochs for `epochs`: 1, the RUN_DEFAULTS fractions (rounded up), the last. */
export function defaultCheckpoints(epochs: number): number[] {
  const picks = [1, ...RUN_DEFAULTS.checkpointFractions.map((f) => Math.ceil(f * epochs)), epochs];
  return [...new Set(picks.filter((e) => e >= 1 && e <= epochs))].sort((a, b) => a - b);
}

/** Every epoch that gets a checkpoint: 0, the requested ones, multiples of `every`, and the last. */
export function checkpointEpochs(config: Pick<TrainConfig, "epochs" | "checkpoints" | "every">): number[] {
  const set = new Set([0, ...config.checkpoints, config.epochs]);
  if (config.every !== null) for (let e = config.every; e <= config.epochs; e += config.every) set.add(e);
  return [...set].sort((a, b) => a - b);
}

/** Check a requested checkpoint list against the epochs. */
function validCheckpoints(list: readonly number[], epochs: number): number[] {
  for (const e of list) {
    if (!Number.isInteger(e) || e < 1)
      throw new ConfigError(`--checkpoints: epochs count from 1 (epoch 0 is always sampled), got ${e}`);
    if (e > epochs) throw new ConfigError(`--checkpoints: epoch ${e} is beyond --epochs ${epochs}`);
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

/**
 * Fill in every default of a new run's options. `trainCount` is the size of the dataset's training split;
 * `modelConfig` the model's resolved settings (validated by the model family).
 */
export function resolveTrainConfig(
  options: TrainOptions,
  model: ModelKind,
  trainCount: number,
  modelConfig: Record<string, unknown>,
): TrainConfig {
  const defaults = MODEL_DEFAULTS[model].train;
  const preset = options.preset ?? "full";
  const epochs = integer(
    "epochs",
    options.epochs ?? (preset === "demo" ? DEMO_PRESET[model].epochs : defaults.epochs),
    1,
    1_000_000,
  );
  const batchSize = integer("batch size", options.batchSize ?? defaults.batchSize, 1, 65536);
  const lr = options.lr ?? defaults.lr;
  if (!(lr > 0) || !Number.isFinite(lr))
    throw new ConfigError(`learning rate must be a positive number, got ${lr}`);
  const trainSize = Math.min(
    integer(
      "train size",
      options.trainSize ?? (preset === "demo" ? DEMO_PRESET[model].trainSize : defaults.trainSize),
      1,
      1e9,
    ),
    trainCount,
  );
  if (trainSize < batchSize)
    throw new ConfigError(
      `the training set has ${trainSize} images, fewer than one batch of ${batchSize}; lower --batch-size or use more data`,
    );
  const every = options.every === undefined ? null : integer("every", options.every, 1, epochs);
  return {
    model,
    data: options.data ?? RUN_DEFAULTS.data,
    preset,
    epochs,
    checkpoints: validCheckpoints(options.checkpoints ?? defaultCheckpoints(epochs), epochs),
    every,
    seed: integer("seed", options.seed ?? RUN_DEFAULTS.seed, 0, 2 ** 32 - 1),
    batchSize,
    lr,
    trainSize,
    stepsPerEpoch: Math.floor(trainSize / batchSize),
    samples: integer("samples", options.samples ?? RUN_DEFAULTS.samples, 1, 100_000),
    threads: options.threads === undefined ? null : integer("threads", options.threads, 1, 1024),
    modelConfig,
  };
}

/**
 * The configuration of a resumed run: the stored one, with `epochs`, `checkpoints` and `every` allowed to
 * change (to train longer); any other option given must equal the stored value.
 */
export function resumeTrainConfig(stored: TrainConfig, options: TrainOptions, run: string): TrainConfig {
  const conflicts: string[] = [];
  const check = (name: string, given: unknown, have: unknown) => {
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify(have))
      conflicts.push(`${name} ${JSON.stringify(given)} (the run has ${JSON.stringify(have)})`);
  };
  check("model", options.model, stored.model);
  check("data", options.data, stored.data);
  check("seed", options.seed, stored.seed);
  check("batch size", options.batchSize, stored.batchSize);
  check("lr", options.lr, stored.lr);
  check("samples", options.samples, stored.samples);
  if (options.trainSize !== undefined && Math.min(options.trainSize, stored.trainSize) !== stored.trainSize)
    conflicts.push(`train size ${options.trainSize} (the run has ${stored.trainSize})`);
  if (options.config)
    for (const [key, value] of Object.entries(options.config))
      check(`setting ${key}`, value, stored.modelConfig[key]);
  if (conflicts.length > 0)
    throw new ConfigError(
      `cannot resume ${run} with different settings: ${conflicts.join("; ")}. Only --epochs, --checkpoints and --every may change; start a new run for other settings`,
    );
  const epochs =
    options.epochs === undefined ? stored.epochs : integer("epochs", options.epochs, 1, 1_000_000);
  const checkpoints = options.checkpoints
    ? validCheckpoints(options.checkpoints, epochs)
    : stored.checkpoints.filter((e) => e <= epochs);
  const every = options.every === undefined ? stored.every : integer("every", options.every, 1, epochs);
  // the thread count changes speed, not results, so a resumed run may use another.
  const threads =
    options.threads === undefined ? stored.threads : integer("threads", options.threads, 1, 1024);
  return { ...stored, epochs, checkpoints, every, threads };
}
