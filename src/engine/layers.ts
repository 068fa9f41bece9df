// Layers: small functions that declare a layer's parameters (named "<layer>.weight", "<layer>.bias", with
// seeded initial values) and record its ops, so model code reads like the paper's architecture table.
// Legend: N batch, C/M input/output channels, H x W spatial size, k kernel size.
import { formatShape, type Graph, type Init, type Tensor } from "./graph.ts";
import { heNormal, ones, uniformInit, xavierUniform, zeros } from "./init.ts";

/**
 * Weight initialisation of a layer: "he" (normal, for ReLU nets; the default), "xavier" (uniform, for
 * linear or tanh outputs) or "torch" (PyTorch's default for Linear/Conv: U(+-1/sqrt(fanIn)) for weight and
 * bias). Biases are zero except with "torch".
 */
export type WeightInit = "he" | "xavier" | "torch";

function weightInit(kind: WeightInit, fanIn: number, fanOut: number): Init {
  if (kind === "he") return heNormal(fanIn);
  if (kind === "xavier") return xavierUniform(fanIn, fanOut);
  const bound = 1 / Math.sqrt(fanIn);
  return uniformInit(-bound, bound);
}

function biasInit(kind: WeightInit, fanIn: number): Init {
  if (kind !== "torch") return zeros;
  const bound = 1 / Math.sqrt(fanIn);
  return uniformInit(-bound, bound);
}

export interface DenseOptions {
  bias?: boolean;
  init?: WeightInit;
}

/** Fully connected layer y = x W + b: x [N, in] -> [N, units]; weight [in, units], bias [units]. */
export function dense(g: Graph, name: string, x: Tensor, units: number, options: DenseOptions = {}): Tensor {
  return g.scope(name, () => {
    if (x.rank !== 2) g.fail("dense", `expects [N, features], got ${formatShape(x.shape)} (flatten first)`);
    const fanIn = x.shape[1]!;
    const init = options.init ?? "he";
    const w = g.param("weight", [fanIn, units], weightInit(init, fanIn, units));
    if (options.bias === false) return g.matmul(x, w);
    const b = g.param("bias", [units], biasInit(init, fanIn));
    return g.gemm(x, w, { c: b });
  });
}

export interface Conv2dOptions {
  stride?: number;
  /** Zero padding on every side (default 0). */
  padding?: number;
  bias?: boolean;
  init?: WeightInit;
}

/** 2-D convolution: x [N,C,H,W] -> [N,M,H',W']; weight [M,C,k,k], bias [M]. */
export function conv2d(
  g: Graph,
  name: string,
  x: Tensor,
  outChannels: number,
  kernel: number,
  options: Conv2dOptions = {},
): Tensor {
  return g.scope(name, () => {
    if (x.rank !== 4) g.fail("conv2d", `expects [N,C,H,W], got ${formatShape(x.shape)}`);
    const c = x.shape[1]!;
    const init = options.init ?? "he";
    const fanIn = c * kernel * kernel;
    const w = g.param(
      "weight",
      [outChannels, c, kernel, kernel],
      weightInit(init, fanIn, outChannels * kernel * kernel),
    );
    const b = options.bias === false ? null : g.param("bias", [outChannels], biasInit(init, fanIn));
    const s = options.stride ?? 1;
    const p = options.padding ?? 0;
    if (outChannels === 1 && s === 1 && kernel > 1 && c > kernel * kernel)
      return singleChannelConv(g, x, w, b, p);
    return g.conv2d(x, w, b, { strides: [s, s], pads: [p, p, p, p] });
  });
}

/**
 * A stride-1 convolution to one channel (a generator's image layer) in two steps: a 1x1 convolution
 * projects the C input channels onto one plane per kernel tap ([N, k*k, H, W]), and a convolution with a
 * constant one-hot kernel sums each tap's plane shifted into place. The same sum as one Conv, but
 * onnxruntime's Conv to a single channel multiplies a 1-row matrix by a C*k*k-row im2col copy of the
 * input, and its kernel gradient copies a padded window of the input per tap; a 32-channel 28x28 layer
 * took about 6 ms forward and 13 ms for the kernel gradient on one thread, 3-4x what the two steps take.
 */
function singleChannelConv(g: Graph, x: Tensor, w: Tensor, b: Tensor | null, padding: number): Tensor {
  const [, c, k] = w.shape as [number, number, number];
  // [1, C, k, k] -> [k*k, C, 1, 1]: row t = a*k + b holds the weights of tap (a, b).
  const perTap = g.reshape(g.transpose(w, [2, 3, 0, 1]), [k * k, c, 1, 1]);
  const planes = g.conv2d(x, perTap, null, {});
  const oneHot = new Array<number>(k * k * k * k).fill(0);
  for (let t = 0; t < k * k; t++) oneHot[t * k * k + t] = 1; // input plane t, kernel position t
  const p = padding;
  return g.conv2d(planes, g.constant(oneHot, [1, k * k, k, k]), b, { pads: [p, p, p, p] });
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns at the bottom/right of the output (< stride), as PyTorch's output_padding. */
  outputPadding?: number;
}

/**
 * 2-D transposed convolution: x [N,C,H,W] -> [N,M,s(H-1)+k-2p+outputPadding,...]; weight [C,M,k,k] (the
 * PyTorch ConvTranspose2d layout), bias [M].
 */
export function convTranspose2d(
  g: Graph,
  name: string,
  x: Tensor,
  outChannels: number,
  kernel: number,
  options: ConvTranspose2dOptions = {},
): Tensor {
  return g.scope(name, () => {
    if (x.rank !== 4) g.fail("convTranspose2d", `expects [N,C,H,W], got ${formatShape(x.shape)}`);
    const c = x.shape[1]!;
    const init = options.init ?? "he";
    // the fan-in of an output unit of a transposed convolution is M*k*k as PyTorch computes it from the
    // weight's second axis.
    const fanIn = outChannels * kernel * kernel;
    const w = g.param(
      "weight",
      [c, outChannels, kernel, kernel],
      weightInit(init, fanIn, c * kernel * kernel),
    );
    const b = options.bias === false ? null : g.param("bias", [outChannels], biasInit(init, fanIn));
    const s = options.stride ?? 1;
    const p = options.padding ?? 0;
    const op = options.outputPadding ?? 0;
    return g.convTranspose2d(x, w, b, { strides: [s, s], pads: [p, p, p, p], outputPadding: [op, op] });
  });
}

/** Group normalisation layer with learned per-channel scale (init 1) and shift (init 0). */
export function groupNorm(
  g: Graph,
  name: string,
  x: Tensor,
  groups: number,
  options: { eps?: number } = {},
): Tensor {
  return g.scope(name, () => {
    const c = x.shape[1] ?? 0;
    const gamma = g.param("weight", [c], ones);
    const beta = g.param("bias", [c], zeros);
    return g.groupNorm(x, gamma, beta, groups, options.eps ?? 1e-5);
  });
}

/** The VAE reparameterisation z = mean + exp(logvar / 2) * eps, with eps ~ N(0, I) fed as an input. */
export function reparameterize(g: Graph, mean: Tensor, logvar: Tensor, eps: Tensor): Tensor {
  return g.add(mean, g.mul(g.exp(g.mul(logvar, 0.5)), eps));
}
