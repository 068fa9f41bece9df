// `genreview review TABLE` and `genreview review RUN`: apply the declared selection rule to a table of
// checkpoint scores, or to the measured scores of an evaluated run folder, and print the review as text
// (the fixed six-line form), Markdown or JSON. The work is in src/review/ (tables) and src/evaluate/
// (runs: flags, notes, next action, review/selection.json); this file turns flags into a rule, picks
// the rendering and sets the exit status.
import { statSync } from "node:fs";
import { Option } from "commander";
import { z } from "zod";
import { formatRunMarkdown, formatRunText, reviewRun } from "../../evaluate/review.ts";
import { evaluateRule } from "../../review/evaluate.ts";
import { formatMarkdown, formatText, reviewResult } from "../../review/format.ts";
import { defaultRule, RULE_DEFAULTS, type Rule, withOverrides } from "../../review/rule.ts";
import { readRuleFile } from "../../review/rule-file.ts";
import { readTable, TABLE_FIELDS } from "../../review/table.ts";
import { InputError } from "../../util/errors.ts";
import { VERSION } from "../../version.ts";
import type { Io } from "../io.ts";
import type { CommandModule } from "../main.ts";

export const REVIEW_FORMATS = ["text", "markdown", "json"] as const;

export interface ReviewOptions {
  table: string;
  rule?: string | undefined;
  minQuality?: string | undefined;
  minDiversity?: string | undefined;
  floor?: string | undefined;
  explain?: boolean | undefined;
  format: (typeof REVIEW_FORMATS)[number];
}

/** Exit statuses: a review that selects nothing still completed, so it is 1, not the 2 of bad input. */
export const EXIT_SELECTED = 0;
export const EXIT_NONE_SELECTED = 1;

/** True when `path` is a folder: a run to review rather than a table file. */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Review a table file or a run folder and print the result on `io`; returns the exit status (bad input
 * throws a GenreviewError). A run's review is also written to its review/selection.json.
 */
export function runReview(options: ReviewOptions, io: Io): number {
  if (isFolder(options.table)) return runReviewOfRun(options, io);

  // the rule: defaults, then the file, then the flags
  let rule: Rule = options.rule === undefined ? defaultRule() : readRuleFile(options.rule);
  rule = withOverrides(rule, {
    minQuality: threshold("--min-quality", options.minQuality),
    minDiversity: threshold("--min-diversity", options.minDiversity),
    diversityFloor: threshold("--floor", options.floor),
  });

  const evaluation = evaluateRule(readTable(options.table), rule);
  const explain = options.explain === true;
  if (options.format === "json")
    io.out(
      `${JSON.stringify(reviewResult(evaluation, { source: options.table, toolVersion: VERSION }), null, 2)}\n`,
    );
  else if (options.format === "markdown") io.out(formatMarkdown(evaluation, { explain }));
  else io.out(formatText(evaluation, { explain }));
  return evaluation.selection.epoch === null ? EXIT_NONE_SELECTED : EXIT_SELECTED;
}

/** `review RUN`: the rule of --rule, else of review/notes.json, else the default; then the flags. */
function runReviewOfRun(options: ReviewOptions, io: Io): number {
  const selection = reviewRun(options.table, {
    ruleFile: options.rule,
    overrides: {
      minQuality: threshold("--min-quality", options.minQuality),
      minDiversity: threshold("--min-diversity", options.minDiversity),
      diversityFloor: threshold("--floor", options.floor),
    },
  });
  const explain = options.explain === true;
  if (options.format === "json") io.out(`${JSON.stringify(selection, null, 2)}\n`);
  else if (options.format === "markdown") io.out(formatRunMarkdown(selection, { explain }));
  else io.out(formatRunText(selection, { explain }));
  return selection.selection.epoch === null ? EXIT_NONE_SELECTED : EXIT_SELECTED;
}

/** A decimal in [0, 1] as typed on the command line ("0.5", ".5", "1"); undefined when the flag is absent. */
function threshold(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 1)) throw new InputError(`${flag} must be a number in [0, 1], got '${text}'`);
  return value;
}

const FlagsSchema = z.object({
  rule: z.string().optional(),
  minQuality: z.string().optional(),
  minDiversity: z.string().optional(),
  floor: z.string().optional(),
  explain: z.boolean().optional(),
  json: z.boolean().optional(),
  format: z.enum(REVIEW_FORMATS),
});

const d = RULE_DEFAULTS;
/** The default rule as a JSON object, one section per line. */
const RULE_TEXT = `  {\n${Object.entries(defaultRule())
  .map(([key, value]) => `    "${key}": ${JSON.stringify(value)}`)
  .join(",\n")}\n  }`;
const HELP = `
TABLE is either a table file or a run folder (RUN).

A run folder must have been evaluated (genreview evaluate RUN). Its review uses the measured
scores (two decimals) and prints the same table, then a blank line and the flags of each
checkpoint ("flags epoch=060: mode_collapse(fail) — evidence"), then the next action. The rule
is --rule, else the "rule" of RUN/review/notes.json, else the defaults; flags override it.
Notes: quality, diversity and failure notes are drafted from the measurements; the user's own
in RUN/review/notes.json win field by field (--explain lists them). The review is written to
RUN/review/selection.json, and --json prints that same object.

A table file is a JSON file (an array of rows, or {"checkpoints": [rows]}) or a CSV file with a header;
the form follows the extension (.json, .csv), otherwise the content (JSON starts with "[" or "{").
Fields: ${TABLE_FIELDS.join(", ")}. epoch is an integer >= 0; quality and
diversity are numbers in [0, 1]; note and failure are optional text (failure names visible
problems: repetition, artifacts, noise, blur, poor diversity). Unknown fields are errors. Rows
are numbered from 1 in file order (the CSV header is not a row).

The rule is data. Its defaults, which a --rule file may override in part and flags override again:
${RULE_TEXT}
status: "candidate" when quality >= minQuality and diversity >= minDiversity, else "review".
selected: the highest \`maximize\` score among the checkpoints with diversity >= diversityFloor,
candidate or not; ties go through tieBreak in order. --json includes the resolved rule and its hash.

Exit status: 0 a checkpoint was selected; 1 no checkpoint meets the diversity floor (the review
is still printed, with "selected_epoch: none" and the reason); 2 bad input: unreadable file,
malformed JSON or CSV, missing, non-numeric or out-of-range values, duplicate epochs, an empty
table, an invalid rule file or flag value.

Examples:
  genreview review examples/table.json
  genreview review examples/table.csv --explain
  genreview review examples/table.json --floor 0.45 --json
  genreview review examples/table.json --rule examples/rule.json --format markdown --explain
  genreview review runs/gan-shapes --explain`;

export const register: CommandModule = (program, io, state) => {
  program
    .command("review")
    .description(
      "Apply a declared selection rule to a table of checkpoint scores or an evaluated run, and explain the choice",
    )
    .argument(
      "<table>",
      "checkpoint table (.json or .csv with epoch, quality, diversity[, note, failure]) or an evaluated run folder",
    )
    .option("--rule <file>", "selection rule as JSON (any part of it; the rest takes the defaults)")
    .option(
      "--min-quality <x>",
      `candidate needs quality >= x, in [0, 1] (default ${d.candidate.minQuality})`,
    )
    .option(
      "--min-diversity <x>",
      `candidate needs diversity >= x, in [0, 1] (default ${d.candidate.minDiversity})`,
    )
    .option(
      "--floor <x>",
      `diversity floor: only checkpoints with diversity >= x can be selected (default ${d.selection.diversityFloor})`,
    )
    .option("--explain", 'add a "Why this checkpoint" section: selection, rejections, trade-off')
    .addOption(
      new Option("--json", "print the machine-readable result (same as --format json)").conflicts("format"),
    )
    .addOption(new Option("--format <format>", "output form").choices(REVIEW_FORMATS).default("text"))
    .addHelpText("after", HELP)
    .action((table: string, _options: unknown, command: { opts(): unknown }) => {
      const flags = FlagsSchema.parse(command.opts());
      state.exitCode = runReview(
        {
          table,
          rule: flags.rule,
          minQuality: flags.minQuality,
          minDiversity: flags.minDiversity,
          floor: flags.floor,
          explain: flags.explain,
          format: flags.json === true ? "json" : flags.format,
        },
        io,
      );
    });
};
