// Applying a selection rule (rule.ts) to a table of checkpoint scores: each row's status and the failed
// criteria behind it, which rows may be selected, the selected epoch with the ranking key that decided
// it, and the quality/diversity trends across epochs. Pure: no files, no clock, no randomness; the zod
// schemas here describe the result so that the CLI's --json, selection.json and the dashboard agree.
//
// Legend: q = quality, d = diversity (both in [0, 1]); floor = rule.selection.diversityFloor;
// a row is "eligible" when d >= floor, and only eligible rows compete for selection.
import { z } from "zod";
import { InputError } from "../util/errors.ts";
import {
  formatScore,
  type RankField,
  type Rule,
  RuleSchema,
  ruleHash,
  SORT_KEYS,
  type SortKey,
} from "./rule.ts";

/** One reviewed checkpoint: scores measured (or judged) for the samples of one epoch. */
export interface CheckpointRow {
  epoch: number;
  quality: number;
  diversity: number;
  /** What a reviewer saw, e.g. "outlines appear". */
  note?: string | undefined;
  /** Visible problems, e.g. "repetition", "artifacts", "noise", "blur", "poor diversity". */
  failure?: string | undefined;
}

export const CriterionSchema = z.enum([
  "candidate.minQuality",
  "candidate.minDiversity",
  "selection.diversityFloor",
]);
export type Criterion = z.infer<typeof CriterionSchema>;

/** A criterion a row failed: `value` is `shortfall` under `threshold`. */
export const ReasonSchema = z.object({
  criterion: CriterionSchema,
  field: z.enum(["quality", "diversity"]),
  threshold: z.number(),
  value: z.number(),
  /** threshold - value (> 0), rounded to 1e-10 to drop binary float noise. */
  shortfall: z.number(),
});
export type Reason = z.infer<typeof ReasonSchema>;

/** Why an eligible row lost to the selected one: the first ranking key on which they differ. */
export const LossSchema = z.object({
  /** The selected epoch. */
  to: z.number().int(),
  key: z.enum(SORT_KEYS),
  value: z.number(),
  winnerValue: z.number(),
  /** |winnerValue - value|, rounded to 1e-10. */
  gap: z.number(),
  /** Ranking keys before `key` on which the two rows are equal (non-empty when a tie-break decided). */
  tiedOn: z.array(z.enum(SORT_KEYS)),
});
export type Loss = z.infer<typeof LossSchema>;

/**
 * Where a row sits against the candidate thresholds: "balanced" (both met), "noise" (low quality with
 * high diversity: outputs still random), "repetition" (high quality with low diversity: repeated outputs,
 * the sign of collapse), "weak" (both low).
 */
export const PatternSchema = z.enum(["balanced", "noise", "repetition", "weak"]);
export type Pattern = z.infer<typeof PatternSchema>;

export const RowResultSchema = z.object({
  epoch: z.number().int().nonnegative(),
  quality: z.number(),
  diversity: z.number(),
  note: z.string().nullable(),
  failure: z.string().nullable(),
  status: z.enum(["candidate", "review"]),
  /** d >= floor: the row may be selected (candidate status is not required). */
  eligible: z.boolean(),
  selected: z.boolean(),
  /** Every failed criterion: the candidate ones explain status "review", the floor one eligible = false. */
  reasons: z.array(ReasonSchema),
  /** For an eligible row that was not selected. */
  lostTo: LossSchema.nullable(),
  pattern: PatternSchema,
});
export type RowResult = z.infer<typeof RowResultSchema>;

export const SelectionSchema = z.object({
  /** The selected epoch, or null when no row meets the floor. */
  epoch: z.number().int().nullable(),
  /** One sentence: why this epoch, or why none. */
  reason: z.string(),
  /** Epochs at or above the floor, ascending. */
  eligible: z.array(z.number().int()),
  /** The ranking key that separated the selected row from the runner-up (null with fewer than 2 eligible). */
  decidedBy: z.enum(SORT_KEYS).nullable(),
  /** True when decidedBy is one of the rule's tie-breaks rather than the maximized field. */
  tieBreakUsed: z.boolean(),
  /** Eligible epochs equal to the selected one on the maximized field. */
  tiedWith: z.array(z.number().int()),
  runnerUp: z.number().int().nullable(),
});
export type Selection = z.infer<typeof SelectionSchema>;

/**
 * How quality and diversity moved together over a run of consecutive epochs: "trade-off" (q up, d down),
 * "improving" (neither falls), "worsening" (neither rises), "diversifying" (q down, d up), "flat".
 */
export const TrendSchema = z.object({
  kind: z.enum(["trade-off", "improving", "worsening", "diversifying", "flat"]),
  fromEpoch: z.number().int(),
  toEpoch: z.number().int(),
  quality: z.object({ from: z.number(), to: z.number() }),
  diversity: z.object({ from: z.number(), to: z.number() }),
  /** A trade-off that ends below the floor: quality bought with repeated outputs. */
  collapse: z.boolean(),
  /** The first epoch of this run where diversity fell from at/above the floor to below it. */
  floorCrossedAt: z.number().int().nullable(),
});
export type Trend = z.infer<typeof TrendSchema>;

export const EvaluationSchema = z.object({
  rule: RuleSchema,
  ruleHash: z.string(),
  /** Sorted by epoch. */
  rows: z.array(RowResultSchema),
  selection: SelectionSchema,
  trends: z.array(TrendSchema),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

/** Computed differences are rounded to this many decimals: scores carry no meaning beyond it. */
const DIFFERENCE_DECIMALS = 1e10;
const roundDifference = (x: number) => Math.round(x * DIFFERENCE_DECIMALS) / DIFFERENCE_DECIMALS;

/**
 * Apply `rule` to `rows` (any order; epochs unique, scores in [0, 1]). Thresholds compare the values as
 * given, with no arithmetic first, so 0.55 passes ">= 0.55" exactly.
 */
export function evaluateRule(rows: readonly CheckpointRow[], rule: Rule): Evaluation {
  checkRows(rows);
  const sorted = [...rows].sort((a, b) => a.epoch - b.epoch);
  const { minQuality, minDiversity } = rule.candidate;
  const floor = rule.selection.diversityFloor;

  // status and eligibility: every criterion on its own, failures kept as reasons
  const judged = sorted.map((row) => {
    const reasons: Reason[] = [];
    const check = (criterion: Criterion, field: "quality" | "diversity", threshold: number) => {
      const value = row[field];
      if (!(value >= threshold))
        reasons.push({ criterion, field, threshold, value, shortfall: roundDifference(threshold - value) });
    };
    check("candidate.minQuality", "quality", minQuality);
    check("candidate.minDiversity", "diversity", minDiversity);
    check("selection.diversityFloor", "diversity", floor);
    const highQ = row.quality >= minQuality;
    const highD = row.diversity >= minDiversity;
    return {
      row,
      reasons,
      status: highQ && highD ? ("candidate" as const) : ("review" as const),
      eligible: row.diversity >= floor,
      pattern: (highQ ? (highD ? "balanced" : "repetition") : highD ? "noise" : "weak") as Pattern,
    };
  });

  // selection: rank eligible rows by the maximized field, then the tie-breaks
  const keys: SortKey[] = [`${rule.selection.maximize}:desc`, ...rule.selection.tieBreak];
  const ranked = judged.filter((j) => j.eligible).sort((a, b) => compareRows(a.row, b.row, keys));
  const winner = ranked[0]?.row;
  const losses = new Map<number, Loss>();
  if (winner !== undefined)
    for (const { row } of ranked.slice(1)) losses.set(row.epoch, lossAgainst(row, winner, keys));
  const selection = describeSelection(
    ranked.map((j) => j.row),
    losses,
    keys,
    rule,
    sorted,
  );

  const resultRows: RowResult[] = judged.map((j) => ({
    epoch: j.row.epoch,
    quality: j.row.quality,
    diversity: j.row.diversity,
    note: j.row.note ?? null,
    failure: j.row.failure ?? null,
    status: j.status,
    eligible: j.eligible,
    selected: j.row.epoch === selection.epoch,
    reasons: j.reasons,
    lostTo: losses.get(j.row.epoch) ?? null,
    pattern: j.pattern,
  }));
  return { rule, ruleHash: ruleHash(rule), rows: resultRows, selection, trends: trends(sorted, floor) };
}

/** The precondition of evaluateRule; readers of tables report these with file and row first. */
function checkRows(rows: readonly CheckpointRow[]): void {
  const seen = new Set<number>();
  rows.forEach((row, i) => {
    const where = `checkpoint row ${i + 1} (epoch ${row.epoch})`;
    if (!Number.isSafeInteger(row.epoch) || row.epoch < 0)
      throw new InputError(`${where}: epoch must be an integer >= 0`);
    if (seen.has(row.epoch)) throw new InputError(`${where}: duplicate epoch ${row.epoch}`);
    seen.add(row.epoch);
    for (const field of ["quality", "diversity"] as const) {
      const value = row[field];
      if (!(Number.isFinite(value) && value >= 0 && value <= 1))
        throw new InputError(`${where}: ${field} must be a number in [0, 1], got ${value}`);
    }
  });
}

function fieldOf(key: SortKey): RankField {
  return key.slice(0, key.indexOf(":")) as RankField;
}

/** Negative when `a` ranks before `b` under `key` (e.g. higher quality for "quality:desc"). */
function compareOn(a: CheckpointRow, b: CheckpointRow, key: SortKey): number {
  const field = fieldOf(key);
  const sign = key.endsWith(":desc") ? -1 : 1;
  return a[field] < b[field] ? -sign : a[field] > b[field] ? sign : 0;
}

function compareRows(a: CheckpointRow, b: CheckpointRow, keys: readonly SortKey[]): number {
  for (const key of keys) {
    const order = compareOn(a, b, key);
    if (order !== 0) return order;
  }
  return 0;
}

function lossAgainst(row: CheckpointRow, winner: CheckpointRow, keys: readonly SortKey[]): Loss {
  // epochs are unique and every valid rule ranks on epoch, so some key differs
  const index = keys.findIndex((key) => compareOn(row, winner, key) !== 0);
  const key = keys[index]!;
  const field = fieldOf(key);
  return {
    to: winner.epoch,
    key,
    value: row[field],
    winnerValue: winner[field],
    gap: roundDifference(Math.abs(winner[field] - row[field])),
    tiedOn: keys.slice(0, index),
  };
}

function describeSelection(
  ranked: readonly CheckpointRow[],
  losses: ReadonlyMap<number, Loss>,
  keys: readonly SortKey[],
  rule: Rule,
  all: readonly CheckpointRow[],
): Selection {
  const floor = formatScore(rule.selection.diversityFloor);
  const eligible = ranked.map((r) => r.epoch).sort((a, b) => a - b);
  const [winner, runnerUp] = ranked;

  // no eligible row: say how far the best one is from the floor
  if (winner === undefined) {
    const best = all.reduce<CheckpointRow | undefined>(
      (b, r) => (b === undefined || r.diversity > b.diversity ? r : b),
      undefined,
    );
    const reason =
      best === undefined
        ? "the table has no checkpoints"
        : `no checkpoint has diversity >= ${floor} (the floor); the highest is ` +
          `${formatScore(best.diversity)} at epoch ${best.epoch}`;
    return {
      epoch: null,
      reason,
      eligible,
      decidedBy: null,
      tieBreakUsed: false,
      tiedWith: [],
      runnerUp: null,
    };
  }

  const maximize = rule.selection.maximize;
  const tiedWith = ranked
    .slice(1)
    .filter((r) => r[maximize] === winner[maximize])
    .map((r) => r.epoch)
    .sort((a, b) => a - b);
  const loss = runnerUp === undefined ? undefined : losses.get(runnerUp.epoch);
  const decidedBy = loss?.key ?? null;
  const tieBreakUsed = decidedBy !== null && decidedBy !== keys[0];

  // the sentence: sole survivor, plain winner, or tie broken by a named key
  let reason: string;
  if (runnerUp === undefined || loss === undefined) {
    reason = `epoch ${winner.epoch} is the only checkpoint with diversity >= ${floor} (the floor)`;
  } else if (!tieBreakUsed) {
    reason =
      `epoch ${winner.epoch} has the highest ${maximize} (${formatScore(winner[maximize])}) of the ` +
      `${ranked.length} checkpoints with diversity >= ${floor} (the floor)`;
  } else {
    reason =
      `epochs ${listWords([winner.epoch, ...tiedWith].sort((a, b) => a - b).map(String))} tie on ` +
      `${maximize} ${formatScore(winner[maximize])}; ${tieBreakSteps(winner, ranked, maximize, keys.slice(1))}`;
  }
  return {
    epoch: winner.epoch,
    reason,
    eligible,
    decidedBy,
    tieBreakUsed,
    tiedWith,
    runnerUp: runnerUp?.epoch ?? null,
  };
}

/**
 * How the tie-breaks narrowed the rows tied with `winner` on the maximized field, key by key:
 * "diversity:desc leaves epochs 30 and 40 (diversity 0.60 against 0.58 for epoch 20), then epoch:asc
 * picks epoch 30 (epoch 30 against 40)". Keys that separate nobody are skipped.
 */
function tieBreakSteps(
  winner: CheckpointRow,
  ranked: readonly CheckpointRow[],
  maximize: "quality" | "diversity",
  tieBreak: readonly SortKey[],
): string {
  let group = ranked.filter((r) => r[maximize] === winner[maximize]);
  const steps: string[] = [];
  for (const key of tieBreak) {
    if (group.length <= 1) break;
    const survivors = group.filter((r) => compareOn(r, winner, key) === 0);
    const dropped = group.filter((r) => compareOn(r, winner, key) !== 0);
    if (dropped.length === 0) continue;
    const field = fieldOf(key);
    const show = (v: number) => (field === "epoch" ? String(v) : formatScore(v));
    const against =
      field === "epoch"
        ? listWords(dropped.map((r) => String(r.epoch)))
        : listWords(dropped.map((r) => `${show(r[field])} for epoch ${r.epoch}`));
    const outcome =
      survivors.length === 1
        ? `picks epoch ${winner.epoch}`
        : `leaves epochs ${listWords(
            survivors
              .map((r) => r.epoch)
              .sort((a, b) => a - b)
              .map(String),
          )}`;
    steps.push(`${key} ${outcome} (${field} ${show(winner[field])} against ${against})`);
    group = survivors;
  }
  return `the tie-break ${steps.join(", then ")}`;
}

/** "a", "a and b", "a, b and c". */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

type TrendKind = Trend["kind"];

function stepKind(a: CheckpointRow, b: CheckpointRow): TrendKind {
  const dq = Math.sign(b.quality - a.quality);
  const dd = Math.sign(b.diversity - a.diversity);
  if (dq > 0 && dd < 0) return "trade-off";
  if (dq < 0 && dd > 0) return "diversifying";
  if (dq === 0 && dd === 0) return "flat";
  return dq >= 0 && dd >= 0 ? "improving" : "worsening";
}

/** Maximal runs of consecutive epochs (sorted rows) whose steps share one kind. */
function trends(sorted: readonly CheckpointRow[], floor: number): Trend[] {
  const result: Trend[] = [];
  let start = 0;
  for (let i = 1; i < sorted.length; i++) {
    const kind = stepKind(sorted[i - 1]!, sorted[i]!);
    const next = sorted[i + 1];
    // close the run at the last row or when the next step changes kind
    if (next !== undefined && stepKind(sorted[i]!, next) === kind) continue;
    const run = sorted.slice(start, i + 1);
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const crossing = run.find((r, k) => k > 0 && r.diversity < floor && run[k - 1]!.diversity >= floor);
    result.push({
      kind,
      fromEpoch: first.epoch,
      toEpoch: last.epoch,
      quality: { from: first.quality, to: last.quality },
      diversity: { from: first.diversity, to: last.diversity },
      collapse: kind === "trade-off" && last.diversity < floor,
      floorCrossedAt: crossing?.epoch ?? null,
    });
    start = i;
  }
  return result;
}
