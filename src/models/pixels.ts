// Pixel ranges at the model boundary. Data and every image genreview writes are in [0, 1] (0 = black,
// src/data/types.ts). The GAN and the diffusion model work in [-1, 1] internally (a tanh output, and a
// Gaussian noise process centred on 0). The two ranges look alike as Float32Arrays, so the [-1, 1] one is
// branded: a function that expects signed pixels cannot be handed data in [0, 1] by mistake.
// Legend: u a pixel in [0, 1]; s = 2u - 1 the same pixel in [-1, 1].

/** Pixels in [-1, 1] (s = 2u - 1). Only `toSigned` makes them; `toUnit` turns them back. */
export type SignedPixels = Float32Array & { readonly __range: "[-1,1]" };

/** s = 2u - 1 for each pixel of `unit` (values in [0, 1]) into `out` (allocated when omitted). */
export function toSigned(unit: Float32Array, out?: Float32Array): SignedPixels {
  const s = out ?? new Float32Array(unit.length);
  for (let i = 0; i < unit.length; i++) s[i] = 2 * unit[i]! - 1;
  return s as SignedPixels;
}

/** Mark values computed in [-1, 1] by a model (e.g. a diffusion sample) as signed pixels. */
export function asSigned(values: Float32Array): SignedPixels {
  return values as SignedPixels;
}

/** u = (s + 1) / 2, clamped to [0, 1]: model outputs may overshoot, written images may not. */
export function toUnit(signed: SignedPixels): Float32Array {
  const u = new Float32Array(signed.length);
  for (let i = 0; i < signed.length; i++) u[i] = Math.min(1, Math.max(0, (signed[i]! + 1) / 2));
  return u;
}
