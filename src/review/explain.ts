// "Why this checkpoint": the evaluated rule (evaluate.ts) in words. The selected checkpoint with its
// scores, note and failure; every rejected checkpoint with the criterion it failed and by how much; and
// the quality/diversity trade-off across epochs (quality rising while diversity falls is the collapse
// pattern, low quality with high diversity is noise). Sections are plain data so that the text and the
// Markdown renderings (format.ts) say the same thing.
import type { Evaluation, Reason, RowResult, Trend } from "./evaluate.ts";
import { listWords } from "./evaluate.ts";
import { describeRule, formatScore, type SortKey } from "./rule.ts";

export const EXPLANATION_TITLE = "Why this checkpoint";

export interface ExplanationSection {
  key: "rule" | "selected" | "rejected" | "trade-off";
  heading: string;
  lines: string[];
}

/** The explanation as headed lists of sentences. */
export function explainSections(evaluation: Evaluation): ExplanationSection[] {
  const { rows, selection, rule } = evaluation;
  const selected = rows.find((r) => r.selected);
  const rejected = rows.filter((r) => !r.selected);
  const sections: ExplanationSection[] = [
    { key: "rule", heading: `rule ${evaluation.ruleHash}`, lines: [describeRule(rule)] },
  ];

  // the selected checkpoint, or why there is none
  if (selected === undefined) {
    sections.push({
      key: "selected",
      heading: "selected",
      lines: [
        `none: ${selection.reason}`,
        "next: look at the latest samples for repeated outputs; lower the floor (--floor or a rule file) " +
          "only with a reason, since the rule hash records it",
      ],
    });
  } else {
    const lines = [
      `epoch ${selected.epoch}: quality ${formatScore(selected.quality)}, diversity ` +
        `${formatScore(selected.diversity)}, status ${selected.status}`,
      `note: ${selected.note ?? "none recorded"}`,
      `failure: ${selected.failure ?? "none recorded"}`,
      `why: ${selection.reason}`,
    ];
    if (selected.status === "review")
      lines.push(
        `not a candidate: ${candidateFailures(selected.reasons).join(" and ")}; selection needs only ` +
          "the diversity floor, so treat this choice as provisional",
      );
    sections.push({ key: "selected", heading: "selected", lines });
  }

  if (rejected.length > 0)
    sections.push({
      key: "rejected",
      heading: "rejected",
      lines: rejected.map((row) => rejection(row, selected, rule.selection.maximize)),
    });
  const tradeOff = [...evaluation.trends.map((t) => trendSentence(t, rule.selection.diversityFloor))];
  tradeOff.push(...patternSentences(rows));
  if (tradeOff.length > 0) sections.push({ key: "trade-off", heading: "trade-off", lines: tradeOff });
  return sections;
}

/** The explanation as text: the title, then each heading with its lines indented by two spaces. */
export function explain(evaluation: Evaluation): string {
  const out = [EXPLANATION_TITLE];
  for (const section of explainSections(evaluation))
    out.push(`${section.heading}:`, ...section.lines.map((line) => `  ${line}`));
  return out.join("\n");
}

/** "quality 0.45 is 0.15 under the minimum 0.60" for each failed candidate criterion. */
function candidateFailures(reasons: readonly Reason[]): string[] {
  return reasons
    .filter((r) => r.criterion !== "selection.diversityFloor")
    .map(
      (r) =>
        `${r.field} ${formatScore(r.value)} is ${formatScore(r.shortfall)} under the minimum ` +
        formatScore(r.threshold),
    );
}

/** One rejected row: the selection criterion it failed first, then any candidate criteria. */
function rejection(
  row: RowResult,
  selected: RowResult | undefined,
  maximize: "quality" | "diversity",
): string {
  const head = `epoch ${row.epoch}: `;
  const floorReason = row.reasons.find((r) => r.criterion === "selection.diversityFloor");
  let why: string;
  let others = row.reasons.filter((r) => r.criterion !== "selection.diversityFloor");

  if (floorReason !== undefined) {
    // below the floor: the other scores do not count; a shared threshold is said once
    const same = others.find((r) => r.field === "diversity" && r.threshold === floorReason.threshold);
    others = others.filter((r) => r !== same);
    why =
      `below the diversity floor: diversity ${formatScore(floorReason.value)} is ` +
      `${formatScore(floorReason.shortfall)} under the floor: a sign of repeated outputs` +
      (same === undefined ? "" : " (also under the candidate minimum)");
    // a row that would have won on the maximized field deserves saying so: it is the tempting one
    if (selected !== undefined && row[maximize] > selected[maximize])
      why += `; its higher ${maximize} ${formatScore(row[maximize])} does not count below the floor`;
  } else if (row.lostTo !== null) {
    why = lossSentence(row.lostTo);
  } else {
    why = "not selected";
  }
  const rest = candidateFailures(others);
  return head + why + (rest.length > 0 ? `; not a candidate: ${rest.join(" and ")}` : "");
}

function lossSentence(loss: NonNullable<RowResult["lostTo"]>): string {
  const [field, direction] = loss.key.split(":") as [string, "asc" | "desc"];
  const compared =
    field === "epoch"
      ? `epoch ${loss.value} is ${direction === "asc" ? "later" : "earlier"} than ${loss.winnerValue}`
      : `${field} ${formatScore(loss.value)} is ${formatScore(loss.gap)} ` +
        `${direction === "desc" ? "under" : "over"} ${formatScore(loss.winnerValue)}`;
  if (loss.tiedOn.length === 0) return `outranked on ${field} by epoch ${loss.to}: ${compared}`;
  return `tied with epoch ${loss.to} on ${loss.tiedOn.map(keyField).join(" and ")}; lost on the tie-break ${loss.key}: ${compared}`;
}

function keyField(key: SortKey): string {
  return key.slice(0, key.indexOf(":"));
}

function epochsLabel(epochs: readonly number[]): string {
  return `${epochs.length === 1 ? "epoch" : "epochs"} ${listWords(epochs.map(String))}`;
}

function span(t: Trend): string {
  return `epochs ${t.fromEpoch} -> ${t.toEpoch}`;
}

function moved(from: number, to: number): string {
  return `${formatScore(from)} -> ${formatScore(to)}`;
}

function trendSentence(t: Trend, floor: number): string {
  const q = moved(t.quality.from, t.quality.to);
  const d = moved(t.diversity.from, t.diversity.to);
  switch (t.kind) {
    case "trade-off": {
      const head = `${span(t)}: quality rose ${q} while diversity fell ${d}`;
      if (t.collapse) {
        const from =
          t.floorCrossedAt === null
            ? ""
            : `, under the floor ${formatScore(floor)} from epoch ${t.floorCrossedAt}`;
        return `${head}${from}: a collapse pattern`;
      }
      return `${head}; still at or above the floor ${formatScore(floor)}: watch for collapse`;
    }
    case "improving":
      return `${span(t)}: quality ${q}, diversity ${d}, neither falling: still improving`;
    case "worsening":
      return `${span(t)}: quality ${q}, diversity ${d}, neither rising: getting worse`;
    case "diversifying":
      return `${span(t)}: quality fell ${q} while diversity rose ${d}: drifting back toward noise`;
    case "flat":
      return `${span(t)}: no change`;
  }
}

/** Rows grouped by where they sit against the candidate thresholds (balanced rows need no words). */
function patternSentences(rows: readonly RowResult[]): string[] {
  const words: Record<Exclude<RowResult["pattern"], "balanced">, string> = {
    noise: "low quality with high diversity: noise",
    repetition: "high quality with low diversity: repeated outputs",
    weak: "low quality and low diversity: failing on both",
  };
  const sentences: string[] = [];
  for (const pattern of ["noise", "repetition", "weak"] as const) {
    const epochs = rows.filter((r) => r.pattern === pattern).map((r) => r.epoch);
    if (epochs.length > 0) sentences.push(`${epochsLabel(epochs)}: ${words[pattern]}`);
  }
  return sentences;
}
