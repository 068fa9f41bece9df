// Finding the runs under the served directory. A run is a folder holding run.json; the directory itself
// may be one run, or hold runs directly or one level of grouping folders deeper (runs/mnist/vae-1).
// Symbolic links are not followed, so a listed run always lies inside the directory.
import { type Dirent, existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { runPaths } from "../run/layout.ts";

export interface RunLocation {
  /** Path relative to the served directory, "/"-separated; "." when the directory is itself a run. */
  id: string;
  dir: string;
}

// Grouping depth: runs/<run> and runs/<group>/<run>. Deeper trees are unusual for run folders and would
// make every listing walk large unrelated trees (a dataset folder, node_modules).
const MAX_DEPTH = 2;

/** The runs under `root`, sorted by id. */
export function discoverRuns(root: string): RunLocation[] {
  if (isRun(root)) return [{ id: ".", dir: root }];
  const found: RunLocation[] = [];
  const walk = (dir: string, prefix: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a folder removed or unreadable while listing: not a run
    }
    for (const entry of entries) {
      // Dirent.isDirectory() is false for symbolic links: they are skipped on purpose
      if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      const id = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (isRun(path)) found.push({ id, dir: path });
      else if (depth < MAX_DEPTH) walk(path, id, depth + 1);
    }
  };
  walk(root, "", 1);
  return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function isRun(dir: string): boolean {
  return existsSync(runPaths(dir).runJson);
}

/**
 * The run with id `id` (as discoverRuns names it), or undefined. Resolved from the id's own segments, each
 * a plain folder name (no "..", no hidden folders, no symbolic links), so an id can never reach outside.
 */
export function locateRun(root: string, id: string): RunLocation | undefined {
  // a directory that is itself a run serves that run only, as discoverRuns lists it
  if (isRun(root)) return id === "." ? { id, dir: root } : undefined;
  const segments = id.split("/");
  if (segments.length > MAX_DEPTH) return undefined;
  let dir = root;
  for (const segment of segments) {
    if (!PLAIN_NAME.test(segment) || segment.startsWith(".") || segment === "node_modules") return undefined;
    dir = join(dir, segment);
    try {
      if (!lstatSync(dir).isDirectory()) return undefined;
    } catch {
      return undefined;
    }
  }
  return isRun(dir) ? { id, dir } : undefined;
}

// A folder name as it may appear in an id: no separators, NUL or control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const PLAIN_NAME = /^[^/\\\u0000-\u001f]+$/;
