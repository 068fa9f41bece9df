// The small HTML toolkit of the offline evidence pages (report and compare): escaping, inline PNGs as data
// URIs, inline SVG charts made safe to sit side by side in one document, and the page shell with its
// inline style sheet. Everything a page needs is inside the one file: no scripts, no fonts, no links out.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GenreviewError } from "../util/errors.ts";

/** Text for element content and quoted attribute values: the five characters HTML gives meaning to. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A short alias for templates. */
export const esc = escapeHtml;

/** Escaped text in which `backquoted` spans (commands, file names) become <code> elements. */
export function richText(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** PNG bytes as a data: URI. */
export function pngDataUri(bytes: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}`;
}

/** A PNG file as a data: URI; a file that cannot be read is a GenreviewError naming it. */
export function pngFileDataUri(path: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new GenreviewError(`${path}: cannot read image for the report (${(error as Error).message})`, {
      file: path,
      cause: error,
    });
  }
  return pngDataUri(bytes);
}

/**
 * An <img> of a small grayscale sample, upscaled with nearest-neighbour sampling (the `pixelated` class)
 * so that single pixels stay visible. `width` is the displayed width in CSS pixels.
 */
export function pixelImg(src: string, alt: string, width: number, title?: string): string {
  const titleAttr = title === undefined ? "" : ` title="${esc(title)}"`;
  return `<img class="pixelated" src="${src}" alt="${esc(alt)}" width="${Math.round(width)}"${titleAttr}>`;
}

/**
 * A standalone SVG document (as renderSvg writes it) made fit to inline in HTML: the XML namespace
 * declarations go (HTML parsers put <svg> in the SVG namespace by themselves, and the page must hold no
 * http: text at all), and every id, with its url(#...) and href="#..." references, gets `prefix` so that
 * two charts in one page can never resolve each other's clip paths or gradients.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/<\?xml[^>]*\?>\s*/, "")
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, "")
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`);
}

/** An HTML table from a header row and body rows of already-escaped cell HTML. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  cls = "",
  rowClass: (index: number) => string | undefined = () => undefined,
): string {
  const head = header.map((h) => `<th>${h}</th>`).join("");
  const body = rows
    .map((r, i) => {
      const c = rowClass(i);
      return `<tr${c === undefined ? "" : ` class="${c}"`}>${r.map((x) => `<td>${x}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<table${cls === "" ? "" : ` class="${cls}"`}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A page section with a stable id (tests and the dashboard find sections by it) and a heading. */
export function section(id: string, heading: string, body: string): string {
  return `<section id="${id}">\n<h2>${esc(heading)}</h2>\n${body}\n</section>`;
}

// One style sheet for every evidence page: readable on screen and in print, no external resources.
const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --ok: #1a7f37;
  --warn: #9a6700; --fail: #cf222e; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 64px; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
p.lead { color: var(--muted); margin: 0 0 12px; }
nav { margin: 12px 0 0; font-size: 14px; }
nav a { margin-right: 12px; color: #0969da; text-decoration: none; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.selected td { background: #dafbe1; }
.pixelated { image-rendering: pixelated; image-rendering: crisp-edges; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; border: 1px solid; }
.badge.selected { color: var(--ok); border-color: var(--ok); font-weight: 600; }
.badge.candidate { color: #0969da; border-color: #0969da; }
.badge.review { color: var(--warn); border-color: var(--warn); }
.badge.below-floor { color: var(--muted); border-color: var(--muted); }
.flag.fail { color: var(--fail); }
.flag.warning { color: var(--warn); }
.notice { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }
.card { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; }
.card dt { font-weight: 600; margin-top: 6px; }
.card dd { margin: 0 0 4px 0; }
.grids { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; }
figcaption { font-size: 13px; color: var(--muted); }
figure.selected img { outline: 3px solid var(--ok); }
table.filmstrip td, table.filmstrip th { padding: 1px 3px; border: none; text-align: center; }
table.filmstrip th { background: none; font-size: 12px; font-weight: normal; color: var(--muted); }
table.filmstrip th.selected { color: var(--ok); font-weight: 600; }
table.filmstrip td.selected { background: #dafbe1; }
.charts { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.charts figure { flex: 0 1 auto; max-width: 620px; }
.charts svg { max-width: 100%; height: auto; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; }
.gallery figure { border: 1px solid var(--line); border-radius: 4px; padding: 4px; max-width: 190px; }
.pair { display: flex; gap: 4px; }
.missing { color: var(--fail); font-size: 12px; }
ul.why li { margin-bottom: 4px; }
footer { margin-top: 48px; font-size: 12px; color: var(--muted); }
@media print { nav { display: none; } section { break-inside: avoid-page; } }
`;

/** A complete page: the title, the inline style sheet and the body HTML. */
export function page(title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** An image read for inlining: its data URI and pixel size. */
export interface InlineImage {
  uri: string;
  w: number;
  h: number;
}

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { w: number; h: number } | null {
  // 8-byte signature, then IHDR: length (4), type (4), width (4), height (4), all big-endian
  if (bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isPng = view.getUint32(0) === 0x89504e47 && view.getUint32(12) === 0x49484452; // "\x89PNG", "IHDR"
  return isPng ? { w: view.getUint32(16), h: view.getUint32(20) } : null;
}

/**
 * Reads the images a page inlines, relative to a base folder, and keeps a list of the ones that are
 * missing or are not PNG files, so that a page can show the rest and say what was missing.
 */
export class ImageReader {
  readonly problems: string[] = [];
  private readonly cache = new Map<string, InlineImage | null>();

  constructor(private readonly base: string) {}

  /** The image at `relPath` (slash-separated, relative to the base), or null (and a problem noted). */
  read(relPath: string): InlineImage | null {
    const cached = this.cache.get(relPath);
    if (cached !== undefined) return cached;
    let result: InlineImage | null = null;
    try {
      const bytes = readFileSync(join(this.base, ...relPath.split("/")));
      const size = pngSize(bytes);
      if (size === null) this.problems.push(`${relPath} is not a PNG file`);
      else result = { uri: pngDataUri(bytes), ...size };
    } catch (error) {
      this.problems.push(`${relPath} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    this.cache.set(relPath, result);
    return result;
  }

  /** An upscaled <img> of the image at `relPath`, or a visible "missing" marker. */
  img(relPath: string, alt: string, scale: number, title?: string): string {
    const image = this.read(relPath);
    if (image === null) return `<span class="missing">missing: ${esc(relPath)}</span>`;
    return pixelImg(image.uri, alt, image.w * scale, title);
  }
}
