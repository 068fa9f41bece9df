// The fixed sample set: the sampler inputs (latents or noise) drawn once per run from the run's seed,
// stored as seeds.npy [count, ...inputShape] float32 with seeds.json describing it, and replayed at every
// checkpoint so that sample i shows the same input at every epoch. Its id is a hash of the stored bytes:
// the same id means the same inputs, whatever produced them.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SeedKind } from "../models/types.ts";
import { readSeedSet } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { SeedSet } from "../run/schema.ts";
import { SeedSetSchema } from "../run/schema.ts";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic.ts";
import { CheckpointError } from "../util/errors.ts";
import { encodeNpy, type NpyArray, parseNpy } from "../util/npy.ts";
import { Rng } from "../util/rng.ts";

/** Hex digits of the SHA-256 kept as the seed-set id: 48 bits, collision-free for any realistic count. */
const ID_DIGITS = 12;

export interface StoredSeeds {
  set: SeedSet;
  /** count * prod(shape.slice(1)) values. */
  values: Float32Array;
}

/** Standard normal inputs for `count` samples of `inputShape`, from `rng`. */
export function drawInputs(rng: Rng, count: number, inputShape: readonly number[]): Float32Array {
  const per = inputShape.reduce((a, b) => a * b, 1);
  return rng.fillNormal(new Float32Array(count * per)) as Float32Array;
}

/** The fixed set of a run with `seed`: its own stream ("latents" or "noise"), independent of training. */
export function makeSeedSet(seed: number, kind: SeedKind, count: number, inputShape: readonly number[]) {
  const rng = new Rng(seed).fork(kind === "latent" ? "latents" : "noise");
  const values = drawInputs(rng, count, inputShape);
  const shape = [count, ...inputShape];
  const bytes = encodeNpy(values, shape);
  const id = createHash("sha256").update(bytes).digest("hex").slice(0, ID_DIGITS);
  const set: SeedSet = SeedSetSchema.parse({
    id,
    count,
    kind,
    shape,
    dtype: "float32",
    file: "seeds.npy",
    seed,
  });
  return { set, values, bytes };
}

/** Write seeds.npy, then seeds.json (each atomically). */
export function writeSeedSet(run: string, seeds: ReturnType<typeof makeSeedSet>): void {
  const paths = runPaths(run);
  writeFileAtomic(paths.seedsNpy, seeds.bytes);
  writeJsonAtomic(paths.seedsJson, seeds.set);
}

/** Read a run's stored seed set; checks seeds.npy against seeds.json's shape and id. */
export function readSeeds(run: string): StoredSeeds {
  const set = readSeedSet(run);
  const path = runPaths(run).seedsNpy;
  let bytes: Uint8Array;
  let array: NpyArray;
  try {
    bytes = readFileSync(path);
    array = parseNpy(bytes, path);
  } catch (error) {
    throw new CheckpointError(`${path}: cannot read the stored sample inputs (${(error as Error).message})`, {
      file: path,
      cause: error,
    });
  }
  const same = array.shape.length === set.shape.length && array.shape.every((d, i) => d === set.shape[i]);
  if (!(array.data instanceof Float32Array) || !same)
    throw new CheckpointError(
      `${path}: expected float32 [${set.shape.join(",")}] as seeds.json says, got ${array.dtype} [${array.shape.join(",")}]`,
      { file: path },
    );
  const id = createHash("sha256").update(bytes).digest("hex").slice(0, ID_DIGITS);
  if (id !== set.id)
    throw new CheckpointError(`${path}: its contents hash to ${id}, but seeds.json says ${set.id}`, {
      file: path,
    });
  return { set, values: array.data };
}
