// Small HTTP functions of the dashboard server (node:http only): JSON responses, refusals with a message,
// and request bodies that are JSON, size-limited and validated before anything reads them.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { InputError } from "../util/errors.ts";

/** A request refused with an HTTP status and a message for the page. */
export class RequestError extends InputError {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Largest request body accepted: notes are a few sentences and a rule is a few hundred bytes, so 64 KiB
 * leaves room for long notes while keeping a runaway client from filling memory.
 */
export const MAX_BODY_BYTES = 64 * 1024;

// Responses are never cached by the browser except sample images (which carry validators, see server.ts).
const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message });
}

/** Read the body as JSON and validate it with `schema`; every failure is a RequestError naming the cause. */
export async function readJsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>, what: string): Promise<T> {
  // declared type and size first: refuse before reading
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new RequestError(415, `${what}: expected content-type application/json, got ${type || "none"}`);
  }
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > MAX_BODY_BYTES) throw tooLarge(what, declared);

  // then the bytes, counted as they arrive (the length header may be absent or wrong)
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge(what, size);
    chunks.push(chunk);
  }

  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new RequestError(400, `${what}: body is not valid JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `field '${issue.path.join(".")}'` : "body";
    throw new RequestError(400, `${what}: ${where} ${issue?.message ?? "is invalid"}`);
  }
  return parsed.data;
}

function tooLarge(what: string, size: number): RequestError {
  return new RequestError(413, `${what}: body of ${size} bytes exceeds the limit of ${MAX_BODY_BYTES} bytes`);
}
