import assert from "node:assert/strict";
import { test } from "node:test";
import type { MetricRecord, Score } from "../run/schema.ts";
import { Rng } from "../util/rng.ts";
import {
  divergenceFlag,
  findLossSpikes,
  INSTABILITY_THRESHOLDS,
  instabilityFlags,
  lossSpikeFlag,
  oscillation,
  oscillationFlag,
} from "./instability.ts";
import { DECLINE_THRESHOLDS, diversityDeclineFlags, isTrendFlag } from "./trend.ts";

/** A falling, noisy loss over `steps` steps (10 steps per epoch), with optional spikes at given steps. */
function lossLog(steps: number, seed: number, spikes: Record<number, number> = {}): MetricRecord[] {
  const rng = new Rng(seed);
  const out: MetricRecord[] = [];
  for (let step = 0; step < steps; step++) {
    const base = 0.5 + 2 * Math.exp(-step / 80) + 0.03 * rng.normal();
    out.push({ step, epoch: step / 10, time: step * 0.1, key: "loss/total", value: spikes[step] ?? base });
  }
  return out;
}

const score = (value: number, half = 0.02): Score => ({ value, low: value - half, high: value + half });

test("a noisy, falling loss has no spikes; a planted one is found with its step and numbers", () => {
  assert.deepEqual(findLossSpikes(lossLog(600, 1)), []);
  assert.equal(lossSpikeFlag(lossLog(600, 2)), null);

  const flag = lossSpikeFlag(lossLog(600, 3, { 400: 4.0 }));
  assert.ok(flag !== null);
  assert.equal(flag.kind, "instability");
  assert.equal(flag.severity, "warning");
  assert.equal(flag.values["loss_spike/step"], 400);
  assert.equal(flag.values["loss_spike/count"], 1);
  assert.match(
    flag.evidence,
    /^loss\/total jumped to 4 at step 400 \(epoch 40\), \d+ robust deviations above the median 0\.5\d* of the previous 50 values \(threshold 8\)$/,
  );
});

test("spikes need a full enough window and a relative jump; a flat loss does not flag rounding noise", () => {
  // the very first values move fast: no verdict before minWindow earlier values
  const early = lossLog(INSTABILITY_THRESHOLDS.minWindow, 4, { 5: 10 });
  assert.deepEqual(findLossSpikes(early), []);
  // a constant loss with one value 0.1% higher: MAD is 0 but the jump is tiny
  const flat: MetricRecord[] = Array.from({ length: 100 }, (_, step) => ({
    step,
    epoch: 0,
    time: step,
    key: "loss/recon",
    value: step === 60 ? 1.001 : 1,
  }));
  assert.deepEqual(findLossSpikes(flat), []);
  flat[70] = { ...flat[70]!, value: 2 };
  assert.equal(findLossSpikes(flat).length, 1);
  // keys outside loss/ are not read
  assert.deepEqual(findLossSpikes(flat.map((r) => ({ ...r, key: "time/samples_per_s" }))), []);
});

test("divergence: the event record, a NaN loss (null), or the run status", () => {
  const log = lossLog(50, 5);
  assert.equal(divergenceFlag(log), null);
  const event = divergenceFlag([...log, { step: 51, epoch: 5.1, time: 9, key: "event/diverged", value: 1 }]);
  assert.equal(event?.severity, "fail");
  assert.match(
    event!.evidence,
    /^training diverged: metrics\.jsonl records event\/diverged at step 51 \(epoch 5\.1\)/,
  );
  const nan = divergenceFlag([...log, { step: 52, epoch: 5.2, time: 9, key: "loss/total", value: null }]);
  assert.match(nan!.evidence, /loss\/total was NaN or Inf at step 52/);
  assert.equal(nan!.values["diverged/step"], 52);
  assert.match(divergenceFlag([], "diverged")!.evidence, /status "diverged"/);
});

test("oscillation counts only reversals of steps larger than the interval widths", () => {
  const up = [0.3, 0.5, 0.6, 0.7].map((v, i) => ({ epoch: i * 10, score: score(v) }));
  assert.equal(oscillation(up).reversals, 0);
  // one peak is not an oscillation
  const peak = [0.3, 0.6, 0.7, 0.55].map((v, i) => ({ epoch: i * 10, score: score(v) }));
  assert.equal(oscillation(peak).reversals, 1);
  assert.equal(oscillationFlag("quality", peak), null);
  // up, down, up with steps of 0.2 against widths of 0.04
  const swing = [0.5, 0.7, 0.5, 0.7].map((v, i) => ({ epoch: (i + 1) * 10, score: score(v) }));
  const flag = oscillationFlag("quality", swing);
  assert.ok(flag !== null);
  assert.equal(flag.values["oscillation/quality/reversals"], 2);
  assert.equal(
    flag.evidence,
    "quality oscillates across checkpoints (0.50 → 0.70 → 0.50 → 0.70 over epochs 10-40): 2 reversals at " +
      "epochs 20, 30, each step at least 0.20, more than the bootstrap interval width 0.04",
  );
  // the same swing within wide intervals is noise
  const wide = [0.5, 0.7, 0.5, 0.7].map((v, i) => ({ epoch: i, score: score(v, 0.15) }));
  assert.equal(oscillationFlag("quality", wide), null);
});

test("instabilityFlags gathers divergence, spikes and oscillation of both scores", () => {
  const checkpoints = [0.5, 0.7, 0.5, 0.7].map((v, i) => ({
    epoch: i,
    quality: score(v),
    diversity: score(0.6),
  }));
  const flags = instabilityFlags(lossLog(600, 6, { 300: 5 }), checkpoints);
  assert.deepEqual(
    flags.map((f) => f.evidence.split(" ")[0]),
    ["loss/total", "quality"],
  );
  assert.equal(
    instabilityFlags(
      lossLog(600, 6),
      checkpoints.map((c) => ({ ...c, quality: score(0.6) })),
    ).length,
    0,
  );
});

test("diversity falling while quality holds is flagged; falling from noise toward structure is not", () => {
  // epoch 0 is noise (diverse, low quality): its diversity is not a reference
  const healthy = [
    { epoch: 0, quality: score(0.1), diversity: score(0.9) },
    { epoch: 10, quality: score(0.55), diversity: score(0.7) },
    { epoch: 30, quality: score(0.68), diversity: score(0.66) },
  ];
  assert.equal(diversityDeclineFlags(healthy).size, 0);

  const collapsing = [
    ...healthy,
    { epoch: 60, quality: score(0.75), diversity: score(0.52) },
    { epoch: 90, quality: score(0.8), diversity: score(0.3) },
  ];
  const flags = diversityDeclineFlags(collapsing);
  assert.deepEqual([...flags.keys()], [60, 90]);
  assert.equal(flags.get(60)!.severity, "warning");
  assert.equal(flags.get(90)!.severity, "fail");
  assert.equal(
    flags.get(90)!.evidence,
    "diversity fell 0.70 → 0.30 from epoch 10 to epoch 90 while quality held (0.55 → 0.80); the fall 0.40 " +
      "exceeds 0.10 and the interval width 0.04",
  );
  assert.ok(isTrendFlag(flags.get(90)!));
  assert.equal(flags.get(60)!.values["trend/threshold_drop"], DECLINE_THRESHOLDS.minDrop);

  // quality falling with diversity is not "quality holds"
  const worsening = [
    { epoch: 10, quality: score(0.7), diversity: score(0.7) },
    { epoch: 20, quality: score(0.4), diversity: score(0.4) },
  ];
  assert.equal(diversityDeclineFlags(worsening).size, 0);
});
