// The native kernels of the metrics: six small, fixed ONNX graphs run by onnxruntime-node.
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
 * The precision/density/coverage/recall counts of one block of generated rows Q against all real rows X
 * in one product. With C_j = |x_j|^2 - r_j^2 (real radii) the shifted value G'_ij = d2 - |q_i|^2 - r_j^2,
 * and G0 = G' + R_j (R = real radii^2) = d2 - |q_i|^2. Per threshold pair (a rounding band):
 *   A = [G' < LO1|HI1]  (q_i inside real ball j): row sums -> per generated sample, column sums -> per real
 *   B = [G0 < LO2|HI2]  (real x_j inside generated ball i, LO2 ~ r_i^2 - |q_i|^2): column sums -> per real.
 * Counts are summed in float32: exact below 2^24.
 */
function crossCountModel(): Uint8Array {
  const FLOAT32 = onnx.TensorProto.DataType.FLOAT;
  const compare = (g: string, t: string, out: string): onnxProto.onnx.INodeProto[] => [
    { opType: "Less", input: [g, t], output: [`${out}_b`] },
    { opType: "Cast", input: [`${out}_b`], output: [out], attribute: [intAttr("to", FLOAT32)] },
  ];
  const sum = (x: string, axis: string, out: string): onnxProto.onnx.INodeProto => ({
    opType: "ReduceSum",
    input: [x, axis],
    output: [out],
    attribute: [intAttr("keepdims", 0)],
  });
  return encodeModel({
    name: "cross_counts",
    node: [
      shiftedDistances,
      { opType: "Add", input: ["G", "R"], output: ["G0"] },
      ...compare("G", "LO1", "A_lo"),
      ...compare("G", "HI1", "A_hi"),
      ...compare("G0", "LO2", "B_lo"),
      ...compare("G0", "HI2", "B_hi"),
      sum("A_lo", "ROWS", "ROW_LO"),
      sum("A_hi", "ROWS", "ROW_HI"),
      sum("A_lo", "COLS", "COL_LO"),
      sum("A_hi", "COLS", "COL_HI"),
      sum("B_lo", "COLS", "REC_LO"),
      sum("B_hi", "COLS", "REC_HI"),
    ],
    initializer: [
      { name: "ROWS", dataType: INT64, dims: [1], int64Data: [1] },
      { name: "COLS", dataType: INT64, dims: [1], int64Data: [0] },
    ],
    input: [
      valueInfo("Q", DOUBLE, ["B", "D"]),
      valueInfo("X", DOUBLE, ["N", "D"]),
      valueInfo("C", DOUBLE, [1, "N"]),
      valueInfo("R", DOUBLE, [1, "N"]),
      valueInfo("LO1", DOUBLE, ["B", 1]),
      valueInfo("HI1", DOUBLE, ["B", 1]),
      valueInfo("LO2", DOUBLE, ["B", 1]),
      valueInfo("HI2", DOUBLE, ["B", 1]),
    ],
    output: [
      valueInfo("ROW_LO", FLOAT32, ["B"]),
      valueInfo("ROW_HI", FLOAT32, ["B"]),
      valueInfo("COL_LO", FLOAT32, ["N"]),
      valueInfo("COL_HI", FLOAT32, ["N"]),
      valueInfo("REC_LO", FLOAT32, ["N"]),
      valueInfo("REC_HI", FLOAT32, ["N"]),
    ],
  });
}

/**
 * KID kernel sums. For s = a.b, sum_ij (s_ij / D + 1)^3 = m n + 3 S1 / D + 3 S2 / D^2 + S3 / D^3 with
 * S1 = sum s (cheap: a dot product of the column sums, done in JS), S2 = sum s^2 = <A^T A, B^T B>_F
 * (two D x D Gram matrices) and S3 = sum s^3, the only term that needs the m x n products. Expanding
 * saves two of four elementwise passes over the m x n matrix; each term is a float64 sum of values of
 * moderate size. Outputs S2 and S3 for the pairs (X, X), (Y, Y), (X, Y).
 */
function kernelSumsModel(): Uint8Array {
  const cubes = (a: string, b: string, out: string): onnxProto.onnx.INodeProto[] => [
    { opType: "Gemm", input: [a, b], output: [`${out}_p`], attribute: [intAttr("transB", 1)] },
    { opType: "Pow", input: [`${out}_p`, "THREE"], output: [`${out}_c`] },
    { opType: "ReduceSum", input: [`${out}_c`], output: [`${out}3`], attribute: [intAttr("keepdims", 0)] },
  ];
  const keep0 = [intAttr("keepdims", 0)];
  return encodeModel({
    name: "kid_kernel_sums",
    node: [
      ...cubes("X", "X", "XX"),
      ...cubes("Y", "Y", "YY"),
      ...cubes("X", "Y", "XY"),
      { opType: "Gemm", input: ["X", "X"], output: ["GX"], attribute: [intAttr("transA", 1)] },
      { opType: "Gemm", input: ["Y", "Y"], output: ["GY"], attribute: [intAttr("transA", 1)] },
      { opType: "ReduceSumSquare", input: ["GX"], output: ["XX2"], attribute: keep0 },
      { opType: "ReduceSumSquare", input: ["GY"], output: ["YY2"], attribute: keep0 },
      { opType: "Mul", input: ["GX", "GY"], output: ["GXY"] },
      { opType: "ReduceSum", input: ["GXY"], output: ["XY2"], attribute: keep0 },
    ],
    initializer: [scalar("THREE", 3)],
    input: [valueInfo("X", DOUBLE, ["m", "D"]), valueInfo("Y", DOUBLE, ["n", "D"])],
    output: ["XX2", "XX3", "YY2", "YY3", "XY2", "XY3"].map((name) => valueInfo(name, DOUBLE, [])),
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

type KernelName = "nearest" | "scaledNearest" | "count" | "crossCount" | "kernelSums" | "gram";

const builders: Record<KernelName, () => Uint8Array> = {
  nearest: nearestModel,
  scaledNearest: scaledNearestModel,
  count: countModel,
  crossCount: crossCountModel,
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

/** Power sums of the products s = a.b over all pairs: S2 = sum s^2 and S3 = sum s^3 (see kernelSumsModel). */
export interface PairPowerSums {
  s2: number;
  s3: number;
}

/** S2 and S3 within x [m, D], within y [n, D] and across. */
export async function pairPowerSums(
  x: Float64Array,
  m: number,
  y: Float64Array,
  n: number,
  d: number,
): Promise<{ xx: PairPowerSums; yy: PairPowerSums; xy: PairPowerSums }> {
  const s = await session("kernelSums");
  const out = await s.run({ X: f64(x, [m, d]), Y: f64(y, [n, d]) });
  const pair = (name: string): PairPowerSums => ({
    s2: outputData(out, `${name}2`)[0]!,
    s3: outputData(out, `${name}3`)[0]!,
  });
  return { xx: pair("XX"), yy: pair("YY"), xy: pair("XY") };
}

/** Per-block counts of the cross pass (see crossCountModel); float32 arrays of exact integers. */
export interface CrossCounts {
  rowLo: Float32Array;
  rowHi: Float32Array;
  colLo: Float32Array;
  colHi: Float32Array;
  recLo: Float32Array;
  recHi: Float32Array;
}

export async function crossCountBlock(
  q: Float64Array,
  x: Float64Array,
  c: Float64Array,
  r: Float64Array,
  bands: { lo1: Float64Array; hi1: Float64Array; lo2: Float64Array; hi2: Float64Array },
  shape: BlockShape,
): Promise<CrossCounts> {
  const s = await session("crossCount");
  const out = await s.run({
    Q: f64(q, [shape.b, shape.d]),
    X: f64(x, [shape.n, shape.d]),
    C: f64(c, [1, shape.n]),
    R: f64(r, [1, shape.n]),
    LO1: f64(bands.lo1, [shape.b, 1]),
    HI1: f64(bands.hi1, [shape.b, 1]),
    LO2: f64(bands.lo2, [shape.b, 1]),
    HI2: f64(bands.hi2, [shape.b, 1]),
  });
  const get = (name: string): Float32Array => {
    const t = out[name];
    if (t === undefined || !(t.data instanceof Float32Array))
      throw new Error(`native kernel output ${name} missing`);
    return t.data;
  };
  return {
    rowLo: get("ROW_LO"),
    rowHi: get("ROW_HI"),
    colLo: get("COL_LO"),
    colHi: get("COL_HI"),
    recLo: get("REC_LO"),
    recHi: get("REC_HI"),
  };
}

/** A^T A [D, D] of a row-major A [N, D]. */
export async function gram(a: Float64Array, n: number, d: number): Promise<Float64Array> {
  const s = await session("gram");
  const out = await s.run({ A: f64(a, [n, d]) });
  return outputData(out, "S");
}
