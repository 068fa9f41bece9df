// File formats of the run folder (see layout.ts), as zod schemas so that every reader validates what it
// reads and reports the file and field when something is wrong.
import { z } from "zod";

/** run.json: written when a run starts, updated (atomically) when its status changes. */
export const RunInfoSchema = z.object({
  format: z.literal("genreview-run/1"),
  tool: z.object({ name: z.literal("genreview"), version: z.string() }),
  createdAt: z.string(),
  /** "vae" | "gan" | "diffusion" for runs trained here; "imported" for samples made by another tool. */
  model: z.enum(["vae", "gan", "diffusion", "imported"]),
  /** Resolved configuration (every default filled in); model-specific fields live here. */
  config: z.record(z.string(), z.unknown()),
  dataset: z.object({
    spec: z.string(),
    id: z.string(),
    hash: z.string(),
    classes: z.array(z.string()).nullable(),
    height: z.number().int().positive(),
    width: z.number().int().positive(),
  }),
  seed: z.number().int(),
  /** Epochs at which checkpoints are written (0 = before training). */
  checkpointEpochs: z.array(z.number().int().nonnegative()),
  status: z.enum(["training", "complete", "diverged", "imported"]),
  /** Free-form description for the report's project card. */
  description: z.string().optional(),
});
export type RunInfo = z.infer<typeof RunInfoSchema>;

/** One line of metrics.jsonl. Keys are grouped with slashes: "loss/total", "time/samples_per_s". */
export const MetricRecordSchema = z.object({
  step: z.number().int().nonnegative(),
  epoch: z.number().nonnegative(),
  /** Seconds since the run started. */
  time: z.number().nonnegative(),
  key: z.string(),
  value: z.number().nullable(),
});
export type MetricRecord = z.infer<typeof MetricRecordSchema>;

/** seeds.json: describes seeds.npy, the stored inputs of the fixed sample set. */
export const SeedSetSchema = z.object({
  /** Short hash of the stored values: the same id means the same inputs. */
  id: z.string(),
  count: z.number().int().positive(),
  /** What each row is: "latent" (VAE/GAN, shape [count, latentDim]) or "noise" (diffusion, [count, 1, H, W]). */
  kind: z.enum(["latent", "noise"]),
  shape: z.array(z.number().int().positive()),
  dtype: z.literal("float32"),
  file: z.literal("seeds.npy"),
  seed: z.number().int(),
});
export type SeedSet = z.infer<typeof SeedSetSchema>;

/** checkpoints/epoch-NNNN/meta.json: a checkpoint describes itself. */
export const CheckpointMetaSchema = z.object({
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  model: z.enum(["vae", "gan", "diffusion", "imported"]),
  seedSetId: z.string(),
  toolVersion: z.string(),
  createdAt: z.string(),
  /** Files of this checkpoint, relative to its folder. */
  files: z.object({ weights: z.string().optional(), sampler: z.string().optional() }),
  /** Mean training losses over the epoch that ended here (key → value). */
  losses: z.record(z.string(), z.number()).optional(),
  /** Model-specific sampling information (e.g. the diffusion schedule for the exported denoiser). */
  sampling: z.record(z.string(), z.unknown()).optional(),
});
export type CheckpointMeta = z.infer<typeof CheckpointMetaSchema>;

/** review/notes.json: the user's own words and marks. They always win over drafted notes. */
export const ReviewNotesSchema = z.object({
  format: z.literal("genreview-notes/1"),
  /** A selection rule (the schema of src/review/rule.ts) overriding the default; validated when used. */
  rule: z.unknown().optional(),
  /** Per-checkpoint notes keyed by epoch ("30"). */
  checkpoints: z.record(
    z.string().regex(/^\d+$/),
    z.object({
      quality: z.string().optional(),
      diversity: z.string().optional(),
      failure: z.string().optional(),
    }),
  ),
  /** Samples marked (or unmarked with marked: false) as failures by the user. */
  failureMarks: z.array(
    z.object({
      epoch: z.number().int().nonnegative(),
      seed: z.number().int().nonnegative(),
      marked: z.boolean(),
      note: z.string().optional(),
    }),
  ),
  updatedAt: z.string().optional(),
});
export type ReviewNotes = z.infer<typeof ReviewNotesSchema>;

export function emptyNotes(): ReviewNotes {
  return { format: "genreview-notes/1", checkpoints: {}, failureMarks: [] };
}

/** The failure kinds that `genreview evaluate` detects. */
export const FlagKindSchema = z.enum(["noise", "blur", "mode_collapse", "memorization", "instability"]);
export type FlagKind = z.infer<typeof FlagKindSchema>;

/** A raised flag with the evidence that raised it. */
export const FlagSchema = z.object({
  kind: FlagKindSchema,
  /** "warning": worth a look; "fail": the checkpoint should not be shipped as is. */
  severity: z.enum(["warning", "fail"]),
  /** One sentence a reviewer can check: the measured values and what they were compared with. */
  evidence: z.string(),
  /** The numbers behind the evidence (e.g. { "blur/laplacian_var": 0.002, "real/p05": 0.011 }). */
  values: z.record(z.string(), z.number()),
});
export type Flag = z.infer<typeof FlagSchema>;

/** A kept sample: evidence that is neither only the best nor only the worst. */
export const FailureSampleSchema = z.object({
  kind: z.enum(["least_realistic", "near_duplicate", "nearest_train", "average", "user_marked"]),
  /** Image path relative to the run folder (e.g. "review/failures/epoch-0010/least-realistic-0.png"). */
  image: z.string(),
  /** Index of the sample in the evaluated set. */
  index: z.number().int().nonnegative(),
  /** The fixed seed it came from, when the evaluated sample is one of the fixed seed set. */
  seed: z.number().int().nonnegative().optional(),
  /** The measurement that selected it (realism score, distance to the twin or the training image). */
  value: z.number().optional(),
  /** For nearest_train: the training image it is closest to (relative path) and that image's index. */
  trainImage: z.string().optional(),
  trainIndex: z.number().int().nonnegative().optional(),
  /** For near_duplicate: samples of one group share a group number. */
  group: z.number().int().nonnegative().optional(),
});
export type FailureSample = z.infer<typeof FailureSampleSchema>;

/** A score in [0, 1] with its seeded bootstrap interval. */
export const ScoreSchema = z.object({ value: z.number(), low: z.number(), high: z.number() });
export type Score = z.infer<typeof ScoreSchema>;

export const CheckpointEvaluationSchema = z.object({
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative().optional(),
  /** Number of samples measured (the same N for every checkpoint of one evaluation). */
  n: z.number().int().positive(),
  /** Flat metric values keyed with slashes ("fd", "kid/mean", "precision", "vendi", "class/coverage"). */
  metrics: z.record(z.string(), z.number().nullable()),
  scores: z.object({ quality: ScoreSchema, diversity: ScoreSchema }),
  flags: z.array(FlagSchema),
  failures: z.array(FailureSampleSchema),
  /** Notes drafted from the measurements; the user's notes in notes.json win over these. */
  notes: z.object({ quality: z.string(), diversity: z.string(), failure: z.string() }),
});
export type CheckpointEvaluation = z.infer<typeof CheckpointEvaluationSchema>;

/** review/evaluation.json, written by `genreview evaluate RUN`. */
export const EvaluationSchema = z.object({
  format: z.literal("genreview-evaluation/1"),
  createdAt: z.string(),
  toolVersion: z.string(),
  dataset: z.object({ id: z.string(), hash: z.string() }),
  /** The feature space every metric was computed in; scores are comparable only within one extractor. */
  extractor: z.object({
    id: z.string(),
    kind: z.enum(["pixel", "classifier", "autoencoder"]),
    trainHash: z.string(),
    preprocessing: z.string(),
    dimensions: z.number().int().positive(),
    testAccuracy: z.number().optional(),
  }),
  n: z.number().int().positive(),
  seed: z.number().int(),
  /** The same metrics for real held-out TEST data against TRAIN at the same N: the calibration baseline. */
  baseline: z.record(z.string(), z.number().nullable()),
  checkpoints: z.array(CheckpointEvaluationSchema),
  /** Flags about the run as a whole (e.g. instability read from metrics.jsonl). */
  runFlags: z.array(FlagSchema),
  warnings: z.array(z.string()),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;
