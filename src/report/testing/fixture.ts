// Run folders built for the report and compare tests: every file of the run-folder contract in its real
// format (run.json, seeds, checkpoints' meta.json, per-seed samples and grids, metrics.jsonl, and when
// asked review/evaluation.json with failure images), small enough to write in milliseconds. The scores
// are test inputs chosen to exercise the pages (a rise in quality, a fall in diversity, a collapsed last
// checkpoint), never shown as a measurement of anything.
//
// Samples: seed s is a bright square at a position drawn from Rng(s); at training progress p in [0, 1] a
// sample is p * square + (1 - p) * noise, so a filmstrip row visibly sharpens from left to right.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeGrid } from "../../image/grid.ts";
import { writePng } from "../../image/png.ts";
import { appendMetrics, writeEvaluation, writeNotes, writeRunInfo } from "../../run/io.ts";
import { epochDirName, runPaths } from "../../run/layout.ts";
import type {
  CheckpointEvaluation,
  Evaluation,
  FailureSample,
  MetricRecord,
  ReviewNotes,
  RunInfo,
} from "../../run/schema.ts";
import { writeJsonAtomic } from "../../util/atomic.ts";
import { writeNpy } from "../../util/npy.ts";
import { Rng } from "../../util/rng.ts";

export interface FixtureRunOptions {
  model?: RunInfo["model"];
  /** Checkpoint epochs, ascending (default 0, 2, 4, 6). */
  epochs?: readonly number[];
  /** Fixed seeds 0 .. seeds-1 (default 6). */
  seeds?: number;
  /** Image side (default 12). */
  size?: number;
  /** Write review/evaluation.json (default true). */
  evaluated?: boolean;
  /** Quality and diversity per epoch index; defaults: quality rises, diversity falls below the floor. */
  scores?: readonly { quality: number; diversity: number }[];
  /** review/notes.json to write. */
  notes?: ReviewNotes;
  /** The dataset spec recorded in run.json (default a small built-in shapes spec). */
  datasetSpec?: string;
}

const LATENT_DIM = 4;
/** Optimiser steps per epoch in the fixture's metrics.jsonl. */
const STEPS_PER_EPOCH = 5;
/** The creation time of every fixture evaluation (tests compare selection.json against it). */
export const FIXTURE_EVALUATED_AT = "2025-01-02T00:00:00.000Z";

/** Build a run folder at `dir`; returns the epochs written. */
export function buildRun(dir: string, options: FixtureRunOptions = {}): { epochs: number[]; seeds: number } {
  const epochs = [...(options.epochs ?? [0, 2, 4, 6])];
  const seeds = options.seeds ?? 6;
  const size = options.size ?? 12;
  const model = options.model ?? "vae";
  const last = epochs[epochs.length - 1] ?? 1;
  const paths = runPaths(dir);
  mkdirSync(dir, { recursive: true });

  writeRunInfo(dir, {
    format: "genreview-run/1",
    tool: { name: "genreview", version: "0.1.0" },
    createdAt: "2025-01-01T00:00:00.000Z",
    model,
    config: { latentDim: LATENT_DIM, epochs: last, batchSize: 8, lr: 0.001 },
    dataset: {
      spec: options.datasetSpec ?? `shapes:size=${size},train=64,test=32,seed=0`,
      id: `shapes:size=${size},train=64,test=32,seed=0`,
      hash: "0123456789abcdef0123456789abcdef",
      classes: ["circle", "square"],
      height: size,
      width: size,
    },
    seed: 3,
    checkpointEpochs: epochs,
    status: "complete",
  });
  const latents = new Rng(11).fillNormal(new Float32Array(seeds * LATENT_DIM));
  writeNpy(paths.seedsNpy, latents, [seeds, LATENT_DIM]);
  writeJsonAtomic(paths.seedsJson, {
    id: "seeds-fixture",
    count: seeds,
    kind: "latent",
    shape: [seeds, LATENT_DIM],
    dtype: "float32",
    file: "seeds.npy",
    seed: 11,
  });

  // per checkpoint: samples, losses, meta.json last (it marks the checkpoint complete)
  for (const epoch of epochs) {
    const progress = epoch / Math.max(1, last);
    const batch = new Float32Array(seeds * size * size);
    for (let s = 0; s < seeds; s++) {
      const image = sample(s, epoch, size, progress);
      batch.set(image, s * size * size);
      writePng(paths.samples(epoch).seed(s), image, size, size);
    }
    writeGrid(paths.samples(epoch).grid, { data: batch, n: seeds, h: size, w: size });
    // one record per step of each loss since the previous checkpoint
    const records: MetricRecord[] = [];
    const previous = epochs[epochs.indexOf(epoch) - 1] ?? epoch;
    for (let step = previous * STEPS_PER_EPOCH + 1; step <= epoch * STEPS_PER_EPOCH; step++) {
      const t = step / STEPS_PER_EPOCH;
      records.push({
        step,
        epoch: t,
        time: step * 0.5,
        key: "loss/total",
        value: 0.3 + 2 * Math.exp(-t / 2),
      });
      records.push({ step, epoch: t, time: step * 0.5, key: "loss/kl", value: 0.1 + 0.2 * Math.exp(-t) });
    }
    appendMetrics(dir, records);
    writeJsonAtomic(paths.checkpoint(epoch).meta, {
      epoch,
      step: epoch * STEPS_PER_EPOCH,
      model,
      seedSetId: "seeds-fixture",
      toolVersion: "0.1.0",
      createdAt: "2025-01-01T00:00:00.000Z",
      files: {},
      ...(epoch === 0 ? {} : { losses: { "loss/total": 0.3 + 2 * Math.exp(-epoch / 2) } }),
    });
  }

  if (options.evaluated ?? true) writeEvaluation(dir, evaluation(dir, epochs, seeds, size, options.scores));
  if (options.notes !== undefined) writeNotes(dir, options.notes);
  return { epochs, seeds };
}

/** One [size, size] sample in [0, 1] (see the top of this file). */
function sample(seed: number, epoch: number, size: number, progress: number): Float32Array {
  const place = new Rng(seed + 1);
  const x0 = Math.floor(place.uniform() * (size / 2));
  const y0 = Math.floor(place.uniform() * (size / 2));
  const side = Math.max(2, Math.floor(size / 3));
  const noise = new Rng(1000 * seed + epoch);
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side ? 1 : 0;
      out[y * size + x] = progress * inside + (1 - progress) * noise.uniform();
    }
  return out;
}

/** An evaluation.json: scores per epoch, a collapse flag at the end, four kinds of kept samples. */
function evaluation(
  dir: string,
  epochs: readonly number[],
  seeds: number,
  size: number,
  scores: FixtureRunOptions["scores"],
): Evaluation {
  const paths = runPaths(dir);
  const checkpoints = epochs.map((epoch, i): CheckpointEvaluation => {
    const p = epochs.length === 1 ? 1 : i / (epochs.length - 1);
    const q = scores?.[i]?.quality ?? Number((0.1 + 0.75 * p).toFixed(2));
    const d = scores?.[i]?.diversity ?? Number((0.95 - 0.5 * p * p).toFixed(2));
    const score = (v: number) => ({ value: v, low: Math.max(0, v - 0.04), high: Math.min(1, v + 0.04) });

    // kept samples: images copied from the fixed-seed samples into review/failures/
    const folder = paths.failures(epoch);
    const rel = (name: string) => `review/failures/${epochDirName(epoch)}/${name}`;
    const keep = (name: string, seed: number) => {
      writePng(join(folder, name), sample(seed, epoch, size, p), size, size);
      return rel(name);
    };
    const trainRel = `review/failures/${epochDirName(epoch)}/train-0.png`;
    writePng(join(dir, ...trainRel.split("/")), sample(0, 999, size, 1), size, size);
    const failures: FailureSample[] = [
      {
        kind: "least_realistic",
        image: keep("least-realistic-0.png", 1 % seeds),
        index: 1,
        seed: 1 % seeds,
        value: 0.12,
      },
      {
        kind: "nearest_train",
        image: keep("nearest-train-0.png", 0),
        index: 0,
        seed: 0,
        value: 0.8,
        trainImage: trainRel,
        trainIndex: 17,
      },
      {
        kind: "near_duplicate",
        image: keep("near-duplicate-0.png", 2 % seeds),
        index: 2,
        group: 0,
        value: 0.05,
      },
      { kind: "average", image: keep("average-0.png", 3 % seeds), index: 3, seed: 3 % seeds, value: 1.01 },
    ];
    const collapsed = d < 0.55;
    return {
      epoch,
      step: epoch * STEPS_PER_EPOCH,
      n: 16,
      metrics: {
        fd: Number((40 * (1 - p) + 3).toFixed(3)),
        precision: q,
        recall: d,
        coverage: d * 0.9,
        vendi: 1 + 9 * d,
      },
      scores: { quality: score(q), diversity: score(d) },
      flags: collapsed
        ? [
            {
              kind: "mode_collapse",
              severity: "fail",
              evidence: `diversity ${d} under 0.55 while quality ${q} holds; 5 of 16 samples in one near-duplicate group`,
              values: { diversity: d, "duplicates/rate": 0.31 },
            },
          ]
        : [],
      failures,
      notes: {
        quality: `quality ${q} at epoch ${epoch}`,
        diversity: `diversity ${d} at epoch ${epoch}`,
        failure: collapsed ? "repeated outputs" : "",
      },
    };
  });
  return {
    format: "genreview-evaluation/1",
    createdAt: FIXTURE_EVALUATED_AT,
    toolVersion: "0.1.0",
    dataset: { id: "shapes-fixture", hash: "0123456789abcdef0123456789abcdef" },
    extractor: {
      id: "pixel-fixture",
      kind: "pixel",
      trainHash: "0123456789abcdef0123456789abcdef",
      preprocessing: "grayscale, pixels in [0, 1]",
      dimensions: size * size,
    },
    n: 16,
    seed: 0,
    baseline: { fd: 2.5, precision: 0.8, recall: 0.8, coverage: 0.9, vendi: 9.5 },
    checkpoints,
    runFlags: [],
    warnings: [`fixture: N = 16 is smaller than the feature dimension ${size * size}`],
  };
}
