// Gradient checks: every op's recorded gradient against central finite differences of the op itself, run
// through onnxruntime. float64 where ORT's CPU kernels support double; float32 (with a larger step and
// tolerance) for Conv and ConvTranspose, which ORT implements for float only.
// Each check contracts the op's output with a random probe r (L = sum(r * y)) so that every output element
// matters, then compares the gradient along random directions and at random coordinates.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../util/rng.ts";
import { grad } from "./autodiff.ts";
import { type FloatDType, Graph, type Tensor, type Values } from "./graph.ts";
import * as layers from "./layers.ts";
import * as losses from "./losses.ts";
import { compileInference, runGraph } from "./session.ts";

interface CheckOptions {
  dtype?: FloatDType;
  /** Finite-difference step. */
  h?: number;
  /** Allowed |numeric - analytic| <= tol * max(1, |numeric|, |analytic|). */
  tol?: number;
  /** How input values are drawn: normal, positive (for log/sqrt/pow) or normal kept away from 0 (kinks). */
  values?: "normal" | "positive" | "awayFromZero" | "unit";
  seed?: number;
}

async function checkGradient(
  label: string,
  shapes: readonly (readonly number[])[],
  build: (g: Graph, xs: Tensor[]) => Tensor,
  options: CheckOptions = {},
): Promise<void> {
  const dtype = options.dtype ?? "float64";
  const h = options.h ?? (dtype === "float64" ? 1e-6 : 1e-2);
  const tol = options.tol ?? (dtype === "float64" ? 1e-6 : 2e-2);
  const rng = new Rng(options.seed ?? 1);
  const g = new Graph({ dtype });
  const xs = shapes.map((s, i) => g.input(`x${i}`, s));
  const y = build(g, xs);
  const probe = g.input("probe", y.shape);
  const loss = g.sum(g.mul(y, probe));
  const grads = grad(loss, xs);
  const outputs: Record<string, Tensor> = { loss };
  grads.forEach((gr, i) => {
    outputs[`g${i}`] = gr;
  });
  const model = await compileInference(g, outputs);

  const alloc = (n: number): Values => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
  const draw = (n: number): Values => {
    const v = alloc(n);
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      if (options.values === "positive") v[i] = 0.5 + 1.5 * rng.uniform();
      else if (options.values === "awayFromZero") v[i] = Math.sign(z) * (0.1 + Math.abs(z));
      else if (options.values === "unit") v[i] = rng.uniform();
      else v[i] = z;
    }
    return v;
  };
  const feeds: Record<string, Values> = { probe: draw(y.size) };
  xs.forEach((x, i) => {
    feeds[`x${i}`] = draw(x.size);
  });
  const base = await model.run(feeds);
  const lossAt = async (shifted: Record<string, Values>) => (await model.run(shifted))["loss"]![0]!;
  const close = (numeric: number, analytic: number, what: string) => {
    const scale = Math.max(1, Math.abs(numeric), Math.abs(analytic));
    assert.ok(
      Math.abs(numeric - analytic) <= tol * scale,
      `${label}: ${what}: finite difference ${numeric}, gradient ${analytic}`,
    );
  };

  // random directions through all inputs at once.
  for (let k = 0; k < 3; k++) {
    const dirs = xs.map((x) => draw(x.size).map(() => rng.normal()));
    const plus = { ...feeds };
    const minus = { ...feeds };
    let analytic = 0;
    xs.forEach((x, i) => {
      const v = feeds[`x${i}`]!;
      const d = dirs[i]!;
      const gi = base[`g${i}`]!;
      const p = alloc(x.size);
      const m = alloc(x.size);
      for (let j = 0; j < x.size; j++) {
        p[j] = v[j]! + h * d[j]!;
        m[j] = v[j]! - h * d[j]!;
        analytic += gi[j]! * d[j]!;
      }
      plus[`x${i}`] = p;
      minus[`x${i}`] = m;
    });
    close(((await lossAt(plus)) - (await lossAt(minus))) / (2 * h), analytic, `direction ${k}`);
  }

  // a few single coordinates of each input.
  for (let i = 0; i < xs.length; i++) {
    const size = xs[i]!.size;
    for (const j of rng.sample(size, Math.min(size, 4))) {
      const shifted = (delta: number) => {
        const v = alloc(size);
        v.set(feeds[`x${i}`]!);
        v[j] = v[j]! + delta;
        return { ...feeds, [`x${i}`]: v };
      };
      const numeric = ((await lossAt(shifted(h))) - (await lossAt(shifted(-h)))) / (2 * h);
      close(numeric, base[`g${i}`]![j]!, `d/dx${i}[${j}]`);
    }
  }
  await model.dispose();
}

test("elementwise binary ops with broadcasting", async () => {
  const cases: [string, (g: Graph, a: Tensor, b: Tensor) => Tensor][] = [
    ["add", (g, a, b) => g.add(a, b)],
    ["sub", (g, a, b) => g.sub(a, b)],
    ["mul", (g, a, b) => g.mul(a, b)],
    ["div", (g, a, b) => g.div(a, g.add(g.mul(b, b), 0.5))],
    ["min", (g, a, b) => g.minimum(a, b)],
    ["max", (g, a, b) => g.maximum(a, b)],
  ];
  const shapes: [number[], number[]][] = [
    [
      [3, 4],
      [3, 4],
    ],
    [[2, 3, 4], [4]],
    [
      [3, 1],
      [1, 5],
    ],
    [[2, 3], []],
  ];
  for (const [name, op] of cases) {
    for (const [sa, sb] of shapes) {
      await checkGradient(`${name} ${sa} ${sb}`, [sa, sb], (g, [a, b]) => op(g, a!, b!));
    }
  }
});

test("pow with a constant and with a tensor exponent", async () => {
  await checkGradient("pow 2.5", [[3, 4]], (g, [a]) => g.pow(a!, 2.5), { values: "positive" });
  await checkGradient("pow -1", [[3, 4]], (g, [a]) => g.pow(a!, -1), { values: "positive" });
  await checkGradient("pow tensor", [[3, 4], [4]], (g, [a, b]) => g.pow(a!, b!), { values: "positive" });
});

test("elementwise unary ops", async () => {
  const smooth: [string, (g: Graph, x: Tensor) => Tensor][] = [
    ["neg", (g, x) => g.neg(x)],
    ["exp", (g, x) => g.exp(x)],
    ["sigmoid", (g, x) => g.sigmoid(x)],
    ["tanh", (g, x) => g.tanh(x)],
    ["identity", (g, x) => g.identity(x)],
    ["softplus", (g, x) => g.softplus(x)],
  ];
  for (const [name, op] of smooth) await checkGradient(name, [[4, 5]], (g, [x]) => op(g, x!));
  await checkGradient("log", [[4, 5]], (g, [x]) => g.log(x!), { values: "positive" });
  await checkGradient("sqrt", [[4, 5]], (g, [x]) => g.sqrt(x!), { values: "positive" });
  const kinked: [string, (g: Graph, x: Tensor) => Tensor][] = [
    ["relu", (g, x) => g.relu(x)],
    ["leakyRelu", (g, x) => g.leakyRelu(x, 0.2)],
    ["abs", (g, x) => g.abs(x)],
  ];
  for (const [name, op] of kinked)
    await checkGradient(name, [[4, 5]], (g, [x]) => op(g, x!), { values: "awayFromZero" });
  await checkGradient("softplus (float32 kernel)", [[4, 5]], (g, [x]) => g.softplus(x!), {
    dtype: "float32",
  });
});

test("addN, where and a value used twice", async () => {
  await checkGradient("addN", [[2, 3], [3], [2, 3]], (g, [a, b, c]) => g.addN([a!, b!, c!]));
  await checkGradient("where", [[3, 4], [3, 4], [4]], (g, [c, a, b]) => g.where(g.greater(c!, 0), a!, b!));
  await checkGradient("x*x + exp(x)", [[3, 3]], (g, [x]) => g.add(g.mul(x!, x!), g.exp(x!)));
});

test("matmul, batched matmul and gemm with every transpose flag", async () => {
  await checkGradient(
    "matmul 2d",
    [
      [3, 4],
      [4, 5],
    ],
    (g, [a, b]) => g.matmul(a!, b!),
  );
  await checkGradient(
    "matmul batched",
    [
      [2, 3, 4],
      [2, 4, 5],
    ],
    (g, [a, b]) => g.matmul(a!, b!),
  );
  await checkGradient(
    "matmul broadcast",
    [
      [2, 3, 4],
      [4, 5],
    ],
    (g, [a, b]) => g.matmul(a!, b!),
  );
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const sa = transA ? [4, 3] : [3, 4];
      const sb = transB ? [5, 4] : [4, 5];
      await checkGradient(`gemm ${transA} ${transB}`, [sa, sb, [5]], (g, [a, b, c]) =>
        g.gemm(a!, b!, { transA, transB, c: c! }),
      );
    }
  }
});

test("conv2d on random shapes with strides, padding and dilation (float32)", async () => {
  const rng = new Rng(7);
  const configs = [
    // strided (the kernel gradient's patch path): the VAE encoder's layers (3x3, stride 2, padding 1),
    // then stride and dilation together.
    { n: 2, c: 1, m: 3, h: 8, w: 8, k: 3, s: 2, p: [1, 1, 1, 1], d: 1 },
    { n: 1, c: 2, m: 2, h: 7, w: 6, k: 3, s: 2, p: [1, 1, 1, 1], d: 1 },
    { n: 1, c: 2, m: 2, h: 7, w: 9, k: 2, s: 3, p: [0, 2, 1, 0], d: 2 },
    // stride 1 (the diffusion U-Net's 3x3 layers; the kernel gradient's contiguous-run path), with
    // asymmetric padding, dilation, and no padding at all.
    { n: 2, c: 3, m: 2, h: 6, w: 5, k: 3, s: 1, p: [1, 1, 1, 1], d: 1 },
    { n: 2, c: 2, m: 3, h: 7, w: 8, k: 3, s: 1, p: [2, 0, 1, 2], d: 2 },
    { n: 1, c: 2, m: 2, h: 5, w: 6, k: 2, s: 1, p: [0, 0, 0, 0], d: 1 },
    // a 1x1 kernel without padding (the U-Net's skip projections; the kernel gradient's single product).
    { n: 2, c: 3, m: 2, h: 4, w: 5, k: 1, s: 1, p: [0, 0, 0, 0], d: 1 },
  ];
  for (let i = 0; i < 5; i++) {
    const k = 1 + rng.int(3);
    const p = [rng.int(k), rng.int(k), rng.int(k), rng.int(k)];
    configs.push({
      n: 1 + rng.int(2),
      c: 1 + rng.int(3),
      m: 1 + rng.int(3),
      h: 5 + rng.int(5),
      w: 5 + rng.int(5),
      k,
      s: 1 + rng.int(3),
      p,
      d: 1 + rng.int(2),
    });
  }
  for (const cf of configs) {
    await checkGradient(
      `conv ${JSON.stringify(cf)}`,
      [[cf.n, cf.c, cf.h, cf.w], [cf.m, cf.c, cf.k, cf.k], [cf.m]],
      (g, [x, w, b]) =>
        g.conv2d(x!, w!, b!, {
          strides: [cf.s, cf.s],
          pads: [cf.p[0]!, cf.p[1]!, cf.p[2]!, cf.p[3]!],
          dilations: [cf.d, cf.d],
        }),
      // the loss is bilinear in (x, w): central differences are exact up to rounding, so a large step is safe.
      { dtype: "float32", h: 0.25, tol: 2e-3 },
    );
  }
});

test("a conv2d layer to one channel (two-step form) equals one Conv, values and gradients", async () => {
  for (const [k, p] of [
    [3, 1],
    [3, 0],
    [2, 1],
  ] as const) {
    const g = new Graph({ seed: 4 });
    const x = g.input("x", [2, 12, 6, 5]);
    const layer = layers.conv2d(g, "c", x, 1, k, { padding: p, init: "torch" });
    const [w, b] = [g.paramInfo("c.weight")!.tensor, g.paramInfo("c.bias")!.tensor];
    const direct = g.conv2d(x, w, b, { pads: [p, p, p, p] });
    const probe = g.input("probe", layer.shape);
    const grads = (y: Tensor) => grad(g.sum(g.mul(y, probe)), [x, w, b]);
    const [lx, lw, lb] = grads(layer);
    const [dx, dw, db] = grads(direct);
    const rng = new Rng(k + p);
    const out = await runGraph(
      g,
      { layer, direct, lx: lx!, lw: lw!, lb: lb!, dx: dx!, dw: dw!, db: db! },
      { x: rng.fillNormal(new Float32Array(x.size)), probe: rng.fillNormal(new Float32Array(probe.size)) },
    );
    for (const [a, d] of [
      ["layer", "direct"],
      ["lx", "dx"],
      ["lw", "dw"],
      ["lb", "db"],
    ] as const) {
      const [va, vd] = [out[a]!, out[d]!];
      assert.equal(va.length, vd.length, `k ${k} p ${p}: ${a} and ${d} have the same size`);
      va.forEach((v, i) => {
        assert.ok(
          Math.abs(v - vd[i]!) <= 1e-5 * Math.max(1, Math.abs(vd[i]!)),
          `k ${k} p ${p} ${a}[${i}]: ${v} vs ${vd[i]}`,
        );
      });
    }
  }
});

test("convTranspose2d on random shapes with strides, padding and output padding (float32)", async () => {
  const rng = new Rng(11);
  const configs = [
    // the VAE decoder's layers (3x3, stride 2, padding 1, output padding 1), then random ones.
    { n: 2, c: 3, m: 2, h: 4, w: 4, k: 3, s: 2, p: 1, op: 1, d: 1 },
    { n: 1, c: 2, m: 1, h: 3, w: 5, k: 4, s: 3, p: 2, op: 2, d: 1 },
    // stride and dilation together (the kernel gradient's one-hot patches read with both).
    { n: 2, c: 2, m: 2, h: 4, w: 3, k: 3, s: 2, p: 1, op: 1, d: 2 },
    // stride 1, where the kernel gradient takes its contiguous-run path.
    { n: 2, c: 2, m: 3, h: 4, w: 5, k: 3, s: 1, p: 1, op: 0, d: 1 },
    { n: 1, c: 3, m: 2, h: 5, w: 4, k: 2, s: 1, p: 0, op: 0, d: 2 },
  ];
  for (let i = 0; i < 5; i++) {
    const k = 1 + rng.int(3);
    const s = 1 + rng.int(3);
    configs.push({
      n: 1 + rng.int(2),
      c: 1 + rng.int(3),
      m: 1 + rng.int(3),
      h: 3 + rng.int(4),
      w: 3 + rng.int(4),
      k,
      s,
      p: rng.int(k),
      op: rng.int(s),
      d: 1 + rng.int(2),
    });
  }
  for (const cf of configs) {
    await checkGradient(
      `convTranspose ${JSON.stringify(cf)}`,
      [[cf.n, cf.c, cf.h, cf.w], [cf.c, cf.m, cf.k, cf.k], [cf.m]],
      (g, [x, w, b]) =>
        g.convTranspose2d(x!, w!, b!, {
          strides: [cf.s, cf.s],
          pads: [cf.p, cf.p, cf.p, cf.p],
          dilations: [cf.d, cf.d],
          outputPadding: [cf.op, cf.op],
        }),
      { dtype: "float32", h: 0.25, tol: 2e-3 },
    );
  }
});

test("shape ops: reshape, transpose, concat, slice, pad, broadcast", async () => {
  await checkGradient("reshape", [[2, 6]], (g, [x]) =>
    g.mul(g.reshape(x!, [3, -1]), g.constant([1, 2, 3, 4], [1, 4])),
  );
  await checkGradient("transpose", [[2, 3, 4]], (g, [x]) => g.transpose(x!, [2, 0, 1]));
  // moving only a size-1 axis is recorded as a reshape; the values come out in transposed order.
  const g = new Graph();
  const x = g.input("x", [2, 1, 3, 1]);
  const moved = g.transpose(x, [1, 0, 3, 2]);
  const kept = g.transpose(x, [2, 1, 0, 3]);
  assert.equal(moved.source.kind === "op" && moved.source.node.op, "Reshape", "a size-1 move is a reshape");
  assert.equal(
    kept.source.kind === "op" && kept.source.node.op,
    "Transpose",
    "swapping sizes 2 and 3 is not",
  );
  const out = await runGraph(g, { moved, kept }, { x: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  assert.deepEqual([...out["moved"]!], [1, 2, 3, 4, 5, 6], "[1,2,1,3]: the same order");
  assert.deepEqual([...out["kept"]!], [1, 4, 2, 5, 3, 6], "[3,1,2,1]: columns first");
  await checkGradient(
    "concat",
    [
      [2, 3],
      [2, 1],
      [2, 2],
    ],
    (g, [a, b, c]) => g.concat([a!, b!, c!], 1),
  );
  await checkGradient("slice", [[4, 5]], (g, [x]) => g.slice(x!, 1, 1, -1));
  await checkGradient("strided slice", [[3, 7, 8]], (g, [x]) =>
    g.sliceStrided(x!, { axes: [2, 1], starts: [1, 0], ends: [8, 6], steps: [3, 2] }),
  );
  await checkGradient("pad", [[2, 3]], (g, [x]) => g.pad(x!, [1, 0, 2, 3]));
  await checkGradient("broadcastTo", [[3, 1]], (g, [x]) => g.broadcastTo(x!, [2, 3, 4]));
});

test("reductions over axes, with and without kept dims", async () => {
  await checkGradient("sum all", [[2, 3, 4]], (g, [x]) => g.sum(x!));
  await checkGradient("sum axes", [[2, 3, 4]], (g, [x]) => g.sum(x!, [0, 2]));
  await checkGradient("sum keep", [[2, 3, 4]], (g, [x]) => g.sum(x!, [1], true));
  await checkGradient("mean axes", [[2, 3, 4]], (g, [x]) => g.mean(x!, [-1]));
  await checkGradient("mean keep", [[2, 3, 4]], (g, [x]) => g.mean(x!, [0, 1], true));
});

test("upsample, group normalisation and the layer functions", async () => {
  await checkGradient("upsampleNearest", [[1, 2, 3, 2]], (g, [x]) => g.upsampleNearest(x!, 2));
  await checkGradient("avgPool2d", [[2, 2, 4, 6]], (g, [x]) => g.avgPool2d(x!, 2));
  // float32 graphs run ONNX Resize and AveragePool (float64 ones a broadcast and a mean), each the
  // other's adjoint; both are linear, so a large step keeps the central difference exact.
  for (const f of [2, 3]) {
    const f32 = { dtype: "float32", h: 0.5, tol: 1e-4 } as const;
    await checkGradient(
      `upsampleNearest x${f} (float32)`,
      [[2, 3, 3, 2]],
      (g, [x]) => g.upsampleNearest(x!, f),
      f32,
    );
    await checkGradient(`avgPool2d /${f} (float32)`, [[2, 3, 6, 3 * f]], (g, [x]) => g.avgPool2d(x!, f), f32);
  }
});

test("float32 group normalisation (one LayerNormalization) matches the float64 composite", async () => {
  const rng = new Rng(9);
  const shape = [2, 6, 3, 4];
  // rows with a mean far from 0, where the centring matters.
  const xs = Float64Array.from({ length: 2 * 6 * 3 * 4 }, (_, i) => 3 + 2 * rng.normal() + (i % 5));
  const probe = Float64Array.from(xs, () => rng.normal());
  const results = [];
  for (const dtype of ["float32", "float64"] as const) {
    const g = new Graph({ dtype, seed: 2 });
    const x = g.input("x", shape);
    const p = g.input("p", shape);
    const y = layers.groupNorm(g, "norm", x, 3);
    const [gx, gGamma] = grad(g.sum(g.mul(y, p)), [x, g.paramInfo("norm.weight")!.tensor]);
    const cast = (v: Float64Array) => (dtype === "float32" ? Float32Array.from(v) : v);
    results.push(await runGraph(g, { y, gx: gx!, gGamma: gGamma! }, { x: cast(xs), p: cast(probe) }));
  }
  const [single, double] = results as [Record<string, Values>, Record<string, Values>];
  for (const key of ["y", "gx", "gGamma"]) {
    const a = single[key]!;
    const b = double[key]!;
    assert.equal(a.length, b.length, `${key}: same size`);
    b.forEach((v, i) => {
      assert.ok(Math.abs(a[i]! - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${key}[${i}]: ${a[i]} vs ${v}`);
    });
  }
  // the gradient of the gradient runs through the inverse standard deviation output.
  await checkGradient(
    "second-order groupNorm (float32)",
    [[2, 4, 3, 3]],
    (g, [x]) => {
      const y = g.groupNorm(x!, g.constant([1, 2, 0.5, 1], [4]), g.constant([0, 0, 1, 0], [4]), 2);
      return grad(g.sum(g.mul(y, y)), [x!])[0]!;
    },
    { dtype: "float32", h: 1e-2, tol: 3e-2 },
  );
});

test("float32 upsampling and pooling compute the same values as the float64 formulation", async () => {
  const rng = new Rng(5);
  const values = rng.fillNormal(new Float64Array(2 * 3 * 4 * 6));
  const results = [];
  for (const dtype of ["float32", "float64"] as const) {
    const g = new Graph({ dtype });
    const x = g.input("x", [2, 3, 4, 6]);
    const feed = dtype === "float32" ? Float32Array.from(values) : values;
    results.push(await runGraph(g, { up: g.upsampleNearest(x, 3), pool: g.avgPool2d(x, 2) }, { x: feed }));
  }
  const [single, double] = results as [Record<string, Values>, Record<string, Values>];
  // nearest upsampling by 3: output pixel (i, j) is input pixel (floor(i/3), floor(j/3)).
  const up = single["up"]!;
  assert.equal(up.length, 2 * 3 * 12 * 18, "the upsampled size is [2,3,12,18]");
  for (let nc = 0; nc < 6; nc++)
    for (let i = 0; i < 12; i++)
      for (let j = 0; j < 18; j++)
        assert.equal(
          up[(nc * 12 + i) * 18 + j],
          Math.fround(values[(nc * 4 + Math.floor(i / 3)) * 6 + Math.floor(j / 3)]!),
          `float32 upsampled pixel (${nc}, ${i}, ${j})`,
        );
  double["up"]!.forEach((v, i) => {
    assert.equal(Math.fround(v), up[i], `float64 upsampled value ${i}`);
  });
  double["pool"]!.forEach((v, i) => {
    assert.ok(Math.abs(v - single["pool"]![i]!) < 1e-6, `pooled value ${i}: ${v} vs ${single["pool"]![i]}`);
  });
  await checkGradient("groupNorm", [[2, 4, 3, 3], [4], [4]], (g, [x, ga, be]) =>
    g.groupNorm(x!, ga!, be!, 2),
  );
  await checkGradient("dense layer", [[3, 5]], (g, [x]) => layers.dense(g, "fc", x!, 4));
  await checkGradient(
    "reparameterize",
    [
      [3, 2],
      [3, 2],
      [3, 2],
    ],
    (g, [m, lv, e]) => layers.reparameterize(g, m!, lv!, e!),
  );
});

test("losses: BCE with logits, MSE, KL, VAE and GAN losses", async () => {
  for (const dtype of ["float64", "float32"] as const) {
    const f32 = dtype === "float32" ? { dtype, h: 1e-2, tol: 2e-2 } : { dtype };
    await checkGradient(
      `bce ${dtype}`,
      [
        [3, 4],
        [3, 4],
      ],
      (g, [x, t]) => losses.bceWithLogits(g, x!, g.sigmoid(t!), "perSample"),
      f32,
    );
    await checkGradient(
      `gan D ${dtype}`,
      [
        [4, 1],
        [4, 1],
      ],
      (g, [r, f]) => losses.ganDiscriminatorLoss(g, r!, f!),
      f32,
    );
    await checkGradient(`gan G ${dtype}`, [[4, 1]], (g, [f]) => losses.ganGeneratorLoss(g, f!), f32);
  }
  await checkGradient(
    "mse",
    [
      [3, 4],
      [3, 4],
    ],
    (g, [x, t]) => losses.mse(g, x!, t!),
  );
  await checkGradient(
    "kl",
    [
      [3, 4],
      [3, 4],
    ],
    (g, [m, lv]) => losses.gaussianKl(g, m!, lv!),
  );
  await checkGradient(
    "vae",
    [
      [2, 6],
      [2, 6],
      [2, 3],
      [2, 3],
    ],
    (g, [l, x, m, lv]) => losses.vaeLoss(g, l!, g.sigmoid(x!), m!, lv!),
  );
});
