// Training: one compiled ONNX graph per model holds the forward pass, the symbolic backward pass, optional
// gradient clipping, the optimiser update and an optional EMA of the weights. Parameters and optimiser
// state are graph inputs and their updated values graph outputs, so one `step(batch)` is one session run;
// `steps(batches, k)` runs k of them in one session run through an ONNX Loop (loop.ts).
// The trainer keeps those values between steps and saves and restores them bit-exactly (safetensors).

import type ort from "onnxruntime-node";
import { CheckpointError, DivergenceError, GraphError, InputError } from "../util/errors.ts";
import { Rng, type RngState } from "../util/rng.ts";
import { grad } from "./autodiff.ts";
import { type EmittedModel, emitModel, neededTensors } from "./emit.ts";
import { formatShape, type Graph, type Tensor, type Values } from "./graph.ts";
import { type EmittedLoop, emitLoopModel, type LoopSpec } from "./loop.ts";
import { clipByGlobalNorm, type Optimizer } from "./optim.ts";
import { type NamedTensor, readSafetensors, writeSafetensors } from "./safetensors.ts";
import {
  checkFeed,
  createSession,
  ortTensor,
  ortValues,
  type RuntimeOptions,
  type WeightSource,
} from "./session.ts";

/** The EMA decay of step t (1-based) with warm-up: min(decay, (1 + t) / (10 + t)). */
function emaDecayAt(decay: number, t: number): number {
  return Math.min(decay, (1 + t) / (10 + t));
}

/** Version tag of the checkpoint layout (see saveCheckpoint). */
export const CHECKPOINT_FORMAT = "genreview-engine-checkpoint/1";

export interface EmaOptions {
  /** ema = decay * ema + (1 - decay) * weights after each step (e.g. 0.999 for diffusion models). */
  decay: number;
  /**
   * Warm the average up: step t uses min(decay, (1 + t) / (10 + t)) (as TensorFlow's
   * ExponentialMovingAverage with num_updates), so that a short run's average is not dominated by the
   * initial weights (0.999^400 = 0.67 of them would remain after 400 steps without it).
   */
  warmup?: boolean;
}

export interface TrainingOptions extends RuntimeOptions {
  /** The scalar to minimise. */
  loss: Tensor;
  /** The parameters to train (default: every parameter the loss depends on). */
  params?: readonly Tensor[];
  optimizer: Optimizer;
  /** Clip gradients to this global L2 norm before the update; the norm is then reported per step. */
  clipNorm?: number;
  /** Keep an exponential moving average of the trained weights (read it from `emaWeights`). */
  ema?: EmaOptions;
  /** More tensors to compute at each step (e.g. the loss terms), returned by `step`. */
  extraOutputs?: Readonly<Record<string, Tensor>>;
  /**
   * Values of parameters this trainer uses but does not train, read at every step: e.g. the
   * discriminator's live weights in a generator's training graph. Without it, such parameters keep
   * their initial values.
   */
  sharedWeights?: WeightSource;
}

export interface StepResult {
  loss: number;
  /** Global gradient norm before clipping (only with `clipNorm`, else null). */
  gradNorm: number | null;
  outputs: Record<string, Values>;
}

export interface MultiStepResult {
  /** The loss of each step, in order. */
  losses: number[];
  /** Global gradient norm of each step before clipping (only with `clipNorm`, else null). */
  gradNorms: number[] | null;
  /** Extra outputs of every step, stacked on a leading axis of length `count`. */
  outputs: Record<string, Values>;
}

export interface CheckpointInfo {
  step: number;
  /** The generator state saved with the checkpoint, restored (null when none was saved). */
  rng: Rng | null;
  /** The metadata passed to saveCheckpoint. */
  meta: Record<string, unknown>;
}

const NEXT = "next/";

/**
 * Build the training graph and compile it. The graph gains the gradient, optimiser and EMA ops and the
 * optimiser-state inputs; the forward part can still be used for inference graphs.
 */
export async function compileTraining(graph: Graph, options: TrainingOptions): Promise<Trainer> {
  const { loss, optimizer } = options;
  if (loss.graph !== graph) throw new GraphError("compileTraining: the loss belongs to another graph");
  const reachable = new Set(neededTensors([loss]).map((t) => t.id));
  const params =
    options.params ??
    graph
      .params()
      .map((p) => p.tensor)
      .filter((t) => reachable.has(t.id));
  for (const p of params) {
    if (p.source.kind !== "param" || p.graph !== graph)
      throw new GraphError(`compileTraining: ${p.describe()} is not a parameter of this graph`);
    if (!reachable.has(p.id))
      throw new GraphError(
        `compileTraining: parameter "${p.source.name}" does not affect the loss (an unused layer?)`,
      );
  }
  if (params.length === 0) throw new GraphError("compileTraining: the loss depends on no parameters");
  const names = params.map((p) => paramName(p));

  // backward pass, clipping, then one update per parameter.
  let grads = grad(loss, params);
  const outputs: Record<string, Tensor> = { loss };
  const stateInputs = new Map<string, Tensor>();
  const scalarInputs: Record<string, Tensor> = {};
  graph.scope("optim", () => {
    if (options.clipNorm !== undefined) {
      const clipped = clipByGlobalNorm(graph, grads, options.clipNorm);
      grads = clipped.grads;
      outputs["gradNorm"] = clipped.norm;
    }
    for (const s of optimizer.scalarNames) scalarInputs[s] = graph.ensureInput(s, []);
    params.forEach((p, i) => {
      const name = names[i]!;
      const state: Record<string, Tensor> = {};
      for (const slot of optimizer.slots) {
        const key = `optim.${slot}/${name}`;
        state[slot] = graph.ensureInput(key, p.shape);
        stateInputs.set(key, state[slot]);
      }
      const next = optimizer.update(graph, p, grads[i]!, state, scalarInputs);
      outputs[`${NEXT}${name}`] = next.param;
      for (const slot of optimizer.slots) outputs[`${NEXT}optim.${slot}/${name}`] = next.state[slot]!;
      if (options.ema) {
        // ema' = p' + decay (ema - p'), i.e. decay * ema + (1 - decay) * p'.
        const key = `ema/${name}`;
        const ema = graph.ensureInput(key, p.shape);
        stateInputs.set(key, ema);
        const decay = graph.ensureInput("ema.decay", []);
        scalarInputs["ema.decay"] = decay;
        outputs[`${NEXT}${key}`] = graph.add(next.param, graph.mul(decay, graph.sub(ema, next.param)));
      }
    });
  });
  for (const [name, t] of Object.entries(options.extraOutputs ?? {})) {
    if (name in outputs)
      throw new GraphError(`compileTraining: extra output "${name}" clashes with a training output`);
    outputs[name] = t;
  }

  const emitted = emitModel(graph, { outputs, params: "inputs", name: "training_step" });
  const { session, threads } = await createSession(emitted.bytes, options);

  // the same step as a Loop body, compiled on the first multi-step run: weights, optimiser state and
  // EMA are carried; data inputs and step scalars are per step; the loss and extras are stacked.
  const carried = [...params, ...stateInputs.values()].map((input) => {
    const key = input.source.kind === "param" || input.source.kind === "input" ? input.source.name : "";
    return { input, next: outputs[`${NEXT}${key}`]! };
  });
  const scan: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(outputs)) if (!name.startsWith(NEXT)) scan[name] = t;
  const stateIds = new Set([...stateInputs.values()].map((t) => t.id));
  const perStep = neededTensors(Object.values(outputs)).filter(
    (t) => t.source.kind === "input" && !stateIds.has(t.id),
  );
  const loopSpec: LoopSpec = { perStep, carried, scan, name: "training_steps" };
  return new Trainer(
    graph,
    options,
    names,
    emitted,
    session,
    threads,
    stateInputs,
    Object.keys(scalarInputs),
    loopSpec,
  );
}

function paramName(p: Tensor): string {
  if (p.source.kind !== "param") throw new GraphError(`${p.describe()} is not a parameter`);
  return p.source.name;
}

function copyValues(v: Values): Values {
  return v instanceof Float64Array ? new Float64Array(v) : new Float32Array(v);
}

/** Holds a model's weights and optimiser state and advances them one batch at a time. */
export class Trainer {
  /** Current values of every parameter this trainer holds, by name (the map is updated at each step). */
  readonly weights = new Map<string, Values>();
  /** Exponential moving averages of the trained weights (empty without the `ema` option). */
  readonly emaWeights = new Map<string, Values>();
  /** Learning rate of the next step (set it for schedules). */
  lr: number;
  private readonly state = new Map<string, Values>();
  private taken = 0;
  private readonly emaDecay: number | null;
  private readonly trained: Set<string>;

  constructor(
    readonly graph: Graph,
    private readonly options: TrainingOptions,
    /** Names of the trained parameters. */
    readonly trainedNames: readonly string[],
    private readonly emitted: EmittedModel,
    private readonly session: ort.InferenceSession,
    /** Threads onnxruntime uses inside each op (chosen by `autoThreads()` unless given). */
    readonly threads: number,
    stateInputs: ReadonlyMap<string, Tensor>,
    private readonly scalarNames: readonly string[],
    private readonly loopSpec: LoopSpec,
  ) {
    this.lr = options.optimizer.lr;
    this.emaDecay = options.ema?.decay ?? null;
    if (this.emaDecay !== null && !(this.emaDecay >= 0 && this.emaDecay < 1))
      throw new GraphError(`ema decay must be in [0, 1), got ${this.emaDecay}`);
    this.trained = new Set(trainedNames);
    for (const input of emitted.inputs) {
      if (input.kind !== "param") continue;
      this.weights.set(input.name, copyValues(graph.paramInfo(input.name)!.initial));
    }
    for (const [key, t] of stateInputs) {
      if (key.startsWith("ema/"))
        this.emaWeights.set(key.slice(4), copyValues(this.weights.get(key.slice(4))!));
      else this.state.set(key, graph.allocate(t.size));
    }
  }

  /** Number of steps taken (restored by loadCheckpoint). */
  get stepCount(): number {
    return this.taken;
  }

  /** The data inputs a step needs (parameters and optimiser state excluded). */
  get dataInputs(): { name: string; shape: readonly number[] }[] {
    return this.emitted.inputs
      .filter(
        (i) =>
          i.kind === "input" &&
          !this.state.has(i.name) &&
          !this.isScalar(i.name) &&
          !i.name.startsWith("ema/"),
      )
      .map((i) => ({ name: i.name, shape: i.shape }));
  }

  private isScalar(name: string): boolean {
    return this.scalarNames.includes(name);
  }

  /** One optimisation step on one batch: a single session run. Throws DivergenceError on a non-finite loss. */
  async step(feeds: Readonly<Record<string, Values>>): Promise<StepResult> {
    const t = this.taken + 1;
    const scalars = this.scalarValues(t);
    const f64 = this.graph.dtype === "float64";

    // gather the feeds: data, parameters (own or shared), optimiser state, EMA and step scalars.
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const input of this.emitted.inputs) {
      let values: Values | undefined;
      if (this.isScalar(input.name)) {
        const v = scalars[input.name]!;
        values = f64 ? new Float64Array([v]) : new Float32Array([v]);
      } else if (input.kind === "param") values = this.paramValue(input.name);
      else values = this.stateValue(input.name) ?? feeds[input.name];
      ortFeeds[input.name] = ortTensor(checkFeed(input, values), input.shape);
    }
    for (const name of Object.keys(feeds)) {
      if (!(name in ortFeeds))
        throw new InputError(
          `step: unknown input "${name}"; the graph takes ${this.dataInputs.map((i) => i.name).join(", ")}`,
        );
    }
    const result = await this.session.run(ortFeeds);

    // a non-finite loss leaves the weights as they were, so the run can be inspected or resumed.
    const loss = ortValues(result["loss"], "loss")[0]!;
    if (!Number.isFinite(loss)) throw new DivergenceError(`training step ${t}: the loss is ${loss}`);
    for (const name of this.trainedNames) {
      this.weights.set(name, ortValues(result[`${NEXT}${name}`], name));
      if (this.emaDecay !== null) this.emaWeights.set(name, ortValues(result[`${NEXT}ema/${name}`], name));
    }
    for (const key of this.state.keys()) this.state.set(key, ortValues(result[`${NEXT}${key}`], key));
    this.taken = t;

    const outputs: Record<string, Values> = {};
    for (const name of Object.keys(this.options.extraOutputs ?? {}))
      outputs[name] = ortValues(result[name], name);
    const gradNorm = result["gradNorm"] ? ortValues(result["gradNorm"], "gradNorm")[0]! : null;
    return { loss, gradNorm, outputs };
  }

  /**
   * `count` consecutive steps in one session run (an ONNX Loop over the step graph): each data input
   * holds `count` batches back to back. Same updates as `count` calls of `step` (tested bit for bit),
   * without copying the weights in and out between steps. If any step's loss is not finite, throws
   * DivergenceError and keeps the weights from before the call.
   */
  async steps(feeds: Readonly<Record<string, Values>>, count: number): Promise<MultiStepResult> {
    if (!Number.isInteger(count) || count < 1)
      throw new InputError(`steps: count must be a positive integer, got ${count}`);
    this.loop ??= await this.compileLoop();
    const { emitted, session } = this.loop;
    const f64 = this.graph.dtype === "float64";

    // per-step inputs stacked [count, ...], carried values and constant (frozen) weights.
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const input of emitted.inputs) {
      const shape = input.dims.map((d) => (d === "K" ? count : d));
      let values: Values | undefined;
      if (this.isScalar(input.name)) {
        values = f64 ? new Float64Array(count) : new Float32Array(count);
        for (let i = 0; i < count; i++) values[i] = this.scalarValues(this.taken + 1 + i)[input.name]!;
      } else if (input.role === "perStep") values = feeds[input.name];
      else values = this.stateValue(input.name) ?? this.paramValue(input.name);
      const spec = { name: input.name, shape, dtype: input.dtype, kind: "input" as const };
      ortFeeds[input.name] = ortTensor(checkFeed(spec, values), shape);
    }
    for (const name of Object.keys(feeds)) {
      if (!(name in ortFeeds))
        throw new InputError(
          `steps: unknown input "${name}"; the graph takes ${this.dataInputs.map((i) => i.name).join(", ")}`,
        );
    }
    const result = await session.run(ortFeeds);

    // all steps or none: a non-finite loss anywhere keeps the state from before the call.
    const losses = [...ortValues(result["loss"], "loss")];
    const bad = losses.findIndex((l) => !Number.isFinite(l));
    if (bad >= 0)
      throw new DivergenceError(`training step ${this.taken + 1 + bad}: the loss is ${losses[bad]}`);
    for (const output of emitted.outputs) {
      if (!output.name.startsWith(NEXT)) continue;
      const key = output.name.slice(NEXT.length);
      const values = ortValues(result[output.name], output.name);
      if (key.startsWith("ema/")) this.emaWeights.set(key.slice(4), values);
      else if (this.state.has(key)) this.state.set(key, values);
      else this.weights.set(key, values);
    }
    this.taken += count;
    const outputs: Record<string, Values> = {};
    for (const name of Object.keys(this.options.extraOutputs ?? {}))
      outputs[name] = ortValues(result[name], name);
    const gradNorms = result["gradNorm"] ? [...ortValues(result["gradNorm"], "gradNorm")] : null;
    return { losses, gradNorms, outputs };
  }

  private loop: { emitted: EmittedLoop; session: ort.InferenceSession } | undefined;

  private async compileLoop(): Promise<{ emitted: EmittedLoop; session: ort.InferenceSession }> {
    const emitted = emitLoopModel(this.graph, this.loopSpec);
    const spinning = this.options.spinning;
    const { session } = await createSession(emitted.bytes, {
      threads: this.threads,
      ...(spinning === undefined ? {} : { spinning }),
    });
    return { emitted, session };
  }

  /** Step scalars (learning-rate terms, EMA decay) of step t. */
  private scalarValues(t: number): Record<string, number> {
    const scalars = this.options.optimizer.scalars(t, this.lr);
    if (this.emaDecay !== null)
      scalars["ema.decay"] = this.options.ema?.warmup ? emaDecayAt(this.emaDecay, t) : this.emaDecay;
    return scalars;
  }

  /** The current value of an optimiser-state or EMA input, or undefined for any other name. */
  private stateValue(name: string): Values | undefined {
    return name.startsWith("ema/") ? this.emaWeights.get(name.slice(4)) : this.state.get(name);
  }

  /** The current value of a parameter: trained here, else from the shared source, else the own copy. */
  private paramValue(name: string): Values | undefined {
    const shared = this.trained.has(name) ? undefined : this.options.sharedWeights?.get(name);
    return shared ?? this.weights.get(name);
  }

  /** The training graph as ONNX bytes (parameters and state as inputs), e.g. to inspect in Netron. */
  get modelBytes(): Uint8Array {
    return this.emitted.bytes;
  }

  /**
   * Save weights, optimiser state, EMA, step count, learning rate and (optionally) the caller's Rng state
   * to a safetensors file, atomically. Layout:
   *   tensors   "param/<name>"        every parameter this trainer holds
   *             "optim.<slot>/<name>" optimiser state of trained parameters: slot "momentum" (SGD), or
   *                                   "m" and "v" (Adam, stored as m/(1-beta1) and v/(1-beta2))
   *             "ema/<name>"          EMA weights (with the ema option)
   *   metadata  "format"  CHECKPOINT_FORMAT;  "step"  steps taken;  "lr"  learning rate of the next step;
   *             "optimizer"  JSON hyper-parameters;  "rng"  JSON RngState (when given);
   *             "meta"  JSON of `meta` (when given).
   */
  saveCheckpoint(path: string, options: { rng?: Rng; meta?: Record<string, unknown> } = {}): void {
    const tensors = new Map<string, NamedTensor>();
    const shapeOf = (name: string) => this.graph.paramInfo(name)!.tensor.shape;
    for (const [name, data] of this.weights) tensors.set(`param/${name}`, { shape: shapeOf(name), data });
    for (const [key, data] of this.state)
      tensors.set(key, { shape: shapeOf(key.slice(key.indexOf("/") + 1)), data });
    for (const [name, data] of this.emaWeights) tensors.set(`ema/${name}`, { shape: shapeOf(name), data });
    const metadata: Record<string, string> = {
      format: CHECKPOINT_FORMAT,
      step: String(this.taken),
      lr: String(this.lr),
      optimizer: JSON.stringify(this.options.optimizer.config),
    };
    if (options.rng) metadata["rng"] = JSON.stringify(options.rng.state());
    if (options.meta) metadata["meta"] = JSON.stringify(options.meta);
    writeSafetensors(path, tensors, metadata);
  }

  /** Restore everything saveCheckpoint wrote; the file must match this trainer's tensors exactly. */
  loadCheckpoint(path: string): CheckpointInfo {
    const { tensors, metadata } = readSafetensors(path);
    if (metadata["format"] !== CHECKPOINT_FORMAT)
      throw new CheckpointError(
        `${path}: expected format ${CHECKPOINT_FORMAT}, found ${metadata["format"] ?? "none"}`,
        { file: path },
      );
    const expected = new Map<string, { target: Map<string, Values>; key: string; size: number }>();
    for (const [name, v] of this.weights)
      expected.set(`param/${name}`, { target: this.weights, key: name, size: v.length });
    for (const [key, v] of this.state) expected.set(key, { target: this.state, key, size: v.length });
    for (const [name, v] of this.emaWeights)
      expected.set(`ema/${name}`, { target: this.emaWeights, key: name, size: v.length });
    const missing = [...expected.keys()].filter((k) => !tensors.has(k));
    const unexpected = [...tensors.keys()].filter((k) => !expected.has(k));
    if (missing.length > 0 || unexpected.length > 0)
      throw new CheckpointError(
        `${path}: tensors do not match this model (missing: ${missing.join(", ") || "none"}; unexpected: ${unexpected.join(", ") || "none"})`,
        { file: path },
      );
    // check everything before changing anything, so a bad file leaves the trainer as it was.
    const f64 = this.graph.dtype === "float64";
    for (const [name, { size }] of expected) {
      const t = tensors.get(name)!;
      if (t.data.length !== size || t.data instanceof Float64Array !== f64)
        throw new CheckpointError(
          `${path}: tensor "${name}" ${formatShape(t.shape)} does not match the model's ${size} ${this.graph.dtype} values`,
          { file: path },
        );
    }
    const step = Number(metadata["step"]);
    const lr = Number(metadata["lr"]);
    if (!Number.isInteger(step) || step < 0 || !Number.isFinite(lr))
      throw new CheckpointError(
        `${path}: metadata step "${metadata["step"]}" or lr "${metadata["lr"]}" is invalid`,
        { file: path },
      );
    const rng = metadata["rng"] === undefined ? null : Rng.fromState(parseRngState(metadata["rng"], path));
    const meta = metadata["meta"] === undefined ? {} : parseMeta(metadata["meta"], path);

    for (const [name, { target, key }] of expected) target.set(key, tensors.get(name)!.data);
    this.taken = step;
    this.lr = lr;
    return { step, rng, meta };
  }

  async dispose(): Promise<void> {
    await this.session.release();
    await this.loop?.session.release();
  }
}

/**
 * The parameter values of a checkpoint by name (its "param/" tensors, or its "ema/" tensors with
 * `{ ema: true }`), e.g. as the weight source of an inference model sampling from a saved run.
 */
export function readCheckpointWeights(path: string, options: { ema?: boolean } = {}): Map<string, Values> {
  const { tensors, metadata } = readSafetensors(path);
  if (metadata["format"] !== CHECKPOINT_FORMAT)
    throw new CheckpointError(
      `${path}: expected format ${CHECKPOINT_FORMAT}, found ${metadata["format"] ?? "none"}`,
      { file: path },
    );
  const prefix = options.ema ? "ema/" : "param/";
  const out = new Map<string, Values>();
  for (const [name, t] of tensors) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), t.data);
  if (out.size === 0)
    throw new CheckpointError(`${path}: no "${prefix}" tensors in the checkpoint`, { file: path });
  return out;
}

function parseJson(text: string, what: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${path}: metadata "${what}" is not valid JSON`, { file: path, cause: error });
  }
}

function parseRngState(text: string, path: string): RngState {
  const v = parseJson(text, "rng", path);
  const state = (v ?? {}) as { s?: unknown; spare?: unknown };
  const words: unknown[] = Array.isArray(state.s) ? state.s : [];
  const valid = words.filter(
    (w): w is number => typeof w === "number" && Number.isInteger(w) && w >= 0 && w < 2 ** 32,
  );
  const spare = state.spare;
  if (words.length !== 4 || valid.length !== 4 || !(spare === null || typeof spare === "number"))
    throw new CheckpointError(`${path}: metadata "rng" is not a generator state {s: [4 words], spare}`, {
      file: path,
    });
  return { s: [valid[0]!, valid[1]!, valid[2]!, valid[3]!], spare };
}

function parseMeta(text: string, path: string): Record<string, unknown> {
  const v = parseJson(text, "meta", path);
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new CheckpointError(`${path}: metadata "meta" is not a JSON object`, { file: path });
  return { ...v };
}
