// Several training steps in one session run: the step graph becomes the body of an ONNX Loop whose
// loop-carried values are the weights and optimiser state, and whose per-step inputs (batches, noise,
// step scalars) are stacked on a leading axis K. onnxruntime hands each iteration's outputs to the next
// without copying, so the weights cross into JavaScript once per run instead of once per step.
// Legend: K steps in the run; "outer" is the model's main graph, "body" the Loop's subgraph.
import onnxProto from "onnx-proto";
import { GraphError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import {
  attributeTensors,
  bytesOf,
  elemType,
  IR_VERSION,
  neededTensors,
  OPSET,
  opNodes,
  valueInfo,
} from "./emit.ts";
import type { DType, Graph, Tensor } from "./graph.ts";

const { onnx } = onnxProto;
const ElemType = onnx.TensorProto.DataType;

export interface LoopSpec {
  /** Inputs that take a new value at each step; fed stacked as [K, ...shape] under the same name. */
  perStep: readonly Tensor[];
  /** Values carried from step to step: read from `input` (an input or parameter), replaced by `next`. */
  carried: readonly { input: Tensor; next: Tensor }[];
  /** Per-step results, returned stacked as [K, ...shape]. */
  scan: Readonly<Record<string, Tensor>>;
  name?: string;
}

/** An outer-graph value: name, element type and dimensions ("K" for the stacked axis). */
export interface LoopValue {
  name: string;
  dtype: DType;
  dims: readonly (number | "K")[];
}

export interface EmittedLoop {
  bytes: Uint8Array;
  /** Outer inputs: per-step (stacked), carried (initial values) and constant ones (e.g. frozen weights). */
  inputs: (LoopValue & { role: "perStep" | "carried" | "constant" })[];
  /** Outer outputs: "next/<carried name>" for final carried values, then the stacked scan outputs. */
  outputs: LoopValue[];
}

function leafName(t: Tensor): string {
  const s = t.source;
  if (s.kind === "input" || s.kind === "param") return s.name;
  throw new GraphError(`loop: ${t.describe()} is not an input or parameter`);
}

/** Emit the Loop model; the trip count K is read from the leading axis of the first per-step input. */
export function emitLoopModel(graph: Graph, spec: LoopSpec): EmittedLoop {
  if (spec.perStep.length === 0) throw new GraphError("loop: needs at least one per-step input");
  const scanEntries = Object.entries(spec.scan);
  const bodyOutputs = [...spec.carried.map((c) => c.next), ...scanEntries.map(([, t]) => t)];
  for (const t of [...bodyOutputs, ...spec.perStep, ...spec.carried.map((c) => c.input)]) {
    if (t.graph !== graph) throw new GraphError(`loop: ${t.describe()} belongs to another graph`);
  }
  const needed = neededTensors(bodyOutputs);
  const perStepIds = new Set(spec.perStep.map((t) => t.id));
  const carriedIds = new Set(spec.carried.map((c) => c.input.id));

  // outer initializers (shared by the body through outer scope): constants and int64 shape tensors.
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const constInput = attributeTensors(initializer);

  // body value names: per-step and carried inputs get body-local names, other leaves keep outer names.
  const names = new Map<number, string>();
  const inputs: EmittedLoop["inputs"] = [];
  for (const t of needed) {
    const s = t.source;
    if (s.kind === "op") names.set(t.id, `loop/t${t.id}`);
    else if (s.kind === "const") {
      names.set(t.id, `const${t.id}`);
      initializer.push({
        name: `const${t.id}`,
        dataType: elemType(t.dtype),
        dims: [...t.shape],
        rawData: bytesOf(s.values),
      });
    } else if (perStepIds.has(t.id) || carriedIds.has(t.id)) names.set(t.id, `loop/in/${s.name}`);
    else {
      names.set(t.id, s.name);
      inputs.push({ name: s.name, dtype: t.dtype, dims: [...t.shape], role: "constant" });
    }
  }

  // body outputs: an op result takes the output's name; anything else goes through an Identity.
  const bodyNodes: onnxProto.onnx.INodeProto[] = [];
  const bodyOutputNames: string[] = [];
  const renamed = new Set<number>();
  const outputName = (t: Tensor, name: string) => {
    if (t.source.kind === "op" && !renamed.has(t.id)) {
      renamed.add(t.id);
      names.set(t.id, name);
    } else
      bodyNodes.push({
        name: `loop/output/${name}`,
        opType: "Identity",
        input: [names.get(t.id)!],
        output: [name],
      });
    bodyOutputNames.push(name);
  };
  for (const c of spec.carried) outputName(c.next, `loop/out/${leafName(c.input)}`);
  for (const [name, t] of scanEntries) outputName(t, `loop/scan/${name}`);

  // body nodes: one Gather per per-step input (row `iter` of the stacked outer value), then the step.
  for (const t of spec.perStep) {
    if (!names.has(t.id)) continue;
    const name = leafName(t);
    bodyNodes.unshift({
      name: `loop/gather/${name}`,
      opType: "Gather",
      input: [name, "loop.iter"],
      output: [`loop/in/${name}`],
      attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
    });
  }
  for (const t of needed) bodyNodes.push(...opNodes(t, names, constInput, null, "loop/"));
  bodyNodes.push({ name: "loop/cond", opType: "Identity", input: ["loop.cond"], output: ["loop.condOut"] });

  const body: onnxProto.onnx.IGraphProto = {
    name: "step",
    node: bodyNodes,
    input: [
      valueInfo("loop.iter", "int64", []),
      { name: "loop.cond", type: { tensorType: { elemType: ElemType.BOOL, shape: { dim: [] } } } },
      ...spec.carried.map((c) => valueInfo(`loop/in/${leafName(c.input)}`, c.input.dtype, c.input.shape)),
    ],
    output: [
      { name: "loop.condOut", type: { tensorType: { elemType: ElemType.BOOL, shape: { dim: [] } } } },
      ...bodyOutputs.map((t, i) => valueInfo(bodyOutputNames[i]!, t.dtype, t.shape)),
    ],
  };

  // outer graph: K from the first per-step input's shape, the Loop, its outputs.
  for (const t of spec.perStep)
    inputs.push({ name: leafName(t), dtype: t.dtype, dims: ["K", ...t.shape], role: "perStep" });
  for (const c of spec.carried)
    inputs.push({ name: leafName(c.input), dtype: c.input.dtype, dims: [...c.input.shape], role: "carried" });
  initializer.push({
    name: "loop.zero",
    dataType: ElemType.INT64,
    dims: [],
    rawData: bytesOf(new BigInt64Array([0n])),
  });
  initializer.push({ name: "loop.true", dataType: ElemType.BOOL, dims: [], rawData: new Uint8Array([1]) });
  const first = leafName(spec.perStep[0]!);
  const outputs: LoopValue[] = [
    ...spec.carried.map((c) => ({
      name: `next/${leafName(c.input)}`,
      dtype: c.next.dtype,
      dims: [...c.next.shape],
    })),
    ...scanEntries.map(([name, t]) => ({ name, dtype: t.dtype, dims: ["K" as const, ...t.shape] })),
  ];
  const nodes: onnxProto.onnx.INodeProto[] = [
    { name: "loop/shape", opType: "Shape", input: [first], output: ["loop.shape"] },
    { name: "loop/count", opType: "Gather", input: ["loop.shape", "loop.zero"], output: ["loop.count"] },
    {
      name: "loop",
      opType: "Loop",
      input: ["loop.count", "loop.true", ...spec.carried.map((c) => leafName(c.input))],
      output: outputs.map((o) => o.name),
      attribute: [{ name: "body", type: onnx.AttributeProto.AttributeType.GRAPH, g: body }],
    },
  ];
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "genreview",
    producerVersion: VERSION,
    graph: {
      name: spec.name ?? "training_steps",
      node: nodes,
      initializer,
      input: inputs.map((i) => valueInfo(i.name, i.dtype, i.dims)),
      output: outputs.map((o) => valueInfo(o.name, o.dtype, o.dims)),
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs, outputs };
}
