// The next action suggested after a review: one change (data, objective, architecture, sampling or
// training schedule) with a concrete first step and, where one applies, the genreview command that
// takes it. A small rule table keyed by the flag that matters most and the model family; without flags,
// the trend decides (still improving: train longer; selected and settled: keep it and package it).
//
// Which flag matters most: only the selected checkpoint's, the latest checkpoint's and the run-wide
// flags are read (earlier checkpoints are expected to be rough: the untrained model is noise), "fail"
// before "warning", then by kind in the order of KIND_PRIORITY.
import type { Evaluation as RuleEvaluation } from "../review/evaluate.ts";
import type { Flag, FlagKind, RunInfo } from "../run/schema.ts";
import type { Action, ChangeKind, NextAction } from "./selection.ts";

/**
 * Order of kinds when severities tie. Divergence and instability first when failing (every other
 * measurement of a diverged run is suspect); then collapse and copying, which make a checkpoint unusable
 * whatever its scores; then noise and blur, which the scores already penalise.
 */
const KIND_PRIORITY: readonly FlagKind[] = ["instability", "mode_collapse", "memorization", "noise", "blur"];

/** What the rule table needs to know about the run. */
export interface ActionContext {
  /** The run folder as the user named it (used in commands). */
  run: string;
  info: Pick<RunInfo, "model" | "config" | "dataset" | "seed">;
  /** Checkpoint epochs, ascending. */
  epochs: number[];
}

/** A flag with the epoch it belongs to (null for run-wide flags). */
export interface PlacedFlag {
  epoch: number | null;
  flag: Flag;
}

/** Single-quote a shell word when it holds anything beyond plain path and spec characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** "klWeight" → "--kl-weight". */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Numbers in commands: at most 4 significant digits, no exponent for usual learning rates. */
function num(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/**
 * `genreview train` for a variant of this run: same model, data, epochs and seed, with `changes` as
 * config keys (camelCase, as run.json's resolved config stores them; the command-line flag is the
 * kebab-case form). Null for imported runs (trained elsewhere) or when a change names a key the run's
 * config does not have (the model would not understand it).
 */
export function trainCommand(
  ctx: ActionContext,
  changes: Record<string, number | string | true>,
  suffix: string,
  extra: { epochs?: number; resume?: boolean; data?: string } = {},
): string | null {
  const { info } = ctx;
  if (info.model === "imported") return null;
  for (const key of Object.keys(changes)) if (!(key in info.config)) return null;
  const epochs = extra.epochs ?? Math.max(0, ...ctx.epochs);
  const out = extra.resume === true ? ctx.run : `${ctx.run.replace(/\/+$/, "")}-${suffix}`;
  const parts = [
    "genreview train",
    `--model ${info.model}`,
    `--data ${shellWord(extra.data ?? info.dataset.spec)}`,
    `--epochs ${epochs}`,
    ...Object.entries(changes).map(([k, v]) =>
      v === true ? flagName(k) : `${flagName(k)} ${shellWord(typeof v === "number" ? num(v) : v)}`,
    ),
    `--seed ${info.seed}`,
    `--out ${shellWord(out)}`,
  ];
  if (extra.resume === true) parts.push("--resume");
  return parts.join(" ");
}

/** The learning-rate keys of the config (lr, lrG, lrD, ...) with each value halved. */
function halvedLearningRates(config: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(config))
    if (/^lr([A-Z]\w*)?$/.test(k) && typeof v === "number") out[k] = v / 2;
  return out;
}

/** Built-in data specs carry their train size: twice as many images is a concrete data change. */
function moreDataSpec(spec: string): string | null {
  const match = /^(shapes|glyphs|patterns):(.*)$/.exec(spec);
  if (match === null) return null;
  const options = match[2]!.split(",").filter((p) => p !== "");
  const train = options.find((p) => p.startsWith("train="));
  const n = train === undefined ? 10000 : Number(train.slice(6));
  const rest = options.filter((p) => !p.startsWith("train="));
  return `${match[1]}:${[...rest.filter((p) => p.startsWith("size=")), `train=${2 * n}`, ...rest.filter((p) => !p.startsWith("size="))].join(",")}`;
}

function action(change: ChangeKind, title: string, firstStep: string, command: string | null): Action {
  return { change, title, firstStep, command };
}

function reviewCommand(ctx: ActionContext): string {
  return `genreview review ${shellWord(ctx.run)} --explain`;
}

/** The rule table: for a flag (and the model family), the main change and its alternatives. */
function actionsForFlag(placed: PlacedFlag, ctx: ActionContext): Action[] {
  const { flag } = placed;
  const model = ctx.info.model;
  const config = ctx.info.config;
  const at = placed.epoch === null ? "" : ` at epoch ${placed.epoch}`;
  const lastEpoch = Math.max(0, ...ctx.epochs);
  const lrHalf = halvedLearningRates(config);
  const lrWords =
    Object.keys(lrHalf).length > 0
      ? Object.entries(lrHalf)
          .map(([k, v]) => `${k} ${num(v * 2)} → ${num(v)}`)
          .join(", ")
      : "the learning rate halved";
  const earlier = (epoch: number | null) => {
    const before = ctx.epochs.filter((e) => epoch !== null && e < epoch);
    return before.length > 0 ? before[before.length - 1]! : null;
  };
  const imported = (what: string) =>
    `in the tool that trained this model, ${what}; export samples of the new checkpoints and import them ` +
    `with genreview import SAMPLES_DIR --data ${shellWord(ctx.info.dataset.spec)} --out ${shellWord(`${ctx.run}-v2`)}`;

  switch (flag.kind) {
    case "instability": {
      const clip = { gradClip: 1 };
      const main = action(
        "training",
        "lower the learning rate and clip gradients",
        model === "imported"
          ? imported("halve the learning rate and clip gradients at global norm 1.0")
          : `retrain with ${lrWords} and gradient clipping at global norm 1.0; compare the loss curve around ` +
              `step ${flag.values["loss_spike/step"] ?? flag.values["diverged/step"] ?? "of the spike"}`,
        trainCommand(ctx, { ...lrHalf, ...clip }, "stable") ?? trainCommand(ctx, lrHalf, "lr-half"),
      );
      return [
        main,
        action(
          "training",
          "keep an exponential moving average of the weights",
          "average the weights with decay 0.999 and sample from the average; it smooths checkpoint-to-checkpoint swings",
          trainCommand(ctx, { ema: 0.999 }, "ema"),
        ),
      ];
    }
    case "mode_collapse": {
      if (model === "vae")
        return [
          action(
            "objective",
            "lower the KL weight (over-regularised posterior)",
            `retrain with the KL weight halved (or a KL warm-up over the first epochs) and compare diversity${at}`,
            trainCommand(ctx, { klWeight: Number(config["klWeight"] ?? 1) / 2 }, "kl-half"),
          ),
          action("data", "check the class balance of the training data", classBalanceStep(ctx), null),
        ];
      if (model === "diffusion")
        return [
          action("data", "check the class balance of the training data", classBalanceStep(ctx), null),
          action(
            "sampling",
            "check that sampling starts from fresh noise for every sample",
            `draw 64 samples of epoch ${placed.epoch ?? lastEpoch} and look for repeats in the grid`,
            `genreview sample ${shellWord(ctx.run)} --epoch ${placed.epoch ?? lastEpoch} --n 64 --out ${shellWord(`${ctx.run}-samples`)}`,
          ),
        ];
      const before = earlier(placed.epoch);
      return [
        action(
          "objective",
          "stabilise the discriminator: lower learning rates and an R1 penalty",
          model === "imported"
            ? imported(
                "halve both learning rates and add an R1 gradient penalty (gamma 10) or one-sided label smoothing (0.9)",
              )
            : `retrain with ${lrWords} and an R1 penalty of gamma 10 (or one-sided label smoothing 0.9); compare ` +
                `diversity${at} with this run`,
          trainCommand(ctx, { ...lrHalf, r1: 10 }, "r1") ??
            trainCommand(ctx, { ...lrHalf, labelSmoothing: 0.9 }, "smooth"),
        ),
        action(
          "architecture",
          "add a minibatch standard-deviation layer to the discriminator",
          "append the batch's feature standard deviation as an extra channel before the discriminator's last layer, so it can see repeated outputs",
          null,
        ),
        action(
          "training",
          "keep the checkpoint before the collapse",
          before === null
            ? "no earlier checkpoint was evaluated; checkpoint more often (every few epochs) and evaluate again"
            : `compare epoch ${before} with epoch ${placed.epoch}: the rule selects among checkpoints at or above the floor`,
          reviewCommand(ctx),
        ),
      ];
    }
    case "memorization": {
      const bigger = moreDataSpec(ctx.info.dataset.spec);
      const before = earlier(placed.epoch);
      return [
        action(
          "data",
          "more training data or augmentation",
          bigger === null
            ? "add training images, or augment them (random shifts of 1-2 pixels, flips where the classes allow)"
            : `retrain on twice the training images (${bigger}) and check the nearest-train distances again`,
          bigger === null ? null : trainCommand(ctx, {}, "more-data", { data: bigger }),
        ),
        action(
          "training",
          "stop earlier",
          before === null
            ? "checkpoint more often and keep the last checkpoint before samples start to copy training images"
            : `look at epoch ${before}, the checkpoint before this one: copying usually grows with training`,
          reviewCommand(ctx),
        ),
      ];
    }
    case "noise": {
      const steps = config["ddimSteps"];
      const sampling =
        model === "diffusion"
          ? [
              action(
                "sampling",
                "more denoising steps",
                `sample with ${typeof steps === "number" ? `${steps * 2} DDIM steps instead of ${steps}` : "twice the DDIM steps"} and compare the grids`,
                typeof steps === "number" ? trainCommand(ctx, { ddimSteps: steps * 2 }, "steps") : null,
              ),
            ]
          : [];
      return [
        ...sampling,
        action(
          "training",
          "train longer, or lower the learning rate if the loss has stopped falling",
          model === "imported"
            ? imported("train for twice the epochs; if the loss is flat, halve the learning rate")
            : `resume to ${2 * lastEpoch} epochs and compare the fixed-seed grids; if the loss is already flat, retrain with ${lrWords}`,
          trainCommand(ctx, {}, "longer", { epochs: 2 * lastEpoch, resume: true }),
        ),
      ];
    }
    case "blur": {
      if (model === "vae")
        return [
          action(
            "objective",
            "lower the KL weight or switch the likelihood",
            `retrain with the KL weight halved and compare sharpness${at}; if still blurry, switch the ` +
              "reconstruction likelihood (Bernoulli/BCE for near-binary images instead of Gaussian/MSE)",
            trainCommand(ctx, { klWeight: Number(config["klWeight"] ?? 1) / 2 }, "kl-half"),
          ),
          action(
            "training",
            "train longer",
            `resume to ${2 * lastEpoch} epochs: VAE samples sharpen slowly`,
            trainCommand(ctx, {}, "longer", { epochs: 2 * lastEpoch, resume: true }),
          ),
        ];
      if (model === "diffusion")
        return [
          action(
            "sampling",
            "more denoising steps",
            "sample with twice the DDIM steps: too few steps average the last details away",
            typeof config["ddimSteps"] === "number"
              ? trainCommand(ctx, { ddimSteps: (config["ddimSteps"] as number) * 2 }, "steps")
              : null,
          ),
        ];
      return [
        action(
          "training",
          "train longer",
          model === "imported"
            ? imported("train for twice the epochs (blurry samples are usually under-trained)")
            : `resume to ${2 * lastEpoch} epochs: blurry samples are usually under-trained`,
          trainCommand(ctx, {}, "longer", { epochs: 2 * lastEpoch, resume: true }),
        ),
      ];
    }
  }
}

function classBalanceStep(ctx: ActionContext): string {
  return (
    `compare the generated class counts with the data's (genreview review ${shellWord(ctx.run)} --json, ` +
    "metrics class/*) and rebalance the training data if a class is rare there too"
  );
}

function severityRank(f: Flag): number {
  return f.severity === "fail" ? 0 : 1;
}

/** The flag that matters most (see the top of this file), or undefined. */
export function leadingFlag(
  flags: readonly PlacedFlag[],
  selected: number | null,
  latest: number | null,
): PlacedFlag | undefined {
  const relevant = flags.filter((p) => p.epoch === null || p.epoch === selected || p.epoch === latest);
  return [...relevant].sort(
    (a, b) =>
      severityRank(a.flag) - severityRank(b.flag) ||
      KIND_PRIORITY.indexOf(a.flag.kind) - KIND_PRIORITY.indexOf(b.flag.kind) ||
      (a.epoch === selected ? 0 : 1) - (b.epoch === selected ? 0 : 1),
  )[0];
}

/** The next action for a reviewed run: from its flags, else from the selection and the trend. */
export function suggestNextAction(
  review: RuleEvaluation,
  flags: readonly PlacedFlag[],
  ctx: ActionContext,
): NextAction {
  const selected = review.selection.epoch;
  const latest = review.rows.length > 0 ? review.rows[review.rows.length - 1]!.epoch : null;

  // a flag decides when there is one that matters
  const lead = leadingFlag(flags, selected, latest);
  if (lead !== undefined) {
    const [main, ...alternatives] = actionsForFlag(lead, ctx);
    const where = lead.epoch === null ? "run" : `epoch ${lead.epoch}`;
    return {
      ...main!,
      trigger: lead.flag.kind,
      epoch: lead.epoch,
      why: `${where}: ${lead.flag.kind}(${lead.flag.severity}) — ${lead.flag.evidence}`,
      alternatives,
    };
  }

  // no selection: repeated outputs are collapse without a flag; otherwise the model is not there yet
  const lastEpoch = Math.max(0, ...ctx.epochs);
  if (selected === null) {
    const last = review.rows[review.rows.length - 1];
    const repetition = last?.pattern === "repetition";
    const placed: PlacedFlag = {
      epoch: last?.epoch ?? null,
      flag: {
        kind: repetition ? "mode_collapse" : "noise",
        severity: "warning",
        evidence: review.selection.reason,
        values: {},
      },
    };
    const [main, ...alternatives] = actionsForFlag(placed, ctx);
    return {
      ...main!,
      trigger: "no-selection",
      epoch: last?.epoch ?? null,
      why: `no checkpoint was selected: ${review.selection.reason}`,
      alternatives,
    };
  }

  // still improving at the last checkpoint: train longer
  const lastTrend = review.trends[review.trends.length - 1];
  const row = review.rows.find((r) => r.epoch === selected)!;
  if (selected === latest && lastTrend !== undefined && lastTrend.kind === "improving") {
    return {
      change: "training",
      title: "train longer",
      firstStep:
        ctx.info.model === "imported"
          ? `train for more epochs in the tool that trained this model, then import and evaluate the new checkpoints`
          : `resume to ${2 * lastEpoch} epochs, then evaluate and review again`,
      command: trainCommand(ctx, {}, "longer", { epochs: 2 * lastEpoch, resume: true }),
      trigger: "improving",
      epoch: selected,
      why:
        `the selected checkpoint is the latest (epoch ${selected}) and quality and diversity were still rising ` +
        `(epochs ${lastTrend.fromEpoch} → ${lastTrend.toEpoch}: quality ${lastTrend.quality.from.toFixed(2)} → ` +
        `${lastTrend.quality.to.toFixed(2)}, diversity ${lastTrend.diversity.from.toFixed(2)} → ${lastTrend.diversity.to.toFixed(2)})`,
      alternatives: [],
    };
  }

  // selected and settled: keep it and package the evidence
  const plateau = selected !== latest;
  return {
    change: "none",
    title: `keep epoch ${selected}`,
    firstStep: `write the evidence package for epoch ${selected} and share it`,
    command: `genreview report ${shellWord(ctx.run)}`,
    trigger: plateau ? "plateau" : "healthy",
    epoch: selected,
    why:
      `epoch ${selected} is selected (quality ${row.quality.toFixed(2)}, diversity ${row.diversity.toFixed(2)}) and ` +
      `no flag was raised on it${plateau ? `; later checkpoints up to epoch ${latest} did not improve on it` : " or on the run"}`,
    alternatives: plateau
      ? [
          action(
            "training",
            "train for fewer epochs next time",
            `later epochs did not help: stop at about epoch ${selected} in the next run`,
            null,
          ),
        ]
      : [],
  };
}
