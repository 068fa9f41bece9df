// Renderings of an evaluated review (evaluate.ts): the fixed-format text table, Markdown for a portfolio
// README, and the machine-readable result (its zod schema is the contract of `review --json`).
import { z } from "zod";
import { type Evaluation, EvaluationSchema } from "./evaluate.ts";
import { EXPLANATION_TITLE, explain, explainSections } from "./explain.ts";
import { describeRule, formatScore } from "./rule.ts";

/** Epochs are printed with at least this many digits ("epoch=001") so that short tables line up. */
const EPOCH_DIGITS = 3;

/**
 * The text table, one fixed-format line per checkpoint in epoch order:
 *   generation_review
 *   epoch=030 quality=0.68 diversity=0.60 status=candidate
 *   selected_epoch: 30
 * When nothing is selected, "selected_epoch: none" is followed by a "reason: ..." line.
 */
export function formatTable(evaluation: Evaluation): string {
  const lines = ["generation_review"];
  for (const row of evaluation.rows)
    lines.push(
      `epoch=${String(row.epoch).padStart(EPOCH_DIGITS, "0")} quality=${formatScore(row.quality)} ` +
        `diversity=${formatScore(row.diversity)} status=${row.status}`,
    );
  const { epoch, reason } = evaluation.selection;
  if (epoch === null) lines.push("selected_epoch: none", `reason: ${reason}`);
  else lines.push(`selected_epoch: ${epoch}`);
  return lines.join("\n");
}

/** The text table followed, when asked, by a blank line and the "Why this checkpoint" section. */
export function formatText(evaluation: Evaluation, options: { explain?: boolean } = {}): string {
  const table = formatTable(evaluation);
  return options.explain === true ? `${table}\n\n${explain(evaluation)}` : table;
}

/** Table cells hold one line; a pipe would end the cell. */
function cell(text: string | null): string {
  return (text ?? "").replace(/\s*[\r\n]+\s*/g, " ").replace(/\|/g, "\\|");
}

/** The review as Markdown: a table, the selection, the rule with its hash and, when asked, the why. */
export function formatMarkdown(evaluation: Evaluation, options: { explain?: boolean } = {}): string {
  const { rows, selection } = evaluation;
  const lines = [
    "## Checkpoint review",
    "",
    "| Epoch | Quality | Diversity | Status | Selected | Note | Failure |",
    "| ---: | ---: | ---: | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.epoch} | ${formatScore(r.quality)} | ${formatScore(r.diversity)} | ${r.status} | ` +
        `${r.selected ? "**selected**" : ""} | ${cell(r.note)} | ${cell(r.failure)} |`,
    ),
    "",
    `**Selected epoch: ${selection.epoch ?? "none"}**: ${selection.reason}.`,
    "",
    `Rule \`${evaluation.ruleHash}\`: ${describeRule(evaluation.rule)}.`,
  ];
  if (options.explain === true) {
    lines.push("", `### ${EXPLANATION_TITLE}`);
    for (const section of explainSections(evaluation)) {
      if (section.key === "rule") continue;
      lines.push("", `**${section.heading}**`, "", ...section.lines.map((line) => `- ${line}`));
    }
  }
  return lines.join("\n");
}

/** The machine-readable result of a review: the evaluation plus where it came from. */
export const ReviewResultSchema = EvaluationSchema.extend({
  format: z.literal("genreview-review/1"),
  toolVersion: z.string(),
  /** The table file (or run folder) that was reviewed. */
  source: z.string().nullable(),
});
export type ReviewResult = z.infer<typeof ReviewResultSchema>;

export function reviewResult(
  evaluation: Evaluation,
  meta: { source: string | null; toolVersion: string },
): ReviewResult {
  const { rule, ruleHash, rows, selection, trends } = evaluation;
  return {
    format: "genreview-review/1",
    toolVersion: meta.toolVersion,
    source: meta.source,
    rule,
    ruleHash,
    rows,
    selection,
    trends,
  };
}
