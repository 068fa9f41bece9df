// Seeded parameter initialisers. Each fills a parameter's values from the stream the graph forks for that
// parameter's name, so weights depend only on the seed and the name.
// Legend: fanIn = inputs feeding one output unit (in features, or C*kH*kW), fanOut = outputs fed by one input.
import type { Init } from "./graph.ts";

/** He et al. (2015) normal: N(0, 2/fanIn), for layers followed by ReLU. */
export function heNormal(fanIn: number): Init {
  const std = Math.sqrt(2 / fanIn);
  return (rng, _shape, out) => {
    rng.fillNormal(out, 0, std);
  };
}

/** He et al. (2015) uniform: U(-sqrt(6/fanIn), sqrt(6/fanIn)), same variance as heNormal. */
export function heUniform(fanIn: number): Init {
  const limit = Math.sqrt(6 / fanIn);
  return (rng, _shape, out) => {
    rng.fillUniform(out, -limit, limit);
  };
}

/** Glorot & Bengio (2010) uniform: U(-a, a) with a = sqrt(6/(fanIn+fanOut)), for linear or tanh outputs. */
export function xavierUniform(fanIn: number, fanOut: number): Init {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return (rng, _shape, out) => {
    rng.fillUniform(out, -limit, limit);
  };
}

/** Glorot & Bengio (2010) normal: N(0, 2/(fanIn+fanOut)). */
export function xavierNormal(fanIn: number, fanOut: number): Init {
  const std = Math.sqrt(2 / (fanIn + fanOut));
  return (rng, _shape, out) => {
    rng.fillNormal(out, 0, std);
  };
}

/** N(mean, std^2). */
export function normalInit(std: number, mean = 0): Init {
  return (rng, _shape, out) => {
    rng.fillNormal(out, mean, std);
  };
}

/** U(low, high). */
export function uniformInit(low: number, high: number): Init {
  return (rng, _shape, out) => {
    rng.fillUniform(out, low, high);
  };
}

/** Every value equal to `value` (0 for biases, 1 for normalisation scales). */
export function constantInit(value: number): Init {
  return (_rng, _shape, out) => {
    out.fill(value);
  };
}

export const zeros: Init = constantInit(0);
export const ones: Init = constantInit(1);
