// Turning a file path taken from a request URL into a path on disk, or refusing it. The dashboard serves
// sample images from run folders; nothing outside the served directory may be read through it, whatever
// the encoding of the request (%2e%2e, %2f, %5c, absolute paths, NUL bytes, symbolic links).
import { existsSync, realpathSync } from "node:fs";
import { isAbsolute, normalize, relative, resolve, sep } from "node:path";

/** File types the dashboard serves from run folders, with their content types. */
export const SERVED_TYPES: Readonly<Record<string, string>> = {
  ".png": "image/png",
};

export type SafePath = { ok: true; path: string; contentType: string } | { ok: false; reason: string };

/** True when `path` is `root` or inside it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * Resolve `encoded` (a percent-encoded path relative to `root`, as it appears in a URL) to an existing
 * file of a served type inside `root`. Every step that could escape is refused, not repaired.
 */
export function resolveServedFile(root: string, encoded: string): SafePath {
  // decode once; a malformed escape is a bad request, not a path
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { ok: false, reason: "malformed percent-encoding in path" };
  }

  // refuse what has no business in a relative sample path
  if (decoded.includes("\0")) return { ok: false, reason: "NUL byte in path" };
  if (decoded.includes("\\")) return { ok: false, reason: "backslash in path" };
  if (decoded === "" || isAbsolute(decoded) || /^[a-zA-Z]:/.test(decoded)) {
    return { ok: false, reason: "path must be relative to the run folder" };
  }
  const segments = normalize(decoded).split(sep);
  if (segments.includes("..")) return { ok: false, reason: "path leaves the run folder" };

  // the lexical check, then the same check on the real path (a symbolic link may point anywhere)
  const contentType = SERVED_TYPES[extensionOf(decoded)];
  if (contentType === undefined) return { ok: false, reason: "file type not served" };
  const lexical = resolve(root, decoded);
  if (!isInside(root, lexical)) return { ok: false, reason: "path leaves the run folder" };
  if (!existsSync(lexical)) return { ok: false, reason: "no such file" };
  const real = realpathSync(lexical);
  if (!isInside(realpathSync(root), real)) return { ok: false, reason: "path leaves the run folder" };
  return { ok: true, path: real, contentType };
}

function extensionOf(path: string): string {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? "" : path.slice(dot).toLowerCase();
}
