// The page's JavaScript and CSS, bundled from src/serve/client/ with esbuild when the server starts, held
// in memory: a checkout serves the dashboard with no separate build step. The charts code (vega and
// vega-lite, most of the bytes) is split into its own chunk that the page loads after the filmstrip.
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface Asset {
  contentType: string;
  body: Uint8Array;
  etag: string;
}

const CLIENT_DIR = fileURLToPath(new URL("./client/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

let pending: Promise<Map<string, Asset>> | undefined;

/** The bundled assets by file name ("main.js", "style.css", "chunk-XXXX.js"); built once per process. */
export function clientAssets(): Promise<Map<string, Asset>> {
  pending ??= bundle();
  return pending;
}

async function bundle(): Promise<Map<string, Asset>> {
  const result = await build({
    entryPoints: [`${CLIENT_DIR}main.ts`, `${CLIENT_DIR}style.css`],
    absWorkingDir: CLIENT_DIR,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    // the oldest browsers with every feature the page uses (ES2022, CSS nesting is not used)
    target: ["chrome110", "firefox115", "safari16"],
    minify: true,
    outdir: "assets",
    entryNames: "[name]",
    chunkNames: "chunk-[hash]",
    write: false,
    logLevel: "silent",
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const contentType = CONTENT_TYPES[name.slice(name.lastIndexOf("."))];
    if (contentType === undefined) continue;
    const etag = `"${createHash("sha256").update(file.contents).digest("hex").slice(0, 16)}"`;
    assets.set(name, { contentType, body: file.contents, etag });
  }
  return assets;
}
