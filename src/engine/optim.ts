// Optimisers recorded into the training graph: each parameter's update, and its state (momentum, Adam
// moments, EMA copy), become ops whose new values are graph outputs, fed back as inputs at the next step.
// Scalars that change with the step (bias-corrected step size, learning rate) are small inputs computed
// here, so one compiled graph serves the whole run and any learning-rate schedule.
// Legend: p parameter, g gradient, m first moment, v second moment, t step number (1-based).
import { ConfigError } from "../util/errors.ts";
import type { Graph, Tensor } from "./graph.ts";

/** An optimiser: its state slots per parameter and how it records one update. */
export interface Optimizer {
  readonly kind: "sgd" | "adam" | "adamw";
  /** Base learning rate (a trainer may change it between steps). */
  readonly lr: number;
  /**
   * Names of the per-parameter state tensors: "momentum" (SGD), or "m" and "v" (Adam, holding the moments
   * rescaled as m/(1-beta1) and v/(1-beta2)).
   */
  readonly slots: readonly string[];
  /** Names of the scalar inputs `scalars` computes. */
  readonly scalarNames: readonly string[];
  /** Scalar input values for step `t` (1-based) at learning rate `lr`. */
  scalars(t: number, lr: number): Record<string, number>;
  /** Record the update of one parameter; returns its new value and new state. */
  update(
    g: Graph,
    p: Tensor,
    grad: Tensor,
    state: Readonly<Record<string, Tensor>>,
    scalars: Readonly<Record<string, Tensor>>,
  ): { param: Tensor; state: Record<string, Tensor> };
  /** Hyper-parameters, for checkpoint metadata. */
  readonly config: Readonly<Record<string, number | string>>;
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new ConfigError(`${name} must be a positive number, got ${value}`);
  return value;
}

function inUnit(name: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new ConfigError(`${name} must be in [0, 1), got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new ConfigError(`${name} must be >= 0, got ${value}`);
  return value;
}

export interface SgdOptions {
  lr: number;
  /** Heavy-ball momentum as in torch.optim.SGD (buffer = momentum * buffer + g); 0 = plain SGD. */
  momentum?: number;
  /** L2 penalty added to the gradient (torch.optim.SGD's weight_decay). */
  weightDecay?: number;
}

/** Stochastic gradient descent, with optional momentum (torch.optim.SGD semantics, no dampening). */
export function sgd(options: SgdOptions): Optimizer {
  const lr = positive("sgd lr", options.lr);
  const momentum = inUnit("sgd momentum", options.momentum ?? 0);
  const weightDecay = nonNegative("sgd weightDecay", options.weightDecay ?? 0);
  return {
    kind: "sgd",
    lr,
    slots: momentum > 0 ? ["momentum"] : [],
    scalarNames: ["optim.lr"],
    scalars: (_t, rate) => ({ "optim.lr": rate }),
    update(g, p, grad, state, scalars) {
      const gd = weightDecay > 0 ? g.add(grad, g.mul(p, weightDecay)) : grad;
      if (momentum === 0) return { param: g.sub(p, g.mul(gd, scalars["optim.lr"]!)), state: {} };
      // buffer starts at zero, so the first step is buffer = g as in torch (which copies g at step 1).
      const buffer = g.add(g.mul(state["momentum"]!, momentum), gd);
      return { param: g.sub(p, g.mul(buffer, scalars["optim.lr"]!)), state: { momentum: buffer } };
    },
    config: { kind: "sgd", lr, momentum, weightDecay },
  };
}

export interface AdamOptions {
  lr: number;
  /** Decay of the first moment (Kingma & Ba 2015 default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to sqrt(v hat) to avoid division by zero (default 1e-8). */
  eps?: number;
  /** adam: L2 penalty added to the gradient; adamw: decoupled decay (Loshchilov & Hutter 2019). */
  weightDecay?: number;
}

function adamFamily(kind: "adam" | "adamw", options: AdamOptions, defaultDecay: number): Optimizer {
  const lr = positive(`${kind} lr`, options.lr);
  const beta1 = inUnit(`${kind} beta1`, options.beta1 ?? 0.9);
  const beta2 = inUnit(`${kind} beta2`, options.beta2 ?? 0.999);
  const eps = positive(`${kind} eps`, options.eps ?? 1e-8);
  const weightDecay = nonNegative(`${kind} weightDecay`, options.weightDecay ?? defaultDecay);
  return {
    kind,
    lr,
    slots: ["m", "v"],
    scalarNames: ["optim.stepSize", "optim.eps", "optim.decay"],
    scalars(t, rate) {
      // The slots hold rescaled moments mHat = m/(1-b1) and vHat = v/(1-b2), which saves two full-size
      // multiplications per parameter and step. torch's update p -= lr/(1-b1^t) * m / (sqrt(v/(1-b2^t)) + eps)
      // then becomes p -= k1 * mHat / (sqrt(vHat) + k2) with the two scalars below.
      const correction2 = Math.sqrt(1 - beta2 ** t);
      return {
        "optim.stepSize": (rate * (1 - beta1) * correction2) / ((1 - beta1 ** t) * Math.sqrt(1 - beta2)),
        "optim.eps": (eps * correction2) / Math.sqrt(1 - beta2),
        "optim.decay": kind === "adamw" ? 1 - rate * weightDecay : 1,
      };
    },
    update(g, p, grad, state, scalars) {
      const gd = kind === "adam" && weightDecay > 0 ? g.add(grad, g.mul(p, weightDecay)) : grad;
      // mHat = b1 mHat + g ; vHat = b2 vHat + g^2
      const m = g.add(g.mul(state["m"]!, beta1), gd);
      const v = g.add(g.mul(state["v"]!, beta2), g.mul(gd, gd));
      const step = g.div(g.mul(m, scalars["optim.stepSize"]!), g.add(g.sqrt(v), scalars["optim.eps"]!));
      const decayed = kind === "adamw" && weightDecay > 0 ? g.mul(p, scalars["optim.decay"]!) : p;
      return { param: g.sub(decayed, step), state: { m, v } };
    },
    config: { kind, lr, beta1, beta2, eps, weightDecay },
  };
}

/** Adam (Kingma & Ba 2015) with bias correction; weightDecay is an L2 term as in torch.optim.Adam. */
export function adam(options: AdamOptions): Optimizer {
  return adamFamily("adam", options, 0);
}

/** AdamW: Adam with decoupled weight decay p *= 1 - lr * wd (torch.optim.AdamW, default wd 0.01). */
export function adamw(options: AdamOptions): Optimizer {
  return adamFamily("adamw", options, 0.01);
}

/**
 * Scale all gradients so that their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_:
 * factor min(1, maxNorm / (norm + 1e-6))). Returns the clipped gradients and the norm before clipping.
 */
export function clipByGlobalNorm(
  g: Graph,
  grads: readonly Tensor[],
  maxNorm: number,
): { grads: Tensor[]; norm: Tensor } {
  positive("clipNorm", maxNorm);
  const squares = grads.map((gr) => g.sum(g.mul(gr, gr)));
  const norm = g.sqrt(g.addN(squares));
  // 1e-6 as torch: keeps the factor finite when every gradient is zero.
  const factor = g.minimum(g.div(maxNorm, g.add(norm, 1e-6)), 1);
  return { grads: grads.map((gr) => g.mul(gr, factor)), norm };
}
