// `genreview evaluate RUN`: measure every checkpoint of a run on a fresh sample of the same N with a
// fixed seed, against the run's dataset, in one feature space; decide the flags (sample-level ones from
// src/scores, the course across checkpoints here, instability from metrics.jsonl); keep failure samples;
// draft the notes; write review/evaluation.json and review/failures/, then review/selection.json with the
// rule in force. Works the same on imported runs (samples from the imported files) and trained ones
// (fresh samples from each checkpoint's sampler).
//
// Steps, in order: read the run and its data; choose N; load the extractor and build the reference
// (real TRAIN subset and held-out TEST baseline at N); per checkpoint draw, score, keep failures and
// count near-duplicates among the fixed-seed samples; then the flags read across checkpoints and the
// notes; write.
import { loadDataset } from "../data/load.ts";
import type { Dataset } from "../data/types.ts";
import { type ExtractorKind, type FeatureExtractor, loadExtractor } from "../features/index.ts";
import { nearDuplicates } from "../metrics/index.ts";
import {
  listCheckpointEpochs,
  readCheckpointMeta,
  readEvaluation,
  readMetrics,
  readRunInfo,
  writeEvaluation,
} from "../run/io.ts";
import type { CheckpointEvaluation, Evaluation, RunInfo } from "../run/schema.ts";
import { baselineMetrics, buildReference, type Reference, scoreSamples } from "../scores/index.ts";
import { CheckpointError, GenreviewError, InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import { VERSION } from "../version.ts";
import { chooseFailures, writeFailures } from "./failures.ts";
import { instabilityFlags } from "./instability.ts";
import { draftNotes, FIXED_SEED_KEYS } from "./notes.ts";
import { reviewRun } from "./review.ts";
import type { SelectionFile } from "./selection.ts";
import { importedSource, readFixedSeedSamples, type SampleSource, samplerSource } from "./sources.ts";
import { diversityDeclineFlags, isTrendFlag } from "./trend.ts";

/**
 * The defaults of the API, the CLI and its help. N = 500: the scores' bootstrap intervals are a few
 * hundredths wide there and a classifier-feature checkpoint takes seconds; seed 0 as everywhere.
 */
export const EVALUATE_DEFAULTS = { n: 500, seed: 0 } as const;

export interface EvaluateProgress {
  /** "data", "extractor", "reference", then "epoch" once per checkpoint. */
  stage: "data" | "extractor" | "reference" | "epoch";
  done: number;
  total: number;
  epoch?: number;
}

export interface EvaluateOptions {
  /** Samples per checkpoint; imported runs use at most what every checkpoint holds (the default there). */
  n?: number;
  seed?: number;
  /** Feature space; default: the extractor's own default for the dataset (classifier when labelled). */
  features?: ExtractorKind;
  /** Only these epochs (others keep their earlier results when the evaluation is compatible). */
  epochs?: number[];
  /** Folder that relative dataset paths resolve against. */
  cwd?: string;
  /** Extractor cache root (default: the extractor's own default). */
  cacheRoot?: string;
  /** Bootstrap resamples of the scores (default: the scores module's). */
  bootstrap?: number;
  onProgress?: (progress: EvaluateProgress) => void;
}

export interface EvaluateResult {
  evaluation: Evaluation;
  /** review/selection.json as written with the rule in force, or null when that rule is invalid. */
  selection: SelectionFile | null;
  /** Said once, for the user: N chosen, checkpoints kept from an earlier evaluation, ... */
  messages: string[];
}

/** The checkpoints to evaluate: all complete ones, or those asked for (each must exist). */
function chooseEpochs(run: string, asked: number[] | undefined): number[] {
  const all = listCheckpointEpochs(run);
  if (all.length === 0)
    throw new CheckpointError(
      `${run}: the run has no complete checkpoint (no checkpoints/epoch-NNNN/meta.json)`,
      {
        file: run,
      },
    );
  if (asked === undefined) return all;
  const missing = asked.filter((e) => !all.includes(e));
  if (missing.length > 0)
    throw new InputError(
      `--epochs ${asked.join(",")}: ${missing.map((e) => `epoch ${e}`).join(", ")} ${missing.length === 1 ? "has" : "have"} ` +
        `no complete checkpoint in ${run} (checkpoints: ${all.join(", ")})`,
    );
  return [...new Set(asked)].sort((a, b) => a - b);
}

/** The run's dataset, checked against the hash run.json recorded. */
function runDataset(run: string, info: RunInfo, cwd: string | undefined): Dataset {
  const dataset = loadDataset(info.dataset.spec, cwd === undefined ? {} : { cwd });
  if (dataset.hash !== info.dataset.hash)
    throw new CheckpointError(
      `${run}: run.json records dataset ${info.dataset.id} with hash ${info.dataset.hash.slice(0, 12)}, but it now ` +
        `loads with hash ${dataset.hash.slice(0, 12)}: the data changed since the run was made`,
      { file: run },
    );
  return dataset;
}

/** The sample source of a run: imported files, or a trained checkpoint's sampler. */
function sourceFor(run: string, info: RunInfo): SampleSource {
  return info.model === "imported" ? importedSource(run) : samplerSource(run);
}

/**
 * N: the same for every checkpoint, at most what each imported checkpoint holds and what the dataset's
 * TRAIN and TEST splits hold (the scores compare N samples with N real images of each).
 */
function chooseN(
  asked: number | undefined,
  source: SampleSource,
  epochs: number[],
  dataset: Dataset,
  messages: string[],
): number {
  const limits: { n: number; why: string }[] = [
    { n: dataset.test.images.n, why: `the dataset's TEST split holds ${dataset.test.images.n} images` },
    { n: dataset.train.images.n, why: `the dataset's TRAIN split holds ${dataset.train.images.n} images` },
  ];
  for (const epoch of epochs) {
    const count = source.available(epoch);
    if (count !== null) limits.push({ n: count, why: `epoch ${epoch} has ${count} imported samples` });
  }
  const tightest = limits.reduce((a, b) => (b.n < a.n ? b : a));
  const wanted = asked ?? (source.kind === "imported" ? tightest.n : EVALUATE_DEFAULTS.n);
  if (wanted <= tightest.n) {
    if (asked === undefined && source.kind === "imported")
      messages.push(
        `N = ${wanted} samples per checkpoint: the smallest imported checkpoint's count (${tightest.why})`,
      );
    return wanted;
  }
  messages.push(`N = ${tightest.n} samples per checkpoint instead of ${wanted}: ${tightest.why}`);
  return tightest.n;
}

/** Near-duplicate pairs among a checkpoint's fixed-seed samples, and among as many held-out real images. */
async function fixedSeedDuplicates(
  fixed: ReturnType<typeof readFixedSeedSamples>,
  extractor: FeatureExtractor,
  realTest: Matrix,
  seed: number,
): Promise<Record<string, number>> {
  if (fixed === null || fixed.images.n < 2) return {};
  const features = (await extractor.embed(fixed.images)).features;
  const result = await nearDuplicates(realTest, features, { seed });
  return {
    [FIXED_SEED_KEYS.n]: fixed.images.n,
    [FIXED_SEED_KEYS.pairs]: result.fake.pairs,
    [FIXED_SEED_KEYS.realPairs]: result.real.pairs,
  };
}

/** Measure one checkpoint: scores, flags, failure samples, fixed-seed near-duplicates. */
async function evaluateCheckpoint(
  run: string,
  epoch: number,
  ctx: {
    source: SampleSource;
    reference: Reference;
    dataset: Dataset;
    n: number;
    seed: number;
    bootstrap?: number | undefined;
  },
): Promise<{ checkpoint: Omit<CheckpointEvaluation, "notes">; warnings: string[] }> {
  const { source, reference, dataset, n, seed } = ctx;

  // the sample and its measurements
  const drawn = await source.draw(epoch, n, seed);
  const scored = await scoreSamples(
    reference,
    drawn.images,
    ctx.bootstrap === undefined ? { seed } : { seed, bootstrap: ctx.bootstrap },
  );
  const calibration = await reference.calibration(n);
  const fixedSamples = readFixedSeedSamples(run, epoch);
  const fixed = await fixedSeedDuplicates(fixedSamples, reference.extractor, calibration.test.features, seed);

  // failure samples; imported sample j < (number of fixed seeds) is the fixed seed j
  const fixedCount = fixedSamples?.images.n ?? 0;
  const seedOf = (i: number) => {
    const j = drawn.sourceIndex?.[i];
    return j !== undefined && j < fixedCount ? j : undefined;
  };
  const choices = chooseFailures(
    {
      realism: scored.perSample.realism.map((r) => (Number.isFinite(r) ? r : null)),
      nearestTrainIndex: scored.perSample.nearestTrainIndex,
      nearestTrainDistance: scored.perSample.nearestTrainDistance,
      duplicateGroups: scored.perSample.duplicateGroups,
    },
    drawn.images,
  );
  const failures = writeFailures({
    run,
    epoch,
    choices,
    images: drawn.images,
    train: dataset.train.images,
    nearestTrainIndex: scored.perSample.nearestTrainIndex,
    seedOf,
  });

  // the step, when the checkpoint knows it
  const meta = readCheckpointMeta(run, epoch);
  const stepKnown = meta.sampling?.["stepKnown"] !== false;
  return {
    checkpoint: {
      epoch,
      ...(stepKnown ? { step: meta.step } : {}),
      n,
      metrics: { ...scored.metrics, ...fixed },
      scores: scored.scores,
      flags: scored.flags,
      failures,
    },
    warnings: scored.warnings,
  };
}

/** An earlier evaluation whose checkpoints can stand beside new ones: same data, features, N and seed. */
function compatible(
  previous: Evaluation | undefined,
  next: Omit<Evaluation, "checkpoints" | "runFlags" | "createdAt" | "warnings">,
): boolean {
  return (
    previous !== undefined &&
    previous.dataset.hash === next.dataset.hash &&
    previous.extractor.id === next.extractor.id &&
    previous.n === next.n &&
    previous.seed === next.seed
  );
}

/** Evaluate a run (see the top of this file); writes review/evaluation.json and review/selection.json. */
export async function evaluateRun(run: string, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const seed = options.seed ?? EVALUATE_DEFAULTS.seed;
  const progress = options.onProgress ?? (() => {});
  const messages: string[] = [];
  if (options.n !== undefined && !(Number.isInteger(options.n) && options.n >= 2))
    throw new InputError(`--n must be a whole number of samples >= 2, got ${options.n}`);

  // the run, its data, the checkpoints and N
  const info = readRunInfo(run);
  const epochs = chooseEpochs(run, options.epochs);
  const total = epochs.length + 3;
  const dataset = runDataset(run, info, options.cwd);
  progress({ stage: "data", done: 1, total });
  const source = sourceFor(run, info);
  const n = chooseN(options.n, source, epochs, dataset, messages);

  // the feature space and the real reference at N
  const extractor = await loadExtractor(dataset, {
    ...(options.features === undefined ? {} : { kind: options.features }),
    ...(options.cacheRoot === undefined ? {} : { cacheRoot: options.cacheRoot }),
    seed,
  });
  try {
    progress({ stage: "extractor", done: 2, total });
    const reference = await buildReference(dataset, extractor, {
      n,
      seed,
      ...(options.bootstrap === undefined ? {} : { bootstrap: options.bootstrap }),
    });
    const baseline = await baselineMetrics(reference, n);
    progress({ stage: "reference", done: 3, total });

    // each checkpoint
    const measured: Omit<CheckpointEvaluation, "notes">[] = [];
    const warnings = new Set<string>(reference.warnings);
    for (const [i, epoch] of epochs.entries()) {
      const result = await evaluateCheckpoint(run, epoch, {
        source,
        reference,
        dataset,
        n,
        seed,
        bootstrap: options.bootstrap,
      });
      measured.push(result.checkpoint);
      for (const w of result.warnings) if (!warnings.has(w)) warnings.add(`epoch ${epoch}: ${w}`);
      progress({ stage: "epoch", done: 4 + i, total, epoch });
    }
    await source.dispose();

    // checkpoints of a compatible earlier evaluation that were not re-measured stay
    const head = {
      format: "genreview-evaluation/1" as const,
      toolVersion: VERSION,
      dataset: { id: dataset.id, hash: dataset.hash },
      extractor: { ...extractor.info },
      n,
      seed,
      baseline,
    };
    const previous = readEvaluation(run);
    const kept: Omit<CheckpointEvaluation, "notes">[] = [];
    if (compatible(previous, head)) {
      for (const c of previous!.checkpoints)
        if (!epochs.includes(c.epoch) && listCheckpointEpochs(run).includes(c.epoch))
          kept.push({ ...c, flags: c.flags.filter((f) => !isTrendFlag(f)) });
      if (kept.length > 0)
        messages.push(
          `kept the earlier results of epochs ${kept.map((c) => c.epoch).join(", ")} (same data, features, N and seed)`,
        );
    } else if (previous !== undefined && options.epochs !== undefined) {
      messages.push(
        "the earlier evaluation used other data, features, N or seed; only the epochs evaluated now are in the new one",
      );
    }
    const all = [...kept, ...measured].sort((a, b) => a.epoch - b.epoch);

    // flags read across checkpoints, then the notes drafted from everything measured
    const decline = diversityDeclineFlags(all.map((c) => ({ epoch: c.epoch, ...c.scores })));
    const withTrends = all.map((c) => {
      const flag = decline.get(c.epoch);
      return flag === undefined ? c : { ...c, flags: [...c.flags, flag] };
    });
    const checkpoints: CheckpointEvaluation[] = withTrends.map((c, i) => ({
      ...c,
      notes: draftNotes(c, withTrends[i - 1]),
    }));
    const metricsLog = readMetrics(run);
    if (metricsLog.skippedLines.length > 0)
      warnings.add(
        `metrics.jsonl: skipped unreadable lines ${metricsLog.skippedLines.slice(0, 5).join(", ")}`,
      );
    const runFlags = instabilityFlags(
      metricsLog.records,
      checkpoints.map((c) => ({ epoch: c.epoch, ...c.scores })),
      info.status,
    );

    const evaluation: Evaluation = {
      ...head,
      createdAt: new Date().toISOString(),
      checkpoints,
      runFlags,
      warnings: [...messages, ...warnings],
    };
    writeEvaluation(run, evaluation);

    // the decision with the rule in force; an invalid rule in notes.json is the review's error to show
    let selection: SelectionFile | null = null;
    try {
      selection = reviewRun(run);
    } catch (error) {
      if (!(error instanceof GenreviewError)) throw error;
      messages.push(`review/selection.json not written: ${error.message}`);
    }
    return { evaluation, selection, messages };
  } finally {
    await extractor.dispose();
  }
}
