// `genreview report RUN`: write the run's offline evidence package, RUN/report/index.html and
// RUN/report/README.md (src/report/). Prints the two paths on stdout, or a JSON summary with --json.
import { z } from "zod";
import { writeReport } from "../../report/report.ts";
import type { CommandModule } from "../main.ts";

const HELP = `
Writes into RUN/report/:
  index.html   one self-contained page (opens from disk, no network): the checkpoint table, the
               fixed-seed grids by checkpoint and a filmstrip per seed, charts of quality and diversity
               with intervals and of the training losses, quality against diversity with the rule's
               candidate region, the failure gallery, why this checkpoint was selected and why the
               others were not, the next action, the project card and the dataset card
  README.md    the same story in the model-card layout, with images linked relative to the run
               folder (charts/*.svg and filmstrip.png are written beside it)

The decision is review/selection.json (genreview review RUN) while it matches the run's files;
otherwise it is rebuilt the same way from review/evaluation.json and review/notes.json, and the
report says so. A run that has not been evaluated still gets its grids, filmstrip and losses,
with a notice where the scores would be.

Examples:
  genreview report runs/vae
  genreview report runs/vae --json`;

const FlagsSchema = z.object({ json: z.boolean().optional(), quiet: z.boolean().optional() });

export const register: CommandModule = (program, io) => {
  program
    .command("report")
    .description(
      "Write the run's evidence package: report/index.html (offline, self-contained) and report/README.md",
    )
    .argument("<run>", "run folder (written by genreview train or genreview import)")
    .option("--json", "print a JSON summary: paths, files, evaluated, selected epoch, missing images")
    .option("--quiet", "print nothing on stderr")
    .addHelpText("after", HELP)
    .action(async (run: string, _options: unknown, command: { opts(): unknown }) => {
      const flags = FlagsSchema.parse(command.opts());
      const result = await writeReport(run);
      if (flags.json === true) {
        const { html, markdown, files, evaluated, selectedEpoch, problems } = result;
        io.out(`${JSON.stringify({ html, markdown, files, evaluated, selectedEpoch, problems }, null, 2)}\n`);
        return;
      }
      if (flags.quiet !== true) {
        if (!result.evaluated)
          io.err(`report: ${run} is not evaluated yet; the report shows samples and losses only`);
        for (const p of result.problems) io.err(`report: missing image: ${p}`);
      }
      io.out(`${result.html}\n${result.markdown}`);
    });
};
