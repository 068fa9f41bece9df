// The runs list: every run under the served directory with its model, dataset, status and the checkpoint
// the rule selects; tick several to compare them.
import type { RunsResponse } from "../api-types.ts";
import { api } from "./api.ts";
import { h, replace } from "./dom.ts";

export async function showRuns(root: HTMLElement): Promise<void> {
  const data: RunsResponse = await api.runs();
  const chosen = new Set<string>();
  const compare = h(
    "button",
    { class: "primary", attrs: { disabled: true, "data-testid": "compare" } },
    "Compare selected",
  );
  compare.addEventListener("click", () => {
    location.hash = `#/compare?${[...chosen].map((id) => `run=${encodeURIComponent(id)}`).join("&")}`;
  });

  const rows = data.runs.map((run) => {
    const box = h("input", { attrs: { type: "checkbox", "aria-label": `compare ${run.id}` } });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(run.id);
      else chosen.delete(run.id);
      compare.disabled = chosen.size < 2;
    });
    return h(
      "tr",
      { attrs: { "data-run": run.id } },
      h("td", {}, box),
      h("td", {}, h("a", { attrs: { href: `#/run/${encodeURIComponent(run.id)}` } }, run.id)),
      h("td", {}, run.model ?? "–"),
      h("td", {}, run.dataset ?? "–"),
      h(
        "td",
        {},
        run.status
          ? h("span", { class: `badge ${run.status === "training" ? "candidate" : ""}` }, run.status)
          : "–",
      ),
      h("td", { class: "num" }, String(run.checkpoints)),
      h("td", {}, run.evaluated ? "yes" : h("span", { class: "muted" }, "not yet")),
      h(
        "td",
        { class: "num" },
        run.selectedEpoch === null
          ? "–"
          : h("span", { class: "badge selected" }, `epoch ${run.selectedEpoch}`),
      ),
      h(
        "td",
        {},
        run.problems.length === 0
          ? ""
          : h(
              "span",
              { class: "badge fail", title: run.problems.map((p) => p.message).join("\n") },
              `${run.problems.length} problem${run.problems.length === 1 ? "" : "s"}`,
            ),
      ),
    );
  });

  replace(
    root,
    h("h1", {}, "Runs"),
    h(
      "p",
      { class: "muted" },
      `${data.runs.length} run${data.runs.length === 1 ? "" : "s"} under ${data.root}`,
    ),
    data.runs.length === 0
      ? h(
          "div",
          { class: "banner info" },
          "No runs here yet. A run is a folder with a run.json, as written by ",
          h("code", {}, "genreview train"),
          ".",
        )
      : h(
          "div",
          {},
          h(
            "div",
            { class: "runs-actions" },
            compare,
            h("span", { class: "muted small" }, "tick two or more runs to compare them"),
          ),
          h(
            "table",
            { attrs: { "data-testid": "runs-table" } },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", {}, ""),
                h("th", {}, "run"),
                h("th", {}, "model"),
                h("th", {}, "dataset"),
                h("th", {}, "status"),
                h("th", { class: "num" }, "checkpoints"),
                h("th", {}, "evaluated"),
                h("th", { class: "num" }, "selected"),
                h("th", {}, ""),
              ),
            ),
            h("tbody", {}, ...rows),
          ),
        ),
  );
}
