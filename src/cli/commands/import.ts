// `genreview import SAMPLES_DIR --data DATASET --out RUN`: samples made by another tool (one subfolder
// per checkpoint, PNG files or one .npy array each) become a run folder that `evaluate`, `review` and
// `report` treat like a run trained here. The work is in src/import/; this file prints what was read.
import { z } from "zod";
import { importSamples } from "../../import/import.ts";
import type { CommandModule } from "../main.ts";

const HELP = `
SAMPLES_DIR holds one subfolder per checkpoint; the checkpoint number is read from the folder
name: an optional word, an optional "-" or "_", then digits ("epoch_010", "step-2000", "30").
Folders named step/steps/iter/iteration/it count steps, any other name epochs; all folders must
count the same. Each folder holds either PNG files (any colour type, converted to grayscale; read
in natural name order) or one .npy array [N, H, W] or [N, H, W, 1] of uint8 (0-255) or float32/
float64 (0-1). Images must have the dataset's size. Other files are ignored, with a warning.

The run written to RUN: run.json (model "imported"), checkpoints/epoch-NNNN/samples.npy with every
sample, and samples/epoch-NNNN/ with the first 64 samples as seed-NNN.png plus grid.png; sample i
of every checkpoint stands for "seed i" in the filmstrip, which is meaningful when the exporting
script drew every checkpoint's samples from one fixed batch of latents. RUN must not exist or be
empty.

Then: genreview evaluate RUN (N = the smallest checkpoint's sample count, at most --n), and
genreview review RUN.

Examples:
  genreview import exported/ --data shapes --out runs/torch-gan
  genreview import mnist-samples/ --data idx:data/mnist --out runs/mnist-vae --json`;

const FlagsSchema = z.object({ data: z.string(), out: z.string(), json: z.boolean().optional() });

export const register: CommandModule = (program, io) => {
  program
    .command("import")
    .description("Turn a folder of per-checkpoint samples made by any tool into a run folder for review")
    .argument("<samples-dir>", "folder with one subfolder of samples per checkpoint (epoch_010/, step-2000/)")
    .requiredOption(
      "--data <dataset>",
      "dataset the samples imitate: shapes, glyphs, patterns, idx:PATH, png:DIR or npy:PATH",
    )
    .requiredOption("--out <run>", "run folder to create (must not exist or be empty)")
    .option("--json", "print what was imported as JSON")
    .addHelpText("after", HELP)
    .action((samplesDir: string, _options: unknown, command: { opts(): unknown }) => {
      const flags = FlagsSchema.parse(command.opts());
      const result = importSamples(samplesDir, { data: flags.data, out: flags.out });
      for (const warning of result.warnings) io.err(`warning: ${warning}`);
      if (flags.json === true) {
        const { run, checkpoints, warnings, info } = result;
        io.out(
          `${JSON.stringify({ run, dataset: info.dataset, unit: info.config["checkpointUnit"], checkpoints, warnings }, null, 2)}\n`,
        );
        return;
      }
      const unit = String(result.info.config["checkpointUnit"]);
      const lines = [
        `imported ${result.checkpoints.length} checkpoints into ${result.run} (numbered by ${unit})`,
      ];
      for (const c of result.checkpoints)
        lines.push(`  ${unit}=${String(c.epoch).padStart(3, "0")} ${c.folder}/ ${c.n} samples (${c.format})`);
      lines.push(`dataset: ${result.info.dataset.id}`, `next: genreview evaluate ${result.run}`);
      io.out(lines.join("\n"));
    });
};
