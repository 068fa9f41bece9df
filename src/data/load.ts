// The entry point for data: `loadDataset(spec)` turns any dataset spec (see spec.ts) into a Dataset.
// Loading is synchronous: generation and decoding are CPU-bound and the files are local, so an async
// API would only add ceremony for callers.
import type { Generator } from "./builtin.ts";
import { generateBuiltin } from "./builtin.ts";
import { glyphsGenerator } from "./glyphs.ts";
import { loadIdxDataset } from "./idx.ts";
import { loadNpyDataset } from "./npy-data.ts";
import { patternsGenerator } from "./patterns.ts";
import { loadPngFolder } from "./png-folder.ts";
import { shapesGenerator } from "./shapes.ts";
import type { BuiltinKind, DatasetSpec } from "./spec.ts";
import { isBuiltin, parseDatasetSpec } from "./spec.ts";
import type { Dataset } from "./types.ts";

export type { DatasetSpec } from "./spec.ts";
export { formatDatasetSpec, parseDatasetSpec, SPEC_DEFAULTS } from "./spec.ts";

export interface LoadOptions {
  /** Folder that relative paths in the spec resolve against (default: the working folder). */
  cwd?: string;
}

const GENERATORS: Record<BuiltinKind, Generator> = {
  shapes: shapesGenerator,
  glyphs: glyphsGenerator,
  patterns: patternsGenerator,
};

/**
 * Load the data a spec names: built-ins are generated (deterministic from their seed), files are read.
 * The result's id is the normalised spec and its hash the SHA-256 of both splits' pixels and labels.
 * Throws ConfigError for a bad spec and DatasetError (naming the file) for unreadable data.
 */
export function loadDataset(spec: string | DatasetSpec, options: LoadOptions = {}): Dataset {
  const parsed = typeof spec === "string" ? parseDatasetSpec(spec, options.cwd) : spec;
  if (isBuiltin(parsed)) {
    return generateBuiltin(GENERATORS[parsed.kind], parsed);
  }
  switch (parsed.kind) {
    case "idx":
      return loadIdxDataset(parsed);
    case "png":
      return loadPngFolder(parsed);
    case "npy":
      return loadNpyDataset(parsed);
  }
}
