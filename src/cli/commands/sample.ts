// `genreview sample RUN`: draw fresh samples from any complete checkpoint of a trained run, as PNG files
// in a folder or as one .npy array. The work is in src/train/sample.ts; this file checks the output
// place, writes the files and prints what it wrote.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { imageAt } from "../../data/types.ts";
import { writeGrid } from "../../image/grid.ts";
import { writePng } from "../../image/png.ts";
import { RUN_DEFAULTS } from "../../models/index.ts";
import { lastCheckpointEpoch, sampleCheckpoint } from "../../train/index.ts";
import { InputError } from "../../util/errors.ts";
import { writeNpy } from "../../util/npy.ts";
import type { Io } from "../io.ts";
import type { CommandModule } from "../main.ts";

interface SampleFlags {
  epoch?: number;
  n: number;
  seed: number;
  out: string;
  grid?: string;
  ddimSteps?: number;
  threads?: number;
  json?: boolean;
}

function integer(min: number) {
  return (text: string): number => {
    const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got '${text}'`);
    return value;
  };
}

/** File name of fresh sample i: sample-0000.png (4 digits, more when needed). */
export function sampleFileName(i: number): string {
  return `sample-${String(i).padStart(4, "0")}.png`;
}

export interface SampleResult {
  run: string;
  epoch: number;
  n: number;
  seed: number;
  width: number;
  height: number;
  /** The .npy file, or the folder of PNG files. */
  out: string;
  format: "png" | "npy";
  grid: string | null;
}

/** Draw the samples and write them; refuses a non-empty output folder so nothing is overwritten. */
export async function runSample(run: string, flags: SampleFlags): Promise<SampleResult> {
  const npy = flags.out.toLowerCase().endsWith(".npy");
  if (
    !npy &&
    existsSync(flags.out) &&
    (!statSync(flags.out).isDirectory() || readdirSync(flags.out).length > 0)
  )
    throw new InputError(
      `${flags.out} exists and is not an empty folder; choose a new folder for the PNG files (or a .npy file name)`,
    );
  const epoch = flags.epoch ?? lastCheckpointEpoch(run);
  const images = await sampleCheckpoint(run, epoch, flags.n, flags.seed, {
    ddimSteps: flags.ddimSteps,
    threads: flags.threads,
  });
  if (npy) writeNpy(flags.out, images.data, [images.n, images.h, images.w]);
  else
    for (let i = 0; i < images.n; i++)
      writePng(join(flags.out, sampleFileName(i)), imageAt(images, i), images.w, images.h);
  if (flags.grid !== undefined) writeGrid(flags.grid, images);
  return {
    run,
    epoch,
    n: images.n,
    seed: flags.seed,
    width: images.w,
    height: images.h,
    out: flags.out,
    format: npy ? "npy" : "png",
    grid: flags.grid ?? null,
  };
}

function describe(r: SampleResult): string {
  const what =
    r.format === "npy"
      ? `${r.out} (float32 [${r.n}, ${r.height}, ${r.width}] in [0, 1])`
      : `${r.out}/ (${sampleFileName(0)} .. ${sampleFileName(r.n - 1)})`;
  return `${r.n} samples of ${r.run} at epoch ${r.epoch} (seed ${r.seed}): ${what}${r.grid ? `; grid ${r.grid}` : ""}\n`;
}

export const register: CommandModule = (program, io: Io) => {
  program
    .command("sample")
    .description("Draw fresh samples from a checkpoint of a trained run, as PNG files or one .npy array")
    .argument("<run>", "run folder written by genreview train")
    .option("--epoch <n>", "checkpoint epoch (default: the last complete checkpoint)", integer(0))
    .option("--n <count>", "number of samples", integer(1), RUN_DEFAULTS.sampleCount)
    .option("--seed <s>", "seed of the sampled latents or noise", integer(0), RUN_DEFAULTS.sampleSeed)
    .requiredOption("--out <path>", "a new (or empty) folder for PNG files, or a file name ending in .npy")
    .option("--grid <file>", "also write the samples as one grid PNG (8 per row)")
    .option("--ddim-steps <n>", "diffusion runs: DDIM steps (default: the run's setting)", integer(1))
    .option("--threads <n>", "onnxruntime threads (default: all cores)", integer(1))
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      "\nThe same --seed gives the same images; the inputs are drawn from a stream independent of the run's\n" +
        "fixed seed set (samples/epoch-NNNN/ already holds those). Pixels are in [0, 1] for every model.",
    )
    .action(async (run: string, flags: SampleFlags) => {
      const result = await runSample(run, flags);
      io.out(flags.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
    });
};
