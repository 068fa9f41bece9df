// `writeComparison(runs, outDir)`: the comparison of runs as its own evidence package, OUT/index.html (one
// self-contained page), OUT/README.md and the chart it links (OUT/charts/compare.svg), all written
// atomically. The runs are only read.
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderSvg } from "../charts/render.ts";
import { compareSpec } from "../charts/specs.ts";
import { scorePoints } from "../report/charts.ts";
import { ImageReader } from "../report/html.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { VERSION } from "../version.ts";
import { type CompareRow, type Comparison, compareRuns, formatComparison } from "./compare.ts";
import { COMPARE_CHART, renderCompareHtml, renderCompareMarkdown } from "./pages.ts";

export interface ComparisonResult {
  comparison: Comparison;
  /** The fixed-format text table (formatComparison). */
  text: string;
  /** Absolute paths of OUT/index.html and OUT/README.md, and every file written. */
  html: string;
  markdown: string;
  files: string[];
  /** Images the page could not inline, "label: path". */
  problems: string[];
}

export interface ComparisonOptions {
  now?: Date | undefined;
}

/** Compare `runs` and write the pages into `outDir` (created when missing). */
export async function writeComparison(
  runs: readonly string[],
  outDir: string,
  options: ComparisonOptions = {},
): Promise<ComparisonResult> {
  const comparison = compareRuns(runs);
  const out = resolve(outDir);
  const generatedAt = (options.now ?? new Date()).toISOString();

  // one chart: both scores per checkpoint, one line per evaluated run
  const evaluated = comparison.rows.filter((r) => r.evaluated);
  const chart =
    evaluated.length === 0
      ? null
      : await renderSvg(
          compareSpec(
            evaluated.map((r) => ({
              run: r.label,
              points: scorePoints(r.data),
              selectedEpoch: r.selectedEpoch,
            })),
          ),
        );

  // one image reader per run, so that each run's missing files are listed once
  const readers = new Map<CompareRow, ImageReader>();
  const images = (row: CompareRow) => {
    let reader = readers.get(row);
    if (reader === undefined) {
      reader = new ImageReader(row.data.dir);
      readers.set(row, reader);
    }
    return reader;
  };

  const files: string[] = [];
  const chartPath = join(out, ...COMPARE_CHART.split("/"));
  if (chart === null) rmSync(chartPath, { force: true });
  else {
    writeFileAtomic(chartPath, chart);
    files.push(chartPath);
  }
  const input = { comparison, chart, outDir: out, images, generatedAt, toolVersion: VERSION };
  const html = join(out, "index.html");
  writeFileAtomic(html, renderCompareHtml(input));
  const markdown = join(out, "README.md");
  writeFileAtomic(markdown, renderCompareMarkdown({ ...input, chartWritten: chart !== null }));
  files.push(html, markdown);
  const problems = [...readers].flatMap(([row, reader]) => reader.problems.map((p) => `${row.label}: ${p}`));
  return { comparison, text: formatComparison(comparison), html, markdown, files, problems };
}
