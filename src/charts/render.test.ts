import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TopLevelSpec } from "vega-lite";
import { GraphError } from "../util/errors.ts";
import { renderSvg } from "./render.ts";
import { ruleRegion, scoresSpec, tradeoffSpec } from "./specs.ts";

const points = [0, 5, 10].map((epoch, i) => ({
  epoch,
  quality: { value: 0.2 + 0.3 * i, low: 0.15 + 0.3 * i, high: 0.25 + 0.3 * i },
  diversity: { value: 0.9 - 0.2 * i, low: 0.85 - 0.2 * i, high: 0.95 - 0.2 * i },
  status: "candidate" as const,
}));

describe("renderSvg", () => {
  it("renders the scores chart to a standalone SVG with its axes and marks", async () => {
    const svg = await renderSvg(scoresSpec(points, { focusEpoch: 5, width: 300, height: 150 }));
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>$/);
    assert.ok(svg.includes(">epoch</text>"), "x axis title");
    assert.ok(svg.includes(">quality</text>") && svg.includes(">diversity</text>"), "legend entries");
    assert.ok(!svg.includes("<script"), "no scripts in the report's SVG");
  });

  it("renders the rule region of the trade-off chart", async () => {
    const region = { quality: { min: 0.6, max: 1 }, diversity: { min: 0.5, max: 1 }, diversityFloor: 0.4 };
    const svg = await renderSvg(tradeoffSpec(points, region));
    assert.ok(svg.includes('aria-roledescription="rect mark"'), "the shaded candidate region");
    assert.ok(svg.includes(">selected</text>") || svg.includes(">candidate</text>"), "the status legend");
    assert.deepEqual(
      ruleRegion({ candidate: { minQuality: 0.6, minDiversity: 0.5 }, selection: { diversityFloor: 0.4 } }),
      region,
    );
  });

  it("reports a spec that does not compile as a GraphError naming the chart", async () => {
    const broken = { description: "broken chart", mark: "no-such-mark" } as unknown as TopLevelSpec;
    await assert.rejects(
      renderSvg(broken),
      (error: unknown) => error instanceof GraphError && /broken chart/.test(error.message),
    );
  });
});
