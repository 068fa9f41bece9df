// The run folder: one folder of plain files per training run (or imported run), readable offline and
// by other tools. This module owns the paths; src/run/schema.ts owns the file formats.
//
//   RUN/run.json                          what was run: config, dataset identity, seed, status, tool version
//   RUN/metrics.jsonl                     one {"step","epoch","time","key","value"} object per line
//   RUN/seeds.json + RUN/seeds.npy        the fixed sample set: stored latents/noise, not just a seed; its
//                                         id (seeds.json) is recorded in every checkpoint's meta.json
//   RUN/checkpoints/epoch-0010/           weights.safetensors (+ optimiser state), sampler.onnx, meta.json
//   RUN/samples/epoch-0010/grid.png       the fixed-seed grid; seed-000.png ... one image per seed
//   RUN/review/evaluation.json            measured metrics, scores, flags, failure samples per checkpoint
//   RUN/review/notes.json                 the user's notes, failure marks and rule (always win)
//   RUN/review/selection.json             the rule, the evaluated table, the choice and the next action
//   RUN/review/failures/epoch-0010/       failure sample images kept as evidence
//   RUN/report/index.html, README.md      the offline evidence package
import { join } from "node:path";

/** Epoch folder name: "epoch-0010" (zero-padded to 4 digits, more digits when needed). */
export function epochDirName(epoch: number): string {
  if (!Number.isInteger(epoch) || epoch < 0)
    throw new RangeError(`epoch must be an integer >= 0, got ${epoch}`);
  return `epoch-${String(epoch).padStart(4, "0")}`;
}

/** Parse "epoch-0010" back to 10; undefined for other names. */
export function parseEpochDirName(name: string): number | undefined {
  const match = /^epoch-(\d+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Per-seed sample file name: "seed-007.png" (zero-padded to 3 digits, more when needed). */
export function seedFileName(seed: number): string {
  return `seed-${String(seed).padStart(3, "0")}.png`;
}

export function runPaths(run: string) {
  return {
    root: run,
    runJson: join(run, "run.json"),
    metrics: join(run, "metrics.jsonl"),
    seedsJson: join(run, "seeds.json"),
    seedsNpy: join(run, "seeds.npy"),
    checkpointsDir: join(run, "checkpoints"),
    samplesDir: join(run, "samples"),
    reviewDir: join(run, "review"),
    evaluation: join(run, "review", "evaluation.json"),
    notes: join(run, "review", "notes.json"),
    selection: join(run, "review", "selection.json"),
    failuresDir: join(run, "review", "failures"),
    reportDir: join(run, "report"),
    reportHtml: join(run, "report", "index.html"),
    reportMarkdown: join(run, "report", "README.md"),
    checkpoint: (epoch: number) => {
      const dir = join(run, "checkpoints", epochDirName(epoch));
      return {
        dir,
        meta: join(dir, "meta.json"),
        weights: join(dir, "weights.safetensors"),
        sampler: join(dir, "sampler.onnx"),
      };
    },
    samples: (epoch: number) => {
      const dir = join(run, "samples", epochDirName(epoch));
      return { dir, grid: join(dir, "grid.png"), seed: (seed: number) => join(dir, seedFileName(seed)) };
    },
    failures: (epoch: number) => join(run, "review", "failures", epochDirName(epoch)),
  };
}

export type RunPaths = ReturnType<typeof runPaths>;
