// Fixture run folders for the dashboard's tests and benchmark: a complete run folder in the real file
// formats (run.json, seeds, checkpoints, per-seed samples and grids, metrics.jsonl, evaluation.json),
// with small synthetic images and evaluation values chosen to exercise every part of the page. The values
// are a test input, not a measurement: nothing here is ever shown as a result of a real run.
//
// Images: seed s draws a ring (centre, radius from Rng(s)); at training progress p in [0, 1] the sample is
// p * ring + (1 - p) * noise, so the filmstrip visibly sharpens from left to right.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { appendMetrics, writeEvaluation, writeRunInfo } from "../../run/io.ts";
import { epochDirName, runPaths } from "../../run/layout.ts";
import type { CheckpointEvaluation, Evaluation, Flag, MetricRecord, RunInfo } from "../../run/schema.ts";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomic.ts";
import { writeNpy } from "../../util/npy.ts";
import { Rng } from "../../util/rng.ts";

export interface FixtureOptions {
  /** Checkpoint (and sample) epochs, ascending. */
  epochs: readonly number[];
  /** Number of fixed seeds (0 .. seeds-1). */
  seeds: number;
  /** Image side in pixels (square, grayscale). */
  size?: number;
  /** Write review/evaluation.json (otherwise the run is "not evaluated yet"). */
  evaluated?: boolean;
  status?: RunInfo["status"];
  model?: RunInfo["model"];
  /** Training steps per epoch, each logging loss/total and loss/kl. */
  stepsPerEpoch?: number;
  /** Epoch at which training progress reaches 1 (defaults to the last epoch). */
  finalEpoch?: number;
}

const LATENT_DIM = 8;
// The torchvision make_grid convention used across the project: 8 per row, 2 px padding.
const GRID_PER_ROW = 8;
const GRID_PADDING = 2;

/** Build a run folder at `dir` (created) and return its paths. */
export function buildFixtureRun(dir: string, options: FixtureOptions) {
  const paths = runPaths(dir);
  const size = options.size ?? 28;
  const finalEpoch = options.finalEpoch ?? options.epochs[options.epochs.length - 1] ?? 1;
  mkdirSync(dir, { recursive: true });

  // what was run
  writeRunInfo(dir, {
    format: "genreview-run/1",
    tool: { name: "genreview", version: "0.1.0" },
    createdAt: "2025-01-01T00:00:00.000Z",
    model: options.model ?? "vae",
    config: { latentDim: LATENT_DIM, epochs: finalEpoch },
    dataset: {
      spec: "builtin:rings",
      id: "rings-fixture",
      hash: "f1x7ure",
      classes: null,
      height: size,
      width: size,
    },
    seed: 1,
    checkpointEpochs: [...options.epochs],
    status: options.status ?? "complete",
  });

  // the fixed sample set: stored latents
  const latents = new Rng(7).fillNormal(new Float32Array(options.seeds * LATENT_DIM));
  writeNpy(paths.seedsNpy, latents, [options.seeds, LATENT_DIM]);
  writeJsonAtomic(paths.seedsJson, {
    id: "seedset-fixture",
    count: options.seeds,
    kind: "latent",
    shape: [options.seeds, LATENT_DIM],
    dtype: "float32",
    file: "seeds.npy",
    seed: 7,
  });

  let previous = 0;
  for (const epoch of options.epochs) {
    addFixtureCheckpoint(dir, epoch, { ...options, size, finalEpoch, previousEpoch: previous });
    previous = epoch;
  }
  if (options.evaluated ?? true) {
    writeEvaluation(dir, fixtureEvaluation(options.epochs, options.seeds, finalEpoch));
    writeFixtureTrainImages(dir, options.epochs, options.seeds, size);
  }
  return paths;
}

/** Write one checkpoint's samples, meta.json and the epoch's metrics, as training does after an epoch. */
export function addFixtureCheckpoint(
  dir: string,
  epoch: number,
  options: {
    seeds: number;
    size?: number;
    finalEpoch: number;
    stepsPerEpoch?: number;
    model?: RunInfo["model"];
    /** The checkpoint before this one: losses are logged for every epoch since (default: epoch - 1). */
    previousEpoch?: number;
  },
): void {
  const paths = runPaths(dir);
  const size = options.size ?? 28;
  const progress = Math.min(1, epoch / Math.max(1, options.finalEpoch));

  // per-seed samples, then the grid (listSampleEpochs treats grid.png as "samples complete")
  const images: Uint8Array[] = [];
  for (let seed = 0; seed < options.seeds; seed++) {
    const image = fixtureImage(seed, epoch, size, progress);
    images.push(image);
    writeFileAtomic(paths.samples(epoch).seed(seed), encodeGray(image, size, size));
  }
  const grid = makeGrid(images, size);
  writeFileAtomic(paths.samples(epoch).grid, encodeGray(grid.pixels, grid.width, grid.height));

  // the epoch's loss records, then meta.json last (it marks the checkpoint complete)
  const steps = options.stepsPerEpoch ?? 10;
  const records: MetricRecord[] = [];
  const from = Math.max(0, Math.min(epoch - 1, options.previousEpoch ?? epoch - 1));
  for (let i = 0; i < (epoch - from) * steps; i++) {
    const step = from * steps + i + 1;
    const e = from + (i + 1) / steps;
    const wobble = 0.05 * Math.sin(step);
    const time = step * 0.1;
    records.push({ step, epoch: e, time, key: "loss/total", value: 0.2 + 1.5 * Math.exp(-e / 3) + wobble });
    records.push({ step, epoch: e, time, key: "loss/kl", value: 0.3 + 0.1 * Math.exp(-e / 5) });
  }
  appendMetrics(dir, records);
  const last = (key: string) => records.filter((r) => r.key === key).at(-1)?.value ?? undefined;
  const total = last("loss/total");
  const kl = last("loss/kl");
  writeJsonAtomic(paths.checkpoint(epoch).meta, {
    epoch,
    step: epoch * steps,
    model: options.model ?? "vae",
    seedSetId: "seedset-fixture",
    toolVersion: "0.1.0",
    createdAt: "2025-01-01T00:00:00.000Z",
    files: {},
    ...(total != null && kl != null ? { losses: { "loss/total": total, "loss/kl": kl } } : {}),
  });
}

/** A [size, size] grayscale sample of `seed` at training progress `progress`, bytes 0-255. */
export function fixtureImage(seed: number, epoch: number, size: number, progress: number): Uint8Array {
  const shape = new Rng(seed);
  const cx = size * (0.35 + 0.3 * shape.uniform());
  const cy = size * (0.35 + 0.3 * shape.uniform());
  const radius = size * (0.15 + 0.15 * shape.uniform());
  const noise = new Rng(seed * 100_003 + epoch);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ring = Math.max(0, 1 - Math.abs(Math.hypot(x - cx, y - cy) - radius) / 1.5);
      const v = progress * ring + (1 - progress) * noise.uniform();
      out[y * size + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return out;
}

function makeGrid(images: readonly Uint8Array[], size: number) {
  const perRow = Math.min(GRID_PER_ROW, images.length);
  const rows = Math.ceil(images.length / perRow);
  const width = perRow * (size + GRID_PADDING) + GRID_PADDING;
  const height = rows * (size + GRID_PADDING) + GRID_PADDING;
  const pixels = new Uint8Array(width * height);
  images.forEach((image, i) => {
    const ox = GRID_PADDING + (i % perRow) * (size + GRID_PADDING);
    const oy = GRID_PADDING + Math.floor(i / perRow) * (size + GRID_PADDING);
    for (let y = 0; y < size; y++)
      pixels.set(image.subarray(y * size, (y + 1) * size), (oy + y) * width + ox);
  });
  return { pixels, width, height };
}

/** An 8-bit grayscale PNG. */
export function encodeGray(pixels: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const v = pixels[i]!;
    png.data[4 * i] = v;
    png.data[4 * i + 1] = v;
    png.data[4 * i + 2] = v;
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/**
 * An evaluation.json for the fixture: quality rises and diversity falls with training (the usual
 * trade-off), the last checkpoint collapses, and each checkpoint keeps two failure samples.
 */
export function fixtureEvaluation(epochs: readonly number[], seeds: number, finalEpoch: number): Evaluation {
  const checkpoints: CheckpointEvaluation[] = epochs.map((epoch, i) => {
    const p = Math.min(1, epoch / Math.max(1, finalEpoch));
    const quality = round3(0.15 + 0.75 * p);
    const diversity = round3(0.85 - 0.45 * p * p);
    const flags: Flag[] = [];
    if (i === epochs.length - 1 && epochs.length > 1) {
      flags.push({
        kind: "mode_collapse",
        severity: "warning",
        evidence: `near-duplicate rate 0.12 against 0.01 for real data at n = ${seeds}`,
        values: { "dup/rate": 0.12, "real/dup_rate": 0.01 },
      });
    }
    if (epoch === 0) {
      flags.push({
        kind: "noise",
        severity: "fail",
        evidence: "high-frequency share 0.61 above the real 95th percentile 0.22",
        values: { "noise/hf_share": 0.61, "real/p95": 0.22 },
      });
    }
    const worst = i % Math.max(1, seeds);
    const nearest = (i + 1) % Math.max(1, seeds);
    const dir = `review/failures/${epochDirName(epoch)}`;
    return {
      epoch,
      step: epoch * 10,
      n: seeds,
      metrics: {
        fd: round3(40 * (1 - p) + 3),
        precision: quality,
        recall: diversity,
        vendi: round3(1 + 6 * diversity),
      },
      scores: {
        quality: {
          value: quality,
          low: round3(Math.max(0, quality - 0.04)),
          high: round3(Math.min(1, quality + 0.04)),
        },
        diversity: {
          value: diversity,
          low: round3(Math.max(0, diversity - 0.05)),
          high: round3(Math.min(1, diversity + 0.03)),
        },
      },
      flags,
      failures: [
        {
          kind: "least_realistic",
          image: `samples/${epochDirName(epoch)}/seed-${pad3(worst)}.png`,
          index: worst,
          seed: worst,
          value: round3(0.2 + 0.6 * p),
        },
        {
          kind: "nearest_train",
          image: `samples/${epochDirName(epoch)}/seed-${pad3(nearest)}.png`,
          index: nearest,
          seed: nearest,
          value: round3(2.5 - 1.5 * p),
          trainImage: `${dir}/nearest-train-${nearest}.png`,
          trainIndex: 100 + nearest,
        },
      ],
      notes: {
        quality: p < 0.3 ? "mostly noise" : p < 0.8 ? "rings form, edges soft" : "clean rings",
        diversity: diversity > 0.6 ? "varied positions and sizes" : "fewer distinct rings",
        failure: i === epochs.length - 1 && epochs.length > 1 ? "repeated rings" : "none seen",
      },
    };
  });
  return {
    format: "genreview-evaluation/1",
    createdAt: "2025-01-01T01:00:00.000Z",
    toolVersion: "0.1.0",
    dataset: { id: "rings-fixture", hash: "f1x7ure" },
    extractor: {
      id: "pixel-pca16",
      kind: "pixel",
      trainHash: "f1x7ure",
      preprocessing: "pca16",
      dimensions: 16,
    },
    n: seeds,
    seed: 3,
    baseline: { fd: 2.1, precision: 0.71, recall: 0.7 },
    checkpoints,
    runFlags: [],
    warnings: [],
  };
}

/** Write the nearest-training images the fixture evaluation refers to (a clean ring per sample). */
export function writeFixtureTrainImages(
  dir: string,
  epochs: readonly number[],
  seeds: number,
  size = 28,
): void {
  epochs.forEach((epoch, i) => {
    const nearest = (i + 1) % Math.max(1, seeds);
    const path = join(dir, "review", "failures", epochDirName(epoch), `nearest-train-${nearest}.png`);
    writeFileAtomic(path, encodeGray(fixtureImage(nearest, epoch, size, 1), size, size));
  });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function pad3(n: number): string {
  return String(n).padStart(3, "0");
}
