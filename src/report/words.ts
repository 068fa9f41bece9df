// The words the evidence pages use for the run folder's values, in one place so that the HTML report, the
// Markdown portfolio and the comparison say the same thing the same way.
import { formatScore } from "../review/rule.ts";
import type { FailureSample, Flag, FlagKind, RunInfo, Score } from "../run/schema.ts";

/** A score with its bootstrap interval: "0.71 [0.68, 0.74]". */
export function scoreText(score: Score): string {
  return `${formatScore(score.value)} [${score.low.toFixed(2)}, ${score.high.toFixed(2)}]`;
}

/** A metric value: 4 significant digits, integers as they are, null as "n/a". */
export function metricText(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  if (Number.isInteger(value)) return String(value);
  return Number(value.toPrecision(4)).toString();
}

/** Seconds as "42 s", "3 min 05 s" or "1 h 02 min". */
export function durationText(seconds: number | null): string {
  if (seconds === null) return "n/a";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export const MODEL_WORDS: Record<RunInfo["model"], string> = {
  vae: "a convolutional variational autoencoder (VAE)",
  gan: "a DCGAN-style generative adversarial network (GAN)",
  diffusion: "a DDPM-style diffusion model (noise prediction with a small U-Net, DDIM sampling)",
  imported: "samples imported from a model trained by another tool",
};

export const FLAG_WORDS: Record<FlagKind, string> = {
  noise: "noise (broken structure)",
  blur: "blur",
  mode_collapse: "mode collapse (repeated outputs)",
  memorization: "memorisation (copies of training images)",
  instability: "instability",
};

export const FAILURE_WORDS: Record<FailureSample["kind"], string> = {
  least_realistic: "least realistic",
  near_duplicate: "near-duplicate",
  nearest_train: "closest to a training image",
  average: "average sample",
  user_marked: "marked by the reviewer",
};

/** What a failure sample's value measures, for its caption. */
export const FAILURE_VALUE_WORDS: Record<FailureSample["kind"], string> = {
  least_realistic: "realism",
  near_duplicate: "distance to its twin",
  nearest_train: "distance to the training image",
  average: "realism",
  user_marked: "value",
};

/** "fail: mode collapse (...): evidence" for lists of flags. */
export function flagSentence(flag: Flag): string {
  return `${flag.severity}: ${FLAG_WORDS[flag.kind]}: ${flag.evidence}`;
}

/** Flags ordered by severity (fail first), then kind. */
export function sortFlags(flags: readonly Flag[]): Flag[] {
  return [...flags].sort(
    (a, b) =>
      (a.severity === b.severity ? 0 : a.severity === "fail" ? -1 : 1) || a.kind.localeCompare(b.kind),
  );
}

/** The metrics shown in checkpoint tables when present, in this order: the standard sample-set metrics. */
export const KEY_METRICS = [
  "fd",
  "kid/mean",
  "precision",
  "recall",
  "density",
  "coverage",
  "vendi",
  "class/coverage",
] as const;

/**
 * A resolved configuration (run.json `config`) as "key value" pairs: nested objects flattened with dotted
 * keys ("modelConfig.latentDim"), lists of plain values joined with commas; deeper structures as JSON.
 */
export function configEntries(config: Readonly<Record<string, unknown>>, prefix = ""): [string, string][] {
  return Object.entries(config).flatMap(([key, value]): [string, string][] => {
    const name = `${prefix}${key}`;
    if (value === null || ["string", "number", "boolean"].includes(typeof value))
      return [[name, String(value)]];
    if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object"))
      return [[name, value.map(String).join(",")]];
    if (typeof value === "object" && !Array.isArray(value) && prefix === "")
      return configEntries(value as Record<string, unknown>, `${name}.`);
    return [[name, JSON.stringify(value)]];
  });
}
