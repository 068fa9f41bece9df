// `writeReport(run)`: the offline evidence package of one run, written into RUN/report/: index.html (one
// self-contained page), README.md (the Markdown portfolio) and the files the README links beside it
// (charts/*.svg and filmstrip.png). Every file is written atomically; a file the report no longer
// produces (a chart of a run that lost its evaluation) is removed so the folder never shows stale evidence.
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Dataset } from "../data/types.ts";
import { encodePng } from "../image/png.ts";
import { runPaths } from "../run/layout.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { VERSION } from "../version.ts";
import { datasetCard, projectCard } from "./cards.ts";
import { renderReportCharts } from "./charts.ts";
import { collectRun, type RunData } from "./collect.ts";
import { filmstripImage } from "./filmstrip.ts";
import { ImageReader } from "./html.ts";
import { renderHtmlReport } from "./html-report.ts";
import { REPORT_FILES, renderMarkdownReport } from "./markdown-report.ts";

export interface ReportOptions {
  /** The run's dataset when already loaded (its card is used; otherwise the card is found from run.json). */
  dataset?: Dataset | undefined;
  /** The time written into the report (default: now). */
  now?: Date | undefined;
}

export interface ReportResult {
  /** Absolute paths of report/index.html and report/README.md. */
  html: string;
  markdown: string;
  /** Every file written, absolute. */
  files: string[];
  evaluated: boolean;
  selectedEpoch: number | null;
  /** Images the page could not inline (missing or not PNG), relative to the run folder. */
  problems: string[];
  /** The run as read, for callers that print more about it. */
  data: RunData;
}

/** Write RUN/report/ (see the top of this file). */
export async function writeReport(run: string, options: ReportOptions = {}): Promise<ReportResult> {
  const data = collectRun(run);
  const paths = runPaths(data.dir);
  const generatedAt = (options.now ?? new Date()).toISOString();
  const project = projectCard(data);
  const dataset = datasetCard(data, options.dataset);
  const charts = await renderReportCharts(data);
  const files: string[] = [];
  const put = (path: string, content: string | Uint8Array) => {
    writeFileAtomic(path, content);
    files.push(path);
  };

  // the side files of the README: charts as standalone SVG, the filmstrip as one PNG
  const side = (rel: string, content: string | Uint8Array | null): boolean => {
    const path = join(paths.reportDir, ...rel.split("/"));
    if (content === null) rmSync(path, { force: true });
    else put(path, content);
    return content !== null;
  };
  const strip = filmstripImage(data);
  const written = {
    scores: side(REPORT_FILES.scoresChart, charts.scores),
    losses: side(REPORT_FILES.lossesChart, charts.losses),
    tradeoff: side(REPORT_FILES.tradeoffChart, charts.tradeoff),
    filmstrip: side(REPORT_FILES.filmstrip, strip === null ? null : encodePng(strip.data, strip.w, strip.h)),
  };

  // the page and the portfolio
  const images = new ImageReader(data.dir);
  put(
    paths.reportHtml,
    renderHtmlReport({ data, charts, project, dataset, images, generatedAt, toolVersion: VERSION }),
  );
  put(
    paths.reportMarkdown,
    renderMarkdownReport({ data, project, dataset, written, generatedAt, toolVersion: VERSION }),
  );
  return {
    html: paths.reportHtml,
    markdown: paths.reportMarkdown,
    files,
    evaluated: data.evaluation !== null,
    selectedEpoch: data.decision?.review.selection.epoch ?? null,
    problems: images.problems,
    data,
  };
}
