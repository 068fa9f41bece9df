// The filmstrip: rows = the fixed seeds, columns = the sample epochs, so each row is one latent followed
// through training. Each column is drawn from one strip image (all seeds of that epoch stacked, served by
// /api/runs/ID/strip/EPOCH.png) with CSS background offsets, and scaled with nearest-neighbour sampling
// (image-rendering: pixelated) so that 28 px samples stay sharp at any zoom.
import type { RunDetail } from "../api-types.ts";
import { stripUrl } from "./api.ts";
import { h } from "./dom.ts";

export interface FilmstripHandlers {
  /** A column header or cell was clicked: make that epoch current. */
  onEpoch(epoch: number): void;
  /** A sample was clicked: show it large. */
  onSample(epoch: number, seed: number): void;
}

/** The version string of the strips: they change only when a sample epoch's set of seeds or size does. */
export function stripVersion(detail: RunDetail): string {
  const size = detail.imageSize;
  return `${detail.seeds.length}-${size ? `${size.width}x${size.height}` : "none"}`;
}

/** CSS variables that place a cell: the strip, the row offset and the sizes are set on ancestors. */
export function sampleCell(
  detail: RunDetail,
  epoch: number,
  seed: number,
  extra: { class?: string; title?: string } = {},
): HTMLDivElement {
  const row = detail.seeds.indexOf(seed);
  return h("div", {
    class: `sample ${extra.class ?? ""}`,
    title: extra.title ?? `seed ${seed}, epoch ${epoch}`,
    attrs: { "data-epoch": epoch, "data-seed": seed, role: "button", tabindex: -1 },
    style: {
      "background-image": `url("${stripUrl(detail.id, epoch, stripVersion(detail))}")`,
      "--row": String(row),
      "--rows": String(detail.seeds.length),
    },
  });
}

/** Build the filmstrip grid; returns the element and a function that highlights the current column. */
export function buildFilmstrip(detail: RunDetail, handlers: FilmstripHandlers) {
  const size = detail.imageSize ?? { width: 28, height: 28 };
  const root = h("div", {
    class: "filmstrip",
    attrs: { "data-testid": "filmstrip" },
    style: { "--w": String(size.width), "--h": String(size.height) },
  });

  // first column: seed labels
  const labels = h("div", { class: "fs-col fs-labels" }, h("div", { class: "fs-head" }, "seed"));
  for (const seed of detail.seeds) labels.append(h("div", { class: "fs-label" }, String(seed)));
  root.append(labels);

  // one column per sample epoch
  const columns = new Map<number, HTMLElement>();
  for (const epoch of detail.sampleEpochs) {
    const column = h(
      "div",
      { class: "fs-col", attrs: { "data-epoch": epoch } },
      h(
        "div",
        { class: "fs-head", attrs: { role: "button" }, on: { click: () => handlers.onEpoch(epoch) } },
        String(epoch),
      ),
    );
    for (const seed of detail.seeds) column.append(sampleCell(detail, epoch, seed));
    columns.set(epoch, column);
    root.append(column);
  }

  // one listener for all cells
  root.addEventListener("click", (event) => {
    const cell = (event.target as HTMLElement).closest<HTMLElement>(".sample");
    if (!cell) return;
    const epoch = Number(cell.dataset["epoch"]);
    const seed = Number(cell.dataset["seed"]);
    handlers.onEpoch(epoch);
    handlers.onSample(epoch, seed);
  });

  const highlight = (epoch: number, scroll: boolean) => {
    for (const [e, column] of columns) column.classList.toggle("current", e === epoch);
    const current = columns.get(epoch);
    if (scroll && current) current.scrollIntoView({ block: "nearest", inline: "nearest" });
  };
  return { root, highlight };
}

/** Resolve once every strip of the run has been fetched and decoded (the "filmstrip rendered" moment). */
export async function stripsLoaded(detail: RunDetail): Promise<void> {
  await Promise.all(
    detail.sampleEpochs.map(async (epoch) => {
      const image = new Image();
      image.src = stripUrl(detail.id, epoch, stripVersion(detail));
      try {
        await image.decode();
      } catch {
        // a strip that fails to load shows as empty cells; the run detail lists the sample problems
      }
    }),
  );
}
