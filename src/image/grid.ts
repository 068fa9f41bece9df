// Image grids: a batch laid out like torchvision's make_grid, and a grid with one labelled row per
// class for looking at a dataset. Legend: N images of H x W; p padding in pixels; s upscaling factor.
// make_grid layout: min(nrow, N) images per row, ceil(N / that) rows, p pixels of padding around and
// between cells, image k in row floor(k / perRow), column k mod perRow; so with a fixed seed set,
// cell (r, c) shows the same seed at every checkpoint.
import type { ImageBatch } from "../data/types.ts";
import { drawText, GLYPH_HEIGHT, textWidth } from "./font.ts";
import type { GrayImage } from "./image.ts";
import { upscale } from "./image.ts";
import { writeImage } from "./png.ts";

export interface GridOptions {
  /** Images per row (torchvision's nrow). */
  nrow?: number;
  /** Pixels between and around cells, before upscaling. */
  padding?: number;
  /** Gray level of the padding. */
  padValue?: number;
  /** Integer nearest-neighbour upscaling of the whole grid. */
  scale?: number;
}

/** torchvision.utils.make_grid's defaults (nrow 8, padding 2, pad_value 0), no upscaling. */
export const GRID_DEFAULTS = { nrow: 8, padding: 2, padValue: 0, scale: 1 } as const;

function checkOptions(nrow: number, padding: number, scale: number): void {
  if (!Number.isInteger(nrow) || nrow < 1)
    throw new RangeError(`grid nrow must be an integer >= 1, got ${nrow}`);
  if (!Number.isInteger(padding) || padding < 0)
    throw new RangeError(`grid padding must be an integer >= 0, got ${padding}`);
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`grid scale must be an integer >= 1, got ${scale}`);
}

/** Copy image `i` of `batch` into `grid` with its top-left corner at (x, y). */
function blit(grid: GrayImage, batch: ImageBatch, i: number, x: number, y: number): void {
  const { h, w } = batch;
  for (let r = 0; r < h; r++) {
    const src = batch.data.subarray(i * h * w + r * w, i * h * w + (r + 1) * w);
    grid.data.set(src, (y + r) * grid.w + x);
  }
}

/** Lay out a batch as a grid image (see the top of this file), then upscale it. */
export function makeGrid(batch: ImageBatch, options: GridOptions = {}): GrayImage {
  const { nrow, padding: p, padValue, scale } = { ...GRID_DEFAULTS, ...options };
  checkOptions(nrow, p, scale);
  if (batch.n === 0) throw new RangeError("cannot make a grid of an empty batch");

  // canvas of padding, then each image in reading order
  const perRow = Math.min(nrow, batch.n);
  const rows = Math.ceil(batch.n / perRow);
  const w = perRow * (batch.w + p) + p;
  const h = rows * (batch.h + p) + p;
  const grid: GrayImage = { w, h, data: new Float32Array(w * h).fill(padValue) };
  for (let k = 0; k < batch.n; k++) {
    const r = Math.floor(k / perRow);
    const c = k % perRow;
    blit(grid, batch, k, p + c * (batch.w + p), p + r * (batch.h + p));
  }
  return upscale(grid, scale);
}

/** `makeGrid`, written as an 8-bit PNG atomically. Returns the grid's size. */
export function writeGrid(
  path: string,
  batch: ImageBatch,
  options: GridOptions = {},
): { w: number; h: number } {
  const grid = makeGrid(batch, options);
  writeImage(path, grid);
  return { w: grid.w, h: grid.h };
}

/** One labelled row of a labelled grid. */
export interface GridRow {
  label: string;
  /** The row's images, shown left to right (all rows share H x W). */
  images: ImageBatch;
}

export interface LabelledGridOptions {
  /** Cells per row (default: the longest row); longer rows are cut, shorter ones left as padding. */
  columns?: number;
  padding?: number;
  padValue?: number;
  scale?: number;
  /** Gray level of the label text, drawn on black. */
  textValue?: number;
}

/**
 * A grid with one row per label: the label written on the left in the built-in 5x7 font, then that
 * row's images. The font is enlarged with the cells (one font pixel per 20 pixels of cell height), so
 * labels stay readable at every scale. Default padding 2 and a mid-gray pad value, so that cell edges
 * show against black backgrounds.
 */
export function makeLabelledGrid(rows: GridRow[], options: LabelledGridOptions = {}): GrayImage {
  const first = rows[0];
  if (!first) throw new RangeError("cannot make a labelled grid without rows");
  const { h, w } = first.images;
  for (const row of rows) {
    if (row.images.h !== h || row.images.w !== w)
      throw new RangeError(
        `labelled grid rows differ in size: ${w}x${h} and ${row.images.w}x${row.images.h}`,
      );
  }
  const columns = options.columns ?? Math.max(1, ...rows.map((r) => r.images.n));
  const p = options.padding ?? GRID_DEFAULTS.padding;
  const padValue = options.padValue ?? 0.5;
  const scale = options.scale ?? GRID_DEFAULTS.scale;
  const textValue = options.textValue ?? 1;
  checkOptions(columns, p, scale);

  // the cells at 1x, padded like make_grid, then upscaled
  const cellsW = columns * (w + p) + p;
  const cellsH = rows.length * (h + p) + p;
  const cells: GrayImage = { w: cellsW, h: cellsH, data: new Float32Array(cellsW * cellsH).fill(padValue) };
  rows.forEach((row, r) => {
    for (let c = 0; c < Math.min(columns, row.images.n); c++)
      blit(cells, row.images, c, p + c * (w + p), p + r * (h + p));
  });
  const big = upscale(cells, scale);

  // the label column on black: text scaled with the cells, vertically centred on its row
  const k = Math.max(1, Math.floor((h * scale) / 20));
  const margin = 2 * k;
  const labelW = Math.max(...rows.map((r) => textWidth(r.label, k))) + 2 * margin;
  const out: GrayImage = { w: labelW + big.w, h: big.h, data: new Float32Array((labelW + big.w) * big.h) };
  for (let y = 0; y < big.h; y++)
    out.data.set(big.data.subarray(y * big.w, (y + 1) * big.w), y * out.w + labelW);
  rows.forEach((row, r) => {
    const top = (p + r * (h + p)) * scale + Math.floor((h * scale - GLYPH_HEIGHT * k) / 2);
    drawText(out, row.label, margin, top, k, textValue);
  });
  return out;
}
