// The compare view: several runs side by side — their selections, their quality and diversity over
// training in one chart, and the same seeds at each run's selected (or latest) checkpoint.

import { compareSpec, type RunScores } from "../../charts/specs.ts";
import type { RunDetail } from "../api-types.ts";
import { api } from "./api.ts";
import { fmt, h, replace } from "./dom.ts";
import { sampleCell } from "./filmstrip.ts";
import { statusBadge } from "./shared.ts";

/** Seeds shown per run in the sample comparison: enough to judge variety, few enough to fit a screen. */
const COMPARE_SEEDS = 16;

export async function showCompare(root: HTMLElement, ids: readonly string[]): Promise<void> {
  const details: RunDetail[] = await Promise.all(ids.map((id) => api.run(id)));
  const shownEpoch = (d: RunDetail) => d.selection?.selectedEpoch ?? d.sampleEpochs.at(-1) ?? null;

  // the table of selections
  const rows = details.map((d) => {
    const epoch = d.selection?.selectedEpoch ?? null;
    const row = d.checkpoints.find((c) => c.epoch === epoch);
    return h(
      "tr",
      {},
      h("td", {}, h("a", { attrs: { href: `#/run/${encodeURIComponent(d.id)}` } }, d.id)),
      h("td", {}, d.info?.model ?? "–"),
      h("td", {}, d.info?.dataset.id ?? "–"),
      h("td", {}, d.info?.status ?? "–"),
      h("td", { class: "num" }, String(d.checkpoints.length)),
      h(
        "td",
        { class: "num" },
        epoch === null ? (d.evaluation ? "none" : "not evaluated") : statusBadge("selected"),
        epoch === null ? "" : ` ${epoch}`,
      ),
      h("td", { class: "num" }, fmt(row?.scores?.quality.value)),
      h("td", { class: "num" }, fmt(row?.scores?.diversity.value)),
      h("td", { class: "small" }, `rule ${d.rule.hash}`),
    );
  });

  // the same seeds at each run's shown checkpoint
  const columns = details.map((d) => {
    const epoch = shownEpoch(d);
    const size = d.imageSize ?? { width: 28, height: 28 };
    const col = h(
      "div",
      {
        class: "compare-col",
        style: {
          "--w": String(size.width),
          "--h": String(size.height),
          "--cw": `${size.width * 2}px`,
          "--ch": `${size.height * 2}px`,
        },
      },
      h("div", { class: "fs-head" }, `${d.id} @ ${epoch ?? "–"}`),
    );
    if (epoch !== null) {
      const grid = h("div", {
        class: "ckpt-grid",
        style: { "--pz": "2", "grid-template-columns": "repeat(4, var(--cw))" },
      });
      for (const seed of d.seeds.slice(0, COMPARE_SEEDS)) grid.append(sampleCell(d, epoch, seed));
      col.append(grid);
    }
    return col;
  });

  const chartBox = h("div", { class: "chart", attrs: { "data-testid": "chart-compare" } });
  replace(
    root,
    h("div", { class: "muted small" }, h("a", { attrs: { href: "#/" } }, "runs"), " / compare"),
    h("h1", {}, `Compare ${details.length} runs`),
    h(
      "section",
      {},
      h(
        "table",
        { attrs: { "data-testid": "compare-table" } },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...[
              "run",
              "model",
              "dataset",
              "status",
              "checkpoints",
              "selected",
              "quality",
              "diversity",
              "rule",
            ].map((t) =>
              h(
                "th",
                { class: ["checkpoints", "selected", "quality", "diversity"].includes(t) ? "num" : "" },
                t,
              ),
            ),
          ),
        ),
        h("tbody", {}, ...rows),
      ),
    ),
    h(
      "section",
      {},
      h("h2", {}, "Quality and diversity over training"),
      h("div", { class: "card" }, chartBox),
    ),
    h(
      "section",
      {},
      h("h2", {}, `Samples at the selected (or latest) checkpoint, first ${COMPARE_SEEDS} seeds`),
      h("div", { class: "compare-strip" }, ...columns),
    ),
  );

  const series: RunScores[] = details.map((d) => ({
    run: d.id,
    selectedEpoch: d.selection?.selectedEpoch ?? null,
    points: d.checkpoints.flatMap((c) =>
      c.scores
        ? [
            {
              epoch: c.epoch,
              quality: c.scores.quality,
              diversity: c.scores.diversity,
              status: c.verdict?.status,
            },
          ]
        : [],
    ),
  }));
  if (series.every((s) => s.points.length === 0)) {
    replace(chartBox, h("p", { class: "muted" }, "None of these runs is evaluated yet."));
    return;
  }
  const { mountChart } = await import("./charts.ts");
  await mountChart(chartBox, compareSpec(series));
}
