// The comparison as pages: index.html (self-contained like a run's report: inline images, inline SVG,
// no script, no links out) and README.md (images linked relative to the comparison folder, so both the
// folder and the runs can be committed together and render on a code host).
import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { esc, type ImageReader, inlineSvg, page, richText, section, table } from "../report/html.ts";
import { mdText } from "../report/markdown-report.ts";
import {
  durationText,
  FLAG_WORDS,
  flagSentence,
  MODEL_WORDS,
  scoreText,
  sortFlags,
} from "../report/words.ts";
import { runPaths } from "../run/layout.ts";
import { type CompareRow, type Comparison, rowFlags } from "./compare.ts";

/** The sections of the comparison page, with their stable ids. */
export const COMPARE_SECTIONS = [
  { id: "runs", title: "Runs side by side" },
  { id: "charts", title: "Scores per checkpoint" },
  { id: "grids", title: "Fixed-seed grids at the selected checkpoints" },
  { id: "flags", title: "Flags" },
  { id: "cost", title: "Training cost" },
  { id: "comparability", title: "Can these scores be compared?" },
] as const;

export interface ComparePagesInput {
  comparison: Comparison;
  /** The comparison chart as a standalone SVG document; null when no run is evaluated. */
  chart: string | null;
  /** The comparison folder (README links are relative to it). */
  outDir: string;
  /** Per run, reads images relative to that run's folder. */
  images: (row: CompareRow) => ImageReader;
  generatedAt: string;
  toolVersion: string;
}

/** Grids drawn at 2x when narrow enough, like the run report. */
const GRID_SCALE = 2;
const MAX_GRID_WIDTH_FOR_2X = 300;

function selectedText(r: CompareRow): string {
  if (!r.evaluated) return "not evaluated";
  return r.selectedEpoch === null ? "none" : `epoch ${r.selectedEpoch}`;
}

function flagsText(r: CompareRow): string {
  const kinds = sortFlags(rowFlags(r)).map((f) => `${f.severity}: ${FLAG_WORDS[f.kind]}`);
  return [...new Set(kinds)].join("; ") || "none";
}

function costText(r: CompareRow): string {
  const c = r.data.cost;
  return `${durationText(c.seconds)}, ${c.steps ?? "n/a"} steps, ${c.epochs ?? "n/a"} epochs`;
}

/** A slash path from one folder to a file, for links that work on every platform. */
function linkFrom(fromDir: string, to: string): string {
  return relative(fromDir, to).split(sep).join("/");
}

export function renderCompareHtml(input: ComparePagesInput): string {
  const { comparison, outDir } = input;
  const { rows } = comparison;
  const title = `Comparison: ${rows.map((r) => r.label).join(" vs ")}`;
  const nav = COMPARE_SECTIONS.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join("");

  // the table: one row per run, its own decision
  const runTable = table(
    [
      "Run",
      "Model",
      "Dataset",
      "Selected",
      "Quality [interval]",
      "Diversity [interval]",
      "Flags",
      "Training",
      "Report",
    ],
    rows.map((r) => {
      const report = runPaths(r.data.dir).reportHtml;
      return [
        `<strong>${esc(r.label)}</strong>`,
        esc(r.data.info.model),
        esc(r.data.info.dataset.id),
        esc(selectedText(r)),
        r.quality === null ? "" : esc(scoreText(r.quality)),
        r.diversity === null ? "" : esc(scoreText(r.diversity)),
        esc(flagsText(r)),
        esc(costText(r)),
        existsSync(report)
          ? `<a href="${esc(encodeURI(linkFrom(outDir, report)))}">report</a>`
          : "not written",
      ];
    }),
  );
  const why = `<ul>${rows.map((r) => `<li><strong>${esc(r.label)}</strong> (${esc(MODEL_WORDS[r.data.info.model])}): ${esc(r.reason)}.</li>`).join("")}</ul>`;
  const leaders =
    comparison.leaders.length === 0
      ? ""
      : `<ul>${comparison.leaders.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>`;

  const chart =
    input.chart === null
      ? `<p class="notice">No run is evaluated: there are no scores to draw.</p>`
      : `<figure>${inlineSvg(input.chart, "chart-compare")}<figcaption>Quality and diversity per checkpoint, one line per run; ringed: each run's selected checkpoint.</figcaption></figure>`;

  const grids = rows.map((r) => {
    if (r.grid === null) return `<figure><figcaption>${esc(r.label)}: no samples</figcaption></figure>`;
    const images = input.images(r);
    const image = images.read(r.grid.path);
    const scale = image !== null && image.w > MAX_GRID_WIDTH_FOR_2X ? 1 : GRID_SCALE;
    const which = r.grid.epoch === r.selectedEpoch ? "selected" : "last sampled, none selected";
    return (
      `<figure${r.grid.epoch === r.selectedEpoch ? ' class="selected"' : ""}>${images.img(r.grid.path, `${r.label} at epoch ${r.grid.epoch}`, scale)}` +
      `<figcaption>${esc(r.label)} · epoch ${r.grid.epoch} (${esc(which)})</figcaption></figure>`
    );
  });

  const flags = rows.map((r) => {
    const list = sortFlags(r.flags);
    const here =
      list.length === 0
        ? "<p>No flags at the selected checkpoint or on the run.</p>"
        : `<ul>${list.map((f) => `<li class="flag ${f.severity}">${esc(flagSentence(f))}</li>`).join("")}</ul>`;
    const elsewhere =
      r.otherFlags.length === 0
        ? ""
        : `<p>At other checkpoints:</p><ul>${r.otherFlags
            .map(
              (o) =>
                `<li class="flag ${o.flag.severity}">epoch ${o.epoch}: ${esc(flagSentence(o.flag))}</li>`,
            )
            .join("")}</ul>`;
    return `<h3>${esc(r.label)}</h3>\n${here}\n${elsewhere}`;
  });

  const cost = table(
    ["Run", "Training time", "Steps", "Epochs", "Seconds per epoch"],
    rows.map((r) => {
      const c = r.data.cost;
      const perEpoch =
        c.seconds !== null && c.epochs !== null && c.epochs > 0 ? durationText(c.seconds / c.epochs) : "n/a";
      return [
        esc(r.label),
        esc(durationText(c.seconds)),
        String(c.steps ?? "n/a"),
        String(c.epochs ?? "n/a"),
        esc(perEpoch),
      ];
    }),
  );

  const comparable =
    comparison.caveats.length === 0
      ? `<p>All runs were evaluated on the same data, in the same feature space (${esc(rows[0]?.data.evaluation?.extractor.id ?? "")}), at the same N (${rows[0]?.data.evaluation?.n ?? ""}): their scores are comparable. Each run's checkpoint is chosen by its own rule; the rules are listed in each run's report.</p>`
      : `<ul>${comparison.caveats.map((c) => `<li class="notice">${richText(c)}</li>`).join("")}</ul>`;

  const problems = rows.flatMap((r) => input.images(r).problems.map((p) => `${r.label}: ${p}`));
  const body = [
    `<header>\n<h1>${esc(title)}</h1>\n<p class="lead">Each run's own decision under its declared rule, side by side.</p>\n<nav>${nav}</nav>\n</header>`,
    section("runs", "Runs side by side", `${runTable}\n${why}\n${leaders}`),
    section("charts", "Scores per checkpoint", chart),
    section(
      "grids",
      "Fixed-seed grids at the selected checkpoints",
      `<div class="grids">${grids.join("\n")}</div>`,
    ),
    section("flags", "Flags", flags.join("\n")),
    section("cost", "Training cost", cost),
    section("comparability", "Can these scores be compared?", comparable),
    problems.length === 0
      ? ""
      : `<section id="problems"><h2>Missing files</h2>\n<ul>${problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul></section>`,
    `<footer>Written by genreview ${esc(input.toolVersion)} at ${esc(input.generatedAt)}. Every image and chart is inside this file.</footer>`,
  ];
  return page(title, body.join("\n\n"));
}

/** The comparison chart file, relative to the comparison folder. */
export const COMPARE_CHART = "charts/compare.svg";

export function renderCompareMarkdown(input: ComparePagesInput & { chartWritten: boolean }): string {
  const { comparison, outDir } = input;
  const { rows } = comparison;
  const cell = (text: string) => mdText(text);
  const img = (alt: string, path: string) =>
    `![${mdText(alt)}](${path.split("/").map(encodeURIComponent).join("/")})`;
  const lines = [
    "---",
    `runs: [${rows.map((r) => JSON.stringify(r.label)).join(", ")}]`,
    `models: [${rows.map((r) => JSON.stringify(r.data.info.model)).join(", ")}]`,
    `selected_epochs: [${rows.map((r) => (r.selectedEpoch === null ? "null" : r.selectedEpoch)).join(", ")}]`,
    `comparable: ${comparison.caveats.length === 0}`,
    `tool: ${JSON.stringify(`genreview ${input.toolVersion}`)}`,
    `generated: ${JSON.stringify(input.generatedAt)}`,
    "---",
    "",
    `# Comparison: ${mdText(rows.map((r) => r.label).join(" vs "))}`,
    "",
    "## Runs side by side",
    "",
    "| Run | Model | Selected | Quality [interval] | Diversity [interval] | Flags | Training | Report |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| **${cell(r.label)}** | ${r.data.info.model} | ${selectedText(r)} | ${r.quality === null ? "" : scoreText(r.quality)} | ` +
        `${r.diversity === null ? "" : scoreText(r.diversity)} | ${cell(flagsText(r))} | ${cell(costText(r))} | ` +
        `${existsSync(runPaths(r.data.dir).reportMarkdown) ? `[README](${encodeURI(linkFrom(outDir, runPaths(r.data.dir).reportMarkdown))})` : "not written"} |`,
    ),
    "",
    ...rows.map((r) => `- **${cell(r.label)}**: ${cell(r.reason)}.`),
    ...comparison.leaders.map((l) => `- ${cell(l)}`),
    "",
    "## Scores per checkpoint",
    "",
    input.chartWritten
      ? img("quality and diversity per checkpoint, one line per run", COMPARE_CHART)
      : "No run is evaluated.",
    "",
    "## Fixed-seed grids at the selected checkpoints",
    "",
  ];
  const withGrid = rows.filter((r) => r.grid !== null);
  if (withGrid.length > 0)
    lines.push(
      `| ${withGrid.map((r) => `${cell(r.label)} · epoch ${r.grid!.epoch}`).join(" | ")} |`,
      `| ${withGrid.map(() => "---").join(" | ")} |`,
      `| ${withGrid.map((r) => img(`${r.label} grid`, linkFrom(outDir, join(r.data.dir, ...r.grid!.path.split("/"))))).join(" | ")} |`,
      "",
    );
  lines.push("## Flags", "");
  for (const r of rows) {
    const list = sortFlags(r.flags);
    lines.push(
      `**${cell(r.label)}**`,
      "",
      ...(list.length === 0
        ? ["- none at the selected checkpoint or on the run"]
        : list.map((f) => `- ${cell(flagSentence(f))}`)),
      ...r.otherFlags.map((o) => `- at epoch ${o.epoch}: ${cell(flagSentence(o.flag))}`),
      "",
    );
  }
  lines.push(
    "## Training cost",
    "",
    "| Run | Training time | Steps | Epochs |",
    "| --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${cell(r.label)} | ${durationText(r.data.cost.seconds)} | ${r.data.cost.steps ?? "n/a"} | ${r.data.cost.epochs ?? "n/a"} |`,
    ),
    "",
    "## Can these scores be compared?",
    "",
    ...(comparison.caveats.length === 0
      ? ["Yes: same data, same feature space, same N for every run."]
      : comparison.caveats.map((c) => `- ${cell(c)}`)),
    "",
  );
  return lines.join("\n");
}
