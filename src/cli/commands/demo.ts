// `genreview demo` (what `npm start` runs): train the VAE, the GAN and the diffusion model on the built-in
// shapes, evaluate, review and report each, and compare them, into a new folder demo-runs/<timestamp>/.
// The work is in src/demo/demo.ts; this file turns flags into options, prints the phases on stderr and
// each model's review table, the comparison and the reports' paths on stdout (or one JSON document).
import { Option } from "commander";
import { z } from "zod";
import { DEMO_PRESETS, type DemoResult, runDemo, timingSummary } from "../../demo/demo.ts";
import { MODEL_KINDS, type ModelKind } from "../../models/index.ts";
import { ConfigError } from "../../util/errors.ts";
import type { CommandModule } from "../main.ts";

const FlagsSchema = z.object({
  root: z.string(),
  models: z.string().optional(),
  preset: z.enum(DEMO_PRESETS),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

/** "vae,gan" → ["vae", "gan"], in the order given; unknown names are a ConfigError naming the choices. */
export function parseModels(text: string): ModelKind[] {
  const names = text.split(",").map((s) => s.trim());
  const known = new Set<string>(MODEL_KINDS);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0 || names.length === 0)
    throw new ConfigError(
      `--models: expected a comma-separated list of ${MODEL_KINDS.join(", ")}, got '${text}'`,
    );
  return [...new Set(names)] as ModelKind[];
}

/** One model's review as the demo prints it on stdout as soon as that model is evaluated. */
export function formatModelReview(model: string, run: string, review: string): string {
  return `== ${model}: ${run}\n${review.trimEnd()}\n`;
}

/** What the demo prints on stdout at the end: the comparison, the reports and the time taken. */
export function formatDemoEnd(result: DemoResult): string {
  const lines: string[] = [];
  lines.push("== comparison", result.comparison.text.trimEnd(), "");
  lines.push("reports:");
  for (const m of result.models) lines.push(`  ${m.model}: ${m.report.html}`);
  lines.push(`  comparison: ${result.comparison.html}`);
  lines.push(
    `demo finished in ${result.totalSeconds.toFixed(1)} s (${timingSummary(result.timings)}); ` +
      `everything is in ${result.dir}`,
  );
  return lines.join("\n");
}

export const register: CommandModule = (program, io, state) => {
  program
    .command("demo")
    .description(
      "Train a VAE, a GAN and a diffusion model on the built-in shapes, evaluate, review and report each, " +
        "and compare them; everything goes to a new folder ROOT/<timestamp>/ (an earlier demo is never touched)",
    )
    .option("--root <dir>", "folder that holds the demos' timestamped folders", "demo-runs")
    .option("--models <list>", `comma-separated models to run, in order (default: ${MODEL_KINDS.join(",")})`)
    .addOption(
      new Option("--preset <name>", "demo: the product demo; tiny: a seconds-long smoke run of every phase")
        .choices(DEMO_PRESETS)
        .default("demo"),
    )
    .option("--json", "print one JSON document (runs, selections, reports, timings) instead of text")
    .option("--quiet", "no phase lines on stderr")
    .action(async (raw: unknown) => {
      const flags = FlagsSchema.parse(raw);
      const models = flags.models === undefined ? undefined : parseModels(flags.models);
      const announce = !flags.quiet && !flags.json;
      const result = await runDemo({
        root: flags.root,
        preset: flags.preset,
        models,
        onPhase: (line) => {
          if (announce) io.err(line);
        },
        // each review goes to stdout as soon as it is known: the first arrives after a minute or so
        onReview: (model, text, run) => {
          if (!flags.json) io.out(formatModelReview(model, run, text));
        },
      });
      if (flags.json) {
        io.out(
          JSON.stringify(
            {
              dir: result.dir,
              preset: result.preset,
              models: result.models.map((m) => ({
                model: m.model,
                run: m.run,
                selectedEpoch: m.selection.selection.epoch,
                review: m.review,
                report: m.report,
              })),
              comparison: result.comparison,
              timings: result.timings,
              totalSeconds: result.totalSeconds,
              load: result.load,
            },
            null,
            2,
          ),
        );
      } else io.out(formatDemoEnd(result));
      state.exitCode = 0;
    });
};
