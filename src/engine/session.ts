// Running emitted graphs with onnxruntime-node: session creation with the settings that were measured to
// be fastest here, feed validation, and inference models that read their weights from a live source
// (a trainer's current weights) and can be exported as standalone .onnx files.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import ort from "onnxruntime-node";
import { writeFileAtomic } from "../util/atomic.ts";
import { GraphError, InputError } from "../util/errors.ts";
import { type EmittedModel, emitModel, type ModelInput } from "./emit.ts";
import { formatShape, type Graph, type Tensor, type Values } from "./graph.ts";

/**
 * Parameter values by name, e.g. a trainer's `weights` (a live map updated at every step). Any object with
 * `get` works, so a source can also look values up lazily, e.g. `{ get: (n) => other.weights.get(n) }`.
 */
export interface WeightSource {
  get(name: string): Values | undefined;
}

export interface RuntimeOptions {
  /** Threads inside one op (default: `autoThreads()`). */
  threads?: number;
  /**
   * Let idle pool threads spin between ops (onnxruntime's default, true): fastest on an idle machine,
   * but with more runnable processes than cores a spinning thread steals the time its peers need.
   */
  spinning?: boolean;
}

/**
 * The default thread count: all cores minus the cores other processes keep busy right now (rounded), at
 * least 1. A pool of threads that wait on each other at every op loses badly on an oversubscribed
 * machine: measured on 2 cores at load ~12, the MLP VAE step took 36 ms with 1 thread and 79 ms with 2.
 * Results do not depend on the thread count (onnxruntime's CPU kernels split work without changing the
 * order of sums; checked bit-for-bit in model.test.ts), so the choice changes speed, never a run.
 */
export async function autoThreads(): Promise<number> {
  const cores = availableParallelism();
  const busy = (await busyCoresNow()) ?? loadavg()[0] ?? 0;
  return Math.max(1, Math.min(cores, cores - Math.round(busy)));
}

/** /proc/stat's aggregate CPU line as [busy, total] jiffies, or null off Linux. */
function cpuJiffies(): [number, number] | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the idle time.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return Number.isFinite(total) && total > 0 ? [total - idle, total] : null;
  } catch {
    return null;
  }
}

/**
 * Cores kept busy by other processes over the next 200 ms (this process excluded), or null where
 * /proc/stat is unavailable. 200 ms: long enough to average over scheduler ticks (10 ms), short
 * beside compiling a session.
 */
async function busyCoresNow(): Promise<number | null> {
  const before = cpuJiffies();
  const ownBefore = process.cpuUsage();
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = cpuJiffies();
  if (before === null || after === null || after[1] === before[1]) return null;
  const cores = availableParallelism();
  const own = process.cpuUsage(ownBefore);
  const ownCores = (own.user + own.system) / 1000 / (performance.now() - start);
  return Math.max(0, ((after[0] - before[0]) / (after[1] - before[1])) * cores - ownCores);
}

/** An onnxruntime session over serialized model bytes. */
export async function createSession(
  bytes: Uint8Array,
  options: RuntimeOptions = {},
): Promise<{ session: ort.InferenceSession; threads: number }> {
  const threads = options.threads ?? (await autoThreads());
  try {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      ...(process.env["GENREVIEW_ORT_PROFILE"]
        ? { enableProfiling: true, profileFilePrefix: process.env["GENREVIEW_ORT_PROFILE"] }
        : {}),
      ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: "0" } } } } : {}),
    });
    return { session, threads };
  } catch (error) {
    throw new GraphError(
      `onnxruntime rejected the emitted model: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Wrap values as an onnxruntime tensor (no copy). */
export function ortTensor(values: Values, shape: readonly number[]): ort.Tensor {
  return values instanceof Float64Array ? new ort.Tensor(values, shape) : new ort.Tensor(values, shape);
}

/** Read a float output tensor's values. */
export function ortValues(tensor: ort.Tensor | undefined, name: string): Values {
  const data = tensor?.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  throw new GraphError(`output "${name}" is missing or not a float tensor`);
}

/** Check one fed value against the model input it is for. */
export function checkFeed(input: ModelInput, values: Values | undefined): Values {
  const expected = input.shape.reduce((n, d) => n * d, 1);
  const wantF64 = input.dtype === "float64";
  if (values === undefined) throw new InputError(`missing input "${input.name}" ${formatShape(input.shape)}`);
  if (values.length !== expected || values instanceof Float64Array !== wantF64)
    throw new InputError(
      `input "${input.name}" expects ${expected} ${input.dtype} values ${formatShape(input.shape)}, ` +
        `got ${values.length} ${values instanceof Float64Array ? "float64" : "float32"} values`,
    );
  return values;
}

export interface InferenceOptions extends RuntimeOptions {
  /** Where parameter values come from at each run (default: the graph's initial values). */
  weights?: WeightSource;
  /** Accept any batch size on axis 0 of the inputs and outputs (see EmitOptions.dynamicBatch). */
  dynamicBatch?: boolean;
}

/** A compiled forward graph: inputs fed by name, parameters read from the weight source at each run. */
export class InferenceModel {
  private constructor(
    private readonly graph: Graph,
    private readonly outputs: Readonly<Record<string, Tensor>>,
    private readonly session: ort.InferenceSession,
    private readonly emitted: EmittedModel,
    private readonly weights: WeightSource | undefined,
    private readonly dynamicBatch: boolean,
  ) {}

  static async compile(
    graph: Graph,
    outputs: Readonly<Record<string, Tensor>>,
    options: InferenceOptions = {},
  ): Promise<InferenceModel> {
    const dynamicBatch = options.dynamicBatch ?? false;
    const emitted = emitModel(graph, { outputs, params: "inputs", dynamicBatch });
    const model = new InferenceModel(
      graph,
      outputs,
      (await createSession(emitted.bytes, options)).session,
      emitted,
      options.weights,
      dynamicBatch,
    );
    for (const input of emitted.inputs) if (input.kind === "param") model.weight(input.name);
    return model;
  }

  /** The data inputs the model expects (parameters excluded). */
  get inputs(): ModelInput[] {
    return this.emitted.inputs.filter((i) => i.kind === "input");
  }

  private weight(name: string): Values {
    const values = this.weights ? this.weights.get(name) : this.graph.paramInfo(name)?.initial;
    const info = this.graph.paramInfo(name);
    if (!values || !info || values.length !== info.tensor.size)
      throw new GraphError(
        `no values for parameter "${name}" ${formatShape(info?.tensor.shape ?? [])} in the weight source`,
      );
    return values;
  }

  /** Run once. With a dynamic batch, every data input may hold any whole number of samples. */
  async run(feeds: Readonly<Record<string, Values>>): Promise<Record<string, Values>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    let batch: number | null = null;
    for (const input of this.emitted.inputs) {
      if (input.kind === "param") {
        ortFeeds[input.name] = ortTensor(this.weight(input.name), input.shape);
        continue;
      }
      const values = feeds[input.name];
      let shape = input.shape;
      if (this.dynamicBatch && values !== undefined) {
        const perSample = input.shape.slice(1).reduce((n, d) => n * d, 1);
        const n = values.length / perSample;
        if (!Number.isInteger(n) || n < 1 || (batch !== null && n !== batch))
          throw new InputError(
            `input "${input.name}" expects N x ${formatShape(input.shape.slice(1))} values with one N for all inputs, got ${values.length}`,
          );
        batch = n;
        shape = [n, ...input.shape.slice(1)];
      }
      ortFeeds[input.name] = ortTensor(checkFeed({ ...input, shape }, values), shape);
    }
    const result = await this.session.run(ortFeeds);
    const out: Record<string, Values> = {};
    for (const name of Object.keys(this.outputs)) out[name] = ortValues(result[name], name);
    return out;
  }

  /** The model with the current weights inside, as ONNX bytes (runs anywhere without genreview). */
  toBytes(options: { name?: string } = {}): Uint8Array {
    return emitModel(this.graph, {
      outputs: this.outputs,
      params: "initializers",
      weight: (name) => this.weight(name),
      dynamicBatch: this.dynamicBatch,
      ...(options.name === undefined ? {} : { name: options.name }),
    }).bytes;
  }

  /** Write the standalone model (weights as initializers) atomically. */
  exportOnnx(path: string, options: { name?: string } = {}): void {
    writeFileAtomic(path, this.toBytes(options));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Compile a forward graph for repeated runs. */
export function compileInference(
  graph: Graph,
  outputs: Readonly<Record<string, Tensor>>,
  options: InferenceOptions = {},
): Promise<InferenceModel> {
  return InferenceModel.compile(graph, outputs, options);
}

/** Compile, run once and release: for one-off computations and tests. */
export async function runGraph(
  graph: Graph,
  outputs: Readonly<Record<string, Tensor>>,
  feeds: Readonly<Record<string, Values>> = {},
  options: InferenceOptions = {},
): Promise<Record<string, Values>> {
  const model = await compileInference(graph, outputs, options);
  try {
    return await model.run(feeds);
  } finally {
    await model.dispose();
  }
}
