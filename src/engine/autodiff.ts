// Reverse-mode differentiation on the recorded graph: the gradient of a scalar loss is itself recorded as
// more primitive ops (standard ONNX), so the backward pass is compiled and run like the forward one.
// Legend: y the op's output, gy = dLoss/dy, gx = dLoss/dx; "unbroadcast" sums a gradient back to the
// shape of an operand that was broadcast. Convolution gradients follow Dumoulin & Visin (2016),
// "A guide to convolution arithmetic": the input gradient of a convolution is a transposed convolution
// with the same kernel, and the kernel gradient is a correlation of the input with the output gradient
// (computed here as matrix products over the patches each kernel tap reads).
import { type Graph, intAttr, intsAttr, type Node, type Shape, type Tensor } from "./graph.ts";

/**
 * Gradients of `loss` (a single value) with respect to each tensor of `wrt`, recorded in the loss's graph.
 * A tensor the loss does not depend on gets a zero gradient.
 */
export function grad(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const g = loss.graph;
  if (loss.size !== 1)
    g.fail("grad", `the loss must hold a single value, got shape [${loss.shape.join(",")}]`);
  if (loss.dtype === "bool") g.fail("grad", "the loss must be a float tensor");
  for (const t of wrt) if (t.graph !== g) g.fail("grad", `${t.describe()} belongs to another graph`);
  const tensors = g.allTensors();

  // forward sweep: which tensors depend on any tensor of `wrt` (only those need gradients).
  const wrtIds = new Set(wrt.map((t) => t.id));
  const depends = new Uint8Array(loss.id + 1);
  for (let id = 0; id <= loss.id; id++) {
    const t = tensors[id]!;
    if (wrtIds.has(id)) depends[id] = 1;
    else if (t.source.kind === "op" && t.dtype !== "bool")
      depends[id] = t.source.node.inputs.some((x) => x.id <= loss.id && depends[x.id] === 1) ? 1 : 0;
  }

  // backward sweep in reverse creation order, accumulating the contributions of each consumer.
  const pending = new Map<number, Tensor[]>();
  const done = new Map<number, Tensor>();
  pending.set(loss.id, [
    g.broadcastTo(g.scalar(1, loss.dtype === "float64" ? "float64" : "float32"), loss.shape),
  ]);
  g.scope("grad", () => {
    for (let id = loss.id; id >= 0; id--) {
      const parts = pending.get(id);
      if (!parts || depends[id] !== 1) continue;
      pending.delete(id);
      const gy = g.addN(parts);
      done.set(id, gy);
      const t = tensors[id]!;
      if (t.source.kind !== "op") continue;
      const node = t.source.node;
      const needs = node.inputs.map((x) => x.id <= loss.id && depends[x.id] === 1);
      if (!needs.some(Boolean)) continue;
      const grads = backward(g, node, t, gy, needs);
      node.inputs.forEach((x, i) => {
        const gx = grads[i];
        if (!needs[i] || gx === null || gx === undefined) return;
        const list = pending.get(x.id);
        if (list) list.push(gx);
        else pending.set(x.id, [gx]);
      });
    }
  });

  return wrt.map(
    (t) =>
      done.get(t.id) ?? g.broadcastTo(g.scalar(0, t.dtype === "float64" ? "float64" : "float32"), t.shape),
  );
}

/** Sum `gy` over the axes along which an operand of shape `shape` was broadcast, and give it that shape. */
export function unbroadcast(g: Graph, gy: Tensor, shape: Shape): Tensor {
  if (gy.rank === shape.length && gy.shape.every((d, i) => d === shape[i])) return gy;
  const lead = gy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < gy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && gy.shape[i] !== 1)) axes.push(i);
  }
  const summed = g.sum(gy, axes, true);
  return summed.rank === shape.length && summed.shape.every((d, i) => d === shape[i])
    ? summed
    : g.reshape(summed, shape);
}

/** The gradient rule of one op: a gradient per input (null where none flows). */
function backward(g: Graph, node: Node, y: Tensor, gy: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const [a, b] = node.inputs as [Tensor, Tensor];
  switch (node.op) {
    case "Add":
      return [unbroadcast(g, gy, a.shape), unbroadcast(g, gy, b.shape)];
    case "Sub":
      return [unbroadcast(g, gy, a.shape), needs[1] ? unbroadcast(g, g.neg(gy), b.shape) : null];
    case "Mul":
      return [
        needs[0] ? unbroadcast(g, g.mul(gy, b), a.shape) : null,
        needs[1] ? unbroadcast(g, g.mul(gy, a), b.shape) : null,
      ];
    case "Div":
      // d(a/b)/db = -a/b^2 = -y/b
      return [
        needs[0] ? unbroadcast(g, g.div(gy, b), a.shape) : null,
        needs[1] ? unbroadcast(g, g.neg(g.div(g.mul(gy, y), b)), b.shape) : null,
      ];
    case "Pow": {
      // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log a
      const exponentMinusOne =
        b.source.kind === "const" && b.size === 1
          ? g.scalar(b.source.values[0]! - 1, y.dtype === "float64" ? "float64" : "float32")
          : g.sub(b, 1);
      return [
        needs[0] ? unbroadcast(g, g.mul(gy, g.mul(b, g.pow(a, exponentMinusOne))), a.shape) : null,
        needs[1] ? unbroadcast(g, g.mul(gy, g.mul(y, g.log(a))), b.shape) : null,
      ];
    }
    case "Min":
    case "Max": {
      // the gradient goes to the operand that was chosen (ties go to b).
      const aChosen = node.op === "Max" ? g.greater(a, b) : g.greater(b, a);
      return [
        needs[0] ? unbroadcast(g, g.where(aChosen, gy, 0), a.shape) : null,
        needs[1] ? unbroadcast(g, g.where(aChosen, 0, gy), b.shape) : null,
      ];
    }
    case "Neg":
      return [g.neg(gy)];
    case "Exp":
      return [g.mul(gy, y)];
    case "Log":
      return [g.div(gy, a)];
    case "Sqrt":
      return [g.div(g.mul(gy, 0.5), y)];
    case "Abs":
      return [g.mul(gy, g.sign(a))];
    case "Sign":
    case "Greater":
    case "Cast":
      return [null, null];
    case "Relu":
      // gy times the active units' 0/1 mask: in onnxruntime a Cast and a Mul take about half the time
      // of a Where select and a quarter of gy * sign(y) (64x32x14x14, one thread).
      return [g.mul(gy, g.mask(g.greater(y, 0)))];
    case "LeakyRelu": {
      // gy times max(mask, alpha): 1 where x > 0, alpha elsewhere (alpha < 1), with the cheaper mask as above.
      const alpha = node.attrs["alpha"];
      return [g.mul(gy, g.maximum(g.mask(g.greater(a, 0)), typeof alpha === "number" ? alpha : 0.01))];
    }
    case "Sigmoid":
      return [g.mul(gy, g.mul(y, g.sub(1, y)))];
    case "Tanh":
      return [g.mul(gy, g.sub(1, g.mul(y, y)))];
    case "Softplus":
      return [g.mul(gy, g.sigmoid(a))];
    case "Identity":
      return [gy];
    case "Sum":
      return node.inputs.map((x) => unbroadcast(g, gy, x.shape));
    case "Where": {
      const [cond, ta, tb] = node.inputs as [Tensor, Tensor, Tensor];
      return [
        null,
        needs[1] ? unbroadcast(g, g.where(cond, gy, 0), ta.shape) : null,
        needs[2] ? unbroadcast(g, g.where(cond, 0, gy), tb.shape) : null,
      ];
    }
    case "MatMul":
      return matmulGrad(g, a, b, gy, needs);
    case "Gemm":
      return gemmGrad(g, node, gy, needs);
    case "Conv":
      return convGrad(g, node, gy, needs);
    case "ConvTranspose":
      return convTransposeGrad(g, node, gy, needs);
    case "Reshape":
      return [g.reshape(gy, a.shape)];
    case "Transpose": {
      const perm = intsAttr(node, "perm");
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return [g.transpose(gy, inverse)];
    }
    case "Concat": {
      const axis = intAttr(node, "axis");
      let offset = 0;
      return node.inputs.map((x) => {
        const part = g.slice(gy, axis, offset, offset + x.shape[axis]!);
        offset += x.shape[axis]!;
        return part;
      });
    }
    case "Slice":
      return [sliceGrad(g, node, a, gy)];
    case "Pad": {
      const pads = intsAttr(node, "pads");
      let gx = gy;
      for (let axis = 0; axis < a.rank; axis++) {
        const begin = pads[axis]!;
        if (begin !== 0 || pads[axis + a.rank] !== 0) gx = g.slice(gx, axis, begin, begin + a.shape[axis]!);
      }
      return [gx];
    }
    case "Expand":
      return [unbroadcast(g, gy, a.shape)];
    case "LayerNormalization": {
      // y = (x - mean) r per row, r = 1/sqrt(var + eps): dx = r (gy - mean(gy) - y mean(gy y)).
      const r = g.invStdDev(a, y);
      const centred = g.sub(gy, g.mean(gy, [2], true));
      return [g.mul(g.sub(centred, g.mul(y, g.mean(g.mul(gy, y), [2], true))), r), null];
    }
    case "InvStdDev": {
      // dr/dx = -r^3 (x - mean) / K = -r^2 y / K, with y the row's normalised values.
      const [x, normalized] = node.inputs as [Tensor, Tensor];
      const k = x.shape[2]!;
      return [g.mul(normalized, g.mul(g.mul(y, y), g.mul(gy, -1 / k))), null];
    }
    case "Resize": {
      // nearest upsampling by f copies each pixel f*f times: its adjoint sums each f x f block.
      const f = intsAttr(node, "scales")[2]!;
      return [g.mul(g.avgPool2d(gy, f), f * f)];
    }
    case "AveragePool": {
      // each input pixel contributes 1/(f*f) to its block's mean.
      const f = intsAttr(node, "kernel_shape")[0]!;
      return [g.mul(g.upsampleNearest(gy, f), 1 / (f * f))];
    }
    case "ReduceSum":
    case "ReduceMean": {
      const axes = intsAttr(node, "axes");
      const kept = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const spread = g.broadcastTo(g.reshape(gy, kept), a.shape);
      if (node.op === "ReduceSum") return [spread];
      const count = axes.reduce((n, i) => n * a.shape[i]!, 1);
      return [g.mul(spread, 1 / count)];
    }
  }
}

function matmulGrad(
  g: Graph,
  a: Tensor,
  b: Tensor,
  gy: Tensor,
  needs: readonly boolean[],
): (Tensor | null)[] {
  // 2-D: gA = gy B^T, gB = A^T gy, as Gemm with transpose flags (no transposed copies).
  if (a.rank === 2 && b.rank === 2) {
    return [
      needs[0] ? g.gemm(gy, b, { transB: true }) : null,
      needs[1] ? g.gemm(a, gy, { transA: true }) : null,
    ];
  }
  const swapLast = (t: Tensor) => {
    const perm = t.shape.map((_, i) => i);
    perm[t.rank - 2] = t.rank - 1;
    perm[t.rank - 1] = t.rank - 2;
    return g.transpose(t, perm);
  };
  return [
    needs[0] ? unbroadcast(g, g.matmul(gy, swapLast(b)), a.shape) : null,
    needs[1] ? unbroadcast(g, g.matmul(swapLast(a), gy), b.shape) : null,
  ];
}

function gemmGrad(g: Graph, node: Node, gy: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const [a, b, c] = node.inputs as [Tensor, Tensor, Tensor | undefined];
  const transA = intAttr(node, "transA") === 1;
  const transB = intAttr(node, "transB") === 1;
  // Y = op(A) op(B). d op(A) = gy op(B)^T and d op(B) = op(A)^T gy, transposed back when op is a transpose.
  const ga = transA ? g.gemm(b, gy, { transA: transB, transB: true }) : g.gemm(gy, b, { transB: !transB });
  const gb = transB ? g.gemm(gy, a, { transA: true, transB: transA }) : g.gemm(a, gy, { transA: !transA });
  return [needs[0] ? ga : null, needs[1] ? gb : null, c && needs[2] ? unbroadcast(g, gy, c.shape) : null];
}

/** Where a convolution's kernel taps read: kernel size, strides, pads [top, left, bottom, right], dilations. */
export interface ConvGeometry {
  kernel: readonly [number, number];
  strides: readonly number[];
  pads: readonly number[];
  dilations: readonly number[];
}

/**
 * The kernel gradient of a convolution with `input` [N,Ci,Hi,Wi] whose output gradient is `gOut`
 * [N,Co,Ho,Wo]: dW[co,ci,a,b] = sum_{n,i,j} gOut[n,co,i,j] input[n,ci, i*s + a*d - pTop, j*s + b*d - pLeft].
 * Result [Co, Ci, kH, kW]. Two equivalent formulations, each used where onnxruntime runs it fastest:
 * - strided convolutions: the patches each tap reads, gathered by a one-hot convolution, then one GEMM
 *   (convKernelGradByPatches);
 * - stride 1: one GEMM per kernel tap over contiguous windows (convKernelGradByTaps), which needs no
 *   kH*kW-fold copy of the input (for the diffusion U-Net's layers that copy would be 9x its input).
 * Both replaced the textbook form, the sum as one convolution with the output gradient as the kernel,
 * which onnxruntime runs as many GEMMs with kH*kW columns (onnxruntime timings, 2 threads: the conv
 * VAE's [64,32,14,14] -> [64,64,7,7] kernel gradient, timed alone, took 3.2-3.4 ms that way and 1.7-1.8
 * ms by patches; its whole training step, two trainers alternating in one process, 7-12% less time. For
 * the diffusion U-Net's stride-1 layers the textbook form ran 2x slower than by taps, and its training
 * step, timed the same way, took 1.2x as long with them by patches).
 */
export function convKernelGrad(g: Graph, input: Tensor, gOut: Tensor, geometry: ConvGeometry): Tensor {
  const { strides } = geometry;
  return strides[0] === 1 && strides[1] === 1
    ? convKernelGradByTaps(g, input, gOut, geometry)
    : convKernelGradByPatches(g, input, gOut, geometry);
}

/** [N, C, H, W] as the matrix [C, N*H*W] (channels as rows), the layout the patch products use. */
function channelRows(g: Graph, t: Tensor): Tensor {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  return g.reshape(g.transpose(g.reshape(t, [n, c, h * w]), [1, 0, 2]), [c, n * h * w]);
}

/**
 * The patches a convolution's kernel taps read, as the im2col matrix [Ci*kH*kW, N*Ho*Wo] (row ci*kH*kW
 * + a*kW + b holds what tap (a, b) reads from channel ci at every output position of every image): each
 * input channel of each image is convolved, as an image of its own ([N*Ci, 1, Hi, Wi]), with the kH*kW
 * one-hot kernels under the convolution's strides, pads and dilations.
 */
function convPatches(g: Graph, input: Tensor, geometry: ConvGeometry): Tensor {
  const { kernel, strides, pads, dilations } = geometry;
  const [n, ci, hi, wi] = input.shape as [number, number, number, number];
  const [kh, kw] = kernel;
  const taps = kh * kw;
  const oneHot = new Array<number>(taps * taps).fill(0);
  for (let t = 0; t < taps; t++) oneHot[t * taps + t] = 1;
  const patches = g.conv2d(
    g.reshape(input, [n * ci, 1, hi, wi]),
    g.constant(oneHot, [taps, 1, kh, kw]),
    null,
    {
      strides: [strides[0]!, strides[1]!],
      pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!],
      dilations: [dilations[0]!, dilations[1]!],
    },
  ); // [N*Ci, kH*kW, Ho, Wo]
  return channelRows(g, g.reshape(patches, [n, ci * taps, patches.shape[2]!, patches.shape[3]!]));
}

/**
 * The kernel gradient as one GEMM over patches: dW = gOut [Co, N*Ho*Wo] times the patches of the input
 * [Ci*kH*kW, N*Ho*Wo] transposed. `patches` may be given when they were gathered already. The patches
 * cover the forward's output size (for a transposed convolution's kernel gradient, where `input` is the
 * output gradient, the same arithmetic gives back the transposed convolution's input size).
 */
function convKernelGradByPatches(
  g: Graph,
  input: Tensor,
  gOut: Tensor,
  geometry: ConvGeometry,
  patches = convPatches(g, input, geometry),
): Tensor {
  const [, ci] = input.shape as [number, number];
  const co = gOut.shape[1]!;
  return g.reshape(g.gemm(channelRows(g, gOut), patches, { transB: true }), [co, ci, ...geometry.kernel]);
}

/**
 * The kernel gradient of a stride-1 convolution, one matrix product per kernel tap (a, b): gOut as
 * [Co, positions] times the input window that tap reads as [Ci, positions] transposed (an im2col split
 * by tap). With each image's padded rows laid end to end, tap (a, b) reads one contiguous run of Ho
 * full padded rows starting at a*d*Wp + b*d; the Wp - Wo columns per row that wrap around are cancelled
 * by zero columns appended to gOut, and one spare zero row keeps the last run in bounds.
 */
function convKernelGradByTaps(g: Graph, input: Tensor, gOut: Tensor, geometry: ConvGeometry): Tensor {
  const { kernel, pads, dilations } = geometry;
  const [n, ci, hi, wi] = input.shape as [number, number, number, number];
  const [, co, ho, wo] = gOut.shape as [number, number, number, number];
  const [kh, kw] = kernel;
  const [d0, d1, top, left] = [dilations[0]!, dilations[1]!, pads[0]!, pads[1]!];
  if (kh === 1 && kw === 1 && pads.every((p) => p === 0)) {
    // a 1x1 kernel without padding reads every pixel once: one product, no padded copy or window.
    return g.reshape(g.gemm(channelRows(g, gOut), channelRows(g, input), { transB: true }), [co, ci, 1, 1]);
  }
  // with stride 1, Hi + top <= Ho + (kH-1)d, so padding alone reaches the padded size.
  const hp = ho + (kh - 1) * d0 + 1;
  const wp = Math.max(wi + left, wo + (kw - 1) * d1);
  let x = g.transpose(input, [1, 0, 2, 3]); // [Ci, N, Hi, Wi]
  x = g.reshape(g.pad(x, [0, 0, top, left, 0, 0, hp - hi - top, wp - wi - left]), [ci, n, hp * wp]);
  let gOutT = g.transpose(gOut, [1, 0, 2, 3]); // [Co, N, Ho, Wo]
  if (wp > wo) gOutT = g.pad(gOutT, [0, 0, 0, 0, 0, 0, 0, wp - wo]);
  const gOut2 = g.reshape(gOutT, [co, n * ho * wp]);
  const taps: Tensor[] = [];
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const start = a * d0 * wp + b * d1;
      const window = g.reshape(g.slice(x, 2, start, start + ho * wp), [ci, n * ho * wp]);
      taps.push(g.reshape(g.gemm(gOut2, window, { transB: true }), [co, ci, 1])); // [Co, Ci, 1]
    }
  }
  return g.reshape(taps.length === 1 ? taps[0]! : g.concat(taps, 2), [co, ci, kh, kw]);
}

/**
 * A kernel [Co, Ci, kH, kW] rotated by 180 degrees with its channel axes swapped: [Ci, Co, kH, kW] with
 * out[i, o, a, b] = w[o, i, kH-1-a, kW-1-b]. Rotating both spatial axes reverses the flattened kH*kW
 * index, done as a product with the constant exchange matrix (differentiable like any MatMul).
 */
function flipKernel(g: Graph, w: Tensor): Tensor {
  const [co, ci, kh, kw] = w.shape as [number, number, number, number];
  const taps = kh * kw;
  const exchange = new Array<number>(taps * taps).fill(0);
  for (let i = 0; i < taps; i++) exchange[i * taps + (taps - 1 - i)] = 1;
  const reversed = g.matmul(g.reshape(w, [co * ci, taps]), g.constant(exchange, [taps, taps]));
  return g.transpose(g.reshape(reversed, [co, ci, kh, kw]), [1, 0, 2, 3]);
}

function convGrad(g: Graph, node: Node, gy: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const [x, w, bias] = node.inputs as [Tensor, Tensor, Tensor | undefined];
  const strides = intsAttr(node, "strides");
  const pads = intsAttr(node, "pads");
  const dilations = intsAttr(node, "dilations");
  const [kh, kw] = [w.shape[2]!, w.shape[3]!];
  let gx: Tensor | null = null;
  if (needs[0]) {
    // output padding restores the rows the forward stride skipped at the bottom/right.
    const full = (i: number, k: number) =>
      strides[i]! * (gy.shape[2 + i]! - 1) + dilations[i]! * (k - 1) + 1 - pads[i]! - pads[i + 2]!;
    const outputPadding = [x.shape[2]! - full(0, kh), x.shape[3]! - full(1, kw)] as const;
    // With stride 1 the transposed convolution is an ordinary convolution with the kernel flipped in
    // both spatial axes, its channel axes swapped and the padding complemented; onnxruntime's Conv
    // runs it faster than its ConvTranspose (about 1.5x for the diffusion U-Net's layers).
    const complement = [0, 1, 2, 3].map(
      (i) => dilations[i % 2]! * ((i % 2 === 0 ? kh : kw) - 1) - pads[i]!,
    ) as [number, number, number, number];
    const strideOne =
      strides[0] === 1 && strides[1] === 1 && outputPadding[0] === 0 && outputPadding[1] === 0;
    if (strideOne && complement.every((p) => p >= 0)) {
      gx = g.conv2d(gy, flipKernel(g, w), null, {
        strides: [1, 1],
        pads: complement,
        dilations: [dilations[0]!, dilations[1]!],
      });
    } else
      gx = g.convTranspose2d(gy, w, null, {
        strides: [strides[0]!, strides[1]!],
        pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!],
        dilations: [dilations[0]!, dilations[1]!],
        outputPadding,
      });
  }
  const gw = needs[1] ? convKernelGrad(g, x, gy, { kernel: [kh, kw], strides, pads, dilations }) : null;
  const gb = bias && needs[2] ? g.sum(gy, [0, 2, 3]) : null;
  return [gx, gw, gb];
}

function convTransposeGrad(g: Graph, node: Node, gy: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const [x, w, bias] = node.inputs as [Tensor, Tensor, Tensor | undefined];
  const geometry: ConvGeometry = {
    kernel: [w.shape[2]!, w.shape[3]!],
    strides: intsAttr(node, "strides"),
    pads: intsAttr(node, "pads"),
    dilations: intsAttr(node, "dilations"),
  };
  const { strides, pads, dilations } = geometry;
  const strided = strides[0] !== 1 || strides[1] !== 1;
  let gx: Tensor | null = null;
  let gw: Tensor | null = null;
  if (strided && needs[0] && needs[1]) {
    // both gradients read the patches of gy: gather them once. The input gradient, the convolution of gy
    // with w, is then w as [C, M*kH*kW] times the patches, and the kernel gradient x's rows times them.
    const patches = convPatches(g, gy, geometry);
    const [n, c, h, wd] = x.shape as [number, number, number, number];
    const rows = g.gemm(g.reshape(w, [c, -1]), patches); // [C, N*H*W]
    gx = g.transpose(g.reshape(rows, [c, n, h, wd]), [1, 0, 2, 3]);
    gw = convKernelGradByPatches(g, gy, x, geometry, patches);
  } else {
    // the adjoint of a transposed convolution is the convolution with the same kernel.
    if (needs[0])
      gx = g.conv2d(gy, w, null, {
        strides: [strides[0]!, strides[1]!],
        pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!],
        dilations: [dilations[0]!, dilations[1]!],
      });
    // the kernel gradient is the conv kernel gradient with the roles of input and output exchanged.
    if (needs[1]) gw = convKernelGrad(g, gy, x, geometry);
  }
  const gb = bias && needs[2] ? g.sum(gy, [0, 2, 3]) : null;
  return [gx, gw, gb];
}

/**
 * The gradient of a slice scatters gy back into zeros of the input's shape. Per axis with step s, each
 * element is followed by s-1 zeros ([.., n, ..] -> [.., n, s, ..] by padding a new axis, then merged to
 * [.., n*s, ..] and cut to s(n-1)+1), and the result is padded to the input's extent.
 */
function sliceGrad(g: Graph, node: Node, x: Tensor, gy: Tensor): Tensor {
  const axes = intsAttr(node, "axes");
  const starts = intsAttr(node, "starts");
  const steps = intsAttr(node, "steps");
  let gx = gy;
  axes.forEach((axis, i) => {
    const step = steps[i]!;
    const n = gx.shape[axis]!;
    if (step > 1 && n > 1) {
      const spread = [...gx.shape.slice(0, axis + 1), 1, ...gx.shape.slice(axis + 1)];
      const pads = new Array<number>(2 * spread.length).fill(0);
      pads[axis + 1 + spread.length] = step - 1;
      const merged = [...gx.shape];
      merged[axis] = n * step;
      gx = g.reshape(g.pad(g.reshape(gx, spread), pads), merged);
      gx = g.slice(gx, axis, 0, step * (n - 1) + 1);
    }
    const pads = new Array<number>(2 * x.rank).fill(0);
    pads[axis] = starts[i]!;
    pads[axis + x.rank] = x.shape[axis]! - starts[i]! - gx.shape[axis]!;
    if (pads[axis] !== 0 || pads[axis + x.rank] !== 0) gx = g.pad(gx, pads);
  });
  return gx;
}
