// The built-in `glyphs` dataset: handwriting-like digits 0-9, each drawn from a stroke skeleton that is
// bent by a smooth random displacement (slight elastic distortion), placed by a random affine map
// (scale, aspect, rotation, shear, shift) and stroked with a random pen width.
// Legend: S image side; glyph space is the box [0, 0.6] x [0, 1] (x right, y down) in which the
// skeletons are written, with its centre at (0.3, 0.5); pixel space is S x S.
import type { Rng } from "../util/rng.ts";
import type { Generator } from "./builtin.ts";
import { between } from "./builtin.ts";
import { strokePolylines } from "./raster.ts";
import type { BuiltinSpec } from "./spec.ts";

export const GLYPH_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;

/**
 * x, y: glyph centre / S; height: glyph height / S; aspect: width multiplier; rotation and shear in
 * radians; stroke: pen width / S; fill: ink intensity; elastic: displacement amplitude in glyph units.
 */
const ATTRIBUTES = ["x", "y", "height", "aspect", "rotation", "shear", "stroke", "fill", "elastic"] as const;

// Ranges. Heights of 0.55-0.72 S mirror MNIST, whose digits fill a 20 px box centred in 28 px;
// rotations up to 0.2 rad (11 degrees) and shears up to 0.25 cover the slant of ordinary handwriting;
// pens of 0.065-0.12 S are 1.8-3.4 px at S = 28, MNIST's range.
const HEIGHT = [0.55, 0.72] as const;
const ASPECT = [0.8, 1.2] as const;
const ROTATION = 0.2;
const SHEAR = 0.25;
const SHIFT = 0.06;
const STROKE = [0.065, 0.12] as const;
const FILL = [0.75, 1] as const;
/** Elastic amplitude up to 0.05 glyph units: visible wobble that never changes which digit it is. */
const ELASTIC = 0.05;
/** Arc sampling step in glyph units (about 0.6 px at S = 28): fine enough that chords look round. */
const ARC_STEP = 0.03;

/** Points along an elliptic arc, angles in degrees measured from +x towards +y (down). */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): number[] {
  const span = ((to - from) * Math.PI) / 180;
  const steps = Math.max(2, Math.ceil((Math.abs(span) * Math.max(rx, ry)) / ARC_STEP));
  const points: number[] = [];
  for (let k = 0; k <= steps; k++) {
    const a = (from * Math.PI) / 180 + (span * k) / steps;
    points.push(cx + rx * Math.cos(a), cy + ry * Math.sin(a));
  }
  return points;
}

/** A straight polyline through the given points, subdivided so that elastic bending can curve it. */
function line(...xy: number[]): number[] {
  const points: number[] = [xy[0]!, xy[1]!];
  for (let k = 2; k + 1 < xy.length; k += 2) {
    const ax = xy[k - 2]!;
    const ay = xy[k - 1]!;
    const bx = xy[k]!;
    const by = xy[k + 1]!;
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / (2 * ARC_STEP)));
    for (let s = 1; s <= steps; s++) points.push(ax + ((bx - ax) * s) / steps, ay + ((by - ay) * s) / steps);
  }
  return points;
}

/** The skeleton of each digit: strokes as flat [x, y, ...] lists in glyph space. */
const SKELETONS: number[][][] = [
  [arc(0.3, 0.5, 0.27, 0.45, 0, 360)],
  [line(0.16, 0.22, 0.36, 0.05, 0.36, 0.95)],
  [[...arc(0.3, 0.3, 0.25, 0.25, 200, 400), ...line(0.49, 0.46, 0.04, 0.95, 0.58, 0.95).slice(2)]],
  [[...arc(0.3, 0.28, 0.23, 0.22, 200, 450), ...arc(0.3, 0.72, 0.26, 0.23, 270, 520)]],
  [line(0.46, 0.95, 0.46, 0.05, 0.03, 0.68, 0.6, 0.68)],
  [[...line(0.56, 0.05, 0.13, 0.05, 0.09, 0.46), ...arc(0.3, 0.68, 0.26, 0.26, 215, 510)]],
  [[...arc(0.62, 0.66, 0.58, 0.6, 255, 180), ...arc(0.3, 0.71, 0.26, 0.23, 180, 540)]],
  [line(0.03, 0.05, 0.58, 0.05, 0.22, 0.95)],
  [arc(0.3, 0.27, 0.21, 0.22, 0, 360), arc(0.3, 0.72, 0.26, 0.23, 0, 360)],
  [arc(0.3, 0.3, 0.25, 0.24, 0, 360), line(0.55, 0.3, 0.53, 0.6, 0.45, 0.95)],
];

interface PlaneWave {
  kx: number;
  ky: number;
  phase: number;
}

/** sin(kx x + ky y + phase) with 0.5-1.5 cycles per glyph unit in a random direction. */
function planeWave(rng: Rng): PlaneWave {
  const angle = 2 * Math.PI * rng.uniform();
  const frequency = 2 * Math.PI * between(rng, 0.5, 1.5);
  return {
    kx: frequency * Math.cos(angle),
    ky: frequency * Math.sin(angle),
    phase: 2 * Math.PI * rng.uniform(),
  };
}

function renderGlyph(rng: Rng, label: number, side: number, out: Float32Array, attrs: Float32Array): void {
  // draw the placement, pen and distortion (the same 13 numbers for every digit)
  const S = side;
  const height = between(rng, HEIGHT[0], HEIGHT[1]) * S;
  const aspect = between(rng, ASPECT[0], ASPECT[1]);
  const rotation = between(rng, -ROTATION, ROTATION);
  const shear = between(rng, -SHEAR, SHEAR);
  const cx = S / 2 + between(rng, -SHIFT, SHIFT) * S;
  const cy = S / 2 + between(rng, -SHIFT, SHIFT) * S;
  const t = Math.max(1, between(rng, STROKE[0], STROKE[1]) * S);
  const v = between(rng, FILL[0], FILL[1]);
  const amplitude = ELASTIC * rng.uniform();
  // the displacement field: one plane wave per axis, 0.5-1.5 cycles across the glyph, random direction
  const waveX = planeWave(rng);
  const waveY = planeWave(rng);

  // glyph space -> pixel space: centre, shear in x, scale, rotate, shift
  const c = Math.cos(rotation);
  const s = Math.sin(rotation);
  const sx = height * aspect;
  const sy = height;
  const strokes = SKELETONS[label]!.map((skeleton) => {
    const pixels = new Float64Array(skeleton.length);
    for (let k = 0; k + 1 < skeleton.length; k += 2) {
      const gx = skeleton[k]!;
      const gy = skeleton[k + 1]!;
      const ex = gx + amplitude * Math.sin(waveX.kx * gx + waveX.ky * gy + waveX.phase);
      const ey = gy + amplitude * Math.sin(waveY.kx * gx + waveY.ky * gy + waveY.phase);
      const u = (ex - 0.3 + shear * (ey - 0.5)) * sx;
      const w = (ey - 0.5) * sy;
      pixels[k] = cx + c * u - s * w;
      pixels[k + 1] = cy + s * u + c * w;
    }
    return pixels;
  });

  strokePolylines(out, S, strokes, t, v, scratchFor(S));
  attrs.set([cx / S, cy / S, height / S, aspect, rotation, shear, t / S, v, amplitude]);
}

// one scratch buffer per image size, reused across images (generation is single-threaded)
const scratches = new Map<number, Float32Array>();
function scratchFor(side: number): Float32Array {
  let scratch = scratches.get(side);
  if (!scratch) {
    scratch = new Float32Array(side * side);
    scratches.set(side, scratch);
  }
  return scratch;
}

function card(spec: BuiltinSpec): string {
  return (
    `Built-in "glyphs" (seed ${spec.seed}): ${spec.train} training and ${spec.test} test grayscale images of ` +
    `${spec.size}x${spec.size} pixels, each one bright handwriting-like digit on black, in 10 exactly ` +
    "balanced classes (0-9). Generated by genreview from the seed, no download: every digit comes from " +
    "one fixed stroke skeleton per class, bent by a smooth random displacement (up to 0.05 of the glyph " +
    "height), then scaled (0.55-0.72 of the side), stretched (aspect 0.8-1.2), rotated (up to 11 degrees), " +
    "sheared (up to 0.25), shifted (up to 0.06 of the side) and stroked with an antialiased pen of " +
    "0.065-0.12 of the side at intensity 0.75-1. Known biases: a single writing style per digit (one " +
    "skeleton: no crossed 7s, no open-topped 4s, no 1s without a flag), uniform pen pressure along a stroke, clean " +
    "backgrounds; it is far less varied than real handwriting such as MNIST and should be treated as a " +
    "practice target, not a stand-in for it."
  );
}

export const glyphsGenerator: Generator = {
  kind: "glyphs",
  classes: GLYPH_CLASSES,
  attributeNames: ATTRIBUTES,
  render: renderGlyph,
  card,
};
