// `genreview compare RUN... --out DIR`: several runs side by side (src/compare/): the fixed-format
// comparison table on stdout, and the comparison's own evidence package, DIR/index.html and DIR/README.md.
import { z } from "zod";
import { writeComparison } from "../../compare/write.ts";
import type { CommandModule } from "../main.ts";

const HELP = `
Each run keeps its own decision (its declared rule, as in genreview review RUN); the comparison lines
up the selected checkpoints, their scores with intervals, flags, fixed-seed grids and training cost.
Scores are comparable only when the runs were evaluated on the same data, with the same feature
extractor and the same N; otherwise the table ends with "caveat:" lines saying what differs.

Output (stdout):
  generation_compare
  run=vae model=vae selected_epoch=8 quality=0.71[0.68,0.74] diversity=0.62[0.58,0.66] flags=none train_s=52.3 steps=1200
  ...
  note: highest quality at the selected checkpoint: ...
then the paths of DIR/index.html and DIR/README.md.

Examples:
  genreview compare runs/vae runs/gan runs/diffusion --out runs/comparison
  genreview compare runs/a runs/b --out cmp --json`;

const FlagsSchema = z.object({ out: z.string(), json: z.boolean().optional() });

export const register: CommandModule = (program, io) => {
  program
    .command("compare")
    .description(
      "Compare runs side by side and write the comparison as its own report (DIR/index.html, DIR/README.md)",
    )
    .argument("<runs...>", "run folders to compare")
    .requiredOption("--out <dir>", "folder for index.html and README.md (created when missing)")
    .option("--json", "print the comparison as JSON (rows, caveats, notes, paths) instead of the table")
    .addHelpText("after", HELP)
    .action(async (runs: string[], _options: unknown, command: { opts(): unknown }) => {
      const flags = FlagsSchema.parse(command.opts());
      const result = await writeComparison(runs, flags.out);
      if (flags.json === true) {
        const rows = result.comparison.rows.map((r) => ({
          run: r.label,
          dir: r.data.dir,
          model: r.data.info.model,
          dataset: r.data.info.dataset.id,
          evaluated: r.evaluated,
          selectedEpoch: r.selectedEpoch,
          reason: r.reason,
          quality: r.quality,
          diversity: r.diversity,
          flags: r.flags,
          training: r.data.cost,
        }));
        const { caveats, leaders } = result.comparison;
        const out = {
          rows,
          caveats,
          notes: leaders,
          html: result.html,
          markdown: result.markdown,
          problems: result.problems,
        };
        io.out(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      for (const p of result.problems) io.err(`compare: missing image: ${p}`);
      io.out(`${result.text}\n\n${result.html}\n${result.markdown}`);
    });
};
