// The end-to-end demo: train the three model families on the built-in shapes, evaluate each with the same
// N and seed, review, report, and compare them, all into a fresh folder demo-runs/<timestamp>/ that is
// never reused. Each phase is timed; the timings (with the machine's load, since other work on the
// machine changes them) go to DIR/demo.json so that the budget can be checked after the fact.
//
// Presets: "demo" is the product's demo (the training defaults' DEMO_PRESET epochs on shapes at 28x28,
// N = 500); "tiny" exists for the orchestration test only: 16x16 images, one epoch, N = 32 in pixel
// space, which exercises every phase in seconds and says nothing about the models.
import { mkdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { writeComparison } from "../compare/write.ts";
import { evaluateRun } from "../evaluate/evaluate.ts";
import { formatRunText } from "../evaluate/review.ts";
import type { SelectionFile } from "../evaluate/selection.ts";
import type { ExtractorKind } from "../features/index.ts";
import { MODEL_KINDS, type ModelKind } from "../models/index.ts";
import { writeReport } from "../report/report.ts";
import { type TrainOptions, trainRun } from "../train/index.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import { ConfigError } from "../util/errors.ts";
import { VERSION } from "../version.ts";

export const DEMO_PRESETS = ["demo", "tiny"] as const;
export type DemoPreset = (typeof DEMO_PRESETS)[number];

interface PresetSettings {
  /** Dataset spec trained and evaluated on. */
  data: string;
  /** Options given to every trainRun beyond model, data, seed and out. */
  train: Partial<TrainOptions>;
  /** Samples per checkpoint in the evaluation (the same for every model). */
  n: number;
  /** Feature space; undefined = the evaluation's default (a classifier for the labelled shapes). */
  features: ExtractorKind | undefined;
  /** Bootstrap resamples of the scores; undefined = the scores module's default. */
  bootstrap: number | undefined;
}

export const PRESET_SETTINGS: Record<DemoPreset, PresetSettings> = {
  // The training defaults' demo preset, evaluated at the evaluation's default N (500): intervals a few
  // hundredths wide, each checkpoint measured in seconds.
  demo: { data: "shapes", train: { preset: "demo" }, n: 500, features: undefined, bootstrap: undefined },
  // Smallest settings that still run every phase: 16x16 shapes (the models' two stride-2 levels need a
  // side divisible by 4), 64 training images per epoch in batches of 16, 8 fixed seeds, N = 32 in pixel
  // space (no extractor to train), 20 bootstrap resamples.
  tiny: {
    data: "shapes:size=16,train=128,test=64",
    train: { epochs: 1, checkpoints: [1], trainSize: 64, batchSize: 16, samples: 8 },
    n: 32,
    features: "pixel",
    bootstrap: 20,
  },
};

/** The seed of the demo: training and evaluation. */
export const DEMO_SEED = 0;

export interface DemoOptions {
  /** The folder that holds every demo's timestamped folder (default "demo-runs"). */
  root?: string | undefined;
  preset?: DemoPreset | undefined;
  models?: readonly ModelKind[] | undefined;
  /** Names the folder (default: now). */
  now?: Date | undefined;
  /** Extractor cache root (default: the evaluation's own default). */
  cacheRoot?: string | undefined;
  /** Called with one line when each phase starts and ends (the CLI prints them on stderr). */
  onPhase?: ((line: string) => void) | undefined;
  /** Called with each model's review table (and its run folder) as soon as it is known. */
  onReview?: ((model: ModelKind, text: string, run: string) => void) | undefined;
}

export interface PhaseTiming {
  phase: "train" | "evaluate" | "report" | "compare";
  model: ModelKind | null;
  /** Wall time. */
  seconds: number;
  /**
   * CPU time of the process (all threads, user + system). Less sensitive than wall time to other work on
   * the machine: on an idle machine with C cores, wall time is at least cpuSeconds / C.
   */
  cpuSeconds: number;
}

export interface DemoModelResult {
  model: ModelKind;
  run: string;
  selection: SelectionFile;
  /** The review table as `genreview review RUN` prints it. */
  review: string;
  report: { html: string; markdown: string };
}

export interface DemoResult {
  dir: string;
  preset: DemoPreset;
  models: DemoModelResult[];
  comparison: { text: string; html: string; markdown: string };
  timings: PhaseTiming[];
  totalSeconds: number;
  /** 1-minute load averages when the demo started and ended, with the core count. */
  load: { start: number; end: number; cores: number };
}

/** "2025-01-02T03-04-05Z": an ISO time that is a valid folder name everywhere (no colons, no dots). */
export function timestampName(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");
}

/**
 * Create the demo's folder: ROOT/<timestamp>. An existing folder is never reused: a ConfigError says so
 * (two demos started in the same second would otherwise write into one another).
 */
export function createDemoFolder(root: string, now: Date): string {
  mkdirSync(root, { recursive: true });
  const dir = join(root, timestampName(now));
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new ConfigError(
        `${dir} already exists; the demo never overwrites an earlier demo's results. Wait a second and run it again`,
        { file: dir },
      );
    throw error;
  }
  return dir;
}

/** Run the demo (see the top of this file). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = performance.now();
  const loadStart = loadavg()[0] ?? 0;
  const preset = options.preset ?? "demo";
  const settings = PRESET_SETTINGS[preset];
  const models = options.models ?? MODEL_KINDS;
  const dir = resolve(createDemoFolder(options.root ?? "demo-runs", options.now ?? new Date()));
  const say = options.onPhase ?? (() => {});
  const timings: PhaseTiming[] = [];

  // one timed phase: a start line, the work, an end line with the seconds
  const phase = async <T>(name: PhaseTiming["phase"], model: ModelKind | null, work: () => Promise<T>) => {
    const what = model === null ? name : `${name} ${model}`;
    say(`demo: ${what} ...`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await work();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    timings.push({ phase: name, model, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    say(`demo: ${what} done in ${seconds.toFixed(1)} s (cpu ${timings.at(-1)!.cpuSeconds.toFixed(1)} s)`);
    return result;
  };

  const results: DemoModelResult[] = [];
  for (const model of models) {
    const run = join(dir, model);
    await phase("train", model, () =>
      trainRun({ ...settings.train, out: run, model, data: settings.data, seed: DEMO_SEED }),
    );
    const evaluated = await phase("evaluate", model, () =>
      evaluateRun(run, {
        n: settings.n,
        seed: DEMO_SEED,
        ...(settings.features === undefined ? {} : { features: settings.features }),
        ...(settings.bootstrap === undefined ? {} : { bootstrap: settings.bootstrap }),
        ...(options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot }),
      }),
    );
    if (evaluated.selection === null)
      throw new ConfigError(`${run}: the review was not written: ${evaluated.messages.join("; ")}`);
    const review = formatRunText(evaluated.selection);
    options.onReview?.(model, review, run);
    const report = await phase("report", model, () => writeReport(run));
    results.push({
      model,
      run,
      selection: evaluated.selection,
      review,
      report: { html: report.html, markdown: report.markdown },
    });
  }

  const compared = await phase("compare", null, () =>
    writeComparison(
      results.map((r) => r.run),
      join(dir, "comparison"),
    ),
  );

  // the record of this demo: settings, timings and load, beside the runs
  const result: DemoResult = {
    dir,
    preset,
    models: results,
    comparison: { text: compared.text, html: compared.html, markdown: compared.markdown },
    timings,
    totalSeconds: (performance.now() - started) / 1000,
    load: { start: loadStart, end: loadavg()[0] ?? 0, cores: availableParallelism() },
  };
  writeJsonAtomic(join(dir, "demo.json"), {
    format: "genreview-demo/1",
    toolVersion: VERSION,
    preset,
    settings,
    seed: DEMO_SEED,
    runs: results.map((r) => ({ model: r.model, run: r.run, selectedEpoch: r.selection.selection.epoch })),
    timings: timings.map((t) => ({
      ...t,
      seconds: Number(t.seconds.toFixed(2)),
      cpuSeconds: Number(t.cpuSeconds.toFixed(2)),
    })),
    totalSeconds: Number(result.totalSeconds.toFixed(2)),
    load: result.load,
  });
  return result;
}

/** Wall (and CPU) seconds per phase summed over the models: "train 150.2 s (cpu 280.1 s), ...". */
export function timingSummary(timings: readonly PhaseTiming[]): string {
  const sums = new Map<string, { wall: number; cpu: number }>();
  for (const t of timings) {
    const sum = sums.get(t.phase) ?? { wall: 0, cpu: 0 };
    sums.set(t.phase, { wall: sum.wall + t.seconds, cpu: sum.cpu + t.cpuSeconds });
  }
  return [...sums]
    .map(([name, s]) => `${name} ${s.wall.toFixed(1)} s (cpu ${s.cpu.toFixed(1)} s)`)
    .join(", ");
}
