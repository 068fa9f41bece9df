// report/README.md: the report's story as a Markdown portfolio in the model-card layout (front matter,
// model details, training, evaluation, limitations) with the review's own sections (per-checkpoint
// table, checkpoint selection, failure samples, next action) and the dataset card. Images are links
// relative to the README to the run folder's own PNGs (and the charts and filmstrip the report writes
// beside it), so the page renders on a code host when the run folder is committed.
import { explainSections } from "../review/explain.ts";
import { describeRule } from "../review/rule.ts";
import { epochDirName } from "../run/layout.ts";
import type { DatasetCard, ProjectCard } from "./cards.ts";
import { type GalleryItem, type RunData, selectedCheckpoint } from "./collect.ts";
import { metricColumns, notEvaluatedText } from "./html-report.ts";
import {
  configEntries,
  durationText,
  FAILURE_VALUE_WORDS,
  FAILURE_WORDS,
  FLAG_WORDS,
  flagSentence,
  MODEL_WORDS,
  metricText,
  scoreText,
  sortFlags,
} from "./words.ts";

/** Files the report writes beside README.md, relative to report/. */
export const REPORT_FILES = {
  filmstrip: "filmstrip.png",
  scoresChart: "charts/scores.svg",
  lossesChart: "charts/losses.svg",
  tradeoffChart: "charts/tradeoff.svg",
} as const;

export interface MarkdownReportInput {
  data: RunData;
  project: ProjectCard;
  dataset: DatasetCard;
  /** Which of the side files were written (charts without data and an empty filmstrip are not). */
  written: { filmstrip: boolean; scores: boolean; losses: boolean; tradeoff: boolean };
  generatedAt: string;
  toolVersion: string;
}

/** The model-card sections of the README, in order (tests check them). */
export const README_SECTIONS = [
  "Model details",
  "Training",
  "Evaluation",
  "Per-checkpoint table",
  "Checkpoint selection: why this checkpoint",
  "Failure samples",
  "Limitations",
  "Next action",
  "Dataset card",
] as const;

/** Text safe inside Markdown: one line, with the characters that start markup backslash-escaped. */
export function mdText(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").replace(/([\\`*_[\]<>|#!&])/g, "\\$1");
}

/** `mdText`, except that `backquoted` spans (commands, file names) stay code spans. */
export function mdRich(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part) => (part.startsWith("`") && part.endsWith("`") && part.length > 1 ? part : mdText(part)))
    .join("");
}

/** A path from report/README.md to a file of the run folder (given relative to the run). */
function fromReport(relPath: string): string {
  return `../${relPath}`;
}

function image(alt: string, path: string): string {
  return `![${mdText(alt)}](${path.split("/").map(encodeURIComponent).join("/")})`;
}

function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

/** A YAML scalar: JSON strings and numbers are valid YAML. */
function yaml(value: string | number | null): string {
  return value === null ? "null" : JSON.stringify(value);
}

export function renderMarkdownReport(input: MarkdownReportInput): string {
  const { data } = input;
  const lines = [
    ...frontMatter(input),
    `# ${mdText(`${data.name}: ${data.info.model} on ${data.info.dataset.id}`)}`,
    "",
    summary(data),
    "",
    ...modelDetails(input),
    ...training(input),
    ...evaluationPart(input),
    ...checkpointTable(data),
    ...selectionPart(data),
    ...failures(data),
    ...limitations(data),
    ...nextAction(data),
    "## Dataset card",
    "",
    mdText(input.dataset.text),
    "",
    `---\nWritten by genreview ${mdText(input.toolVersion)} at ${input.generatedAt}. The same evidence as one ` +
      "self-contained page: [index.html](index.html).",
    "",
  ];
  return lines.join("\n");
}

function frontMatter(input: MarkdownReportInput): string[] {
  const { data } = input;
  const selected = selectedCheckpoint(data);
  const scores = selected?.evaluation?.scores;
  const ev = data.evaluation;
  return [
    "---",
    `model: ${yaml(data.info.model)}`,
    `run: ${yaml(data.name)}`,
    `dataset: ${yaml(data.info.dataset.id)}`,
    `dataset_hash: ${yaml(data.info.dataset.hash)}`,
    `seed_set: ${yaml(data.seedSet?.id ?? null)}`,
    `training_seed: ${data.info.seed}`,
    `status: ${yaml(data.info.status)}`,
    `evaluated: ${ev !== null}`,
    `selected_epoch: ${yaml(data.decision?.review.selection.epoch ?? null)}`,
    `quality: ${yaml(scores === undefined ? null : scores.quality.value)}`,
    `diversity: ${yaml(scores === undefined ? null : scores.diversity.value)}`,
    `rule_hash: ${yaml(data.decision?.review.ruleHash ?? null)}`,
    `extractor: ${yaml(ev?.extractor.id ?? null)}`,
    `samples_per_checkpoint: ${yaml(ev?.n ?? null)}`,
    `tool: ${yaml(`genreview ${input.toolVersion}`)}`,
    `generated: ${yaml(input.generatedAt)}`,
    "---",
    "",
  ];
}

function summary(data: RunData): string {
  if (data.decision === null) return mdRich(notEvaluatedText(data.ref));
  const s = data.decision.review.selection;
  return s.epoch === null
    ? `**No checkpoint is selected**: ${mdText(s.reason)}.`
    : `**Selected checkpoint: epoch ${s.epoch}**: ${mdText(s.reason)}.`;
}

function modelDetails(input: MarkdownReportInput): string[] {
  const { data, project } = input;
  const config = configEntries(data.info.config).map(([k, v]) => `\`${k}\` ${mdText(v)}`);
  return [
    "## Model details",
    "",
    `- Model: ${mdText(MODEL_WORDS[data.info.model])}.`,
    `- Run folder \`${mdText(data.name)}\`, created ${mdText(data.info.createdAt)}, status ${data.info.status}, training seed ${data.info.seed}.`,
    ...(config.length > 0 ? [`- Configuration: ${config.join(", ")}.`] : []),
    "",
    "### Project card",
    "",
    `- **Idea**: ${mdText(project.idea)}`,
    `- **Data / source**: ${mdText(project.data)}`,
    `- **Evaluation signal**: ${mdText(project.signal)}`,
    `- **Main risk**: ${mdText(project.risk)}`,
    "",
  ];
}

/** Grids per Markdown table row: four 242 px grids fit a code host's page width. */
const GRIDS_PER_ROW = 4;

function training(input: MarkdownReportInput): string[] {
  const { data, written } = input;
  const lines = [
    "## Training",
    "",
    `Training took ${durationText(data.cost.seconds)} for ${data.cost.steps ?? "n/a"} steps to epoch ` +
      `${data.cost.epochs ?? "n/a"}; checkpoints at epochs ${data.info.checkpointEpochs.join(", ") || "none"}.`,
    "",
  ];
  if (written.losses) lines.push(image("training losses", REPORT_FILES.lossesChart), "");

  // the fixed-seed grids, a few per table row
  if (data.sampleEpochs.length > 0) {
    lines.push("### Fixed-seed grids by checkpoint", "");
    const selected = data.decision?.review.selection.epoch ?? null;
    for (let i = 0; i < data.sampleEpochs.length; i += GRIDS_PER_ROW) {
      const epochs = data.sampleEpochs.slice(i, i + GRIDS_PER_ROW);
      lines.push(
        ...mdTable(
          epochs.map((e) => (e === selected ? `**epoch ${e} (selected)**` : `epoch ${e}`)),
          [epochs.map((e) => image(`grid at epoch ${e}`, fromReport(`samples/${epochDirName(e)}/grid.png`)))],
        ),
        "",
      );
    }
  }
  if (written.filmstrip)
    lines.push(
      "### Filmstrip",
      "",
      `One row per fixed seed, one column per checkpoint (epochs ${data.sampleEpochs.join(", ")}, left to right).`,
      "",
      image("filmstrip: each seed across checkpoints", REPORT_FILES.filmstrip),
      "",
    );
  return lines;
}

function evaluationPart(input: MarkdownReportInput): string[] {
  const { data, written } = input;
  const ev = data.evaluation;
  const lines = ["## Evaluation", ""];
  if (ev === null) return [...lines, mdRich(notEvaluatedText(data.ref)), ""];
  lines.push(`${mdText(input.project.signal)}`, "");
  const metrics = metricColumns(data);
  if (metrics.length > 0)
    lines.push(
      `Calibration baseline (real held-out TEST data against TRAIN at N = ${ev.n}): ` +
        `${metrics.map((k) => `${mdText(k)} ${metricText(ev.baseline[k])}`).join(", ")}.`,
      "",
    );
  if (written.scores) lines.push(image("quality and diversity per checkpoint", REPORT_FILES.scoresChart), "");
  if (written.tradeoff)
    lines.push(image("quality against diversity with the candidate region", REPORT_FILES.tradeoffChart), "");
  return lines;
}

function checkpointTable(data: RunData): string[] {
  const lines = ["### Per-checkpoint table", ""];
  const metrics = metricColumns(data);
  const selected = data.decision?.review.selection.epoch ?? null;
  const rows = data.checkpoints.map((c) => {
    const e = c.evaluation;
    const notes = (["quality", "diversity", "failure"] as const)
      .filter((k) => c.notes[k] !== "")
      .map((k) => `*${k}${c.notes.fromUser[k] ? " (reviewer)" : ""}:* ${mdText(c.notes[k])}`)
      .join("<br>");
    return [
      c.epoch === selected ? `**${c.epoch}**` : String(c.epoch),
      c.step === null ? "" : String(c.step),
      e === null ? "" : scoreText(e.scores.quality),
      e === null ? "" : scoreText(e.scores.diversity),
      c.status === null ? "" : c.status === "selected" ? "**selected**" : c.status,
      sortFlags(c.flags)
        .map((f) => `${f.severity}: ${FLAG_WORDS[f.kind]}`)
        .join("<br>"),
      ...metrics.map((k) => (e === null ? "" : metricText(e.metrics[k]))),
      notes,
    ];
  });
  lines.push(
    ...mdTable(
      [
        "Epoch",
        "Step",
        "Quality [interval]",
        "Diversity [interval]",
        "Status",
        "Flags",
        ...metrics.map(mdText),
        "Notes",
      ],
      rows,
    ),
    "",
  );
  const flagged = data.checkpoints.flatMap((c) =>
    sortFlags(c.flags).map((f) => `- epoch ${c.epoch}: ${mdText(flagSentence(f))}`),
  );
  if (flagged.length > 0) lines.push("Flag evidence:", "", ...flagged, "");
  return lines;
}

function selectionPart(data: RunData): string[] {
  const lines = ["## Checkpoint selection: why this checkpoint", ""];
  const { decision } = data;
  if (decision === null) return [...lines, mdRich(notEvaluatedText(data.ref)), ""];
  if (decision.staleness !== null)
    lines.push(
      `> ${mdText(decision.staleness)}; the selection below is recomputed from the current files.`,
      "",
    );
  const { review } = decision;
  lines.push(
    `Rule \`${review.ruleHash}\` (${mdText(decision.ruleSource)}): ${mdText(describeRule(review.rule))}.`,
    "",
  );
  const headings: Record<string, string> = {
    selected: review.selection.epoch === null ? "Why no checkpoint" : "Why this checkpoint",
    rejected: "Why not the others",
    "trade-off": "Quality and diversity across checkpoints",
  };
  for (const s of explainSections(review)) {
    if (s.key === "rule") continue;
    lines.push(`**${headings[s.key] ?? s.heading}**`, "", ...s.lines.map((l) => `- ${mdText(l)}`), "");
  }
  return lines;
}

function galleryRow(item: GalleryItem): string[] {
  const sample = image(`${FAILURE_WORDS[item.kind]} at epoch ${item.epoch}`, fromReport(item.image));
  const images =
    item.trainImage === null
      ? sample
      : `${sample} ${image("nearest training image", fromReport(item.trainImage))}`;
  const reviewer =
    item.userNote === null ? (item.kind === "user_marked" ? "marked" : "") : mdText(item.userNote);
  return [
    String(item.epoch),
    images,
    FAILURE_WORDS[item.kind] + (item.trainImage === null ? "" : " (right: the training image)"),
    item.seed === null ? "" : String(item.seed),
    item.value === null ? "" : `${FAILURE_VALUE_WORDS[item.kind]} ${metricText(item.value)}`,
    reviewer,
  ];
}

function failures(data: RunData): string[] {
  const lines = ["## Failure samples", ""];
  if (data.evaluation === null && data.gallery.length === 0)
    return [...lines, mdRich(notEvaluatedText(data.ref)), ""];
  if (data.gallery.length === 0) return [...lines, "No failure samples were kept.", ""];
  lines.push(
    "The least realistic samples, near-duplicate groups, the samples closest to a training image, a few " +
      "average samples, and the samples the reviewer marked, per checkpoint.",
    "",
    ...mdTable(["Epoch", "Sample", "Kind", "Seed", "Measured", "Reviewer"], data.gallery.map(galleryRow)),
    "",
  );
  return lines;
}

function limitations(data: RunData): string[] {
  const lines = ["## Limitations", ""];
  const ev = data.evaluation;
  if (ev === null) return [...lines, `- ${mdRich(notEvaluatedText(data.ref))}`, ""];
  lines.push(
    `- Scores are comparable only with other scores from the same feature extractor (\`${mdText(ev.extractor.id)}\`) ` +
      `at the same N (${ev.n}); the pages of other runs are comparable when both match.`,
    `- The intervals resample the ${ev.n} evaluated samples of this one training run (seed ${data.info.seed}); ` +
      "they do not show how much another training seed would change the scores.",
  );
  const selected = selectedCheckpoint(data);
  if (selected?.verdict?.status === "review")
    lines.push(
      `- The selected epoch ${selected.epoch} is not a candidate (it misses a candidate threshold); the rule ` +
        "selects it because it clears the diversity floor, so treat it as provisional.",
    );
  const decision = data.decision;
  for (const f of sortFlags(decision?.runFlags ?? ev.runFlags))
    lines.push(`- Run flag: ${mdText(flagSentence(f))}`);
  for (const w of decision?.warnings ?? ev.warnings) lines.push(`- ${mdText(w)}`);
  if (selected?.evaluation)
    for (const f of sortFlags(selected.flags))
      lines.push(`- At the selected epoch: ${mdText(flagSentence(f))}`);
  lines.push(
    "- The dataset's known biases are in its card below; the model can only learn what the data shows.",
    "",
  );
  return lines;
}

function nextAction(data: RunData): string[] {
  const lines = ["## Next action", ""];
  if (data.decision === null) return [...lines, mdRich(notEvaluatedText(data.ref)), ""];
  const a = data.decision.nextAction;
  lines.push(
    `**${mdText(a.title)}** (${a.change} change; triggered by ${mdText(a.trigger)}${a.epoch === null ? "" : ` at epoch ${a.epoch}`}).`,
    "",
    `- Why: ${mdText(a.why)}`,
    `- First step: ${mdText(a.firstStep)}`,
    ...(a.command === null ? [] : [`- Command: \`${a.command.replace(/`/g, "'")}\``]),
    "",
  );
  if (a.alternatives.length > 0)
    lines.push(
      "Alternatives:",
      "",
      ...a.alternatives.map((x) => `- **${mdText(x.title)}** (${x.change}): ${mdText(x.firstStep)}`),
      "",
    );
  return lines;
}
