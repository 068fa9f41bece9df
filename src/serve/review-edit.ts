// Review edits made in the dashboard: per-checkpoint notes, failure marks and the selection rule, each
// validated and written to the run's review/notes.json atomically (src/run/io.ts writeNotes), the file
// that `genreview review` and `genreview report` read. Read-modify-write happens synchronously in one
// turn of the event loop, so two requests to this server cannot interleave and lose an edit.
import { existsSync } from "node:fs";
import { z } from "zod";
import { parseRule } from "../review/rule.ts";
import { listCheckpointEpochs, listSampleEpochs, readEvaluation, readNotes, writeNotes } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { ReviewNotes } from "../run/schema.ts";
import { GenreviewError } from "../util/errors.ts";
import { RequestError } from "./http.ts";

/** Longest note accepted: a paragraph. Longer text belongs in the run's description or a report. */
const MAX_NOTE_CHARS = 4000;

const noteField = z.union([z.string().max(MAX_NOTE_CHARS), z.null()]).optional();

/** PUT /api/runs/:id/notes/:epoch — a string sets a note, null removes it (the drafted note shows again). */
export const NotesEditSchema = z.strictObject({
  quality: noteField,
  diversity: noteField,
  failure: noteField,
});
export type NotesEdit = z.infer<typeof NotesEditSchema>;

/** POST /api/runs/:id/failure-marks — mark (or unmark) the sample of `seed` at `epoch` as a failure. */
export const FailureMarkSchema = z.strictObject({
  epoch: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
  marked: z.boolean(),
  note: z.string().max(MAX_NOTE_CHARS).optional(),
});
export type FailureMark = z.infer<typeof FailureMarkSchema>;

/** PUT /api/runs/:id/rule — any JSON object; the rule library validates it (and fills its defaults). */
export const RuleBodySchema = z.record(z.string(), z.unknown());

/** The notes to edit; refuses when notes.json is malformed rather than overwrite what the user wrote. */
function editableNotes(run: string): ReviewNotes {
  try {
    return readNotes(run);
  } catch (error) {
    if (!(error instanceof GenreviewError)) throw error;
    throw new RequestError(
      409,
      `${error.message}; fix or remove the file before editing here (nothing was saved)`,
    );
  }
}

/** Apply a notes edit to checkpoint `epoch` of `run`. */
export function saveCheckpointNotes(run: string, epoch: number, edit: NotesEdit): void {
  if (!knownEpochs(run).has(epoch)) {
    throw new RequestError(404, `epoch ${epoch} is not a checkpoint, sample or evaluated epoch of this run`);
  }
  const notes = editableNotes(run);
  const current = { ...(notes.checkpoints[String(epoch)] ?? {}) };
  for (const field of ["quality", "diversity", "failure"] as const) {
    const value = edit[field];
    if (value === null) delete current[field];
    else if (value !== undefined) current[field] = value;
  }
  const checkpoints = { ...notes.checkpoints };
  if (Object.keys(current).length === 0) delete checkpoints[String(epoch)];
  else checkpoints[String(epoch)] = current;
  writeNotes(run, { ...notes, checkpoints });
}

/** Mark or unmark a sample; one entry per (epoch, seed), the latest replacing any earlier one. */
export function saveFailureMark(run: string, mark: FailureMark): void {
  const sampleExists = existsSync(runPaths(run).samples(mark.epoch).seed(mark.seed));
  const keptByEvaluation = evaluatedFailureSeeds(run, mark.epoch).has(mark.seed);
  if (!sampleExists && !keptByEvaluation) {
    throw new RequestError(404, `no sample of seed ${mark.seed} at epoch ${mark.epoch} in this run`);
  }
  const notes = editableNotes(run);
  const others = notes.failureMarks.filter((m) => !(m.epoch === mark.epoch && m.seed === mark.seed));
  const entry = {
    epoch: mark.epoch,
    seed: mark.seed,
    marked: mark.marked,
    ...(mark.note ? { note: mark.note } : {}),
  };
  const failureMarks = [...others, entry].sort((a, b) => a.epoch - b.epoch || a.seed - b.seed);
  writeNotes(run, { ...notes, failureMarks });
}

/** Set the run's rule (validated and stored resolved, so the file states every threshold), or reset it. */
export function saveRule(run: string, rule: Record<string, unknown> | null): void {
  const notes = editableNotes(run);
  if (rule === null) {
    const { rule: _removed, ...rest } = notes;
    writeNotes(run, rest);
    return;
  }
  let resolved: unknown;
  try {
    resolved = parseRule(rule, "rule");
  } catch (error) {
    if (!(error instanceof GenreviewError)) throw error;
    throw new RequestError(400, error.message);
  }
  writeNotes(run, { ...notes, rule: resolved });
}

/** Epochs a note may be attached to: any epoch the run view shows as a row. */
function knownEpochs(run: string): Set<number> {
  const evaluated = safeEvaluation(run)?.checkpoints.map((c) => c.epoch) ?? [];
  return new Set([...listCheckpointEpochs(run), ...listSampleEpochs(run), ...evaluated]);
}

function evaluatedFailureSeeds(run: string, epoch: number): Set<number> {
  const checkpoint = safeEvaluation(run)?.checkpoints.find((c) => c.epoch === epoch);
  return new Set((checkpoint?.failures ?? []).flatMap((f) => (f.seed === undefined ? [] : [f.seed])));
}

/** The evaluation, or undefined when absent or malformed (the run view reports the latter). */
function safeEvaluation(run: string) {
  try {
    return readEvaluation(run);
  } catch (error) {
    if (!(error instanceof GenreviewError)) throw error;
    return undefined;
  }
}
