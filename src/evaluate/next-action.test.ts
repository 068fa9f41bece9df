import assert from "node:assert/strict";
import { test } from "node:test";
import { type CheckpointRow, evaluateRule } from "../review/evaluate.ts";
import { defaultRule } from "../review/rule.ts";
import type { Flag, FlagKind, RunInfo } from "../run/schema.ts";
import {
  type ActionContext,
  leadingFlag,
  type PlacedFlag,
  shellWord,
  suggestNextAction,
} from "./next-action.ts";

const MODEL_CONFIG = {
  vae: { latentDim: 16, klWeight: 1, klWarmupEpochs: 1 },
  gan: { latentDim: 32, labelSmoothing: 0.9, r1Gamma: 0 },
  diffusion: { timesteps: 1000, ddimSteps: 25, emaDecay: 0.999 },
  imported: {},
} as const;

function ctx(model: RunInfo["model"], run = "runs/a"): ActionContext {
  const config =
    model === "imported"
      ? { source: "/x", checkpointUnit: "epoch" }
      : {
          model,
          data: "shapes",
          epochs: 20,
          batchSize: 64,
          lr: 0.001,
          trainSize: 2048,
          modelConfig: MODEL_CONFIG[model],
        };
  return {
    run,
    info: {
      model,
      config,
      seed: 0,
      dataset: {
        spec: "shapes:size=28,train=10000,test=2000,seed=0",
        id: "shapes",
        hash: "h",
        classes: null,
        height: 28,
        width: 28,
      },
    },
    epochs: [0, 5, 10, 20],
  };
}

const flag = (
  kind: FlagKind,
  severity: Flag["severity"] = "fail",
  values: Record<string, number> = {},
): Flag => ({
  kind,
  severity,
  evidence: `${kind} evidence`,
  values,
});

/** A run whose epoch 10 is selected and epoch 20 is the latest. */
const ROWS: CheckpointRow[] = [
  { epoch: 0, quality: 0.1, diversity: 0.9 },
  { epoch: 5, quality: 0.5, diversity: 0.7 },
  { epoch: 10, quality: 0.7, diversity: 0.65 },
  { epoch: 20, quality: 0.68, diversity: 0.66 },
];
const review = evaluateRule(ROWS, defaultRule());

test("the leading flag: only the selected, latest and run-wide flags count; fail before warning, then by kind", () => {
  const placed: PlacedFlag[] = [
    { epoch: 0, flag: flag("noise") },
    { epoch: 20, flag: flag("blur", "warning") },
    { epoch: 10, flag: flag("memorization", "warning") },
    { epoch: null, flag: flag("instability", "warning") },
  ];
  assert.equal(leadingFlag(placed, 10, 20)?.flag.kind, "memorization");
  assert.equal(leadingFlag([...placed, { epoch: 20, flag: flag("blur") }], 10, 20)?.flag.kind, "blur");
  assert.equal(leadingFlag([placed[0]!], 10, 20), undefined);
  // a checkpoint that is still rough is first of all under-trained
  const rough = [
    { epoch: 20, flag: flag("mode_collapse") },
    { epoch: 20, flag: flag("noise") },
  ];
  assert.equal(leadingFlag(rough, null, 20)?.flag.kind, "mode_collapse");
  assert.equal(leadingFlag(rough, null, 20, new Set([20]))?.flag.kind, "noise");
});

test("each flag gets its change with a concrete first step and a command the CLI accepts", () => {
  const at = (kind: FlagKind, model: RunInfo["model"], values: Record<string, number> = {}) =>
    suggestNextAction(review, [{ epoch: 20, flag: flag(kind, "fail", values) }], ctx(model));

  const vaeBlur = at("blur", "vae");
  assert.equal(vaeBlur.change, "objective");
  assert.equal(vaeBlur.trigger, "blur");
  assert.equal(vaeBlur.why, "epoch 20: blur(fail) — blur evidence");
  assert.equal(
    vaeBlur.command,
    "genreview train --model vae --data shapes:size=28,train=10000,test=2000,seed=0 --epochs 20 --batch-size 64 " +
      "--train-size 2048 --lr 0.001 --set klWeight=0.5 --seed 0 --out runs/a-kl-half",
  );
  assert.deepEqual(
    vaeBlur.alternatives.map((a) => [a.change, a.command]),
    [["training", "genreview train --out runs/a --resume --epochs 40"]],
  );

  const diffusionNoise = at("noise", "diffusion");
  assert.equal(diffusionNoise.change, "sampling");
  assert.equal(
    diffusionNoise.command,
    "genreview sample runs/a --epoch 20 --n 64 --ddim-steps 50 --out runs/a-samples-20-ddim50 --grid runs/a-samples-20-ddim50.png",
  );
  assert.match(diffusionNoise.firstStep, /50 DDIM steps instead of 25/);
  assert.equal(at("noise", "gan").command, "genreview train --out runs/a --resume --epochs 40");

  const copies = at("memorization", "gan");
  assert.equal(copies.change, "data");
  assert.match(copies.command!, / --train-size 4096 /);
  assert.match(copies.alternatives[0]!.firstStep, /look at epoch 10, the checkpoint before this one/);

  const spike = at("instability", "gan", { "loss_spike/step": 400 });
  assert.equal(spike.change, "training");
  assert.match(
    spike.firstStep,
    /the learning rate halved \(0\.001 → 0\.0005\) and compare the loss curve around step 400/,
  );
  assert.match(spike.command!, / --lr 0\.0005 /);
  assert.match(spike.alternatives[0]!.command!, / --set r1Gamma=10 /);
  const ema = at("instability", "diffusion").alternatives[0]!;
  assert.match(ema.firstStep, /decay 0\.9995 instead of 0\.999$/);
  assert.match(ema.command!, / --set emaDecay=0\.9995 /);

  const vaeCollapse = at("mode_collapse", "vae");
  assert.equal(vaeCollapse.change, "objective");
  assert.match(vaeCollapse.command!, / --set klWeight=0\.5 /);
  assert.equal(at("mode_collapse", "diffusion").change, "data");
  assert.deepEqual(
    at("mode_collapse", "gan").alternatives.map((a) => a.change),
    ["architecture", "training"],
  );
});

test("imported runs get the change in words, with the import command, and no train command", () => {
  const a = suggestNextAction(
    review,
    [{ epoch: 20, flag: flag("mode_collapse") }],
    ctx("imported", "runs/torch"),
  );
  assert.equal(a.command, null);
  assert.match(a.firstStep, /^in the tool that trained this model, halve both learning rates/);
  assert.match(
    a.firstStep,
    /genreview import SAMPLES_DIR --data shapes:size=28,train=10000,test=2000,seed=0 --out runs\/torch-v2$/,
  );
});

test("without flags the trend decides: still improving, settled, or nothing selected", () => {
  const improving = evaluateRule(
    [
      { epoch: 5, quality: 0.5, diversity: 0.7 },
      { epoch: 10, quality: 0.62, diversity: 0.7 },
      { epoch: 20, quality: 0.7, diversity: 0.72 },
    ],
    defaultRule(),
  );
  const more = suggestNextAction(improving, [], ctx("gan"));
  assert.equal(more.trigger, "improving");
  assert.equal(more.command, "genreview train --out runs/a --resume --epochs 40");

  const settled = suggestNextAction(review, [], ctx("gan"));
  assert.equal(settled.trigger, "plateau");
  assert.equal(settled.change, "none");
  assert.equal(settled.title, "keep epoch 10");
  assert.equal(settled.command, "genreview report runs/a");

  const repeated = evaluateRule([{ epoch: 20, quality: 0.8, diversity: 0.3 }], defaultRule());
  const none = suggestNextAction(repeated, [], ctx("gan"));
  assert.equal(none.trigger, "no-selection");
  assert.equal(none.change, "objective");
  assert.match(none.why, /^no checkpoint was selected: no checkpoint has diversity >= 0\.55/);
});

test("shell words are quoted only when needed", () => {
  assert.equal(shellWord("shapes:size=28,train=10000"), "shapes:size=28,train=10000");
  assert.equal(shellWord("npy:my data/x.npy#seed=0"), "'npy:my data/x.npy#seed=0'");
  assert.equal(shellWord("it's"), "'it'\\''s'");
});
