// `genreview evaluate RUN`: measure every checkpoint of a run (metrics, calibrated quality and diversity,
// flags with evidence, failure samples, drafted notes) and write review/evaluation.json, the failure
// images and review/selection.json. The work is in src/evaluate/; this file turns flags into options,
// shows progress on stderr and prints a short summary (or the evaluation as JSON) on stdout.
import { InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { EVALUATE_DEFAULTS, type EvaluateProgress, evaluateRun } from "../../evaluate/evaluate.ts";
import { EXTRACTOR_KINDS } from "../../features/index.ts";
import { formatScore } from "../../review/rule.ts";
import { runPaths } from "../../run/layout.ts";
import type { Evaluation } from "../../run/schema.ts";
import { type Progress, progressBar } from "../io.ts";
import type { CommandModule } from "../main.ts";

function wholeNumber(min: number, what: string) {
  return (text: string): number => {
    const v = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(v) || v < min)
      throw new InvalidArgumentError(`expected ${what}, got '${text}'`);
    return v;
  };
}

/** "1,10,30" → [1, 10, 30]. */
function epochList(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p)))
    throw new InvalidArgumentError(`expected comma-separated epochs such as 1,10,30, got '${text}'`);
  return parts.map(Number);
}

const FlagsSchema = z.object({
  n: z.number().optional(),
  seed: z.number(),
  features: z.enum(EXTRACTOR_KINDS).optional(),
  epochs: z.array(z.number()).optional(),
  json: z.boolean().optional(),
  quiet: z.boolean().optional(),
});

/** Two decimals, as in the review table. */
function two(v: number): string {
  return formatScore(Math.round(v * 100) / 100);
}

/**
 * The per-checkpoint summary printed on stdout. `selectionWritten` says whether review/selection.json was
 * written (it is not when the rule in notes.json is invalid; a message then says why).
 */
export function formatSummary(
  run: string,
  evaluation: Evaluation,
  messages: readonly string[],
  selectionWritten: boolean,
): string {
  const x = evaluation.extractor;
  const accuracy = x.testAccuracy === undefined ? "" : `, test accuracy ${x.testAccuracy.toFixed(3)}`;
  const lines = [
    `evaluated ${evaluation.checkpoints.length} checkpoints of ${run}: N = ${evaluation.n} samples each, seed ` +
      `${evaluation.seed}, features ${x.id} (${x.dimensions}-D${accuracy})`,
    ...messages.map((m) => `note: ${m}`),
  ];
  for (const c of evaluation.checkpoints) {
    const q = c.scores.quality;
    const d = c.scores.diversity;
    const flags = c.flags.length === 0 ? "none" : c.flags.map((f) => `${f.kind}(${f.severity})`).join(", ");
    lines.push(
      `epoch=${String(c.epoch).padStart(3, "0")} quality=${two(q.value)} [${two(q.low)}, ${two(q.high)}] ` +
        `diversity=${two(d.value)} [${two(d.low)}, ${two(d.high)}] flags=${flags}`,
    );
  }
  for (const f of evaluation.runFlags) lines.push(`run flags: ${f.kind}(${f.severity}) — ${f.evidence}`);
  const paths = runPaths(run);
  const written = [paths.evaluation, ...(selectionWritten ? [paths.selection] : []), `${paths.failuresDir}/`];
  lines.push(`written: ${written.join(", ")}`, `next: genreview review ${run} --explain`);
  return lines.join("\n");
}

const HELP = `
For every checkpoint: a fresh sample of N images with a fixed seed (imported runs: the imported
files; N is then at most the smallest checkpoint's count, and all of it by default), measured
against the run's dataset in one feature space: FD, KID, precision, recall, density, coverage,
Vendi, class coverage, near-duplicates, memorisation, sharpness; the calibrated quality and
diversity scores in [0, 1] with bootstrap intervals; and near-duplicate pairs among the
fixed-seed samples (samples/epoch-NNNN/seed-NNN.png).

Flags, each with one checkable sentence of evidence: noise, blur, mode_collapse (repeated outputs,
missing classes, diversity falling while quality holds), memorization (copies of training
images), instability (loss spikes or divergence in metrics.jsonl, quality or diversity
oscillating across checkpoints).

Written: RUN/review/evaluation.json, failure samples under RUN/review/failures/epoch-NNNN/ (least
realistic, near-duplicate groups, nearest to a training image beside that image, average), and
RUN/review/selection.json with the rule in force. --epochs re-measures only those checkpoints
and keeps the others when the earlier evaluation used the same data, features, N and seed.

Examples:
  genreview evaluate runs/gan-shapes
  genreview evaluate runs/torch-gan --features pixel --json
  genreview evaluate runs/vae-glyphs --epochs 30,60 --n 1000`;

export const register: CommandModule = (program, io) => {
  program
    .command("evaluate")
    .description("Measure every checkpoint of a run: scores, flags with evidence, failure samples, notes")
    .argument("<run>", "run folder (trained by genreview or made by genreview import)")
    .option(
      "--n <count>",
      `samples per checkpoint, the same for all (default ${EVALUATE_DEFAULTS.n}; imported runs: what each holds)`,
      wholeNumber(2, "a whole number of samples >= 2"),
    )
    .option(
      "--seed <seed>",
      "seed of the samples, the real subsets and the bootstrap",
      wholeNumber(0, "a whole number >= 0"),
      EVALUATE_DEFAULTS.seed,
    )
    .addOption(
      new Option(
        "--features <kind>",
        "feature space (default: classifier when the dataset has labels, else autoencoder)",
      ).choices(EXTRACTOR_KINDS),
    )
    .option("--epochs <list>", "only these checkpoints, e.g. 1,10,30", epochList)
    .option("--json", "print review/evaluation.json's content instead of the summary")
    .option("--quiet", "no progress bar on stderr")
    .addHelpText("after", HELP)
    .action(async (run: string, _options: unknown, command: { opts(): unknown }) => {
      const flags = FlagsSchema.parse(command.opts());
      const quiet = flags.quiet === true || flags.json === true;
      // the bar starts with the first report, which knows the number of steps
      let bar: Progress | undefined;
      const onProgress = (p: EvaluateProgress) => {
        bar ??= progressBar(io, p.total, "evaluate", ["stage"], !quiet);
        bar.update(p.done, { stage: p.epoch === undefined ? p.stage : `epoch ${p.epoch}` });
      };
      try {
        const result = await evaluateRun(run, {
          ...(flags.n === undefined ? {} : { n: flags.n }),
          seed: flags.seed,
          ...(flags.features === undefined ? {} : { features: flags.features }),
          ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
          onProgress,
        });
        bar?.stop();
        if (flags.json === true) {
          io.out(`${JSON.stringify(result.evaluation, null, 2)}\n`);
          return;
        }
        io.out(formatSummary(run, result.evaluation, result.messages, result.selection !== null));
      } finally {
        bar?.stop();
      }
    });
};
