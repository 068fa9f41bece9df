// Writing one checkpoint of a run, in the order that makes a crash harmless: the trainer's state
// (weights, optimiser state, generator state), the exported sampler, the fixed-seed samples (per-seed
// PNGs, then grid.png), and meta.json LAST. A folder without meta.json is an interrupted checkpoint:
// readers ignore it (src/run/io.ts listCheckpointEpochs) and the next write replaces it.
import { mkdirSync } from "node:fs";
import type { ImageBatch } from "../data/types.ts";
import { imageAt } from "../data/types.ts";
import { writeGrid } from "../image/grid.ts";
import { writePng } from "../image/png.ts";
import type { ModelSampler, ModelTrainer } from "../models/types.ts";
import { runPaths } from "../run/layout.ts";
import type { CheckpointMeta } from "../run/schema.ts";
import { CheckpointMetaSchema } from "../run/schema.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import type { Rng } from "../util/rng.ts";
import { VERSION } from "../version.ts";

/** Write samples/epoch-NNNN/: seed-000.png ... one per fixed seed, then grid.png (8 per row, 2 px padding). */
export function writeSamples(run: string, epoch: number, images: ImageBatch): void {
  const paths = runPaths(run).samples(epoch);
  mkdirSync(paths.dir, { recursive: true });
  for (let i = 0; i < images.n; i++) writePng(paths.seed(i), imageAt(images, i), images.w, images.h);
  writeGrid(paths.grid, images);
}

export interface CheckpointWrite {
  run: string;
  epoch: number;
  model: CheckpointMeta["model"];
  seedSetId: string;
  trainer: ModelTrainer;
  /** A sampler reading the trainer's live weights. */
  sampler: ModelSampler;
  /** The fixed sample set's inputs. */
  seeds: Float32Array;
  /** The training stream, saved with the weights so that a resumed run continues it. */
  rng: Rng;
  /** Mean losses of the epoch that ended here (none at epoch 0). */
  losses?: Record<string, number> | undefined;
}

/** Write a complete checkpoint (see the top of this file); returns its fixed-seed samples. */
export async function writeCheckpoint(c: CheckpointWrite): Promise<ImageBatch> {
  const paths = runPaths(c.run).checkpoint(c.epoch);
  mkdirSync(paths.dir, { recursive: true });
  const files = c.trainer.save(paths.dir, c.rng);
  c.sampler.exportOnnx(paths.sampler);
  const images = await c.sampler.sample(c.seeds);
  writeSamples(c.run, c.epoch, images);
  const meta: CheckpointMeta = {
    epoch: c.epoch,
    step: c.trainer.stepCount,
    model: c.model,
    seedSetId: c.seedSetId,
    toolVersion: VERSION,
    createdAt: new Date().toISOString(),
    files: { weights: files[0]!, sampler: "sampler.onnx" },
    ...(c.losses === undefined ? {} : { losses: c.losses }),
    sampling: c.sampler.sampling,
  };
  writeJsonAtomic(paths.meta, CheckpointMetaSchema.parse(meta));
  return images;
}
