// Calls to the dashboard's JSON API (routes in src/serve/server.ts), typed with src/serve/api-types.ts.
import type { ErrorResponse, MetricsResponse, RunDetail, RunsResponse } from "../api-types.ts";

/** A refused or failed request, with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers = { accept: "application/json", "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `${method} ${path}: the server answered ${res.status} with non-JSON`);
  }
  if (!res.ok) throw new ApiError(res.status, (value as ErrorResponse).error ?? `HTTP ${res.status}`);
  return value as T;
}

/** The URL path of run `id` (ids may hold "/", which travels encoded inside one segment). */
export function runPath(id: string): string {
  return `/api/runs/${encodeURIComponent(id)}`;
}

export const api = {
  runs: () => call<RunsResponse>("GET", "/api/runs"),
  run: (id: string) => call<RunDetail>("GET", runPath(id)),
  metrics: (id: string) => call<MetricsResponse>("GET", `${runPath(id)}/metrics`),
  saveNotes: (id: string, epoch: number, edit: Record<string, string | null>) =>
    call<RunDetail>("PUT", `${runPath(id)}/notes/${epoch}`, edit),
  markFailure: (id: string, mark: { epoch: number; seed: number; marked: boolean; note?: string }) =>
    call<RunDetail>("POST", `${runPath(id)}/failure-marks`, mark),
  saveRule: (id: string, rule: unknown) => call<RunDetail>("PUT", `${runPath(id)}/rule`, rule),
  resetRule: (id: string) => call<RunDetail>("DELETE", `${runPath(id)}/rule`),
};

/** A PNG inside the run folder (path relative to it, "/"-separated). */
export function fileUrl(id: string, relativePath: string): string {
  return `${runPath(id)}/files/${relativePath.split("/").map(encodeURIComponent).join("/")}`;
}

/** The filmstrip column of a sample epoch (all seeds stacked). */
export function stripUrl(id: string, epoch: number, version: string): string {
  return `${runPath(id)}/strip/${epoch}.png?v=${encodeURIComponent(version)}`;
}
