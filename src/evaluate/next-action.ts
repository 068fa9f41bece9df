// The next action suggested after a review: one change (data, objective, architecture, sampling or
// training schedule) with a concrete first step and, where one applies, the genreview command that
// takes it. A small rule table keyed by the flag that matters most and the model family; without flags,
// the trend decides (still improving: train longer; selected and settled: keep it and package it).
//
// Which flag matters most: only the selected checkpoint's, the latest checkpoint's and the run-wide
// flags are read (earlier checkpoints are expected to be rough: the untrained model is noise), "fail"
// before "warning", then by kind in the order of KIND_PRIORITY (ROUGH_KIND_PRIORITY for a checkpoint
// that does not draw recognisable samples yet).
import { SPEC_DEFAULTS } from "../data/spec.ts";
import type { Evaluation as RuleEvaluation } from "../review/evaluate.ts";
import type { Flag, FlagKind, RunInfo } from "../run/schema.ts";
import type { Action, ChangeKind, NextAction } from "./selection.ts";
import { DECLINE_THRESHOLDS } from "./trend.ts";

/**
 * Order of kinds when severities tie. Failing instability (divergence) first: every other measurement of
 * a diverged run is suspect. Then collapse and copying, which make a checkpoint unusable whatever its
 * scores; then noise and blur, which the scores already penalise; instability warnings (a spike the run
 * recovered from, swinging scores) last.
 */
const KIND_PRIORITY: readonly FlagKind[] = ["instability", "mode_collapse", "memorization", "noise", "blur"];

/**
 * The order at a checkpoint whose quality is still below USABLE_QUALITY: a model that does not yet draw
 * recognisable samples is first of all under-trained, and its repeated or copied outputs say little
 * until it does, so noise and blur lead there.
 */
const ROUGH_KIND_PRIORITY: readonly FlagKind[] = [
  "instability",
  "noise",
  "blur",
  "mode_collapse",
  "memorization",
];

/** Quality below which a checkpoint counts as rough (the threshold of the diversity-decline flag). */
const USABLE_QUALITY = DECLINE_THRESHOLDS.usableQuality;

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

/** Numbers in commands: at most 4 significant digits. */
function num(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** A change to a trained run's configuration: the learning rate, model settings (--set), images per epoch. */
export interface ConfigChange {
  lr?: number;
  set?: Record<string, number | string>;
  trainSize?: number;
  data?: string;
}

/** The run's resolved model settings (run.json config.modelConfig of a run trained by genreview). */
function modelConfig(ctx: ActionContext): Record<string, unknown> {
  const m = ctx.info.config["modelConfig"];
  return m !== null && typeof m === "object" ? (m as Record<string, unknown>) : {};
}

function configNumber(ctx: ActionContext, key: string): number | undefined {
  const v = ctx.info.config[key];
  return typeof v === "number" ? v : undefined;
}

function settingNumber(ctx: ActionContext, key: string): number | undefined {
  const v = modelConfig(ctx)[key];
  return typeof v === "number" ? v : undefined;
}

/**
 * `genreview train` for a variant of this run: same model, data, epochs, batch size, images per epoch
 * and seed, with `change` applied. Null for imported runs (trained elsewhere) and when a setting is not
 * one of the run's model settings (the model would not know it).
 */
export function trainCommand(ctx: ActionContext, change: ConfigChange, suffix: string): string | null {
  const { info } = ctx;
  if (info.model === "imported") return null;
  const settings = modelConfig(ctx);
  for (const key of Object.keys(change.set ?? {})) if (!(key in settings)) return null;
  const lr = change.lr ?? configNumber(ctx, "lr");
  const batch = configNumber(ctx, "batchSize");
  const trainSize = change.trainSize ?? configNumber(ctx, "trainSize");
  const parts = [
    "genreview train",
    `--model ${info.model}`,
    `--data ${shellWord(change.data ?? info.dataset.spec)}`,
    `--epochs ${configNumber(ctx, "epochs") ?? Math.max(0, ...ctx.epochs)}`,
    ...(batch === undefined ? [] : [`--batch-size ${batch}`]),
    ...(trainSize === undefined ? [] : [`--train-size ${trainSize}`]),
    ...(lr === undefined ? [] : [`--lr ${num(lr)}`]),
    ...Object.entries(change.set ?? {}).map(
      ([k, v]) => `--set ${shellWord(`${k}=${typeof v === "number" ? num(v) : v}`)}`,
    ),
    `--seed ${info.seed}`,
    `--out ${shellWord(`${ctx.run.replace(/\/+$/, "")}-${suffix}`)}`,
  ];
  return parts.join(" ");
}

/** Continue this run to `epochs` epochs (only epochs may change on resume). Null for imported runs. */
export function resumeCommand(ctx: ActionContext, epochs: number): string | null {
  if (ctx.info.model === "imported") return null;
  return `genreview train --out ${shellWord(ctx.run)} --resume --epochs ${epochs}`;
}

/** Fresh samples of one checkpoint, optionally with other DDIM steps, as PNGs and a grid. */
function sampleCommand(ctx: ActionContext, epoch: number, ddimSteps?: number): string | null {
  if (ctx.info.model === "imported") return null;
  const out = `${ctx.run.replace(/\/+$/, "")}-samples-${epoch}${ddimSteps === undefined ? "" : `-ddim${ddimSteps}`}`;
  return (
    `genreview sample ${shellWord(ctx.run)} --epoch ${epoch} --n 64` +
    (ddimSteps === undefined ? "" : ` --ddim-steps ${ddimSteps}`) +
    ` --out ${shellWord(out)} --grid ${shellWord(`${out}.png`)}`
  );
}

/** Built-in data specs carry their train size: a spec with at least `n` training images, or null. */
function builtinSpecWithTrain(spec: string, n: number): string | null {
  const match = /^(shapes|glyphs|patterns)(?::(.*))?$/.exec(spec);
  if (match === null) return null;
  const options = (match[2] ?? "").split(",").filter((p) => p !== "");
  const train = options.find((p) => p.startsWith("train="));
  const have = train === undefined ? SPEC_DEFAULTS.train : Number(train.slice(6));
  if (have >= n) return spec;
  const rest = options.filter((p) => !p.startsWith("train="));
  return `${match[1]}:${[...rest, `train=${n}`].join(",")}`;
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
  const at = placed.epoch === null ? "" : ` at epoch ${placed.epoch}`;
  const lastEpoch = Math.max(0, ...ctx.epochs);
  const epochs = configNumber(ctx, "epochs") ?? lastEpoch;
  const lr = configNumber(ctx, "lr");
  const lrWords =
    lr === undefined ? "the learning rate halved" : `the learning rate halved (${num(lr)} → ${num(lr / 2)})`;
  const halfLr: ConfigChange = lr === undefined ? {} : { lr: lr / 2 };
  const earlier = (epoch: number | null) => {
    const before = ctx.epochs.filter((e) => epoch !== null && e < epoch);
    return before.length > 0 ? before[before.length - 1]! : null;
  };
  const imported = (what: string) =>
    `in the tool that trained this model, ${what}; export samples of the new checkpoints and import them ` +
    `with genreview import SAMPLES_DIR --data ${shellWord(ctx.info.dataset.spec)} --out ${shellWord(`${ctx.run}-v2`)}`;
  const klWeight = settingNumber(ctx, "klWeight") ?? 1;
  const ddim = settingNumber(ctx, "ddimSteps");

  switch (flag.kind) {
    case "instability": {
      const where = flag.values["loss_spike/step"] ?? flag.values["diverged/step"] ?? undefined;
      const main = action(
        "training",
        "lower the learning rate",
        model === "imported"
          ? imported("halve the learning rate and clip gradients at global norm 1.0")
          : `retrain with ${lrWords} and compare the loss curve` +
              (where === undefined || where < 0
                ? " and the scores across checkpoints"
                : ` around step ${where}`),
        trainCommand(ctx, halfLr, "lr-half"),
      );
      const alternatives: Action[] = [];
      if (model === "gan")
        alternatives.push(
          action(
            "objective",
            "add an R1 penalty on real data",
            "retrain with an R1 gradient penalty of gamma 10, which keeps the discriminator from overreacting",
            trainCommand(ctx, { set: { r1Gamma: 10 } }, "r1"),
          ),
        );
      if (model === "diffusion") {
        // an average over twice as many steps: 1 - decay halved, and at least 0.999.
        const decay = settingNumber(ctx, "emaDecay");
        const longer =
          decay === undefined || decay < 0.998 ? 0.999 : Number((1 - (1 - decay) / 2).toPrecision(6));
        alternatives.push(
          action(
            "training",
            "average the weights over more steps",
            `sample from an EMA of the weights with decay ${longer} instead of ${decay ?? "the current one"}`,
            trainCommand(ctx, { set: { emaDecay: longer } }, "ema"),
          ),
        );
      }
      return [main, ...alternatives];
    }
    case "mode_collapse": {
      if (model === "vae")
        return [
          action(
            "objective",
            "lower the KL weight",
            `retrain with the KL weight halved (${num(klWeight)} → ${num(klWeight / 2)}): a strong KL term pulls every ` +
              `latent to the prior and the decoder toward an average output; compare diversity${at}`,
            trainCommand(ctx, { set: { klWeight: klWeight / 2 } }, "kl-half"),
          ),
          action("data", "check the class balance of the training data", classBalanceStep(ctx), null),
        ];
      if (model === "diffusion")
        return [
          action("data", "check the class balance of the training data", classBalanceStep(ctx), null),
          action(
            "sampling",
            "look at fresh samples for repeats",
            `draw 64 fresh samples of epoch ${placed.epoch ?? lastEpoch} and look for repeats in their grid`,
            sampleCommand(ctx, placed.epoch ?? lastEpoch),
          ),
        ];
      const before = earlier(placed.epoch);
      return [
        action(
          "objective",
          "stabilise the discriminator: a lower learning rate and an R1 penalty",
          model === "imported"
            ? imported(
                "halve both learning rates and add an R1 gradient penalty (gamma 10) or one-sided label smoothing (0.9)",
              )
            : `retrain with ${lrWords} and an R1 penalty of gamma 10; compare diversity${at} with this run`,
          trainCommand(ctx, { ...halfLr, set: { r1Gamma: 10 } }, "r1"),
        ),
        action(
          "architecture",
          "add a minibatch standard-deviation layer to the discriminator",
          "append the batch's feature standard deviation as an extra channel before the discriminator's last " +
            "layer, so that it can see repeated outputs (genreview's GAN has no such layer: a change to the model code)",
          null,
        ),
        action(
          "training",
          "keep the checkpoint before the collapse",
          before === null
            ? "no earlier checkpoint was evaluated; checkpoint more often (--every) and evaluate again"
            : `compare epoch ${before} with epoch ${placed.epoch}: the rule only selects checkpoints at or above the floor`,
          reviewCommand(ctx),
        ),
      ];
    }
    case "memorization": {
      const trainSize = configNumber(ctx, "trainSize");
      const before = earlier(placed.epoch);
      const more =
        trainSize === undefined
          ? null
          : { trainSize: 2 * trainSize, data: builtinSpecWithTrain(ctx.info.dataset.spec, 2 * trainSize) };
      return [
        action(
          "data",
          "more training data or augmentation",
          model === "imported"
            ? imported(
                "train on more images, or augment them (random shifts of 1-2 pixels, flips where the classes allow)",
              )
            : more === null
              ? "train on more images, or augment them (random shifts of 1-2 pixels, flips where the classes allow)"
              : `retrain on twice the images per epoch (${more.trainSize / 2} → ${more.trainSize}) and check ` +
                "the nearest-train distances again",
          more === null
            ? null
            : trainCommand(
                ctx,
                more.data === null
                  ? { trainSize: more.trainSize }
                  : { trainSize: more.trainSize, data: more.data },
                "more-data",
              ),
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
      const sampling =
        model === "diffusion"
          ? [
              action(
                "sampling",
                "more denoising steps",
                `sample epoch ${placed.epoch ?? lastEpoch} with ${ddim === undefined ? "twice the DDIM steps" : `${2 * ddim} DDIM steps instead of ${ddim}`} and compare the grids`,
                sampleCommand(ctx, placed.epoch ?? lastEpoch, ddim === undefined ? undefined : 2 * ddim),
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
            : `continue to ${2 * epochs} epochs and compare the fixed-seed grids; if the loss is already flat, retrain with ${lrWords}`,
          resumeCommand(ctx, 2 * epochs),
        ),
      ];
    }
    case "blur": {
      if (model === "vae")
        return [
          action(
            "objective",
            "lower the KL weight",
            `retrain with the KL weight halved (${num(klWeight)} → ${num(klWeight / 2)}) and compare sharpness${at}: ` +
              "a weaker prior lets the decoder keep detail (the reconstruction term is already Bernoulli/BCE)",
            trainCommand(ctx, { set: { klWeight: klWeight / 2 } }, "kl-half"),
          ),
          action(
            "training",
            "train longer",
            `continue to ${2 * epochs} epochs: VAE samples sharpen slowly`,
            resumeCommand(ctx, 2 * epochs),
          ),
        ];
      if (model === "diffusion")
        return [
          action(
            "sampling",
            "more denoising steps",
            `sample with ${ddim === undefined ? "twice the DDIM steps" : `${2 * ddim} DDIM steps instead of ${ddim}`}: too few steps average fine detail away`,
            sampleCommand(ctx, placed.epoch ?? lastEpoch, ddim === undefined ? undefined : 2 * ddim),
          ),
          action(
            "training",
            "train longer",
            `continue to ${2 * epochs} epochs`,
            resumeCommand(ctx, 2 * epochs),
          ),
        ];
      return [
        action(
          "training",
          "train longer",
          model === "imported"
            ? imported("train for twice the epochs (blurry samples are usually under-trained)")
            : `continue to ${2 * epochs} epochs: blurry samples are usually under-trained`,
          resumeCommand(ctx, 2 * epochs),
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

function kindRank(f: Flag, rough: boolean): number {
  const order = rough ? ROUGH_KIND_PRIORITY : KIND_PRIORITY;
  return f.kind === "instability" && f.severity === "warning" ? order.length : order.indexOf(f.kind);
}

function severityRank(f: Flag): number {
  return f.severity === "fail" ? 0 : 1;
}

/**
 * The flag that matters most (see the top of this file), or undefined. `roughEpochs` are checkpoints
 * whose quality is below USABLE_QUALITY (their kinds are ranked by ROUGH_KIND_PRIORITY).
 */
export function leadingFlag(
  flags: readonly PlacedFlag[],
  selected: number | null,
  latest: number | null,
  roughEpochs: ReadonlySet<number> = new Set(),
): PlacedFlag | undefined {
  const relevant = flags.filter((p) => p.epoch === null || p.epoch === selected || p.epoch === latest);
  const rank = (p: PlacedFlag) => kindRank(p.flag, p.epoch !== null && roughEpochs.has(p.epoch));
  return [...relevant].sort(
    (a, b) =>
      severityRank(a.flag) - severityRank(b.flag) ||
      rank(a) - rank(b) ||
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
  const rough = new Set(review.rows.filter((r) => r.quality < USABLE_QUALITY).map((r) => r.epoch));
  const lead = leadingFlag(flags, selected, latest, rough);
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
          : `continue to ${2 * (configNumber(ctx, "epochs") ?? lastEpoch)} epochs, then evaluate and review again`,
      command: resumeCommand(ctx, 2 * (configNumber(ctx, "epochs") ?? lastEpoch)),
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
