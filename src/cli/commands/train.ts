// `genreview train`: train a VAE, GAN or diffusion model on a dataset into a run folder, or continue one
// with --resume. The work is in src/train/ (trainRun) and src/models/; this file turns flags into
// TrainOptions, shows progress on stderr and prints the summary (text or JSON) on stdout.
import { InvalidArgumentError, Option } from "commander";
import { parseSetting } from "../../models/config.ts";
import { DEMO_PRESET } from "../../models/defaults.ts";
import { MODEL_DEFAULTS, MODEL_KINDS, type ModelKind, RUN_DEFAULTS } from "../../models/index.ts";
import {
  PRESETS,
  type Preset,
  parseEpochList,
  type RunSummary,
  type TrainOptions,
  trainRun,
} from "../../train/index.ts";
import { type Io, type Progress, progressBar } from "../io.ts";
import type { CommandModule } from "../main.ts";

interface TrainFlags {
  model?: ModelKind;
  data?: string;
  out: string;
  epochs?: number;
  checkpoints?: number[];
  every?: number;
  seed?: number;
  resume?: boolean;
  batchSize?: number;
  lr?: number;
  trainSize?: number;
  samples?: number;
  set?: [string, unknown][];
  preset?: Preset;
  threads?: number;
  description?: string;
  quiet?: boolean;
  json?: boolean;
}

/** A commander parser for integers >= min. */
function integer(min: number) {
  return (text: string): number => {
    const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got '${text}'`);
    return value;
  };
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError(`expected a positive number, got '${text}'`);
  return value;
}

function epochList(text: string): number[] {
  try {
    return parseEpochList(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function setting(text: string, previous: [string, unknown][] = []): [string, unknown][] {
  try {
    return [...previous, parseSetting(text)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** The defaults table shown by --help, read from the one defaults object. */
function defaultsHelp(): string {
  const lines = ["", "Defaults per model (train: epochs, batch size, learning rate, images per epoch):"];
  for (const kind of MODEL_KINDS) {
    const { train, model } = MODEL_DEFAULTS[kind];
    lines.push(
      `  ${kind.padEnd(9)} --epochs ${train.epochs} (demo ${DEMO_PRESET[kind].epochs}) --batch-size ${train.batchSize} --lr ${train.lr} --train-size ${train.trainSize} (demo ${DEMO_PRESET[kind].trainSize})`,
    );
    const settings = Object.entries(model).map(
      ([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`,
    );
    lines.push(`  ${"".padEnd(9)} --set ${settings.join(" ")}`);
  }
  lines.push(
    "",
    "Checkpoints: epoch 0 (before training) and the last epoch always; --checkpoints defaults to epoch 1, a",
    `quarter and half of the epochs. Each holds weights and optimiser state, sampler.onnx and meta.json, and`,
    `samples/epoch-NNNN/ holds grid.png and one PNG per fixed seed (${RUN_DEFAULTS.samples} by default).`,
    "--resume continues from the last complete checkpoint (not from the middle of an epoch) and ends with the",
    "same weights as an uninterrupted run; only --epochs, --checkpoints and --every may change on resume.",
    "Pixels: data in [0, 1]; the GAN and diffusion model work in [-1, 1] inside and convert at the boundary.",
  );
  return lines.join("\n");
}

function formatSummary(s: RunSummary): string {
  const lines = [
    `trained ${s.model} on ${s.dataset.id} to epoch ${s.epochs} (${s.steps} steps of ${s.batchSize} images) in ${s.seconds.toFixed(1)} s` +
      (s.resumedFrom === null ? "" : `, resumed from epoch ${s.resumedFrom}`),
  ];
  if (s.samplesPerSecond !== null && s.secondsPerEpoch !== null)
    lines.push(
      `speed: ${s.samplesPerSecond.toFixed(0)} training samples/s, ${s.secondsPerEpoch.toFixed(2)} s per epoch with checkpoints`,
    );
  const losses = Object.entries(s.finalMetrics)
    .filter(([key]) => key.startsWith("loss/"))
    .map(([key, value]) => `${key} ${value.toPrecision(4)}`);
  if (losses.length > 0) lines.push(`last epoch means: ${losses.join(", ")}`);
  lines.push(`checkpoints: epochs ${s.checkpoints.join(", ")} in ${s.run}`);
  return `${lines.join("\n")}\n`;
}

async function run(flags: TrainFlags, io: Io): Promise<void> {
  const options: TrainOptions = {
    out: flags.out,
    model: flags.model,
    data: flags.data,
    epochs: flags.epochs,
    checkpoints: flags.checkpoints,
    every: flags.every,
    seed: flags.seed,
    batchSize: flags.batchSize,
    lr: flags.lr,
    trainSize: flags.trainSize,
    samples: flags.samples,
    config: flags.set ? Object.fromEntries(flags.set) : undefined,
    preset: flags.preset,
    resume: flags.resume,
    threads: flags.threads,
    description: flags.description,
  };
  const talk = !flags.quiet;
  const bar: { current: Progress | null } = { current: null };
  const summary = await trainRun(options, {
    onMessage: (text) => {
      if (talk) io.err(text);
    },
    onProgress: (p) => {
      bar.current ??= progressBar(
        io,
        p.totalSteps,
        "train",
        ["epoch", "loss", "samples/s"],
        talk && !flags.json,
      );
      const loss = Object.entries(p.metrics)
        .filter(([key]) => key.startsWith("loss/"))
        .map(([key, value]) => `${key.slice(5)} ${value.toPrecision(4)}`)
        .join(" ");
      bar.current.update(p.step, {
        epoch: `${p.epoch}/${p.epochs}`,
        loss,
        "samples/s": p.samplesPerSecond.toFixed(0),
      });
    },
  });
  bar.current?.stop();
  if (flags.json) io.out(`${JSON.stringify(summary, null, 2)}\n`);
  else io.out(formatSummary(summary));
}

export const register: CommandModule = (program, io) => {
  program
    .command("train")
    .description(
      "Train a VAE, GAN or diffusion model on a dataset into a run folder: run.json, metrics.jsonl, the " +
        "fixed seed set, checkpoints with exported samplers, and fixed-seed samples at every checkpoint.",
    )
    .addOption(new Option("--model <kind>", "model family (required for a new run)").choices(MODEL_KINDS))
    .option("--data <spec>", `dataset spec, see 'genreview data --help' (default ${RUN_DEFAULTS.data})`)
    .requiredOption("--out <dir>", "run folder to create (or to continue with --resume)")
    .option("--epochs <n>", "epochs to train in total (default: per model, below)", integer(1))
    .option(
      "--checkpoints <list>",
      "epochs to checkpoint, e.g. 1,10,30,60 (default: 1, a quarter, half, the last)",
      epochList,
    )
    .option("--every <n>", "also checkpoint every n epochs", integer(1))
    .option("--seed <s>", `seed of everything random in the run (default ${RUN_DEFAULTS.seed})`, integer(0))
    .option("--resume", "continue the run in --out from its last complete checkpoint")
    .option("--batch-size <n>", "images per step (default: per model)", integer(1))
    .option("--lr <x>", "Adam learning rate (default: per model)", positiveNumber)
    .option("--train-size <n>", "training images per epoch, a seeded subset (default: per model)", integer(1))
    .option("--samples <n>", `size of the fixed sample set (default ${RUN_DEFAULTS.samples})`, integer(1))
    .option("--set <key=value>", "a model setting, repeatable (e.g. --set klWeight=0.5)", setting)
    .addOption(new Option("--preset <name>", "full defaults, or fewer epochs for the demo").choices(PRESETS))
    .option("--threads <n>", "onnxruntime threads (default: all cores)", integer(1))
    .option("--description <text>", "a description stored in run.json for the report")
    .option("--quiet", "no progress bar or messages on stderr")
    .option("--json", "print the run summary as JSON")
    .addHelpText("after", defaultsHelp())
    .action(async (flags: TrainFlags) => {
      await run(flags, io);
    });
};
