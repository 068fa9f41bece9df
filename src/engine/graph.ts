// The graph builder: records a model's forward pass as a list of primitive ops over tensors with static
// shapes, checking every shape when the op is added. Gradients (autodiff.ts), optimiser updates (optim.ts)
// and ONNX emission (emit.ts) all work on this record. Every primitive maps to one standard ONNX op.
// Legend: N batch, C channels, H x W spatial size, M output channels, k kernel size, s stride, p padding.
import { GraphError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";

/** Element types: float32 for networks, float64 for gradient checks, bool for masks. */
export type DType = "float32" | "float64" | "bool";
export type FloatDType = "float32" | "float64";
/** Tensor values on the TypeScript side. */
export type Values = Float32Array | Float64Array;
export type Shape = readonly number[];

/** The primitive ops; each is emitted as the ONNX op of the same name. */
export type OpType =
  | "Add"
  | "Sub"
  | "Mul"
  | "Div"
  | "Pow"
  | "Min"
  | "Max"
  | "Neg"
  | "Exp"
  | "Log"
  | "Sqrt"
  | "Abs"
  | "Sign"
  | "Relu"
  | "LeakyRelu"
  | "Sigmoid"
  | "Tanh"
  | "Softplus"
  | "Identity"
  | "Sum"
  | "Greater"
  | "Cast"
  | "Where"
  | "MatMul"
  | "Gemm"
  | "Conv"
  | "ConvTranspose"
  | "Reshape"
  | "Transpose"
  | "Concat"
  | "Slice"
  | "Pad"
  | "Expand"
  | "Resize"
  | "AveragePool"
  | "LayerNormalization"
  | "InvStdDev"
  | "ReduceSum"
  | "ReduceMean";

/** Op attributes: integers, integer lists and floats, read back with the typed getters below. */
export type Attrs = Readonly<Record<string, number | readonly number[]>>;

export interface Node {
  readonly op: OpType;
  readonly inputs: readonly Tensor[];
  readonly attrs: Attrs;
  /** The layer the op was recorded in ("" outside any layer), for error messages and ONNX node names. */
  readonly layer: string;
}

/** Where a tensor's value comes from. */
export type Source =
  | { readonly kind: "input"; readonly name: string }
  | { readonly kind: "param"; readonly name: string }
  | { readonly kind: "const"; readonly values: Values }
  | { readonly kind: "op"; readonly node: Node };

/** An initialiser: fills `out` (length = product of `shape`) from a seeded stream. */
export type Init = (rng: Rng, shape: Shape, out: Values) => void;

export interface ParamInfo {
  readonly name: string;
  readonly tensor: Tensor;
  /** Initial values, drawn when the parameter was declared. */
  readonly initial: Values;
}

/** Convolution settings in ONNX order: strides [sH, sW], pads [top, left, bottom, right], dilations. */
export interface ConvOptions {
  strides?: readonly [number, number];
  pads?: readonly [number, number, number, number];
  dilations?: readonly [number, number];
}

export interface ConvTransposeOptions extends ConvOptions {
  /** Extra rows/columns added at the bottom/right of the output (each < stride). */
  outputPadding?: readonly [number, number];
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Numpy broadcasting of two shapes, or null when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** A symbolic tensor: a handle to a value of the graph, with its static shape. */
export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly source: Source,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  /** A readable description for error messages: kind, name when there is one, and shape. */
  describe(): string {
    const s = this.source;
    const label = s.kind === "op" ? s.node.op : s.kind === "const" ? "constant" : `${s.kind} "${s.name}"`;
    return `${label} ${formatShape(this.shape)}`;
  }

  add(other: Tensor | number): Tensor {
    return this.graph.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return this.graph.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return this.graph.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return this.graph.div(this, other);
  }
  matmul(other: Tensor): Tensor {
    return this.graph.matmul(this, other);
  }
  neg(): Tensor {
    return this.graph.neg(this);
  }
  exp(): Tensor {
    return this.graph.exp(this);
  }
  log(): Tensor {
    return this.graph.log(this);
  }
  sqrt(): Tensor {
    return this.graph.sqrt(this);
  }
  square(): Tensor {
    return this.graph.mul(this, this);
  }
  pow(exponent: Tensor | number): Tensor {
    return this.graph.pow(this, exponent);
  }
  relu(): Tensor {
    return this.graph.relu(this);
  }
  leakyRelu(alpha = 0.2): Tensor {
    return this.graph.leakyRelu(this, alpha);
  }
  sigmoid(): Tensor {
    return this.graph.sigmoid(this);
  }
  tanh(): Tensor {
    return this.graph.tanh(this);
  }
  softplus(): Tensor {
    return this.graph.softplus(this);
  }
  reshape(shape: readonly number[]): Tensor {
    return this.graph.reshape(this, shape);
  }
  transpose(perm: readonly number[]): Tensor {
    return this.graph.transpose(this, perm);
  }
  /** [N, ...] -> [N, rest]. */
  flatten(): Tensor {
    return this.graph.reshape(this, [this.shape[0] ?? 1, -1]);
  }
  sum(axes?: readonly number[], keepDims = false): Tensor {
    return this.graph.sum(this, axes, keepDims);
  }
  mean(axes?: readonly number[], keepDims = false): Tensor {
    return this.graph.mean(this, axes, keepDims);
  }
}

export interface GraphOptions {
  /** Seed of the parameter initialisers; each parameter draws from `new Rng(seed).fork(name)`. */
  seed?: number;
  /** Element type of inputs, parameters and constants (default float32). */
  dtype?: FloatDType;
}

/** Records a computation. Build one per model variant (training step, sampler, ...). */
export class Graph {
  readonly dtype: FloatDType;
  readonly seed: number;
  private readonly tensors: Tensor[] = [];
  private readonly inputsByName = new Map<string, Tensor>();
  private readonly paramsByName = new Map<string, ParamInfo>();
  private readonly scalarCache = new Map<string, Tensor>();
  private readonly layerStack: string[] = [];
  private readonly rootRng: Rng;

  constructor(options: GraphOptions = {}) {
    this.dtype = options.dtype ?? "float32";
    this.seed = options.seed ?? 0;
    this.rootRng = new Rng(this.seed);
  }

  // ---- bookkeeping -------------------------------------------------------------------------------

  /** The current layer name ("" at top level). */
  get layer(): string {
    return this.layerStack.join(".");
  }

  /** Run `build` with ops, errors and parameter names scoped to layer `name` (nested with "."). */
  scope<T>(name: string, build: () => T): T {
    this.layerStack.push(name);
    try {
      return build();
    } finally {
      this.layerStack.pop();
    }
  }

  /** Every tensor recorded so far, in creation (topological) order. */
  allTensors(): readonly Tensor[] {
    return this.tensors;
  }

  inputs(): Tensor[] {
    return [...this.inputsByName.values()];
  }

  params(): ParamInfo[] {
    return [...this.paramsByName.values()];
  }

  paramInfo(name: string): ParamInfo | undefined {
    return this.paramsByName.get(name);
  }

  /** Allocate values of this graph's float type. */
  allocate(length: number): Values {
    return this.dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
  }

  fail(op: string, message: string): never {
    const where = this.layer === "" ? "" : ` in layer "${this.layer}"`;
    throw new GraphError(`${op}${where}: ${message}`);
  }

  private make(shape: Shape, dtype: DType, source: Source): Tensor {
    const t = new Tensor(this, this.tensors.length, Object.freeze([...shape]), dtype, source);
    this.tensors.push(t);
    return t;
  }

  /** Record a primitive op whose output shape and type the caller has already checked. */
  node(op: OpType, inputs: readonly Tensor[], attrs: Attrs, shape: Shape, dtype: DType): Tensor {
    for (const t of inputs) {
      if (t.graph !== this) this.fail(op, `${t.describe()} belongs to another graph`);
    }
    return this.make(shape, dtype, { kind: "op", node: { op, inputs, attrs, layer: this.layer } });
  }

  // ---- leaves ------------------------------------------------------------------------------------

  /** A value fed at each run (data, noise, latents). Names must be unique in the graph. */
  input(name: string, shape: Shape, dtype: FloatDType = this.dtype): Tensor {
    checkShape(this, "input", shape);
    if (this.inputsByName.has(name) || this.paramsByName.has(name))
      this.fail("input", `the name "${name}" is already used`);
    const t = this.make(shape, dtype, { kind: "input", name });
    this.inputsByName.set(name, t);
    return t;
  }

  /** The input `name` if it exists with this shape and type, else a new one (for optimiser state). */
  ensureInput(name: string, shape: Shape, dtype: FloatDType = this.dtype): Tensor {
    const existing = this.inputsByName.get(name);
    if (!existing) return this.input(name, shape, dtype);
    if (
      existing.dtype !== dtype ||
      existing.shape.length !== shape.length ||
      existing.shape.some((d, i) => d !== shape[i])
    )
      this.fail("input", `"${name}" exists as ${existing.describe()}, not ${formatShape(shape)} ${dtype}`);
    return existing;
  }

  /**
   * A trainable parameter, named `<layer>.<name>` inside a scope. Its initial values are drawn from
   * `new Rng(seed).fork(fullName)`, so they depend on the seed and the name only, not on build order.
   * Declaring an existing name again with the same shape returns the same parameter (weight sharing).
   */
  param(name: string, shape: Shape, init: Init): Tensor {
    const fullName = this.layer === "" ? name : `${this.layer}.${name}`;
    checkShape(this, "param", shape);
    // the same layer applied twice (a discriminator on real and generated batches) shares its weights.
    const existing = this.paramsByName.get(fullName);
    if (existing) {
      const same =
        existing.tensor.shape.length === shape.length &&
        existing.tensor.shape.every((d, i) => d === shape[i]);
      if (!same)
        this.fail(
          "param",
          `"${fullName}" exists as ${formatShape(existing.tensor.shape)}, redeclared as ${formatShape(shape)}`,
        );
      return existing.tensor;
    }
    if (this.inputsByName.has(fullName))
      this.fail("param", `the name "${fullName}" is already used by an input`);
    const initial = this.allocate(sizeOf(shape));
    init(this.rootRng.fork(fullName), shape, initial);
    const tensor = this.make(shape, this.dtype, { kind: "param", name: fullName });
    this.paramsByName.set(fullName, { name: fullName, tensor, initial });
    return tensor;
  }

  /** A constant tensor of this graph's float type. */
  constant(values: ArrayLike<number>, shape: Shape): Tensor {
    checkShape(this, "constant", shape);
    if (values.length !== sizeOf(shape))
      this.fail("constant", `${values.length} values do not fill shape ${formatShape(shape)}`);
    const data = this.allocate(values.length);
    data.set(values);
    return this.make(shape, this.dtype, { kind: "const", values: data });
  }

  /** A rank-0 constant (cached, so repeated scalars share one initializer). */
  scalar(value: number, dtype: FloatDType = this.dtype): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? "-0" : String(value)}`;
    const cached = this.scalarCache.get(key);
    if (cached) return cached;
    const data = dtype === "float64" ? new Float64Array([value]) : new Float32Array([value]);
    const t = this.make([], dtype, { kind: "const", values: data });
    this.scalarCache.set(key, t);
    return t;
  }

  private lift(x: Tensor | number, like: Tensor): Tensor {
    if (typeof x !== "number") return x;
    return this.scalar(x, like.dtype === "float64" ? "float64" : "float32");
  }

  // ---- elementwise -------------------------------------------------------------------------------

  private binary(op: OpType, aIn: Tensor | number, bIn: Tensor | number, outType?: DType): Tensor {
    const like = typeof aIn === "number" ? (typeof bIn === "number" ? null : bIn) : aIn;
    if (like === null) this.fail(op, "needs at least one tensor");
    const a = this.lift(aIn, like);
    const b = this.lift(bIn, like);
    if (a.dtype !== b.dtype) this.fail(op, `element types differ: ${a.dtype} and ${b.dtype}`);
    const shape = broadcastShapes(a.shape, b.shape);
    if (shape === null)
      this.fail(op, `shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
    return this.node(op, [a, b], {}, shape, outType ?? a.dtype);
  }

  add(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary("Add", a, b);
  }
  sub(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary("Sub", a, b);
  }
  mul(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary("Mul", a, b);
  }
  div(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary("Div", a, b);
  }
  /** a^b elementwise; a numeric exponent is a constant. */
  pow(a: Tensor, b: Tensor | number): Tensor {
    return this.binary("Pow", a, b);
  }
  minimum(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary("Min", a, b);
  }
  maximum(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary("Max", a, b);
  }
  /** a > b as a bool mask (no gradient flows through it). */
  greater(a: Tensor | number, b: Tensor | number): Tensor {
    return this.binary("Greater", a, b, "bool");
  }

  /** A bool mask as 1 and 0 in the graph's float type (no gradient flows through it). */
  mask(cond: Tensor): Tensor {
    if (cond.dtype !== "bool") this.fail("Cast", `the mask must be bool, got ${cond.dtype}`);
    // ONNX TensorProto element types: 1 = FLOAT, 11 = DOUBLE.
    return this.node("Cast", [cond], { to: this.dtype === "float64" ? 11 : 1 }, cond.shape, this.dtype);
  }

  /** cond ? a : b elementwise, broadcasting all three. */
  where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
    if (cond.dtype !== "bool") this.fail("Where", `the condition must be bool, got ${cond.dtype}`);
    const like = typeof a === "number" ? (typeof b === "number" ? null : b) : a;
    if (like === null) this.fail("Where", "needs at least one tensor branch");
    const ta = this.lift(a, like);
    const tb = this.lift(b, like);
    if (ta.dtype !== tb.dtype) this.fail("Where", `branch types differ: ${ta.dtype} and ${tb.dtype}`);
    const ab = broadcastShapes(ta.shape, tb.shape);
    const shape = ab && broadcastShapes(cond.shape, ab);
    if (!shape)
      this.fail(
        "Where",
        `shapes ${formatShape(cond.shape)}, ${formatShape(ta.shape)}, ${formatShape(tb.shape)} do not broadcast`,
      );
    return this.node("Where", [cond, ta, tb], {}, shape, ta.dtype);
  }

  private unary(op: OpType, x: Tensor, attrs: Attrs = {}): Tensor {
    if (x.dtype === "bool") this.fail(op, `needs a float tensor, got bool ${formatShape(x.shape)}`);
    return this.node(op, [x], attrs, x.shape, x.dtype);
  }

  neg(x: Tensor): Tensor {
    return this.unary("Neg", x);
  }
  exp(x: Tensor): Tensor {
    return this.unary("Exp", x);
  }
  log(x: Tensor): Tensor {
    return this.unary("Log", x);
  }
  sqrt(x: Tensor): Tensor {
    return this.unary("Sqrt", x);
  }
  abs(x: Tensor): Tensor {
    return this.unary("Abs", x);
  }
  sign(x: Tensor): Tensor {
    return this.unary("Sign", x);
  }
  relu(x: Tensor): Tensor {
    return this.unary("Relu", x);
  }
  /** max(x, alpha x) for a slope 0 <= alpha < 1. */
  leakyRelu(x: Tensor, alpha = 0.2): Tensor {
    if (!(alpha >= 0 && alpha < 1)) this.fail("LeakyRelu", `alpha must be in [0, 1), got ${alpha}`);
    return this.unary("LeakyRelu", x, { alpha });
  }
  sigmoid(x: Tensor): Tensor {
    return this.unary("Sigmoid", x);
  }
  tanh(x: Tensor): Tensor {
    return this.unary("Tanh", x);
  }
  /** log(1 + e^x), emitted in a stable form (see emit.ts). */
  softplus(x: Tensor): Tensor {
    return this.unary("Softplus", x);
  }
  identity(x: Tensor): Tensor {
    return this.node("Identity", [x], {}, x.shape, x.dtype);
  }

  /** Elementwise sum of several tensors (broadcasting), one pass over memory. */
  addN(xs: readonly Tensor[]): Tensor {
    const first = xs[0];
    if (first === undefined) this.fail("Sum", "needs at least one tensor");
    if (xs.length === 1) return first;
    let shape: number[] | null = [...first.shape];
    for (const x of xs) {
      if (x.dtype !== first.dtype) this.fail("Sum", `element types differ: ${first.dtype} and ${x.dtype}`);
      shape = shape && broadcastShapes(shape, x.shape);
    }
    if (!shape) this.fail("Sum", `shapes ${xs.map((x) => formatShape(x.shape)).join(", ")} do not broadcast`);
    return this.node("Sum", xs, {}, shape, first.dtype);
  }

  // ---- linear algebra ----------------------------------------------------------------------------

  /** Matrix product over the last two axes, broadcasting leading (batch) axes: [..., M, K] x [..., K, N]. */
  matmul(a: Tensor, b: Tensor): Tensor {
    if (a.rank < 2 || b.rank < 2)
      this.fail("MatMul", `needs rank >= 2 operands, got ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
    if (a.dtype !== b.dtype) this.fail("MatMul", `element types differ: ${a.dtype} and ${b.dtype}`);
    const [m, k] = a.shape.slice(-2) as [number, number];
    const [k2, n] = b.shape.slice(-2) as [number, number];
    if (k !== k2)
      this.fail(
        "MatMul",
        `inner dimensions differ: ${formatShape(a.shape)} x ${formatShape(b.shape)} (${k} vs ${k2})`,
      );
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!batch)
      this.fail(
        "MatMul",
        `batch axes of ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`,
      );
    return this.node("MatMul", [a, b], {}, [...batch, m, n], a.dtype);
  }

  /** op(A) x op(B) (+ C) for 2-D operands, op = transpose when the flag is set (ONNX Gemm). */
  gemm(a: Tensor, b: Tensor, options: { transA?: boolean; transB?: boolean; c?: Tensor } = {}): Tensor {
    const transA = options.transA ?? false;
    const transB = options.transB ?? false;
    if (a.rank !== 2 || b.rank !== 2)
      this.fail("Gemm", `needs 2-D operands, got ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
    const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [k2, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (k !== k2)
      this.fail(
        "Gemm",
        `inner dimensions differ: ${formatShape(a.shape)}${transA ? "^T" : ""} x ${formatShape(b.shape)}${transB ? "^T" : ""}`,
      );
    const inputs = [a, b];
    if (options.c) {
      const cs = broadcastShapes(options.c.shape, [m, n]);
      if (!cs || cs[0] !== m || cs[1] !== n)
        this.fail("Gemm", `bias ${formatShape(options.c.shape)} does not broadcast to [${m},${n}]`);
      inputs.push(options.c);
    }
    return this.node("Gemm", inputs, { transA: transA ? 1 : 0, transB: transB ? 1 : 0 }, [m, n], a.dtype);
  }

  // ---- convolutions ------------------------------------------------------------------------------

  /** 2-D convolution (cross-correlation): x [N,C,H,W], w [M,C,kH,kW], bias [M] -> [N,M,H',W']. */
  conv2d(x: Tensor, w: Tensor, bias: Tensor | null, options: ConvOptions = {}): Tensor {
    const { strides, pads, dilations } = convSettings(this, "Conv", options);
    if (x.rank !== 4 || w.rank !== 4)
      this.fail(
        "Conv",
        `needs x [N,C,H,W] and w [M,C,kH,kW], got ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
      );
    const [n, c, h, wd] = x.shape as [number, number, number, number];
    const [m, cw, kh, kw] = w.shape as [number, number, number, number];
    if (c !== cw)
      this.fail("Conv", `input has ${c} channels but the kernel ${formatShape(w.shape)} expects ${cw}`);
    const outH = Math.floor((h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0]) + 1;
    const outW = Math.floor((wd + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1]) + 1;
    if (outH < 1 || outW < 1)
      this.fail("Conv", `kernel ${kh}x${kw} does not fit input ${h}x${wd} with pads ${formatShape(pads)}`);
    const inputs = [x, w];
    if (bias) {
      if (bias.rank !== 1 || bias.shape[0] !== m)
        this.fail("Conv", `bias must have shape [${m}], got ${formatShape(bias.shape)}`);
      inputs.push(bias);
    }
    const attrs = { strides, pads, dilations, kernel_shape: [kh, kw] };
    return this.node("Conv", inputs, attrs, [n, m, outH, outW], x.dtype);
  }

  /**
   * 2-D transposed convolution (the adjoint of conv2d): x [N,C,H,W], w [C,M,kH,kW], bias [M] ->
   * [N,M,H',W'] with H' = s(H-1) + d(k-1) + 1 - pTop - pBottom + outputPadding.
   */
  convTranspose2d(x: Tensor, w: Tensor, bias: Tensor | null, options: ConvTransposeOptions = {}): Tensor {
    const { strides, pads, dilations } = convSettings(this, "ConvTranspose", options);
    const outputPadding = options.outputPadding ?? [0, 0];
    if (x.rank !== 4 || w.rank !== 4)
      this.fail(
        "ConvTranspose",
        `needs x [N,C,H,W] and w [C,M,kH,kW], got ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
      );
    const [n, c, h, wd] = x.shape as [number, number, number, number];
    const [cw, m, kh, kw] = w.shape as [number, number, number, number];
    if (c !== cw)
      this.fail(
        "ConvTranspose",
        `input has ${c} channels but the kernel ${formatShape(w.shape)} expects ${cw}`,
      );
    for (let i = 0; i < 2; i++) {
      const op = outputPadding[i]!;
      if (!Number.isInteger(op) || op < 0 || op >= strides[i]!)
        this.fail(
          "ConvTranspose",
          `output padding ${formatShape(outputPadding)} must be >= 0 and < the stride`,
        );
    }
    const outH = strides[0] * (h - 1) + outputPadding[0] + dilations[0] * (kh - 1) + 1 - pads[0] - pads[2];
    const outW = strides[1] * (wd - 1) + outputPadding[1] + dilations[1] * (kw - 1) + 1 - pads[1] - pads[3];
    if (outH < 1 || outW < 1) this.fail("ConvTranspose", `pads ${formatShape(pads)} leave an empty output`);
    const inputs = [x, w];
    if (bias) {
      if (bias.rank !== 1 || bias.shape[0] !== m)
        this.fail("ConvTranspose", `bias must have shape [${m}], got ${formatShape(bias.shape)}`);
      inputs.push(bias);
    }
    const attrs = { strides, pads, dilations, kernel_shape: [kh, kw], output_padding: outputPadding };
    return this.node("ConvTranspose", inputs, attrs, [n, m, outH, outW], x.dtype);
  }

  // ---- shape ops ---------------------------------------------------------------------------------

  /** Same values, new shape; one entry may be -1 (inferred). */
  reshape(x: Tensor, shape: readonly number[]): Tensor {
    const out = [...shape];
    const unknown = out.indexOf(-1);
    if (out.some((d, i) => !Number.isInteger(d) || d < -1 || d === 0 || (d === -1 && i !== unknown)))
      this.fail("Reshape", `target ${formatShape(shape)} must hold positive sizes and at most one -1`);
    if (unknown >= 0) {
      const known = -sizeOf(out);
      if (known === 0 || x.size % known !== 0)
        this.fail(
          "Reshape",
          `cannot reshape ${formatShape(x.shape)} (${x.size} values) to ${formatShape(shape)}`,
        );
      out[unknown] = x.size / known;
    }
    if (sizeOf(out) !== x.size)
      this.fail(
        "Reshape",
        `cannot reshape ${formatShape(x.shape)} (${x.size} values) to ${formatShape(shape)}`,
      );
    return this.node("Reshape", [x], { shape: out }, out, x.dtype);
  }

  /** Permute axes: output axis i is input axis perm[i]. */
  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const sorted = [...perm].sort((p, q) => p - q);
    if (perm.length !== x.rank || sorted.some((p, i) => p !== i))
      this.fail(
        "Transpose",
        `perm ${formatShape(perm)} is not a permutation of the axes of ${formatShape(x.shape)}`,
      );
    const shape = perm.map((p) => x.shape[p]!);
    // moving only axes of size 1 keeps every element in place: a reshape, which needs no copy.
    const kept = perm.filter((p) => x.shape[p] !== 1);
    if (kept.every((p, i) => i === 0 || p > kept[i - 1]!)) return this.reshape(x, shape);
    return this.node("Transpose", [x], { perm }, shape, x.dtype);
  }

  /** Join tensors along `axis`; all other sizes must agree. */
  concat(xs: readonly Tensor[], axis: number): Tensor {
    const first = xs[0];
    if (first === undefined) this.fail("Concat", "needs at least one tensor");
    const ax = normaliseAxis(this, "Concat", axis, first.rank);
    let total = 0;
    for (const x of xs) {
      const same = x.rank === first.rank && x.shape.every((d, i) => i === ax || d === first.shape[i]);
      if (!same || x.dtype !== first.dtype)
        this.fail(
          "Concat",
          `shapes ${xs.map((t) => formatShape(t.shape)).join(", ")} differ outside axis ${ax} (or in element type)`,
        );
      total += x.shape[ax]!;
    }
    const shape = [...first.shape];
    shape[ax] = total;
    return this.node("Concat", xs, { axis: ax }, shape, first.dtype);
  }

  /** Elements start..end-1 along one axis (negative indices count from the end). */
  slice(x: Tensor, axis: number, start: number, end: number): Tensor {
    const ax = normaliseAxis(this, "Slice", axis, x.rank);
    const dim = x.shape[ax]!;
    const s = start < 0 ? dim + start : start;
    const e = end < 0 ? dim + end : Math.min(end, dim);
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e <= s)
      this.fail("Slice", `range ${start}..${end} is empty or outside axis ${ax} of ${formatShape(x.shape)}`);
    return this.sliceStrided(x, { axes: [ax], starts: [s], ends: [e], steps: [1] });
  }

  /**
   * Elements starts[i], starts[i] + steps[i], ... (< ends[i]) along each of `axes`, as ONNX Slice with
   * non-negative in-range starts and ends and positive steps.
   */
  sliceStrided(
    x: Tensor,
    spec: {
      axes: readonly number[];
      starts: readonly number[];
      ends: readonly number[];
      steps: readonly number[];
    },
  ): Tensor {
    const { starts, ends, steps } = spec;
    const axes = spec.axes.map((a) => normaliseAxis(this, "Slice", a, x.rank));
    const shape = [...x.shape];
    const ok =
      starts.length === axes.length &&
      ends.length === axes.length &&
      steps.length === axes.length &&
      new Set(axes).size === axes.length;
    if (!ok)
      this.fail(
        "Slice",
        `axes ${formatShape(axes)}, starts, ends and steps must have one entry per distinct axis`,
      );
    axes.forEach((ax, i) => {
      const [s, e, st] = [starts[i]!, ends[i]!, steps[i]!];
      const valid = [s, e, st].every(Number.isInteger) && s >= 0 && e > s && e <= x.shape[ax]! && st >= 1;
      if (!valid)
        this.fail(
          "Slice",
          `range ${s}..${e} step ${st} is empty or outside axis ${ax} of ${formatShape(x.shape)}`,
        );
      shape[ax] = Math.ceil((e - s) / st);
    });
    return this.node("Slice", [x], { axes, starts, ends, steps }, shape, x.dtype);
  }

  /** Zero padding: `pads` = [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}] (ONNX order). */
  pad(x: Tensor, pads: readonly number[]): Tensor {
    if (pads.length !== 2 * x.rank || pads.some((p) => !Number.isInteger(p) || p < 0))
      this.fail(
        "Pad",
        `needs ${2 * x.rank} non-negative pads for ${formatShape(x.shape)}, got ${formatShape(pads)}`,
      );
    const shape = x.shape.map((d, i) => d + pads[i]! + pads[i + x.rank]!);
    return this.node("Pad", [x], { pads }, shape, x.dtype);
  }

  /** Broadcast to `shape` (numpy rules: size-1 axes repeat, missing leading axes are added). */
  broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
    const b = broadcastShapes(x.shape, shape);
    if (!b || b.length !== shape.length || b.some((d, i) => d !== shape[i]))
      this.fail("Expand", `cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
    if (b.length === x.rank && b.every((d, i) => d === x.shape[i])) return x;
    return this.node("Expand", [x], { shape: [...shape] }, shape, x.dtype);
  }

  private reduce(
    op: "ReduceSum" | "ReduceMean",
    x: Tensor,
    axes: readonly number[] | undefined,
    keep: boolean,
  ) {
    const list =
      axes === undefined ? x.shape.map((_, i) => i) : axes.map((a) => normaliseAxis(this, op, a, x.rank));
    const set = new Set(list);
    if (set.size !== list.length) this.fail(op, `axes ${formatShape(list)} repeat`);
    const sorted = [...set].sort((p, q) => p - q);
    if (sorted.length === 0) return x;
    const shape = keep ? x.shape.map((d, i) => (set.has(i) ? 1 : d)) : x.shape.filter((_, i) => !set.has(i));
    return this.node(op, [x], { axes: sorted, keepdims: keep ? 1 : 0 }, shape, x.dtype);
  }

  /** Sum over `axes` (all axes when omitted). */
  sum(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
    return this.reduce("ReduceSum", x, axes, keepDims);
  }

  /** Mean over `axes` (all axes when omitted). */
  mean(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
    return this.reduce("ReduceMean", x, axes, keepDims);
  }

  // ---- composites --------------------------------------------------------------------------------

  /** Nearest-neighbour upsampling of [N,C,H,W] by an integer factor: [N,C,H*f,W*f]. */
  upsampleNearest(x: Tensor, factor: number): Tensor {
    const [n, c, h, w] = this.poolShape("upsampleNearest", x, factor);
    // float32: ONNX Resize (nearest, integer scales), about 5x faster in onnxruntime than the broadcast
    // below; onnxruntime has no float64 Resize, so float64 graphs (gradient checks) use the broadcast:
    // [N,C,H,1,W,1] -> [N,C,H,f,W,f] -> [N,C,H*f,W*f], each pixel repeated in an f x f block.
    if (x.dtype === "float32")
      return this.node(
        "Resize",
        [x],
        { scales: [1, 1, factor, factor] },
        [n, c, h * factor, w * factor],
        x.dtype,
      );
    const x6 = this.reshape(x, [n, c, h, 1, w, 1]);
    const tiled = this.broadcastTo(x6, [n, c, h, factor, w, factor]);
    return this.reshape(tiled, [n, c, h * factor, w * factor]);
  }

  /** Mean over each non-overlapping f x f block: [N,C,H,W] -> [N,C,H/f,W/f] (H and W divisible by f). */
  avgPool2d(x: Tensor, factor: number): Tensor {
    const [n, c, h, w] = this.poolShape("avgPool2d", x, factor);
    if (h % factor !== 0 || w % factor !== 0)
      this.fail("avgPool2d", `${formatShape(x.shape)} does not split into ${factor}x${factor} blocks`);
    // float32: ONNX AveragePool, about 2x faster than the mean over a 6-D view; float64: the mean.
    if (x.dtype === "float32")
      return this.node(
        "AveragePool",
        [x],
        { kernel_shape: [factor, factor], strides: [factor, factor] },
        [n, c, h / factor, w / factor],
        x.dtype,
      );
    return this.mean(this.reshape(x, [n, c, h / factor, factor, w / factor, factor]), [3, 5]);
  }

  private poolShape(op: string, x: Tensor, factor: number): [number, number, number, number] {
    if (x.rank !== 4) this.fail(op, `needs [N,C,H,W], got ${formatShape(x.shape)}`);
    if (!Number.isInteger(factor) || factor < 1)
      this.fail(op, `factor must be a positive integer, got ${factor}`);
    return x.shape as [number, number, number, number];
  }

  /**
   * (x - mean) / sqrt(variance + eps) over the last axis of x [N, G, K], the statistics per row.
   * float32: one ONNX LayerNormalization (unit scale, no shift), whose inverse standard deviation output
   * the gradient reuses; forward and backward took about half the time of the composite below
   * ([64,96,14,14] in 8 groups, one thread). onnxruntime has no float64 LayerNormalization, so float64
   * graphs (gradient checks) use the composite: mean, centre, variance, divide.
   */
  normalizeRows(x: Tensor, eps: number): Tensor {
    if (x.rank !== 3) this.fail("normalizeRows", `needs [N,G,K], got ${formatShape(x.shape)}`);
    if (x.dtype === "float32") {
      const ones = this.constant(new Float32Array(x.shape[2]!).fill(1), [x.shape[2]!]);
      return this.node("LayerNormalization", [x, ones], { axis: 2, epsilon: eps }, x.shape, x.dtype);
    }
    const mu = this.mean(x, [2], true);
    const centred = this.sub(x, mu);
    const variance = this.mean(this.mul(centred, centred), [2], true);
    return this.div(centred, this.sqrt(this.add(variance, eps)));
  }

  /**
   * 1 / sqrt(variance + eps) of each row of `x`, as computed by `normalized` = normalizeRows(x, eps)
   * (its LayerNormalization node's third output): [N, G, 1].
   */
  invStdDev(x: Tensor, normalized: Tensor): Tensor {
    const src = normalized.source;
    if (src.kind !== "op" || src.node.op !== "LayerNormalization" || src.node.inputs[0] !== x)
      this.fail("InvStdDev", "needs the LayerNormalization of x");
    return this.node("InvStdDev", [x, normalized], {}, [x.shape[0]!, x.shape[1]!, 1], x.dtype);
  }

  /**
   * Group normalisation (Wu & He 2018): statistics over each group of C/G channels and all pixels of one
   * sample, then a per-channel scale and shift. x [N,C,H,W] (or [N,C]), gamma and beta [C].
   */
  groupNorm(x: Tensor, gamma: Tensor, beta: Tensor, groups: number, eps = 1e-5): Tensor {
    if (x.rank < 2) this.fail("groupNorm", `needs [N,C,...], got ${formatShape(x.shape)}`);
    const [n, c] = x.shape as [number, number];
    if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0)
      this.fail("groupNorm", `${c} channels do not split into ${groups} groups`);
    for (const [label, t] of [
      ["gamma", gamma],
      ["beta", beta],
    ] as const) {
      if (t.rank !== 1 || t.shape[0] !== c)
        this.fail("groupNorm", `${label} must be [${c}], got ${formatShape(t.shape)}`);
    }
    // [N, G, C/G * H * W]: one row of statistics per sample and group.
    const grouped = this.reshape(x, [n, groups, -1]);
    const normed = this.normalizeRows(grouped, eps);
    // back to [N,C,...], then the affine map broadcast over the spatial axes: gamma [C,1,1].
    const spatial = x.shape.slice(2).map(() => 1);
    const restored = this.reshape(normed, x.shape);
    return this.add(
      this.mul(restored, this.reshape(gamma, [c, ...spatial])),
      this.reshape(beta, [c, ...spatial]),
    );
  }
}

function checkShape(g: Graph, op: string, shape: Shape): void {
  if (shape.some((d) => !Number.isInteger(d) || d < 1))
    g.fail(op, `shape ${formatShape(shape)} must hold positive integers`);
}

export function normaliseAxis(g: Graph, op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) g.fail(op, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

function convSettings(g: Graph, op: string, options: ConvOptions) {
  const strides = options.strides ?? [1, 1];
  const pads = options.pads ?? [0, 0, 0, 0];
  const dilations = options.dilations ?? [1, 1];
  if ([...strides, ...dilations].some((v) => !Number.isInteger(v) || v < 1))
    g.fail(
      op,
      `strides ${formatShape(strides)} and dilations ${formatShape(dilations)} must be positive integers`,
    );
  if (pads.some((v) => !Number.isInteger(v) || v < 0)) g.fail(op, `pads ${formatShape(pads)} must be >= 0`);
  return { strides, pads, dilations };
}

/** Read an integer attribute (throws if missing: a bug in the op's recording). */
export function intAttr(node: Node, key: string): number {
  const v = node.attrs[key];
  if (typeof v !== "number") throw new GraphError(`${node.op}: missing attribute ${key}`);
  return v;
}

export function intsAttr(node: Node, key: string): readonly number[] {
  const v = node.attrs[key];
  if (v === undefined || typeof v === "number") throw new GraphError(`${node.op}: missing attribute ${key}`);
  return v;
}
