// Where the samples of a checkpoint come from when it is evaluated: the imported files of an imported
// run, or fresh samples drawn from a trained checkpoint's sampler; and the fixed-seed samples
// (samples/epoch-NNNN/seed-NNN.png) that training, or the import, wrote. Every source gives the same N
// for every checkpoint with a fixed seed.
import { existsSync, readdirSync } from "node:fs";
import type { ImageBatch } from "../data/types.ts";
import { readPng } from "../image/png.ts";
import { IMPORTED_SAMPLES_FILE, readImportedSamples } from "../import/import.ts";
import { readCheckpointMeta } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import { openSampler } from "../train/index.ts";
import { CheckpointError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";

/** One checkpoint's evaluated samples, and which stored sample each is (for the fixed-seed mapping). */
export interface DrawnSamples {
  images: ImageBatch;
  /** For imported samples: the position of sample i in the imported file; null for fresh samples. */
  sourceIndex: number[] | null;
}

export interface SampleSource {
  kind: "imported" | "sampler";
  /** Samples available per checkpoint (null when a sampler can draw any number). */
  available(epoch: number): number | null;
  /** N samples of `epoch`, the same way for every checkpoint (`seed` fixes which and how). */
  draw(epoch: number, n: number, seed: number): Promise<DrawnSamples>;
  dispose(): Promise<void>;
}

/** Imported runs: the samples are the imported files; N smaller than a file takes a seeded subset. */
export function importedSource(run: string): SampleSource {
  return {
    kind: "imported",
    available: (epoch) => {
      const meta = readCheckpointMeta(run, epoch);
      const count = meta.sampling?.["count"];
      if (typeof count !== "number")
        throw new CheckpointError(
          `${runPaths(run).checkpoint(epoch).meta}: an imported checkpoint's meta.json needs sampling.count ` +
            `(the number of samples in ${IMPORTED_SAMPLES_FILE}); import the samples again`,
          { file: runPaths(run).checkpoint(epoch).meta },
        );
      return count;
    },
    draw: async (epoch, n, seed) => {
      const all = readImportedSamples(run, epoch);
      if (n > all.n)
        throw new CheckpointError(`epoch ${epoch} has ${all.n} imported samples, fewer than N = ${n}`);
      if (n === all.n) return { images: all, sourceIndex: Array.from({ length: n }, (_, i) => i) };

      // a seeded subset, in file order; checkpoints with equally many samples get the same positions
      const picked = Array.from(new Rng(seed).fork("imported-subset").sample(all.n, n)).sort((a, b) => a - b);
      const { h, w } = all;
      const data = new Float32Array(n * h * w);
      picked.forEach((j, i) => {
        data.set(all.data.subarray(j * h * w, (j + 1) * h * w), i * h * w);
      });
      return { images: { data, n, h, w }, sourceIndex: picked };
    },
    dispose: async () => {},
  };
}

/**
 * Trained runs: N fresh samples of each checkpoint from its exported sampler, from the same seeded
 * latents or noise at every checkpoint (a stream apart from the fixed seed set's), so checkpoints differ
 * only by their weights.
 */
export function samplerSource(run: string): SampleSource {
  return {
    kind: "sampler",
    available: () => null,
    draw: async (epoch, n, seed) => {
      const sampler = await openSampler(run, epoch);
      try {
        return { images: await sampler.sample(sampler.drawInputs(n, seed), n), sourceIndex: null };
      } finally {
        await sampler.dispose();
      }
    },
    dispose: async () => {},
  };
}

/** The fixed-seed samples of a checkpoint (seed-NNN.png files), by seed; null when there are none. */
export function readFixedSeedSamples(
  run: string,
  epoch: number,
): { seeds: number[]; images: ImageBatch } | null {
  const dir = runPaths(run).samples(epoch).dir;
  if (!existsSync(dir)) return null;
  const seeds = readdirSync(dir)
    .map((name) => /^seed-(\d+)\.png$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (seeds.length === 0) return null;
  const first = readPng(runPaths(run).samples(epoch).seed(seeds[0]!));
  const { h, w } = first;
  const data = new Float32Array(seeds.length * h * w);
  seeds.forEach((seed, i) => {
    const path = runPaths(run).samples(epoch).seed(seed);
    const png = i === 0 ? first : readPng(path);
    if (png.w !== w || png.h !== h)
      throw new CheckpointError(
        `${path}: fixed-seed samples of epoch ${epoch} are ${w}x${h}, this one ${png.w}x${png.h}`,
        {
          file: path,
        },
      );
    data.set(png.data, i * h * w);
  });
  return { seeds, images: { data, n: seeds.length, h, w } };
}
