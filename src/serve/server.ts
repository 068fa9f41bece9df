// The review dashboard's HTTP server (node:http, no framework): the page, its bundled assets, the JSON
// API under /api/ and the run folders' sample images. Reads any run under the served directory; writes
// only review/notes.json of a run under it, through the validated edits of review-edit.ts.
//
// Routes (ID = a run id, percent-encoded as one path segment):
//   GET    /                                  the page
//   GET    /assets/NAME                       bundled script, stylesheet and chunks
//   GET    /api/runs                          RunsResponse
//   GET    /api/runs/ID                       RunDetail
//   GET    /api/runs/ID/metrics               MetricsResponse (loss series)
//   GET    /api/runs/ID/strip/EPOCH.png       the filmstrip column of a sample epoch
//   GET    /api/runs/ID/files/PATH            a PNG inside the run folder (samples, failure images)
//   PUT    /api/runs/ID/notes/EPOCH           NotesEdit          → RunDetail
//   POST   /api/runs/ID/failure-marks         FailureMark        → RunDetail
//   PUT    /api/runs/ID/rule                  a rule object      → RunDetail (selection re-evaluated)
//   DELETE /api/runs/ID/rule                  back to the default rule → RunDetail
//   GET    /api/events[?run=ID...]            Server-Sent Events: "run" {run, parts} or "runs" {}
import { readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { readRunInfo } from "../run/io.ts";
import { GenreviewError, InputError } from "../util/errors.ts";
import type { RunsResponse } from "./api-types.ts";
import { clientAssets } from "./bundle.ts";
import { discoverRuns, locateRun, type RunLocation } from "./discover.ts";
import { RequestError, readJsonBody, sendError, sendJson } from "./http.ts";
import { LiveHub } from "./live.ts";
import { pageHtml } from "./page.ts";
import {
  FailureMarkSchema,
  NotesEditSchema,
  RuleBodySchema,
  saveCheckpointNotes,
  saveFailureMark,
  saveRule,
} from "./review-edit.ts";
import { filmstripLayout, readMetricsView, readRunDetail, readRunSummary, sampleStrip } from "./run-view.ts";
import { resolveServedFile } from "./safe-path.ts";

export interface DashboardOptions {
  /** The directory whose runs are served. */
  root: string;
  /** Interface to listen on; loopback unless the user asks otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Where unexpected server errors are reported (they also answer 500). */
  onError?: (message: string) => void;
}

export interface Dashboard {
  url: string;
  port: number;
  /** Live-update streams open now (each closes when its page goes away). */
  liveStreams(): number;
  close(): Promise<void>;
}

export const DEFAULT_HOST = "127.0.0.1";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** Start the dashboard; resolves once it listens. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const root = resolve(options.root);
  try {
    if (!statSync(root).isDirectory()) throw new InputError(`${options.root} is not a directory`);
  } catch (error) {
    if (error instanceof GenreviewError) throw error;
    const why =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "no such folder (expected a folder of run folders, e.g. runs/, or one run folder)"
        : (error as Error).message;
    throw new InputError(`cannot serve ${options.root}: ${why}`, { cause: error });
  }
  const host = options.host ?? DEFAULT_HOST;
  const hub = new LiveHub(root);
  let port = 0;

  // bundle while the socket opens; the first asset request waits for it
  const assets = clientAssets();
  assets.catch(() => {}); // reported on the request that needs it

  const server = createServer((req, res) => {
    const context: Context = { root, req, res, hub, assets, host, port };
    handle(context).catch((error: unknown) => {
      if (error instanceof RequestError) {
        // an over-long body is still arriving: answer, then drop the connection
        if (error.status === 413) res.once("finish", () => req.destroy());
        sendError(res, error.status, error.message);
      } else if (error instanceof GenreviewError) {
        sendError(res, 400, error.message);
      } else {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        options.onError?.(`dashboard: ${req.method} ${req.url}: ${message}`);
        sendError(res, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  });

  await new Promise<void>((done, fail) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE" ? "the port is in use (choose another with --port)" : error.message;
      fail(new InputError(`cannot listen on ${host}:${options.port ?? 0}: ${why}`, { cause: error }));
    });
    server.listen(options.port ?? 0, host, () => done());
  });
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    liveStreams: () => hub.size,
    close: () =>
      new Promise<void>((done) => {
        hub.close();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

interface Context {
  root: string;
  req: IncomingMessage;
  res: ServerResponse;
  hub: LiveHub;
  assets: ReturnType<typeof clientAssets>;
  host: string;
  port: number;
}

async function handle(ctx: Context): Promise<void> {
  const { req, res } = ctx;
  checkHost(ctx);

  // route on the raw path: segments are split before decoding, so an encoded "/" stays inside its segment
  const raw = req.url ?? "/";
  const queryAt = raw.indexOf("?");
  const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? "" : raw.slice(queryAt + 1));
  const segments = path.split("/").slice(1);
  const method = req.method ?? "GET";

  if (path === "/" || path === "/index.html") return sendPage(res, method);
  if (segments[0] === "assets" && segments.length === 2) return sendAsset(ctx, segments[1]!);
  if (segments[0] !== "api") throw new RequestError(404, `no such page: ${path}`);

  if (segments[1] === "events" && segments.length === 2) return openEvents(ctx, query);
  if (segments[1] !== "runs") throw new RequestError(404, `no such API route: ${path}`);
  if (segments.length === 2) {
    allow(method, "GET");
    const body: RunsResponse = { root: ctx.root, runs: discoverRuns(ctx.root).map(readRunSummary) };
    return sendJson(res, 200, body);
  }

  // everything else is about one run
  const run = findRun(ctx.root, segments[2]!);
  const [what, ...rest] = segments.slice(3);
  if (what === undefined) {
    allow(method, "GET");
    return sendJson(res, 200, readRunDetail(run));
  }
  switch (what) {
    case "metrics":
      allow(method, "GET");
      return sendJson(res, 200, readMetricsView(run.dir));
    case "strip":
      allow(method, "GET");
      return sendStrip(ctx, run, rest);
    case "files":
      allow(method, "GET");
      return sendRunFile(ctx, run, rest.join("/"));
    case "notes": {
      allow(method, "PUT");
      const epoch = parseEpoch(rest);
      const edit = await readJsonBody(req, NotesEditSchema, `notes of epoch ${epoch}`);
      saveCheckpointNotes(run.dir, epoch, edit);
      return sendJson(res, 200, readRunDetail(run));
    }
    case "failure-marks": {
      allow(method, "POST");
      if (rest.length > 0) break;
      const mark = await readJsonBody(req, FailureMarkSchema, "failure mark");
      saveFailureMark(run.dir, mark);
      return sendJson(res, 200, readRunDetail(run));
    }
    case "rule": {
      allow(method, "PUT", "DELETE");
      if (rest.length > 0) break;
      if (method === "DELETE") saveRule(run.dir, null);
      else saveRule(run.dir, await readJsonBody(req, RuleBodySchema, "rule"));
      return sendJson(res, 200, readRunDetail(run));
    }
  }
  throw new RequestError(404, `no such API route: ${path}`);
}

/**
 * Refuse requests whose Host is not this server when it listens on loopback: a web page elsewhere could
 * otherwise point a name it controls at 127.0.0.1 (DNS rebinding) and read or edit reviews.
 */
function checkHost(ctx: Context): void {
  if (!LOOPBACK.has(ctx.host)) return;
  const host = (ctx.req.headers.host ?? "").toLowerCase();
  const allowed = [`127.0.0.1:${ctx.port}`, `localhost:${ctx.port}`, `[::1]:${ctx.port}`];
  if (!allowed.includes(host)) throw new RequestError(403, `refused: unexpected Host header "${host}"`);
  // a write from another origin (a cross-site form or script) is refused as well
  const origin = ctx.req.headers.origin;
  if (origin !== undefined && ctx.req.method !== "GET" && origin !== `http://${host}`) {
    throw new RequestError(403, `refused: request from another origin (${origin})`);
  }
}

function allow(method: string, ...methods: string[]): void {
  if (!methods.includes(method))
    throw new RequestError(405, `method ${method} not allowed here (use ${methods.join(" or ")})`);
}

function findRun(root: string, segment: string): RunLocation {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new RequestError(400, "malformed percent-encoding in run id");
  }
  const run = locateRun(root, id);
  if (run === undefined) throw new RequestError(404, `no run "${id}" under the served directory`);
  return run;
}

function parseEpoch(rest: readonly string[]): number {
  const text = rest.length === 1 ? rest[0]! : "";
  if (!/^\d{1,9}$/.test(text))
    throw new RequestError(400, `expected an epoch number in the path, got "${rest.join("/")}"`);
  return Number(text);
}

function sendPage(res: ServerResponse, method: string): void {
  allow(method, "GET");
  const html = pageHtml();
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    // vega compiles chart expressions with the Function constructor, hence 'unsafe-eval'; everything else
    // comes from this server
    "content-security-policy":
      "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:",
    "x-content-type-options": "nosniff",
  });
  res.end(html);
}

async function sendAsset(ctx: Context, name: string): Promise<void> {
  allow(ctx.req.method ?? "GET", "GET");
  const asset = (await ctx.assets).get(name);
  if (asset === undefined) throw new RequestError(404, `no such asset: ${name}`);
  sendBytes(ctx, asset.contentType, asset.body, asset.etag);
}

function sendStrip(ctx: Context, run: RunLocation, rest: readonly string[]): void {
  const match = rest.length === 1 ? /^(\d{1,9})\.png$/.exec(rest[0]!) : null;
  if (!match) throw new RequestError(400, `expected strip/EPOCH.png, got strip/${rest.join("/")}`);
  const epoch = Number(match[1]);
  const layout = filmstripLayout(run.dir, readRunInfoOrUndefined(run.dir));
  if (!layout.sampleEpochs.includes(epoch) || layout.imageSize === null) {
    throw new RequestError(404, `no samples at epoch ${epoch} in run "${run.id}"`);
  }
  const strip = sampleStrip(run.dir, epoch, layout.seeds, layout.imageSize);
  sendBytes(ctx, "image/png", strip.png, strip.etag);
}

function sendRunFile(ctx: Context, run: RunLocation, encoded: string): void {
  const found = resolveServedFile(run.dir, encoded);
  if (!found.ok)
    throw new RequestError(found.reason === "no such file" ? 404 : 403, `refused: ${found.reason}`);
  const stat = statSync(found.path);
  sendBytes(
    ctx,
    found.contentType,
    readFileSync(found.path),
    `"${stat.mtimeMs.toString(36)}-${stat.size.toString(36)}"`,
  );
}

/** Bytes with an ETag; the browser revalidates (no-cache) and gets 304 when nothing changed. */
function sendBytes(ctx: Context, contentType: string, body: Uint8Array, etag: string): void {
  if (ctx.req.headers["if-none-match"] === etag) {
    ctx.res.writeHead(304, { etag, "cache-control": "no-cache" });
    ctx.res.end();
    return;
  }
  ctx.res.writeHead(200, {
    "content-type": contentType,
    "content-length": body.byteLength,
    etag,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  ctx.res.end(body);
}

function openEvents(ctx: Context, query: URLSearchParams): void {
  allow(ctx.req.method ?? "GET", "GET");
  const ids = query.getAll("run");
  if (ids.length === 0) {
    ctx.hub.open(ctx.req, ctx.res, { kind: "list" });
    return;
  }
  const runs = ids.map((id) => {
    const run = locateRun(ctx.root, id);
    if (run === undefined) throw new RequestError(404, `no run "${id}" under the served directory`);
    return run;
  });
  ctx.hub.open(ctx.req, ctx.res, { kind: "runs", runs });
}

/** run.json when readable; the run detail reports it otherwise. */
function readRunInfoOrUndefined(dir: string) {
  try {
    return readRunInfo(dir);
  } catch (error) {
    if (error instanceof GenreviewError) return undefined;
    throw error;
  }
}
