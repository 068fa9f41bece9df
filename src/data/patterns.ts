// The built-in `patterns` dataset: tiny grayscale textures that fill the whole image, six classes.
// Legend: S image side; p = (x, y) a pixel centre; theta an orientation; P a period in pixels;
// lo, hi the two gray levels a pattern moves between. Edges are antialiased by signed-distance
// coverage across each period (raster.ts).
import type { Rng } from "../util/rng.ts";
import type { Generator } from "./builtin.ts";
import { between } from "./builtin.ts";
import { coverage } from "./raster.ts";
import type { BuiltinSpec } from "./spec.ts";

export const PATTERN_CLASSES = ["stripes", "checkerboard", "dots", "gradient", "blobs", "rings"] as const;

/**
 * angle: orientation theta in radians (0 for blobs and rings); scale: the period P / S (stripes, rings),
 * the cell side (checkerboard), the lattice spacing (dots), the mean blob width (blobs), 1 for gradient;
 * phase: offset in periods in [0, 1) (gradient: its exponent; blobs: 0); low, high: the gray levels;
 * count: blobs in the image, dots' radius / spacing, 0 for the rest.
 */
const ATTRIBUTES = ["angle", "scale", "phase", "low", "high", "count"] as const;

// Ranges. Periods of at least 0.15 S (4 px at S = 28) keep every stripe wider than a pixel at S = 16 after
// antialiasing, and at most 0.4 S leave two full periods in view; gray levels lo <= 0.25 and hi >= 0.75
// keep contrast above one half, so textures stay visible.
const PERIOD = [0.15, 0.4] as const;
const CELL = [0.12, 0.3] as const;
const SPACING = [0.18, 0.35] as const;
const DOT_RADIUS = [0.2, 0.35] as const;
const LOW = [0, 0.25] as const;
const HIGH = [0.75, 1] as const;
/** Gradient profile exponent: ramps from convex to concave around linear. */
const GAMMA = [0.5, 2] as const;
/** Blobs: 3-7 Gaussian bumps of width (sigma) 0.08-0.2 S, the scale of "noise blobs" a few pixels across. */
const BLOB_COUNT = [3, 7] as const;
const BLOB_SIGMA = [0.08, 0.2] as const;

/** Antialiased square wave: 1 on the first half of each period of u (in periods), for period P pixels. */
function squareWave(u: number, periodPx: number): number {
  const f = u - Math.floor(u);
  const edge = Math.min(f, Math.abs(f - 0.5), 1 - f) * periodPx;
  return coverage(f < 0.5 ? -edge : edge);
}

function renderPattern(rng: Rng, label: number, side: number, out: Float32Array, attrs: Float32Array): void {
  // the draws shared by every class
  const S = side;
  const lo = between(rng, LOW[0], LOW[1]);
  const hi = between(rng, HIGH[0], HIGH[1]);
  const theta = Math.PI * rng.uniform();
  const phase = rng.uniform();
  const name = PATTERN_CLASSES[label]!;
  const c = Math.cos(theta);
  const s = Math.sin(theta);

  // the class's profile in [0, 1] at each pixel, then mapped onto [lo, hi]
  let profile: (x: number, y: number) => number;
  let angle = theta;
  let scale = 1;
  let phaseOut = phase;
  let count = 0;
  switch (name) {
    case "stripes": {
      const P = between(rng, PERIOD[0], PERIOD[1]) * S;
      scale = P / S;
      profile = (x, y) => squareWave((x * c + y * s) / P + phase, P);
      break;
    }
    case "checkerboard": {
      // parity of the cell index along each rotated axis: a square wave of period two cells
      const C = between(rng, CELL[0], CELL[1]) * S;
      const phase2 = rng.uniform();
      scale = C / S;
      profile = (x, y) => {
        const a = squareWave((x * c + y * s) / (2 * C) + phase, 2 * C);
        const b = squareWave((-x * s + y * c) / (2 * C) + phase2, 2 * C);
        return a * (1 - b) + b * (1 - a);
      };
      break;
    }
    case "dots": {
      const D = between(rng, SPACING[0], SPACING[1]) * S;
      const r = between(rng, DOT_RADIUS[0], DOT_RADIUS[1]) * D;
      scale = D / S;
      count = r / D;
      profile = (x, y) => {
        const u = x * c + y * s + phase * D;
        const v = -x * s + y * c;
        const du = u - D * Math.round(u / D);
        const dv = v - D * Math.round(v / D);
        return coverage(Math.hypot(du, dv) - r);
      };
      break;
    }
    case "gradient": {
      // a ramp along theta (either direction) across the image diagonal, bent by an exponent
      const gamma = GAMMA[0] * (GAMMA[1] / GAMMA[0]) ** phase;
      const direction = rng.uniform() < 0.5 ? 1 : -1;
      angle = direction > 0 ? theta : theta + Math.PI;
      phaseOut = gamma;
      const half = (S * Math.SQRT2) / 2;
      profile = (x, y) => {
        const t = (direction * ((x - S / 2) * c + (y - S / 2) * s) + half) / (2 * half);
        return Math.min(1, Math.max(0, t)) ** gamma;
      };
      break;
    }
    case "blobs": {
      // soft union of Gaussian bumps: sum of exp(-|p - c_k|^2 / (2 sigma_k^2)), capped at 1
      const k = BLOB_COUNT[0] + rng.int(BLOB_COUNT[1] - BLOB_COUNT[0] + 1);
      const blobs = Array.from({ length: k }, () => ({
        x: S * rng.uniform(),
        y: S * rng.uniform(),
        sigma: between(rng, BLOB_SIGMA[0], BLOB_SIGMA[1]) * S,
      }));
      angle = 0;
      phaseOut = 0;
      count = k;
      scale = blobs.reduce((sum, b) => sum + b.sigma, 0) / (k * S);
      profile = (x, y) => {
        let sum = 0;
        for (const b of blobs) sum += Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.sigma ** 2));
        return Math.min(1, sum);
      };
      break;
    }
    default: {
      // rings: concentric bands around a centre anywhere in the image
      const P = between(rng, PERIOD[0], PERIOD[1]) * S;
      const ox = S * rng.uniform();
      const oy = S * rng.uniform();
      angle = 0;
      scale = P / S;
      profile = (x, y) => squareWave(Math.hypot(x - ox, y - oy) / P + phase, P);
    }
  }

  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) out[y * S + x] = lo + (hi - lo) * profile(x + 0.5, y + 0.5);
  }
  attrs.set([angle, scale, phaseOut, lo, hi, count]);
}

function card(spec: BuiltinSpec): string {
  return (
    `Built-in "patterns" (seed ${spec.seed}): ${spec.train} training and ${spec.test} test grayscale ` +
    `textures of ${spec.size}x${spec.size} pixels in ${PATTERN_CLASSES.length} exactly balanced classes ` +
    `(${PATTERN_CLASSES.join(", ")}). Generated by genreview from the seed, no download: stripes and ` +
    "checkerboards at a random angle, period (0.15-0.4 of the side) and phase; dot lattices with random " +
    "spacing and radius; linear gradients in a random direction with a profile exponent of 0.5-2; 3-7 " +
    "Gaussian noise blobs; concentric rings around a random centre. Every image moves between a dark " +
    "level (0-0.25) and a light level (0.75-1), and its parameters are kept as attributes. Known biases: " +
    "the textures are perfectly periodic or smooth, with no sensor noise or texture mixing; hard edges " +
    "are antialiased, so there are no aliasing artefacts a real camera would show; class identity is " +
    "carried by structure: the mean brightness is about 0.5 in every class but dots (about 0.3), so " +
    "brightness alone separates little."
  );
}

export const patternsGenerator: Generator = {
  kind: "patterns",
  classes: PATTERN_CLASSES,
  attributeNames: ATTRIBUTES,
  render: renderPattern,
  card,
};
