// The review charts as Vega-Lite specs: pure functions from run data to JSON, shared by the static report
// (rendered to SVG in Node by render.ts) and the dashboard (rendered interactively in the page). One spec
// per chart, so the two views can never disagree about what a chart shows.
//
// Legend: q = quality score, d = diversity score, both in [0, 1] with a seeded bootstrap interval
// [low, high] (see src/run/schema.ts ScoreSchema); epoch = checkpoint epoch (0 = before training).
import type { TopLevelSpec } from "vega-lite";
import type { MetricRecord, Score } from "../run/schema.ts";

/**
 * Where a checkpoint stands under the selection rule (src/review/evaluate.ts): the selected one; a
 * candidate (both candidate thresholds met); "review" (a threshold missed, but at or above the diversity
 * floor, so still selectable); "below floor" (diversity under the floor: never selected).
 */
export type CheckpointStatus = "selected" | "candidate" | "review" | "below floor";

/** One evaluated checkpoint, as the charts need it. */
export interface ScorePoint {
  epoch: number;
  quality: Score;
  diversity: Score;
  /** Absent when no rule was applied (e.g. the rule itself is invalid). */
  status?: CheckpointStatus | undefined;
}

/**
 * The rule's candidate region in the (diversity, quality) plane, closed intervals within [0, 1], and the
 * diversity floor (drawn as a vertical line: checkpoints left of it are never selected).
 */
export interface CandidateRegion {
  quality: { min: number; max: number };
  diversity: { min: number; max: number };
  diversityFloor?: number | undefined;
}

/** The region of a rule with candidate thresholds minQuality, minDiversity and a diversity floor. */
export function ruleRegion(rule: {
  candidate: { minQuality: number; minDiversity: number };
  selection: { diversityFloor: number };
}): CandidateRegion {
  return {
    quality: { min: rule.candidate.minQuality, max: 1 },
    diversity: { min: rule.candidate.minDiversity, max: 1 },
    diversityFloor: rule.selection.diversityFloor,
  };
}

export interface ChartOptions {
  /** Plot width and height in pixels (the data rectangle, not counting axes and legend). */
  width?: number;
  height?: number;
  /** Epoch drawn as a vertical marker (the dashboard's current checkpoint, the report's selection). */
  focusEpoch?: number | undefined;
}

/** The name of the parameter holding the focused epoch; the dashboard updates it without re-rendering. */
export const FOCUS_PARAM = "focusEpoch";

// Sizes that fit two charts side by side on a laptop screen and one column of an A4 report.
const DEFAULT_WIDTH = 420;
const DEFAULT_HEIGHT = 220;

// One colour per measure and per status, used by every chart so that the legend reads the same everywhere.
// The measure colours are Tableau 10's first two; the status colours are green / blue / amber / grey with
// enough contrast on white for small points.
const MEASURE_COLORS = { quality: "#4c78a8", diversity: "#f58518" } as const;
export const STATUS_DOMAIN: CheckpointStatus[] = ["selected", "candidate", "review", "below floor"];
export const STATUS_COLORS: Readonly<Record<CheckpointStatus, string>> = {
  selected: "#1a7f37",
  candidate: "#4c78a8",
  review: "#d08c00",
  "below floor": "#9a9a9a",
};
const STATUS_RANGE = STATUS_DOMAIN.map((s) => STATUS_COLORS[s]);
// Scores live in [0, 1]; a fixed domain keeps checkpoints and runs visually comparable.
const UNIT_DOMAIN: number[] = [0, 1];
const DASH: number[] = [4, 3];

/** Longest loss series drawn per key; longer ones are averaged over consecutive records (see lossSeries). */
export const MAX_LOSS_POINTS = 400;

const FONT_CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', sans-serif",
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6" },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  view: { stroke: "#d0d0d0" },
} as const;

function focusParam(options: ChartOptions) {
  // -1 is never an epoch: the marker layer filters to nothing.
  return { name: FOCUS_PARAM, value: options.focusEpoch ?? -1 };
}

/**
 * Quality and diversity per checkpoint with their bootstrap intervals: one line per measure over epochs,
 * an error bar per point, and a vertical marker at the focused epoch.
 */
export function scoresSpec(points: readonly ScorePoint[], options: ChartOptions = {}): TopLevelSpec {
  // long format: one row per (epoch, measure)
  const rows = points.flatMap((p) => [
    { epoch: p.epoch, measure: "quality", value: p.quality.value, low: p.quality.low, high: p.quality.high },
    {
      epoch: p.epoch,
      measure: "diversity",
      value: p.diversity.value,
      low: p.diversity.low,
      high: p.diversity.high,
    },
  ]);
  const x = { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } } as const;
  const color = {
    field: "measure",
    type: "nominal",
    title: null,
    scale: { domain: ["quality", "diversity"], range: [MEASURE_COLORS.quality, MEASURE_COLORS.diversity] },
  } as const;
  const tooltip = [
    { field: "epoch", type: "quantitative", title: "epoch" },
    { field: "measure", type: "nominal", title: "measure" },
    { field: "value", type: "quantitative", title: "score", format: ".3f" },
    { field: "low", type: "quantitative", title: "interval low", format: ".3f" },
    { field: "high", type: "quantitative", title: "interval high", format: ".3f" },
  ] as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    description: "Quality and diversity scores per checkpoint with bootstrap intervals",
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    params: [focusParam(options)],
    data: { values: rows },
    layer: [
      {
        mark: { type: "rule", color: "#555", strokeDash: DASH },
        transform: [{ filter: `datum.epoch === ${FOCUS_PARAM} && datum.measure === 'quality'` }],
        encoding: { x },
      },
      {
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: "low", type: "quantitative", title: "score", scale: { domain: UNIT_DOMAIN } },
          y2: { field: "high" },
          color,
        },
      },
      {
        mark: { type: "line", strokeWidth: 2 },
        encoding: { x, y: { field: "value", type: "quantitative" }, color },
      },
      {
        mark: { type: "point", filled: true, size: 40 },
        encoding: { x, y: { field: "value", type: "quantitative" }, color, tooltip: [...tooltip] },
      },
    ],
    config: FONT_CONFIG,
  };
}

/** A loss series point: the mean of `count` consecutive records ending at `step` (a MetricRecord too). */
export interface LossPoint {
  key: string;
  step: number;
  epoch: number;
  time: number;
  value: number;
  count: number;
}

/** A metrics.jsonl record, or a point already averaged by lossSeries (which then counts as `count`). */
export type LossInput = MetricRecord & { count?: number };

/**
 * The loss records of metrics.jsonl (keys "loss/..."), one series per key in step order, each averaged
 * down to at most `maxPoints` points over runs of consecutive records so that long runs stay light to draw.
 * Null values (a diverged step) are left out of the means.
 */
export function lossSeries(records: readonly LossInput[], maxPoints = MAX_LOSS_POINTS): LossPoint[] {
  // group by key, keeping step order
  const byKey = new Map<string, LossInput[]>();
  for (const r of records) {
    if (!r.key.startsWith("loss/") || r.value === null || !Number.isFinite(r.value)) continue;
    const list = byKey.get(r.key);
    if (list) list.push(r);
    else byKey.set(r.key, [r]);
  }

  // average each series over buckets of ceil(n / maxPoints) consecutive records
  const out: LossPoint[] = [];
  for (const [key, list] of [...byKey].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.step - b.step);
    const bucket = Math.max(1, Math.ceil(list.length / maxPoints));
    for (let start = 0; start < list.length; start += bucket) {
      const slice = list.slice(start, start + bucket);
      const last = slice[slice.length - 1]!;
      // weighted by count, so that averaging an averaged series again changes nothing
      let weight = 0;
      let sum = 0;
      for (const r of slice) {
        const count = r.count ?? 1;
        weight += count;
        sum += count * (r.value ?? 0);
      }
      out.push({
        key,
        step: last.step,
        epoch: last.epoch,
        time: last.time,
        value: sum / weight,
        count: weight,
      });
    }
  }
  return out;
}

/** Training losses over epochs, one line per "loss/..." key of metrics.jsonl. */
export function lossesSpec(records: readonly LossInput[], options: ChartOptions = {}): TopLevelSpec {
  const points = lossSeries(records).map((p) => ({ ...p, loss: p.key.slice("loss/".length) }));
  const x = { field: "epoch", type: "quantitative", title: "epoch" } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    description: "Training losses from metrics.jsonl",
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    params: [focusParam(options)],
    data: { values: points },
    layer: [
      {
        // the marker sits at the focused epoch even when no loss record has that exact epoch
        data: { values: [{ marker: true }] },
        mark: { type: "rule", color: "#555", strokeDash: DASH },
        transform: [{ filter: `${FOCUS_PARAM} >= 0` }, { calculate: FOCUS_PARAM, as: "epoch" }],
        encoding: { x },
      },
      {
        mark: { type: "line", strokeWidth: 1.5, interpolate: "linear" },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: "loss", scale: { zero: false } },
          color: { field: "loss", type: "nominal", title: null },
          tooltip: [
            { field: "loss", type: "nominal", title: "loss" },
            { field: "epoch", type: "quantitative", title: "epoch", format: ".2f" },
            { field: "step", type: "quantitative", title: "step" },
            { field: "value", type: "quantitative", title: "value", format: ".4g" },
            { field: "count", type: "quantitative", title: "records averaged" },
          ],
        },
      },
    ],
    config: FONT_CONFIG,
  };
}

/**
 * Quality against diversity, one point per checkpoint (labelled with its epoch, coloured by the rule's
 * verdict, with both intervals), the trajectory in epoch order, and the rule's candidate region shaded.
 */
export function tradeoffSpec(
  points: readonly ScorePoint[],
  region: CandidateRegion | undefined,
  options: ChartOptions = {},
): TopLevelSpec {
  const rows = [...points]
    .sort((a, b) => a.epoch - b.epoch)
    .map((p) => ({
      epoch: p.epoch,
      quality: p.quality.value,
      qualityLow: p.quality.low,
      qualityHigh: p.quality.high,
      diversity: p.diversity.value,
      diversityLow: p.diversity.low,
      diversityHigh: p.diversity.high,
      status: p.status ?? "not ruled",
    }));
  // points without a verdict (no valid rule) get a legend entry of their own
  const unruled = rows.some((r) => r.status === "not ruled");
  const x = {
    field: "diversity",
    type: "quantitative",
    title: "diversity",
    scale: { domain: UNIT_DOMAIN },
  } as const;
  const y = {
    field: "quality",
    type: "quantitative",
    title: "quality",
    scale: { domain: UNIT_DOMAIN },
  } as const;
  const regionLayers = region
    ? [
        {
          // a copy: vega tags the data objects it is given
          data: { values: [{ quality: { ...region.quality }, diversity: { ...region.diversity } }] },
          mark: { type: "rect", color: "#1a7f37", opacity: 0.08, stroke: "#1a7f37", strokeDash: DASH },
          encoding: {
            x: { field: "diversity.min", type: "quantitative" },
            x2: { field: "diversity.max" },
            y: { field: "quality.min", type: "quantitative" },
            y2: { field: "quality.max" },
            tooltip: { value: "candidate region of the selection rule" },
          },
        } as const,
        ...(region.diversityFloor === undefined
          ? []
          : [
              {
                data: { values: [{ floor: region.diversityFloor }] },
                mark: { type: "rule", color: "#9a9a9a", strokeDash: DASH },
                encoding: {
                  x: { field: "floor", type: "quantitative" },
                  tooltip: { value: "diversity floor: checkpoints left of it are never selected" },
                },
              } as const,
            ]),
      ]
    : [];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    description: "Quality against diversity per checkpoint with the selection rule's candidate region",
    width: options.width ?? DEFAULT_HEIGHT + 60,
    height: options.height ?? DEFAULT_HEIGHT + 60,
    params: [focusParam(options)],
    layer: [
      ...regionLayers,
      {
        data: { values: rows },
        layer: [
          {
            mark: { type: "line", color: "#bbbbbb", strokeWidth: 1 },
            encoding: { x, y, order: { field: "epoch" } },
          },
          {
            mark: { type: "rule", color: "#bbbbbb" },
            encoding: {
              x: { field: "diversityLow", type: "quantitative" },
              x2: { field: "diversityHigh" },
              y,
            },
          },
          {
            mark: { type: "rule", color: "#bbbbbb" },
            encoding: { x, y: { field: "qualityLow", type: "quantitative" }, y2: { field: "qualityHigh" } },
          },
          {
            mark: { type: "point", filled: true, size: 60 },
            encoding: {
              x,
              y,
              color: {
                field: "status",
                type: "nominal",
                title: "rule",
                scale: unruled
                  ? { domain: [...STATUS_DOMAIN, "not ruled"], range: [...STATUS_RANGE, "#cccccc"] }
                  : { domain: STATUS_DOMAIN, range: STATUS_RANGE },
              },
              tooltip: [
                { field: "epoch", type: "quantitative", title: "epoch" },
                { field: "quality", type: "quantitative", title: "quality", format: ".3f" },
                { field: "diversity", type: "quantitative", title: "diversity", format: ".3f" },
                { field: "status", type: "nominal", title: "rule" },
              ],
            },
          },
          {
            mark: { type: "point", shape: "circle", size: 220, stroke: "#222", strokeWidth: 1.5, fill: null },
            transform: [{ filter: `datum.epoch === ${FOCUS_PARAM}` }],
            encoding: { x, y },
          },
          {
            mark: { type: "text", dx: 8, dy: -8, fontSize: 10, color: "#333" },
            encoding: { x, y, text: { field: "epoch", type: "quantitative" } },
          },
        ],
      },
    ],
    config: FONT_CONFIG,
  };
}

/** One run's evaluated checkpoints, for comparing runs. */
export interface RunScores {
  run: string;
  points: readonly ScorePoint[];
  /** The run's selected epoch, ringed on both panels. */
  selectedEpoch?: number | null | undefined;
}

/** Quality and diversity per checkpoint for several runs: two panels side by side, one line per run. */
export function compareSpec(runs: readonly RunScores[], options: ChartOptions = {}): TopLevelSpec {
  const rows = runs.flatMap((r) =>
    r.points.flatMap((p) => {
      const selected = p.epoch === r.selectedEpoch;
      return [
        {
          run: r.run,
          epoch: p.epoch,
          measure: "quality",
          value: p.quality.value,
          low: p.quality.low,
          high: p.quality.high,
          selected,
        },
        {
          run: r.run,
          epoch: p.epoch,
          measure: "diversity",
          value: p.diversity.value,
          low: p.diversity.low,
          high: p.diversity.high,
          selected,
        },
      ];
    }),
  );
  const x = { field: "epoch", type: "quantitative", title: "epoch" } as const;
  const y = { field: "value", type: "quantitative", title: "score", scale: { domain: UNIT_DOMAIN } } as const;
  const color = { field: "run", type: "nominal", title: "run" } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    description: "Quality and diversity per checkpoint, one line per run",
    data: { values: rows },
    facet: { column: { field: "measure", type: "nominal", title: null, sort: ["quality", "diversity"] } },
    spec: {
      width: options.width ?? DEFAULT_WIDTH - 100,
      height: options.height ?? DEFAULT_HEIGHT,
      layer: [
        {
          mark: { type: "rule", opacity: 0.5 },
          encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" }, color },
        },
        { mark: { type: "line", strokeWidth: 2 }, encoding: { x, y, color } },
        {
          mark: { type: "point", filled: true, size: 36 },
          encoding: {
            x,
            y,
            color,
            tooltip: [
              { field: "run", type: "nominal" },
              { field: "epoch", type: "quantitative" },
              { field: "measure", type: "nominal" },
              { field: "value", type: "quantitative", format: ".3f" },
            ],
          },
        },
        {
          mark: { type: "point", size: 200, stroke: "#222", strokeWidth: 1.5, fill: null },
          transform: [{ filter: "datum.selected" }],
          encoding: { x, y },
        },
      ],
    },
    config: FONT_CONFIG,
  };
}
