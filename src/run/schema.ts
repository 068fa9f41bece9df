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
