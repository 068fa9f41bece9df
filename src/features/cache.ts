// The on-disk cache of trained feature extractors. An entry is a folder named by a key derived from
// everything that determines the extractor (kind, dataset hash, resolved config, cache layout version):
//   <root>/extractors/<key>/weights.safetensors   parameters (network weights or PCA basis)
//   <root>/extractors/<key>/meta.json             identity, config, training summary; written last
// Both files are written atomically and meta.json only after the weights, so a folder without a readable
// meta.json is an unfinished entry and is rebuilt. A changed dataset or config gives a new key, so a stale
// entry is never read; it stays on disk until the user deletes the folder.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { NamedTensor } from "../engine/index.ts";
import { readSafetensors, writeSafetensors } from "../engine/index.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import { EXTRACTOR_KINDS, type ExtractorKind } from "./types.ts";

/** Version of the cache layout and of the extractor definitions; bumping it invalidates every entry. */
export const CACHE_FORMAT = "genreview-extractor/1";

/** Environment variable that moves the cache root. */
export const CACHE_ENV = "GENREVIEW_CACHE";

/** The cache root: the explicit folder, else $GENREVIEW_CACHE, else <working folder>/.cache/genreview. */
export function cacheRoot(explicit?: string): string {
  if (explicit !== undefined) return resolve(explicit);
  const fromEnv = process.env[CACHE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  return resolve(".cache", "genreview");
}

/** Hex SHA-256 of the canonical JSON of the extractor's identity. */
export function extractorKey(
  kind: ExtractorKind,
  datasetHash: string,
  config: Record<string, unknown>,
): string {
  const text = JSON.stringify({ format: CACHE_FORMAT, kind, datasetHash, config: canonical(config) });
  return createHash("sha256").update(text).digest("hex");
}

/** Objects with sorted keys, so that the key does not depend on the order fields were written in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

export const CacheMetaSchema = z.object({
  format: z.literal(CACHE_FORMAT),
  key: z.string(),
  kind: z.enum(EXTRACTOR_KINDS),
  datasetHash: z.string(),
  datasetId: z.string(),
  config: z.record(z.string(), z.unknown()),
  dimensions: z.number().int().positive(),
  preprocessing: z.string(),
  training: z.record(z.string(), z.number()),
  createdAt: z.string(),
});
export type CacheMeta = z.infer<typeof CacheMetaSchema>;

export interface CacheEntry {
  meta: CacheMeta;
  tensors: Map<string, NamedTensor>;
}

export function entryFolder(root: string, key: string): string {
  return join(root, "extractors", key);
}

/**
 * The cached entry for `key`, or null when there is none or it is unfinished or unreadable (then the
 * caller rebuilds it; `onStale` hears why, so a damaged cache is reported rather than silently used).
 */
export function readCacheEntry(
  root: string,
  key: string,
  onStale?: (reason: string) => void,
): CacheEntry | null {
  const folder = entryFolder(root, key);
  const metaPath = join(folder, "meta.json");
  if (!existsSync(metaPath)) return null;
  try {
    const meta = CacheMetaSchema.parse(JSON.parse(readFileSync(metaPath, "utf8")));
    if (meta.key !== key) {
      onStale?.(`${metaPath} belongs to key ${meta.key.slice(0, 12)}, not ${key.slice(0, 12)}`);
      return null;
    }
    const { tensors } = readSafetensors(join(folder, "weights.safetensors"));
    return { meta, tensors };
  } catch (error) {
    onStale?.(
      `${folder}: unreadable cache entry (${error instanceof Error ? error.message : String(error)})`,
    );
    return null;
  }
}

/** Write an entry: weights first, then meta.json, each atomically. */
export function writeCacheEntry(root: string, entry: CacheEntry): string {
  const folder = entryFolder(root, entry.meta.key);
  writeSafetensors(join(folder, "weights.safetensors"), entry.tensors, { format: CACHE_FORMAT });
  writeJsonAtomic(join(folder, "meta.json"), entry.meta);
  return folder;
}
