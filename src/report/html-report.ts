// report/index.html: the run's evidence in one self-contained page that opens from disk. Samples are
// inline PNG data URIs shown with nearest-neighbour upscaling, charts are inline SVG, the style sheet is
// inline, and there is no script. Every section has a stable id (REPORT_SECTIONS) that tests and the
// dashboard look for. A run that has not been evaluated still gets its grids, filmstrip and losses, with
// a plain notice where measurements would be.

import { existsSync } from "node:fs";
import { explainSections } from "../review/explain.ts";
import { describeRule } from "../review/rule.ts";
import { epochDirName, runPaths, seedFileName } from "../run/layout.ts";
import type { DatasetCard, ProjectCard } from "./cards.ts";
import type { ReportCharts } from "./charts.ts";
import type { GalleryItem, ReportCheckpoint, RunData } from "./collect.ts";
import { esc, type ImageReader, inlineSvg, page, richText, section, table } from "./html.ts";
import {
  configEntries,
  durationText,
  FAILURE_VALUE_WORDS,
  FAILURE_WORDS,
  FLAG_WORDS,
  flagSentence,
  KEY_METRICS,
  metricText,
  scoreText,
  sortFlags,
} from "./words.ts";

/** The sections of the report, in page order, with their stable ids. */
export const REPORT_SECTIONS = [
  { id: "project-card", title: "Project card" },
  { id: "selection", title: "Why this checkpoint was selected" },
  { id: "next-action", title: "Next action" },
  { id: "checkpoints", title: "Checkpoints" },
  { id: "charts", title: "Charts" },
  { id: "grids", title: "Fixed-seed grids by checkpoint" },
  { id: "filmstrip", title: "Filmstrip: each seed across checkpoints" },
  { id: "failures", title: "Failure gallery" },
  { id: "dataset-card", title: "Dataset card" },
] as const;

export interface HtmlReportInput {
  data: RunData;
  charts: ReportCharts;
  project: ProjectCard;
  dataset: DatasetCard;
  /** Reads the run's images (relative to the run folder) for inlining. */
  images: ImageReader;
  generatedAt: string;
  toolVersion: string;
}

/** Samples are drawn at this multiple of their size: 28 px samples become 56 CSS px, single pixels visible. */
const SAMPLE_SCALE = 2;
/** Grids wider than this (in image pixels) are drawn at 1x so that two still fit side by side. */
const MAX_GRID_WIDTH_FOR_2X = 300;

/** The not-evaluated notice, shown where measurements would be. */
export function notEvaluatedText(run: string): string {
  return (
    `This run has not been evaluated yet, so there are no scores, flags, failure samples or selection. ` +
    `Run \`genreview evaluate ${run}\` and \`genreview review ${run}\`, then \`genreview report ${run}\` again.`
  );
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const { data } = input;
  const title = `${data.name}: ${data.info.model} on ${data.info.dataset.id}`;
  const body = [
    header(input, title),
    projectSection(input),
    selectionSection(data),
    nextActionSection(data),
    checkpointsSection(data),
    chartsSection(input),
    gridsSection(input),
    filmstripSection(input),
    failuresSection(input),
    datasetSection(input),
    problemsNotice(input),
    `<footer>Written by genreview ${esc(input.toolVersion)} at ${esc(input.generatedAt)} from the run folder ` +
      `${esc(data.name)}. Every image and chart is inside this file.</footer>`,
  ].join("\n\n");
  return page(title, body);
}

function header(input: HtmlReportInput, title: string): string {
  const { data } = input;
  const selected = data.decision?.review.selection.epoch;
  const verdict =
    data.decision === null
      ? "not evaluated"
      : selected === null || selected === undefined
        ? "no checkpoint selected"
        : `selected checkpoint: epoch ${selected}`;
  const nav = REPORT_SECTIONS.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join("");
  const unmeasured = data.evaluation === null ? notice(notEvaluatedText(data.ref)) : "";
  return (
    `<header>\n<h1>${esc(title)}</h1>\n<p class="lead">Evidence report · run status ${esc(data.info.status)} · ` +
    `${esc(verdict)} · created ${esc(data.info.createdAt)}</p>\n<nav>${nav}</nav>\n${unmeasured}\n</header>`
  );
}

function projectSection(input: HtmlReportInput): string {
  const p = input.project;
  const card =
    `<dl class="card">\n<dt>Idea</dt><dd>${esc(p.idea)}</dd>\n<dt>Data / source</dt><dd>${esc(p.data)}</dd>\n` +
    `<dt>Evaluation signal</dt><dd>${esc(p.signal)}</dd>\n<dt>Main risk</dt><dd>${esc(p.risk)}</dd>\n</dl>`;
  const info = input.data.info;
  const config = table(
    ["Setting", "Value"],
    configEntries(info.config).map(([k, v]) => [`<code>${esc(k)}</code>`, esc(v)]),
  );
  const details =
    `<details><summary>Run: ${esc(info.model)}, seed ${info.seed}, created ${esc(info.createdAt)}, ` +
    `status ${esc(info.status)}; resolved configuration</summary>\n${config}\n</details>`;
  return section("project-card", "Project card", `${card}\n${details}`);
}

function selectionSection(data: RunData): string {
  const { decision } = data;
  if (decision === null)
    return section("selection", "Why this checkpoint was selected", notice(notEvaluatedText(data.ref)));
  const { review } = decision;
  const parts: string[] = [];
  if (decision.staleness !== null)
    parts.push(
      notice(
        `${decision.staleness}; the selection below is recomputed from the current files. ` +
          `Run \`genreview review ${data.ref}\` to record it.`,
      ),
    );

  // the headline, then each part of the rule library's explanation
  const epoch = review.selection.epoch;
  parts.push(
    `<p><strong>${epoch === null ? "No checkpoint is selected" : `Epoch ${epoch} is selected`}</strong>: ` +
      `${esc(review.selection.reason)}.</p>`,
  );
  const headings: Record<string, string> = {
    selected: epoch === null ? "Why no checkpoint" : "Why this checkpoint",
    rejected: "Why not the others",
    "trade-off": "Quality and diversity across checkpoints",
  };
  for (const s of explainSections(review)) {
    if (s.key === "rule") continue;
    parts.push(
      `<h3>${esc(headings[s.key] ?? s.heading)}</h3>\n<ul class="why">${s.lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>`,
    );
  }
  parts.push(
    `<p>Rule <code>${esc(review.ruleHash)}</code> (${esc(decision.ruleSource)}): ${esc(describeRule(review.rule))}.` +
      ` Decision ${decision.source === "selection.json" ? "as recorded in review/selection.json" : "computed from review/evaluation.json and review/notes.json"}.</p>`,
  );
  return section("selection", "Why this checkpoint was selected", parts.join("\n"));
}

function nextActionSection(data: RunData): string {
  const id = "next-action";
  const title = "Next action";
  if (data.decision === null) return section(id, title, notice(notEvaluatedText(data.ref)));
  const action = data.decision.nextAction;
  const parts = [
    `<p><strong>${esc(action.title)}</strong> (${esc(action.change)} change; triggered by ${esc(action.trigger)}` +
      `${action.epoch === null ? "" : ` at epoch ${action.epoch}`}).</p>`,
    `<p>Why: ${esc(action.why)}</p>`,
    `<p>First step: ${esc(action.firstStep)}</p>`,
  ];
  if (action.command !== null) parts.push(`<pre><code>${esc(action.command)}</code></pre>`);
  if (action.alternatives.length > 0)
    parts.push(
      `<h3>Alternatives</h3>\n<ul>${action.alternatives
        .map(
          (a) =>
            `<li><strong>${esc(a.title)}</strong> (${esc(a.change)}): ${esc(a.firstStep)}` +
            `${a.command === null ? "" : ` <code>${esc(a.command)}</code>`}</li>`,
        )
        .join("")}</ul>`,
    );
  return section(id, title, parts.join("\n"));
}

/** The metric keys shown as columns: the key metrics any checkpoint has. */
export function metricColumns(data: RunData): string[] {
  return KEY_METRICS.filter((k) => data.checkpoints.some((c) => c.evaluation?.metrics[k] !== undefined));
}

function statusBadge(c: ReportCheckpoint): string {
  if (c.status === null) return "";
  return `<span class="badge ${c.status.replace(" ", "-")}">${esc(c.status)}</span>`;
}

function checkpointsSection(data: RunData): string {
  const metrics = metricColumns(data);
  const lossKeys = [...new Set(data.checkpoints.flatMap((c) => Object.keys(c.losses ?? {})))].sort();
  const header = [
    "Epoch",
    "Step",
    "Quality [interval]",
    "Diversity [interval]",
    "Status",
    "Flags",
    ...metrics.map(esc),
    ...lossKeys.map(esc),
    "Notes",
  ];
  const rows = data.checkpoints.map((c) => {
    const e = c.evaluation;
    const flags = sortFlags(c.flags)
      .map(
        (f) =>
          `<div class="flag ${f.severity}" title="${esc(f.evidence)}">${esc(f.severity)}: ${esc(FLAG_WORDS[f.kind])}</div>`,
      )
      .join("");
    const notes = (["quality", "diversity", "failure"] as const)
      .filter((k) => c.notes[k] !== "")
      .map((k) => `<div><em>${k}${c.notes.fromUser[k] ? " (reviewer)" : ""}:</em> ${esc(c.notes[k])}</div>`)
      .join("");
    return [
      String(c.epoch),
      c.step === null ? "" : String(c.step),
      e === null ? "" : esc(scoreText(e.scores.quality)),
      e === null ? "" : esc(scoreText(e.scores.diversity)),
      statusBadge(c),
      flags,
      ...metrics.map((k) => (e === null ? "" : esc(metricText(e.metrics[k])))),
      ...lossKeys.map((k) => esc(metricText(c.losses?.[k]))),
      notes,
    ];
  });
  const selected = data.decision?.review.selection.epoch ?? null;
  const parts = [
    table(header, rows, "checkpoints", (i) =>
      data.checkpoints[i]?.epoch === selected ? "selected" : undefined,
    ),
  ];

  // the real-data baseline the scores are calibrated against, and run-wide flags and warnings
  const ev = data.evaluation;
  if (ev !== null) {
    if (metrics.length > 0)
      parts.push(
        `<p>Real held-out TEST data against TRAIN at the same N = ${ev.n} (the calibration baseline): ` +
          `${metrics.map((k) => `${esc(k)} ${esc(metricText(ev.baseline[k]))}`).join(", ")}.</p>`,
      );
    const runFlags = data.decision?.runFlags ?? ev.runFlags;
    if (runFlags.length > 0)
      parts.push(
        `<h3>Run flags</h3>\n<ul>${sortFlags(runFlags)
          .map((f) => `<li class="flag ${f.severity}">${esc(flagSentence(f))}</li>`)
          .join("")}</ul>`,
      );
    const flagged = data.checkpoints.filter((c) => c.flags.length > 0);
    if (flagged.length > 0)
      parts.push(
        `<h3>Flag evidence</h3>\n<ul>${flagged
          .flatMap((c) =>
            sortFlags(c.flags).map(
              (f) => `<li class="flag ${f.severity}">epoch ${c.epoch}: ${esc(flagSentence(f))}</li>`,
            ),
          )
          .join("")}</ul>`,
      );
    const warnings = data.decision?.warnings ?? ev.warnings;
    if (warnings.length > 0)
      parts.push(`<h3>Warnings</h3>\n<ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`);
  }
  parts.push(
    `<p>Training: ${esc(durationText(data.cost.seconds))}, ${data.cost.steps ?? "n/a"} steps to epoch ` +
      `${data.cost.epochs ?? "n/a"}${data.skippedMetricLines.length > 0 ? `; ${data.skippedMetricLines.length} unreadable line(s) of metrics.jsonl skipped` : ""}.</p>`,
  );
  return section("checkpoints", "Checkpoints", parts.join("\n"));
}

function chartsSection(input: HtmlReportInput): string {
  const { charts, data } = input;
  const figure = (svg: string | null, id: string, caption: string, absent: string) =>
    svg === null
      ? `<figure><figcaption>${esc(caption)}: ${esc(absent)}</figcaption></figure>`
      : `<figure id="chart-${id}">${inlineSvg(svg, `chart-${id}`)}<figcaption>${esc(caption)}</figcaption></figure>`;
  const unmeasured = "not evaluated yet";
  const body = [
    '<div class="charts">',
    figure(
      charts.scores,
      "scores",
      "Quality and diversity per checkpoint, with bootstrap intervals (dashed line: the selected epoch)",
      unmeasured,
    ),
    figure(
      charts.tradeoff,
      "tradeoff",
      "Quality against diversity; shaded: the rule's candidate region; dashed vertical: the diversity floor",
      unmeasured,
    ),
    figure(charts.losses, "losses", "Training losses (metrics.jsonl)", "no loss records in metrics.jsonl"),
    "</div>",
  ];
  if (data.evaluation === null) body.push(notice(notEvaluatedText(data.ref)));
  return section("charts", "Charts", body.join("\n"));
}

function gridsSection(input: HtmlReportInput): string {
  const { data, images } = input;
  if (data.sampleEpochs.length === 0)
    return section("grids", "Fixed-seed grids by checkpoint", "<p>No samples in samples/.</p>");
  const selected = data.decision?.review.selection.epoch ?? null;
  const figures = data.sampleEpochs.map((epoch) => {
    const rel = `samples/${epochDirName(epoch)}/grid.png`;
    const image = images.read(rel);
    const scale = image !== null && image.w > MAX_GRID_WIDTH_FOR_2X ? 1 : SAMPLE_SCALE;
    const status = data.checkpoints.find((c) => c.epoch === epoch)?.status;
    return (
      `<figure${epoch === selected ? ' class="selected"' : ""}>${images.img(rel, `fixed-seed grid at epoch ${epoch}`, scale)}` +
      `<figcaption>epoch ${epoch}${status ? ` · ${esc(status)}` : ""}</figcaption></figure>`
    );
  });
  return section(
    "grids",
    "Fixed-seed grids by checkpoint",
    `<p>The same ${data.seeds.length} fixed seeds at every checkpoint, in seed order: a cell shows the same seed in every grid.</p>\n` +
      `<div class="grids">${figures.join("\n")}</div>`,
  );
}

function filmstripSection(input: HtmlReportInput): string {
  const { data, images } = input;
  const title = "Filmstrip: each seed across checkpoints";
  if (data.sampleEpochs.length === 0 || data.seeds.length === 0)
    return section("filmstrip", title, "<p>No per-seed samples in samples/.</p>");
  const selected = data.decision?.review.selection.epoch ?? null;
  const head = `<tr><th>seed</th>${data.sampleEpochs.map((e) => `<th${e === selected ? ' class="selected"' : ""}>epoch ${e}</th>`).join("")}</tr>`;
  const rows = data.seeds.map((seed) => {
    const cells = data.sampleEpochs.map((epoch) => {
      const rel = `samples/${epochDirName(epoch)}/${seedFileName(seed)}`;
      // a seed this epoch did not sample is an empty cell, not a missing file
      const cell = existsSync(runPaths(data.dir).samples(epoch).seed(seed))
        ? images.img(rel, `seed ${seed} at epoch ${epoch}`, SAMPLE_SCALE)
        : "";
      return `<td${epoch === selected ? ' class="selected"' : ""}>${cell}</td>`;
    });
    return `<tr><th>${seed}</th>${cells.join("")}</tr>`;
  });
  return section(
    "filmstrip",
    title,
    `<p>One row per fixed seed, one column per checkpoint: the same stored latent or noise at every epoch.</p>\n` +
      `<table class="filmstrip"><thead>${head}</thead><tbody>\n${rows.join("\n")}\n</tbody></table>`,
  );
}

function galleryFigure(item: GalleryItem, images: ImageReader): string {
  const caption = [
    FAILURE_WORDS[item.kind],
    ...(item.seed === null ? [] : [`seed ${item.seed}`]),
    ...(item.value === null ? [] : [`${FAILURE_VALUE_WORDS[item.kind]} ${metricText(item.value)}`]),
    ...(item.group === null ? [] : [`group ${item.group}`]),
    ...(item.kind !== "user_marked" && item.userNote !== null ? ["also marked by the reviewer"] : []),
  ].join(" · ");
  const sample = images.img(
    item.image,
    `${FAILURE_WORDS[item.kind]} sample at epoch ${item.epoch}`,
    SAMPLE_SCALE,
  );
  const pair =
    item.trainImage === null
      ? sample
      : `<div class="pair">${sample}${images.img(item.trainImage, "the nearest training image", SAMPLE_SCALE, "nearest training image")}</div>`;
  const note = item.userNote === null ? "" : `<br><em>${esc(item.userNote)}</em>`;
  return `<figure>${pair}<figcaption>${esc(caption)}${item.trainImage === null ? "" : " (right: the training image)"}${note}</figcaption></figure>`;
}

function failuresSection(input: HtmlReportInput): string {
  const { data, images } = input;
  const title = "Failure gallery";
  if (data.evaluation === null && data.gallery.length === 0)
    return section("failures", title, notice(notEvaluatedText(data.ref)));
  if (data.gallery.length === 0) return section("failures", title, "<p>No failure samples were kept.</p>");
  const selected = data.decision?.review.selection.epoch ?? null;
  const epochs = [...new Set(data.gallery.map((g) => g.epoch))].sort((a, b) => a - b);
  const groups = epochs.map((epoch) => {
    const failureNote = data.checkpoints.find((c) => c.epoch === epoch)?.notes.failure ?? "";
    const items = data.gallery.filter((g) => g.epoch === epoch).map((g) => galleryFigure(g, images));
    return (
      `<h3>Epoch ${epoch}${epoch === selected ? " (selected)" : ""}</h3>\n` +
      (failureNote === "" ? "" : `<p>${esc(failureNote)}</p>\n`) +
      `<div class="gallery">${items.join("\n")}</div>`
    );
  });
  return section(
    "failures",
    title,
    "<p>Kept per checkpoint: the least realistic samples, near-duplicate groups, the samples closest to a " +
      "training image (shown beside it), a few average samples so the evidence is not only the extremes, " +
      "and the samples the reviewer marked.</p>\n" +
      groups.join("\n"),
  );
}

function datasetSection(input: HtmlReportInput): string {
  const d = input.data.info.dataset;
  const facts = table(
    ["Spec", "Id", "Hash", "Size", "Classes"],
    [
      [
        esc(d.spec),
        esc(d.id),
        `<code>${esc(d.hash.slice(0, 16))}</code>`,
        `${d.width}x${d.height}`,
        esc(d.classes?.join(", ") ?? "none"),
      ],
    ],
  );
  return section("dataset-card", "Dataset card", `<p>${esc(input.dataset.text)}</p>\n${facts}`);
}

function problemsNotice(input: HtmlReportInput): string {
  const problems = input.images.problems;
  if (problems.length === 0) return "";
  return `<section id="problems"><h2>Missing files</h2>\n<ul>${problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul></section>`;
}

function notice(text: string): string {
  return `<p class="notice">${richText(text)}</p>`;
}
