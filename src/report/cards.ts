// The two cards of a report. The project card says in four lines what was tried and how far to trust it:
// the idea, the data and where it came from, the evaluation signal, and the main risk (read from the
// flags and the selection, never written by hand). The dataset card is the dataset's own one-paragraph
// card (src/data), found from the spec recorded in run.json.
import { glyphsGenerator } from "../data/glyphs.ts";
import { loadDataset } from "../data/load.ts";
import { patternsGenerator } from "../data/patterns.ts";
import { shapesGenerator } from "../data/shapes.ts";
import { type BuiltinKind, isBuiltin, parseDatasetSpec } from "../data/spec.ts";
import type { Dataset } from "../data/types.ts";
import { formatScore } from "../review/rule.ts";
import { GenreviewError } from "../util/errors.ts";
import { type RunData, selectedCheckpoint } from "./collect.ts";
import { FLAG_WORDS, MODEL_WORDS, sortFlags } from "./words.ts";

export interface ProjectCard {
  idea: string;
  data: string;
  signal: string;
  risk: string;
}

export interface DatasetCard {
  text: string;
  /** "dataset": read from the data; "generator": a built-in's card from its spec (nothing generated). */
  source: "dataset" | "generator" | "unavailable";
}

const CARD_OF_BUILTIN: Record<BuiltinKind, (spec: Parameters<typeof shapesGenerator.card>[0]) => string> = {
  shapes: shapesGenerator.card,
  glyphs: glyphsGenerator.card,
  patterns: patternsGenerator.card,
};

/**
 * The dataset card of a run. A loaded `dataset` with the run's hash is used as it is; a built-in's card
 * comes from its spec (cheap: nothing is generated); file data is loaded to write its card, and data that
 * can no longer be read gets a card that says so and keeps the identity recorded in run.json.
 */
export function datasetCard(data: RunData, dataset?: Dataset): DatasetCard {
  const recorded = data.info.dataset;
  if (dataset !== undefined && dataset.hash === recorded.hash)
    return { text: dataset.card, source: "dataset" };
  try {
    const spec = parseDatasetSpec(recorded.spec);
    if (isBuiltin(spec)) return { text: CARD_OF_BUILTIN[spec.kind](spec), source: "generator" };
    const loaded = loadDataset(spec);
    const text =
      loaded.hash === recorded.hash
        ? loaded.card
        : `${loaded.card} Note: these files now hash to ${loaded.hash.slice(0, 12)}, not to the ` +
          `${recorded.hash.slice(0, 12)} recorded when the run was made: the data changed since.`;
    return { text, source: "dataset" };
  } catch (error) {
    if (!(error instanceof GenreviewError)) throw error;
    return {
      text:
        `The data named "${recorded.spec}" could not be read to write its card (${error.message}). ` +
        `Recorded in run.json: id ${recorded.id}, hash ${recorded.hash.slice(0, 12)}, ` +
        `${recorded.width}x${recorded.height} pixels, ` +
        `${recorded.classes === null ? "no class labels" : `classes ${recorded.classes.join(", ")}`}.`,
      source: "unavailable",
    };
  }
}

/** The project card (see the top of this file). */
export function projectCard(data: RunData): ProjectCard {
  const { info, evaluation } = data;
  const epochs = info.checkpointEpochs;
  const idea =
    info.description ??
    `Train ${MODEL_WORDS[info.model]} on ${info.dataset.id} (seed ${info.seed})` +
      (epochs.length > 0 ? `, checkpoints at epochs ${epochs.join(", ")}` : "") +
      ", and keep the checkpoint a declared rule selects on measured quality and diversity.";
  const classes = info.dataset.classes;
  const dataText =
    `${info.dataset.spec}: ${info.dataset.width}x${info.dataset.height} grayscale, ` +
    `${classes === null ? "unlabelled" : `${classes.length} classes`}, dataset hash ` +
    `${info.dataset.hash.slice(0, 12)}; the fixed seed set ${data.seedSet?.id ?? "(not recorded)"} of ` +
    `${data.seedSet?.count ?? data.seeds.length} samples is replayed at every checkpoint.`;
  const signal =
    evaluation === null
      ? "Not measured yet: run `genreview evaluate RUN` to score quality and diversity."
      : `Quality and diversity scores in [0, 1], each calibrated so that held-out real data scores about ` +
        `1, with seeded bootstrap intervals; ${evaluation.n} fresh samples per checkpoint (seed ` +
        `${evaluation.seed}) in the feature space of ${evaluation.extractor.id} ` +
        `(${evaluation.extractor.kind}, ${evaluation.extractor.dimensions}-D` +
        (evaluation.extractor.testAccuracy === undefined
          ? ""
          : `, test accuracy ${(evaluation.extractor.testAccuracy * 100).toFixed(1)}%`) +
        ").";
  return { idea, data: dataText, signal, risk: mainRisk(data) };
}

/**
 * The main risk: no measurements; no selectable checkpoint; else the most severe flag on the selected
 * checkpoint or the run; else the selected checkpoint's narrowest margin over the rule's thresholds.
 */
function mainRisk(data: RunData): string {
  const { decision } = data;
  if (data.evaluation === null || decision === null)
    return "Unmeasured: without an evaluation the samples can only be judged by eye.";
  const selected = selectedCheckpoint(data);
  if (selected === null || selected.evaluation === null)
    return `No checkpoint can be kept: ${decision.review.selection.reason}.`;

  const flags = sortFlags([...selected.flags, ...decision.runFlags]);
  const first = flags[0];
  if (first !== undefined) {
    const more = flags.length > 1 ? ` (${flags.length - 1} more flag${flags.length > 2 ? "s" : ""})` : "";
    return `${FLAG_WORDS[first.kind]} at the selected epoch ${selected.epoch}: ${first.evidence}${more}.`;
  }

  // no flag: the smallest distance between a score and the threshold it has to meet
  const { rule } = decision.review;
  const { quality, diversity } = selected.evaluation.scores;
  const margins = [
    { what: "quality", value: quality, threshold: rule.candidate.minQuality, name: "the candidate minimum" },
    { what: "diversity", value: diversity, threshold: rule.selection.diversityFloor, name: "the floor" },
  ].sort((a, b) => a.value.value - a.threshold - (b.value.value - b.threshold));
  const m = margins[0]!;
  const lowNote =
    m.value.low < m.threshold
      ? `; its interval reaches down to ${m.value.low.toFixed(2)}, below the threshold`
      : "; its whole interval clears it";
  return (
    `No flag raised at the selected epoch ${selected.epoch}; the narrowest margin is ${m.what} ` +
    `${formatScore(m.value.value)} against ${m.name} ${formatScore(m.threshold)}${lowNote}.`
  );
}
