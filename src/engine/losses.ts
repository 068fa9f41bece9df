// Losses of the generative models, built from primitives so their gradients come from the op rules.
// Reductions: "mean" over every element, "sum" over every element, or "perSample": summed over each
// sample's elements and averaged over the batch (axis 0), the usual VAE convention.
import { formatShape, type Graph, type Tensor } from "./graph.ts";

export type Reduction = "mean" | "sum" | "perSample";

function reduce(g: Graph, x: Tensor, reduction: Reduction): Tensor {
  if (reduction === "sum") return g.sum(x);
  if (reduction === "mean") return g.mean(x);
  return g.mul(g.sum(x), 1 / (x.shape[0] ?? 1));
}

function sameShape(g: Graph, op: string, a: Tensor, b: Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i]))
    g.fail(op, `prediction ${formatShape(a.shape)} and target ${formatShape(b.shape)} differ in shape`);
}

/**
 * Binary cross-entropy on logits x with targets t in [0, 1]: softplus(x) - x t, which equals
 * -[t log sigmoid(x) + (1-t) log(1 - sigmoid(x))] without overflow for large |x|.
 */
export function bceWithLogits(
  g: Graph,
  logits: Tensor,
  target: Tensor,
  reduction: Reduction = "mean",
): Tensor {
  sameShape(g, "bceWithLogits", logits, target);
  return reduce(g, g.sub(g.softplus(logits), g.mul(logits, target)), reduction);
}

/** Squared error (x - t)^2. */
export function mse(g: Graph, prediction: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  sameShape(g, "mse", prediction, target);
  const d = g.sub(prediction, target);
  return reduce(g, g.mul(d, d), reduction);
}

/**
 * KL(N(mean, exp(logvar)) || N(0, I)) = -1/2 sum(1 + logvar - mean^2 - exp(logvar)) (Kingma & Welling
 * 2014, appendix B), by default summed over latent units and averaged over the batch.
 */
export function gaussianKl(
  g: Graph,
  mean: Tensor,
  logvar: Tensor,
  reduction: Reduction = "perSample",
): Tensor {
  sameShape(g, "gaussianKl", mean, logvar);
  const terms = g.sub(g.sub(g.add(logvar, 1), g.mul(mean, mean)), g.exp(logvar));
  return g.mul(reduce(g, terms, reduction), -0.5);
}

/**
 * The VAE's negative ELBO as in the reference benchmark: BCE on logits summed over pixels plus the KL term,
 * both averaged over the batch.
 */
export function vaeLoss(g: Graph, logits: Tensor, x: Tensor, mean: Tensor, logvar: Tensor): Tensor {
  return g.add(bceWithLogits(g, logits, x, "perSample"), gaussianKl(g, mean, logvar, "perSample"));
}

/**
 * GAN discriminator logistic loss (Goodfellow et al. 2014): -log D(real) - log(1 - D(fake)) on logits,
 * i.e. mean softplus(-real) + mean softplus(fake).
 */
export function ganDiscriminatorLoss(g: Graph, realLogits: Tensor, fakeLogits: Tensor): Tensor {
  return g.add(g.mean(g.softplus(g.neg(realLogits))), g.mean(g.softplus(fakeLogits)));
}

/** Non-saturating generator loss (Goodfellow et al. 2014, section 3): -log D(G(z)) = mean softplus(-fake). */
export function ganGeneratorLoss(g: Graph, fakeLogits: Tensor): Tensor {
  return g.mean(g.softplus(g.neg(fakeLogits)));
}
