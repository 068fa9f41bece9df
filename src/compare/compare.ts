// Comparing runs side by side (VAE against GAN against diffusion, or any runs): each run's own decision
// under its own rule (the selected checkpoint with its scores and flags), its fixed-seed grid at that
// checkpoint and what training cost, plus whether the scores can be compared at all: scores are
// comparable only when the runs were evaluated on the same data, in the same feature space, at the same N.
import { basename, dirname } from "node:path";
import { collectRun, type RunData, selectedCheckpoint } from "../report/collect.ts";
import { formatScore } from "../review/rule.ts";
import { epochDirName } from "../run/layout.ts";
import type { Flag, Score } from "../run/schema.ts";
import { InputError } from "../util/errors.ts";

export interface CompareRow {
  /** A short name unique within the comparison (the folder name, with its parent when names repeat). */
  label: string;
  data: RunData;
  evaluated: boolean;
  /** The run's selected epoch (null when not evaluated or nothing meets the floor). */
  selectedEpoch: number | null;
  /** Why that epoch, or why none, in the rule library's words. */
  reason: string;
  quality: Score | null;
  diversity: Score | null;
  /** Flags at the selected checkpoint, then the run-wide flags. */
  flags: Flag[];
  /** Flags raised at the run's other checkpoints: its history (e.g. a collapse after the selected epoch). */
  otherFlags: { epoch: number; flag: Flag }[];
  /** The grid shown for the run (relative to the run folder): the selected epoch's, else the last one. */
  grid: { epoch: number; path: string } | null;
}

export interface Comparison {
  rows: CompareRow[];
  /** Why some scores cannot be compared across runs (empty when they all can). */
  caveats: string[];
  /** One sentence per measure naming the run ahead on it, when the scores are comparable. */
  leaders: string[];
}

/** Read the runs and line them up. At least one run; the same folder twice is an error. */
export function compareRuns(runs: readonly string[]): Comparison {
  if (runs.length === 0) throw new InputError("compare needs at least one run folder");
  const data = runs.map((run) => collectRun(run));
  const seen = new Map<string, string>();
  for (const [i, d] of data.entries()) {
    const earlier = seen.get(d.dir);
    if (earlier !== undefined) throw new InputError(`${runs[i]}: the same run folder as ${earlier}`);
    seen.set(d.dir, runs[i]!);
  }
  const labels = uniqueLabels(data.map((d) => d.dir));
  const rows = data.map((d, i) => row(d, labels[i]!));
  const caveats = comparability(rows);
  return { rows, caveats, leaders: caveats.length === 0 ? leaders(rows) : [] };
}

function row(data: RunData, label: string): CompareRow {
  const selected = selectedCheckpoint(data);
  const scores = selected?.evaluation?.scores ?? null;
  const gridEpoch = selected?.hasSamples ? selected.epoch : data.sampleEpochs[data.sampleEpochs.length - 1];
  return {
    label,
    data,
    evaluated: data.evaluation !== null,
    selectedEpoch: selected?.epoch ?? null,
    reason: data.decision === null ? "not evaluated" : data.decision.review.selection.reason,
    quality: scores?.quality ?? null,
    diversity: scores?.diversity ?? null,
    flags: [...(selected?.flags ?? []), ...(data.decision?.runFlags ?? [])],
    otherFlags: data.checkpoints.flatMap((c) =>
      c === selected ? [] : c.flags.map((flag) => ({ epoch: c.epoch, flag })),
    ),
    grid:
      gridEpoch === undefined
        ? null
        : { epoch: gridEpoch, path: `samples/${epochDirName(gridEpoch)}/grid.png` },
  };
}

/**
 * The flags that stand for a run in one cell: those of its selected checkpoint and the run-wide ones; when
 * the run was evaluated but no checkpoint was selected, those raised at any checkpoint (they are usually
 * why nothing was selected, and "none" there would read as a clean run).
 */
export function rowFlags(r: CompareRow): Flag[] {
  if (r.evaluated && r.selectedEpoch === null) return [...r.flags, ...r.otherFlags.map((o) => o.flag)];
  return r.flags;
}

/** Folder names, prefixed with parent folders until they are unique. */
export function uniqueLabels(dirs: readonly string[]): string[] {
  const parts = dirs.map((d) => {
    const list: string[] = [];
    let current = d;
    while (basename(current) !== "" && list.length < 8) {
      list.unshift(basename(current));
      current = dirname(current);
    }
    return list;
  });
  for (let depth = 1; depth <= 8; depth++) {
    const labels = parts.map((p) => p.slice(-depth).join("/"));
    if (new Set(labels).size === labels.length) return labels;
  }
  return dirs.map((d) => d);
}

/** Why the runs' scores are not comparable: different data, feature space or N, or no evaluation. */
function comparability(rows: readonly CompareRow[]): string[] {
  const caveats: string[] = [];
  const unevaluated = rows.filter((r) => !r.evaluated).map((r) => r.label);
  if (unevaluated.length > 0) caveats.push(`not evaluated yet: ${unevaluated.join(", ")}`);
  const evaluated = rows.filter((r) => r.data.evaluation !== null);
  const differ = (what: string, key: (r: CompareRow) => string) => {
    const values = new Map<string, string[]>();
    for (const r of evaluated) values.set(key(r), [...(values.get(key(r)) ?? []), r.label]);
    if (values.size > 1)
      caveats.push(
        `different ${what}: ${[...values].map(([v, labels]) => `${labels.join(", ")} ${v}`).join("; ")}: ` +
          "their scores are not comparable",
      );
  };
  differ(
    "datasets",
    (r) => `on ${r.data.evaluation!.dataset.id} (${r.data.evaluation!.dataset.hash.slice(0, 12)})`,
  );
  differ("feature extractors", (r) => `in ${r.data.evaluation!.extractor.id}`);
  differ("sample counts", (r) => `at N = ${r.data.evaluation!.n}`);
  return caveats;
}

/** Which run's selected checkpoint is ahead on quality, and on diversity. */
function leaders(rows: readonly CompareRow[]): string[] {
  const scored = rows.filter((r) => r.quality !== null && r.diversity !== null);
  if (scored.length < 2) return [];
  return (["quality", "diversity"] as const).map((measure) => {
    const sorted = [...scored].sort((a, b) => b[measure]!.value - a[measure]!.value);
    const [first, second] = sorted as [CompareRow, CompareRow];
    const a = first[measure]!;
    const b = second[measure]!;
    // overlapping bootstrap intervals: the order may not survive another evaluation seed
    const overlap = a.low <= b.high;
    return (
      `highest ${measure} at the selected checkpoint: ${first.label} (${formatScore(a.value)}, then ` +
      `${second.label} ${formatScore(b.value)})${overlap ? "; their intervals overlap, so the order is not certain" : ""}`
    );
  });
}

/** A score for the text table: "0.71[0.68,0.74]" or "-". */
function scoreCell(score: Score | null): string {
  return score === null
    ? "-"
    : `${formatScore(score.value)}[${score.low.toFixed(2)},${score.high.toFixed(2)}]`;
}

/**
 * The comparison as fixed-format text, one line per run, like the review table:
 *   generation_compare
 *   run=vae model=vae selected_epoch=8 quality=0.71[0.68,0.74] diversity=0.62[0.58,0.66] flags=none train_s=52.3 steps=1200
 * then one "note: ..." line per caveat and per leader sentence.
 */
export function formatComparison(comparison: Comparison): string {
  const lines = ["generation_compare"];
  for (const r of comparison.rows) {
    const shown = rowFlags(r);
    const flags =
      shown.length === 0 ? "none" : [...new Set(shown.map((f) => `${f.kind}:${f.severity}`))].join(",");
    lines.push(
      `run=${r.label.replace(/\s/g, "_")} model=${r.data.info.model} selected_epoch=${r.evaluated ? (r.selectedEpoch ?? "none") : "unevaluated"} ` +
        `quality=${scoreCell(r.quality)} diversity=${scoreCell(r.diversity)} flags=${flags} ` +
        `train_s=${r.data.cost.seconds === null ? "-" : r.data.cost.seconds.toFixed(1)} steps=${r.data.cost.steps ?? "-"}`,
    );
  }
  for (const c of comparison.caveats) lines.push(`caveat: ${c}`);
  for (const l of comparison.leaders) lines.push(`note: ${l}`);
  return lines.join("\n");
}
