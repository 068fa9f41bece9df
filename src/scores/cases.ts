// Constructed sample sets with a known verdict, made from real images: what a reviewer expects the
// scores and flags to say about held-out real data, a collapsed generator, noise, blur and copies.
// They calibrate the score definitions (tests, the scores benchmark) and let users sanity-check a new
// dataset. Legend: N images of H x W in [0, 1]; sigma a Gaussian blur's standard deviation in pixels.
import { selectImages } from "../data/dataset.ts";
import type { ImageBatch, ImageSet } from "../data/types.ts";
import { InputError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";

/** Blur radius: the kernel is cut at 3 sigma on each side (it keeps 99.7% of the weight). */
const BLUR_RADIUS_SIGMAS = 3;

/**
 * Separable Gaussian blur with edge-clamped borders (the kernel renormalised at edges would darken
 * nothing either, clamping keeps a black border black).
 */
export function gaussianBlur(images: ImageBatch, sigma: number): ImageBatch {
  if (!(sigma > 0)) throw new InputError(`blur sigma must be > 0 pixels, got ${sigma}`);
  const { n, h, w, data } = images;
  const radius = Math.max(1, Math.ceil(BLUR_RADIUS_SIGMAS * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let t = -radius; t <= radius; t++) {
    kernel[t + radius] = Math.exp(-(t * t) / (2 * sigma * sigma));
    sum += kernel[t + radius]!;
  }
  for (let t = 0; t < kernel.length; t++) kernel[t]! /= sum;

  // rows, then columns
  const out = new Float32Array(data.length);
  const tmp = new Float64Array(h * w);
  for (let i = 0; i < n; i++) {
    const o = i * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = -radius; t <= radius; t++) {
          const xx = Math.min(w - 1, Math.max(0, x + t));
          s += kernel[t + radius]! * data[o + y * w + xx]!;
        }
        tmp[y * w + x] = s;
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let t = -radius; t <= radius; t++) {
          const yy = Math.min(h - 1, Math.max(0, y + t));
          s += kernel[t + radius]! * tmp[yy * w + x]!;
        }
        out[o + y * w + x] = Math.min(1, Math.max(0, s));
      }
    }
  }
  return { data: out, n, h, w };
}

/** Uniform noise images in [0, 1]. */
export function uniformNoise(n: number, h: number, w: number, seed: number): ImageBatch {
  const data = new Float32Array(n * h * w);
  new Rng(seed).fork("noise").fillUniform(data);
  return { data, n, h, w };
}

/** Images plus N(0, sigma^2) pixel noise, clipped to [0, 1]: near-copies of the originals. */
export function jitter(images: ImageBatch, sigma: number, seed: number): ImageBatch {
  const noise = new Float32Array(images.data.length);
  new Rng(seed).fork("jitter").fillNormal(noise, 0, sigma);
  const data = images.data.map((v, i) => Math.min(1, Math.max(0, v + noise[i]!)));
  return { ...images, data };
}

/** n images drawn from `set` at seeded positions, with replacement when `replace` (or n > set size). */
export function drawImages(set: ImageSet, n: number, seed: number, replace = false): ImageBatch {
  const rng = new Rng(seed).fork("draw");
  const total = set.images.n;
  const indices =
    replace || n > total ? Array.from({ length: n }, () => rng.int(total)) : Array.from(rng.sample(total, n));
  return selectImages(set, indices).images;
}

/** n images of one class of a labelled set (drawn with replacement when the class holds fewer). */
export function oneClass(set: ImageSet, label: number, n: number, seed: number): ImageBatch {
  if (set.labels === null) throw new InputError("oneClass needs a labelled image set");
  const members: number[] = [];
  set.labels.forEach((l, i) => {
    if (l === label) members.push(i);
  });
  if (members.length === 0) throw new InputError(`no image has class ${label}`);
  const rng = new Rng(seed).fork(`class-${label}`);
  const picks =
    members.length >= n
      ? Array.from(rng.sample(members.length, n), (j) => members[j]!)
      : Array.from({ length: n }, () => members[rng.int(members.length)]!);
  return selectImages(set, picks).images;
}

/**
 * n samples made of `distinct` real images repeated in turn, each copy with a little pixel noise
 * (sigma 0.01, well under one 8-bit grey level's worth of visible change): a generator collapsed to a
 * few realistic outputs.
 */
export function fewNearDuplicates(set: ImageSet, distinct: number, n: number, seed: number): ImageBatch {
  const base = drawImages(set, distinct, seed);
  const size = base.h * base.w;
  const data = new Float32Array(n * size);
  for (let i = 0; i < n; i++)
    data.set(base.data.subarray((i % distinct) * size, ((i % distinct) + 1) * size), i * size);
  return jitter({ data, n, h: base.h, w: base.w }, 0.01, seed);
}
