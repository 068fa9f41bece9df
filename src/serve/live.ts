// Live updates for runs being trained: Server-Sent Events fed by a stat poll of the run folders. fs.watch
// misses events on network and container file systems and behaves differently on each platform, so a
// once-a-second fingerprint of a few files (runFingerprint) is the dependable signal. One timer serves all
// clients and runs only while a client is connected; each stream closes when its client goes away.
import type { IncomingMessage, ServerResponse } from "node:http";
import { discoverRuns, type RunLocation } from "./discover.ts";
import { runFingerprint } from "./run-view.ts";

/** Poll period: new checkpoints arrive every few seconds at the fastest; 1 s feels immediate. */
export const POLL_MS = 1000;
/** A comment line this often keeps proxies and the browser from timing out an idle stream. */
const HEARTBEAT_MS = 15_000;
/** Streams at once: a few tabs per user; beyond this a runaway page is refused (503) instead of polled. */
export const MAX_STREAMS = 32;

/** What a stream watches: given runs, or the runs list (which runs exist and their state). */
type Target = { kind: "runs"; runs: RunLocation[] } | { kind: "list" };

interface Stream {
  res: ServerResponse;
  target: Target;
  last: Map<string, Record<string, string>>;
  lastList: string;
}

export class LiveHub {
  private readonly streams = new Set<Stream>();
  private poll: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly root: string) {}

  get size(): number {
    return this.streams.size;
  }

  /** Open an event stream on `res`; returns false (and answers 503) when too many are open. */
  open(req: IncomingMessage, res: ServerResponse, target: Target): boolean {
    if (this.streams.size >= MAX_STREAMS) {
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "5" });
      res.end(`too many live streams (${MAX_STREAMS}); close other dashboard tabs`);
      return false;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    // the retry hint: how soon the browser reconnects after the server restarts
    res.write("retry: 2000\n\n");
    const stream: Stream = { res, target, last: new Map(), lastList: "" };
    this.snapshot(stream);
    this.streams.add(stream);
    const close = () => this.drop(stream);
    req.on("close", close);
    res.on("error", close);
    this.ensureTimers();
    return true;
  }

  /** End every stream and stop polling (server shutdown). */
  close(): void {
    for (const stream of this.streams) stream.res.end();
    this.streams.clear();
    this.stopTimers();
  }

  private drop(stream: Stream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stopTimers();
  }

  private ensureTimers(): void {
    if (this.poll !== undefined) return;
    this.poll = setInterval(() => this.tick(), POLL_MS);
    this.heartbeat = setInterval(() => {
      for (const s of this.streams) s.res.write(": keep-alive\n\n");
    }, HEARTBEAT_MS);
    // the timers alone must not keep a process alive (tests, `serve` shutting down)
    this.poll.unref();
    this.heartbeat.unref();
  }

  private stopTimers(): void {
    clearInterval(this.poll);
    clearInterval(this.heartbeat);
    this.poll = undefined;
    this.heartbeat = undefined;
  }

  /** Record the current state without sending (a new stream starts from what the page just loaded). */
  private snapshot(stream: Stream): void {
    if (stream.target.kind === "list") stream.lastList = this.listFingerprint();
    else for (const run of stream.target.runs) stream.last.set(run.id, runFingerprint(run.dir));
  }

  private tick(): void {
    // one fingerprint per run per tick, however many streams watch it
    const fingerprints = new Map<string, Record<string, string>>();
    let list: string | undefined;
    for (const stream of this.streams) {
      if (stream.target.kind === "list") {
        list ??= this.listFingerprint();
        if (list !== stream.lastList) {
          stream.lastList = list;
          send(stream.res, "runs", {});
        }
        continue;
      }
      for (const run of stream.target.runs) {
        let now = fingerprints.get(run.id);
        if (now === undefined) {
          now = runFingerprint(run.dir);
          fingerprints.set(run.id, now);
        }
        const before = stream.last.get(run.id) ?? {};
        const parts = Object.keys(now).filter((k) => now[k] !== before[k]);
        if (parts.length === 0) continue;
        stream.last.set(run.id, now);
        send(stream.res, "run", { run: run.id, parts });
      }
    }
  }

  private listFingerprint(): string {
    return discoverRuns(this.root)
      .map((run) => {
        const f = runFingerprint(run.dir);
        return `${run.id}:${f.info}:${f.checkpoints}:${f.review}`;
      })
      .join("\n");
  }
}

function send(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
