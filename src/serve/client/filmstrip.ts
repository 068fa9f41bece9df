// The filmstrip: rows = the fixed seeds, columns = the sample epochs, so each row is one latent followed
// through training. Each column is one strip image (all seeds of that epoch stacked, served by
// /api/runs/ID/strip/EPOCH.png), scaled with nearest-neighbour sampling (image-rendering: pixelated) so
// that 28 px samples stay sharp at any zoom. Single samples elsewhere (the current checkpoint's grid,
// the sample dialog) are cut from the same strips with CSS background offsets (sampleCell).
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

export interface Filmstrip {
  root: HTMLElement;
  /** Highlight the current column (and scroll it into view). */
  highlight(epoch: number, scroll: boolean): void;
  /** Outline a sample the user marked as a failure. */
  mark(epoch: number, seed: number): void;
}

/**
 * Build the filmstrip. Each column is one <img> of its strip, scaled as a whole: 20 elements for 20
 * checkpoints instead of 1,280 cells (per-cell elements made style and layout the slowest part of
 * opening a run). The row under the pointer is found from the click position; thin separators between
 * seeds are drawn by CSS over the image.
 */
export function buildFilmstrip(detail: RunDetail, handlers: FilmstripHandlers): Filmstrip {
  const size = detail.imageSize ?? { width: 28, height: 28 };
  const rows = detail.seeds.length;
  const root = h("div", {
    class: "filmstrip",
    attrs: { "data-testid": "filmstrip" },
    style: { "--w": String(size.width), "--h": String(size.height), "--rows": String(rows) },
  });

  // first column: seed labels, one per row
  const labels = h("div", { class: "fs-col fs-labels" }, h("div", { class: "fs-head" }, "seed"));
  const labelRows = h("div", { class: "fs-label-rows" });
  for (const seed of detail.seeds) labelRows.append(h("div", { class: "fs-label" }, String(seed)));
  labels.append(labelRows);
  root.append(labels);

  // one column per sample epoch: a header and the strip image with its overlays
  const columns = new Map<number, { column: HTMLElement; strip: HTMLElement }>();
  const hover = h("div", { class: "fs-hover" });
  for (const epoch of detail.sampleEpochs) {
    const strip = h(
      "div",
      { class: "fs-strip", attrs: { "data-epoch": epoch } },
      h("img", {
        class: "fs-img",
        attrs: {
          src: stripUrl(detail.id, epoch, stripVersion(detail)),
          alt: `all ${rows} seeds at epoch ${epoch}`,
          draggable: "false",
        },
      }),
    );
    const column = h(
      "div",
      { class: "fs-col", attrs: { "data-epoch": epoch } },
      h(
        "div",
        { class: "fs-head", attrs: { role: "button" }, on: { click: () => handlers.onEpoch(epoch) } },
        String(epoch),
      ),
      strip,
    );
    columns.set(epoch, { column, strip });
    root.append(column);
  }

  // the seed under the pointer, from the position in the strip
  const seedAt = (event: MouseEvent) => {
    const strip = (event.target as HTMLElement).closest<HTMLElement>(".fs-strip");
    if (!strip) return undefined;
    const rect = strip.getBoundingClientRect();
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * rows);
    const seed = detail.seeds[Math.min(rows - 1, Math.max(0, row))];
    return seed === undefined ? undefined : { strip, epoch: Number(strip.dataset["epoch"]), seed, row };
  };
  root.addEventListener("click", (event) => {
    const hit = seedAt(event);
    if (!hit) return;
    handlers.onEpoch(hit.epoch);
    handlers.onSample(hit.epoch, hit.seed);
  });
  root.addEventListener("mousemove", (event) => {
    const hit = seedAt(event);
    if (!hit) {
      hover.remove();
      return;
    }
    hover.style.setProperty("--row", String(hit.row));
    hit.strip.title = `seed ${hit.seed}, epoch ${hit.epoch}`;
    if (hover.parentElement !== hit.strip) hit.strip.append(hover);
  });
  root.addEventListener("mouseleave", () => hover.remove());

  return {
    root,
    highlight: (epoch, scroll) => {
      for (const [e, { column }] of columns) column.classList.toggle("current", e === epoch);
      const current = columns.get(epoch)?.column;
      if (scroll && current) current.scrollIntoView({ block: "nearest", inline: "nearest" });
    },
    mark: (epoch, seed) => {
      const row = detail.seeds.indexOf(seed);
      const strip = columns.get(epoch)?.strip;
      if (row < 0 || !strip) return;
      strip.append(
        h("div", {
          class: "fs-mark",
          title: `seed ${seed} at epoch ${epoch}: marked as a failure`,
          attrs: { "data-epoch": epoch, "data-seed": seed },
          style: { "--row": String(row) },
        }),
      );
    },
  };
}

/** Resolve once every strip image under `root` is fetched and decoded (the "filmstrip rendered" moment). */
export async function stripsLoaded(root: ParentNode): Promise<void> {
  await Promise.all(
    [...root.querySelectorAll<HTMLImageElement>("img.fs-img")].map(async (image) => {
      try {
        await image.decode();
      } catch {
        // a strip that fails to load shows as an empty column; the run detail lists the sample problems
      }
    }),
  );
}
