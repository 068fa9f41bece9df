// The native kernels of the metrics: five small, fixed ONNX graphs run by onnxruntime-node.
//
// Why hand-built graphs: the metrics' heavy loops (nearest neighbours over 10^4-10^5 rows, KID kernel
// sums, D x D Gram matrices) are matrix products. Hand-written JS reaches ~1.4 GFLOP/s here, ORT's
// CPU Gemm ~25 GFLOP/s in float64 (and more in float32), so these loops run natively. The graphs are
// fixed and tiny, so they are written directly as ONNX protobufs (opset 17) rather than through the
// training engine's general graph builder, which the metrics do not depend on.
//
// Why float64 throughout: precision/recall/density/coverage must agree exactly with float64 reference
// implementations; float32 products (error ~1e-6 of the squared norms) move points across ball
// boundaries. Every float64 result used for a decision is re-checked exactly in JS where it is within
// the rounding band of the product form (see neighbours.ts), so the native code only has to be close.
//
// Legend: Q query rows [B, D], X base rows [N, D], C per-column constant [1, N], K candidates per row.
import onnxProto from "onnx-proto";
import { InferenceSession, Tensor } from "onnxruntime-node";

const { onnx } = onnxProto;
const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const INT64 = onnx.TensorProto.DataType.INT64;
const INT = onnx.AttributeProto.AttributeType.INT;
const FLOAT = onnx.AttributeProto.AttributeType.FLOAT;

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function intAttr(name: string, i: number): onnxProto.onnx.IAttributeProto {
  return { name, type: INT, i };
}

function floatAttr(name: string, f: number): onnxProto.onnx.IAttributeProto {
  return { name, type: FLOAT, f };
}

function scalar(name: string, value: number): onnxProto.onnx.ITensorProto {
  return { name, dataType: DOUBLE, dims: [], doubleData: [value] };
}

function encodeModel(graph: onnxProto.onnx.IGraphProto): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "genreview-metrics",
    opsetImport: [{ domain: "", version: 17 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** G = C - 2 Q X^T [B, N]: squared distances minus the query's squared norm (Gemm, alpha -2 is exact). */
const shiftedDistances: onnxProto.onnx.INodeProto = {
  opType: "Gemm",
  input: ["Q", "X", "C"],
  output: ["G"],
  attribute: [intAttr("transB", 1), floatAttr("alpha", -2)],
};

/** The K smallest of G per row, ascending: values V [B, K] and column indices I [B, K]. */
function nearestModel(): Uint8Array {
  return encodeModel({
    name: "nearest",
    node: [
      shiftedDistances,
      { opType: "TopK", input: ["G", "K"], output: ["V", "I"], attribute: [intAttr("largest", 0)] },
    ],
    input: [
      valueInfo("Q", DOUBLE, ["B", "D"]),
      valueInfo("X", DOUBLE, ["N", "D"]),
      valueInfo("C", DOUBLE, [1, "N"]),
      valueInfo("K", INT64, [1]),
    ],
    output: [valueInfo("V", DOUBLE, ["B", "k"]), valueInfo("I", INT64, ["B", "k"])],
  });
}

/** The K smallest of (G + QN) * W per row: squared distances scaled per column (realism ratios). */
function scaledNearestModel(): Uint8Array {
  return encodeModel({
    name: "scaled_nearest",
    node: [
      shiftedDistances,
      { opType: "Add", input: ["G", "QN"], output: ["D2"] },
      { opType: "Mul", input: ["D2", "W"], output: ["S"] },
      { opType: "TopK", input: ["S", "K"], output: ["V", "I"], attribute: [intAttr("largest", 0)] },
    ],
    input: [
      valueInfo("Q", DOUBLE, ["B", "D"]),
      valueInfo("X", DOUBLE, ["N", "D"]),
      valueInfo("C", DOUBLE, [1, "N"]),
      valueInfo("QN", DOUBLE, ["B", 1]),
      valueInfo("W", DOUBLE, [1, "N"]),
      valueInfo("K", INT64, [1]),
    ],
    output: [valueInfo("V", DOUBLE, ["B", "k"]), valueInfo("I", INT64, ["B", "k"])],
  });
}

/** Per row, how many G values are below LO and below HI (two thresholds per row: a rounding band). */
function countModel(): Uint8Array {
  return encodeModel({
    name: "count_below",
    node: [
      shiftedDistances,
      { opType: "Less", input: ["G", "LO"], output: ["BL"] },
      { opType: "Less", input: ["G", "HI"], output: ["BH"] },
      { opType: "Cast", input: ["BL"], output: ["FL"], attribute: [intAttr("to", DOUBLE)] },
      { opType: "Cast", input: ["BH"], output: ["FH"], attribute: [intAttr("to", DOUBLE)] },
      { opType: "ReduceSum", input: ["FL", "AXIS"], output: ["NLO"], attribute: [intAttr("keepdims", 0)] },
      { opType: "ReduceSum", input: ["FH", "AXIS"], output: ["NHI"], attribute: [intAttr("keepdims", 0)] },
    ],
    initializer: [{ name: "AXIS", dataType: INT64, dims: [1], int64Data: [1] }],
    input: [
      valueInfo("Q", DOUBLE, ["B", "D"]),
      valueInfo("X", DOUBLE, ["N", "D"]),
      valueInfo("C", DOUBLE, [1, "N"]),
      valueInfo("LO", DOUBLE, ["B", 1]),
      valueInfo("HI", DOUBLE, ["B", 1]),
    ],
    output: [valueInfo("NLO", DOUBLE, ["B"]), valueInfo("NHI", DOUBLE, ["B"])],
  });
}

/**
 * KID kernel sums: for k(a, b) = (a.b / D + 1)^3, the sums over all pairs of sum K(X, X), K(Y, Y) and
 * K(X, Y). The operations mirror the reference (product, divide by D, add 1, cube) in float64.
 */
function kernelSumsModel(): Uint8Array {
  const block = (a: string, b: string, out: string): onnxProto.onnx.INodeProto[] => [
    { opType: "Gemm", input: [a, b], output: [`${out}_p`], attribute: [intAttr("transB", 1)] },
    { opType: "Div", input: [`${out}_p`, "DIM"], output: [`${out}_s`] },
    { opType: "Add", input: [`${out}_s`, "ONE"], output: [`${out}_t`] },
    { opType: "Pow", input: [`${out}_t`, "THREE"], output: [`${out}_k`] },
    { opType: "ReduceSum", input: [`${out}_k`], output: [out], attribute: [intAttr("keepdims", 0)] },
  ];
  return encodeModel({
    name: "kid_kernel_sums",
    node: [...block("X", "X", "SXX"), ...block("Y", "Y", "SYY"), ...block("X", "Y", "SXY")],
    initializer: [scalar("ONE", 1), scalar("THREE", 3)],
    input: [
      valueInfo("X", DOUBLE, ["m", "D"]),
      valueInfo("Y", DOUBLE, ["n", "D"]),
      valueInfo("DIM", DOUBLE, []),
    ],
    output: [valueInfo("SXX", DOUBLE, []), valueInfo("SYY", DOUBLE, []), valueInfo("SXY", DOUBLE, [])],
  });
}

/** A^T A [D, D] for A [N, D] (covariances, the Vendi dual kernel). */
function gramModel(): Uint8Array {
  return encodeModel({
    name: "gram",
    node: [{ opType: "Gemm", input: ["A", "A"], output: ["S"], attribute: [intAttr("transA", 1)] }],
    input: [valueInfo("A", DOUBLE, ["N", "D"])],
    output: [valueInfo("S", DOUBLE, ["D", "D"])],
  });
}

type KernelName = "nearest" | "scaledNearest" | "count" | "kernelSums" | "gram";

const builders: Record<KernelName, () => Uint8Array> = {
  nearest: nearestModel,
  scaledNearest: scaledNearestModel,
  count: countModel,
  kernelSums: kernelSumsModel,
  gram: gramModel,
};

const sessions = new Map<KernelName, Promise<InferenceSession>>();

function session(name: KernelName): Promise<InferenceSession> {
  let s = sessions.get(name);
  if (s === undefined) {
    s = InferenceSession.create(builders[name](), {
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
    });
    sessions.set(name, s);
  }
  return s;
}

function f64(data: Float64Array, dims: number[]): Tensor {
  return new Tensor("float64", data, dims);
}

function outputData(result: InferenceSession.OnnxValueMapType, name: string): Float64Array {
  const t = result[name];
  if (t === undefined || !(t.data instanceof Float64Array)) {
    throw new Error(`native kernel output ${name} missing or not float64`);
  }
  return t.data;
}

function outputIndices(result: InferenceSession.OnnxValueMapType, name: string): BigInt64Array {
  const t = result[name];
  if (t === undefined || !(t.data instanceof BigInt64Array)) {
    throw new Error(`native kernel output ${name} missing or not int64`);
  }
  return t.data;
}

/** Shapes of one block call: B query rows of D, against N base rows. */
export interface BlockShape {
  b: number;
  n: number;
  d: number;
}

/**
 * The k smallest values of C_j - 2 q_i.x_j per query row (ascending), with their column indices.
 * q: [B, D] row-major, x: [N, D], c: [N]. Returns values [B, k] and indices [B, k].
 */
export async function nearestBlock(
  q: Float64Array,
  x: Float64Array,
  c: Float64Array,
  shape: BlockShape,
  k: number,
): Promise<{ values: Float64Array; indices: BigInt64Array }> {
  const s = await session("nearest");
  const out = await s.run({
    Q: f64(q, [shape.b, shape.d]),
    X: f64(x, [shape.n, shape.d]),
    C: f64(c, [1, shape.n]),
    K: new Tensor("int64", BigInt64Array.of(BigInt(k)), [1]),
  });
  return { values: outputData(out, "V"), indices: outputIndices(out, "I") };
}

/** The k smallest of (C_j - 2 q_i.x_j + qn_i) * w_j per query row, with their column indices. */
export async function scaledNearestBlock(
  q: Float64Array,
  x: Float64Array,
  c: Float64Array,
  qn: Float64Array,
  w: Float64Array,
  shape: BlockShape,
  k: number,
): Promise<{ values: Float64Array; indices: BigInt64Array }> {
  const s = await session("scaledNearest");
  const out = await s.run({
    Q: f64(q, [shape.b, shape.d]),
    X: f64(x, [shape.n, shape.d]),
    C: f64(c, [1, shape.n]),
    QN: f64(qn, [shape.b, 1]),
    W: f64(w, [1, shape.n]),
    K: new Tensor("int64", BigInt64Array.of(BigInt(k)), [1]),
  });
  return { values: outputData(out, "V"), indices: outputIndices(out, "I") };
}

/** Per query row: #{j : C_j - 2 q_i.x_j < lo_i} and #{j : ... < hi_i}. */
export async function countBlock(
  q: Float64Array,
  x: Float64Array,
  c: Float64Array,
  lo: Float64Array,
  hi: Float64Array,
  shape: BlockShape,
): Promise<{ below: Float64Array; belowOrBand: Float64Array }> {
  const s = await session("count");
  const out = await s.run({
    Q: f64(q, [shape.b, shape.d]),
    X: f64(x, [shape.n, shape.d]),
    C: f64(c, [1, shape.n]),
    LO: f64(lo, [shape.b, 1]),
    HI: f64(hi, [shape.b, 1]),
  });
  return { below: outputData(out, "NLO"), belowOrBand: outputData(out, "NHI") };
}

/** Sums over all pairs of (a.b/D + 1)^3 within x [m, D], within y [n, D] and across. */
export async function kernelSums(
  x: Float64Array,
  m: number,
  y: Float64Array,
  n: number,
  d: number,
): Promise<{ xx: number; yy: number; xy: number }> {
  const s = await session("kernelSums");
  const out = await s.run({
    X: f64(x, [m, d]),
    Y: f64(y, [n, d]),
    DIM: f64(Float64Array.of(d), []),
  });
  return { xx: outputData(out, "SXX")[0]!, yy: outputData(out, "SYY")[0]!, xy: outputData(out, "SXY")[0]! };
}

/** A^T A [D, D] of a row-major A [N, D]. */
export async function gram(a: Float64Array, n: number, d: number): Promise<Float64Array> {
  const s = await session("gram");
  const out = await s.run({ A: f64(a, [n, d]) });
  return outputData(out, "S");
}
