import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile } from "vega-lite";
import { defaultRule } from "../review/rule.ts";
import type { MetricRecord } from "../run/schema.ts";
import {
  compareSpec,
  FOCUS_PARAM,
  lossesSpec,
  lossSeries,
  ruleRegion,
  type ScorePoint,
  scoresSpec,
  tradeoffSpec,
} from "./specs.ts";

const points: ScorePoint[] = [
  {
    epoch: 0,
    quality: { value: 0.1, low: 0.05, high: 0.15 },
    diversity: { value: 0.9, low: 0.85, high: 0.95 },
    status: "review",
  },
  {
    epoch: 10,
    quality: { value: 0.7, low: 0.65, high: 0.75 },
    diversity: { value: 0.6, low: 0.55, high: 0.65 },
    status: "selected",
  },
  {
    epoch: 5,
    quality: { value: 0.4, low: 0.35, high: 0.45 },
    diversity: { value: 0.5, low: 0.45, high: 0.55 },
    status: "below floor",
  },
];

/** The inline data rows of a spec's top level or of its layers. */
function inlineValues(spec: object): unknown[][] {
  const found: unknown[][] = [];
  const visit = (node: unknown) => {
    if (node === null || typeof node !== "object") return;
    const data = (node as { data?: { values?: unknown[] } }).data;
    if (Array.isArray(data?.values)) found.push(data.values);
    for (const layer of (node as { layer?: unknown[] }).layer ?? []) visit(layer);
  };
  visit(spec);
  return found;
}

describe("scoresSpec", () => {
  it("has one row per checkpoint and measure, with the intervals, and compiles", () => {
    const spec = scoresSpec(points, { focusEpoch: 10 });
    const rows = inlineValues(spec)[0] as {
      epoch: number;
      measure: string;
      value: number;
      low: number;
      high: number;
    }[];
    assert.equal(rows.length, 6);
    assert.deepEqual(
      rows.find((r) => r.epoch === 10 && r.measure === "diversity"),
      { epoch: 10, measure: "diversity", value: 0.6, low: 0.55, high: 0.65 },
    );
    assert.deepEqual(spec.params, [{ name: FOCUS_PARAM, value: 10 }]);
    assert.ok(compile(spec).spec.marks);
  });

  it("uses -1 (no epoch) as the focus when none is given", () => {
    assert.deepEqual(scoresSpec(points).params, [{ name: FOCUS_PARAM, value: -1 }]);
  });
});

describe("lossSeries", () => {
  const records: MetricRecord[] = [];
  for (let step = 1; step <= 1000; step++) {
    records.push({ step, epoch: step / 100, time: step, key: "loss/total", value: step % 2 === 0 ? 2 : 4 });
    records.push({ step, epoch: step / 100, time: step, key: "quality/precision", value: 0.5 });
  }
  records.push({ step: 1001, epoch: 10.01, time: 1001, key: "loss/total", value: null });

  it("keeps loss keys only, drops nulls, and averages down to at most maxPoints per key", () => {
    const series = lossSeries(records, 400);
    assert.ok(series.every((p) => p.key === "loss/total"));
    // 1000 records in buckets of ceil(1000 / 400) = 3: 334 points
    assert.equal(series.length, 334);
    assert.equal(
      series.reduce((n, p) => n + p.count, 0),
      1000,
    );
    assert.equal(series[0]!.value, (4 + 2 + 4) / 3);
    assert.equal(series[0]!.step, 3);
    assert.equal(series.at(-1)!.step, 1000);
  });

  it("preserves the overall mean and is unchanged when averaged again", () => {
    const series = lossSeries(records, 400);
    const mean = series.reduce((s, p) => s + p.value * p.count, 0) / 1000;
    assert.ok(Math.abs(mean - 3) < 1e-12);
    assert.deepEqual(lossSeries(series, 400), series);
  });

  it("sorts each series by step whatever the record order", () => {
    const shuffled = [...records].reverse();
    assert.deepEqual(lossSeries(shuffled, 400), lossSeries(records, 400));
  });

  it("lossesSpec draws one line per loss key and compiles", () => {
    const spec = lossesSpec(
      [
        { step: 1, epoch: 1, time: 1, key: "loss/kl", value: 1 },
        { step: 1, epoch: 1, time: 1, key: "loss/recon", value: 2 },
      ],
      { focusEpoch: 1 },
    );
    const rows = inlineValues(spec)[0] as { loss: string }[];
    assert.deepEqual(rows.map((r) => r.loss).sort(), ["kl", "recon"]);
    assert.ok(compile(spec).spec.marks);
  });
});

describe("tradeoffSpec", () => {
  const region = ruleRegion(defaultRule());

  it("shades the rule's candidate region and draws its floor", () => {
    assert.deepEqual(region, {
      quality: { min: 0.6, max: 1 },
      diversity: { min: 0.55, max: 1 },
      diversityFloor: 0.55,
    });
    const spec = tradeoffSpec(points, region);
    const values = inlineValues(spec);
    assert.deepEqual(values[0], [{ quality: region.quality, diversity: region.diversity }]);
    assert.deepEqual(values[1], [{ floor: 0.55 }]);
    assert.ok(compile(spec).spec.marks);
  });

  it("orders checkpoints by epoch (the trajectory) and keeps their status", () => {
    const values = inlineValues(tradeoffSpec(points, undefined));
    assert.equal(values.length, 1, "no region layers without a rule");
    const rows = values[0] as { epoch: number; status: string }[];
    assert.deepEqual(
      rows.map((r) => [r.epoch, r.status]),
      [
        [0, "review"],
        [5, "below floor"],
        [10, "selected"],
      ],
    );
  });

  it("adds a legend entry for checkpoints without a verdict only when there are some", () => {
    const legendDomain = (spec: object) => JSON.stringify(spec).includes('"not ruled"');
    assert.equal(legendDomain(tradeoffSpec(points, region)), false);
    const unruled = points.map(({ status: _status, ...p }) => p);
    assert.equal(legendDomain(tradeoffSpec(unruled, region)), true);
  });
});

describe("compareSpec", () => {
  it("puts every run's checkpoints in one data set and compiles", () => {
    const spec = compareSpec([
      { run: "a", points, selectedEpoch: 10 },
      { run: "b", points: points.slice(0, 1), selectedEpoch: null },
    ]);
    const rows = (spec as { data: { values: { run: string; selected: boolean }[] } }).data.values;
    assert.equal(rows.length, 2 * 3 + 2);
    assert.equal(rows.filter((r) => r.selected).length, 2, "quality and diversity of run a's selection");
    assert.ok(compile(spec).spec);
  });
});
