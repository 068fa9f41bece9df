// The built-in `shapes` dataset: one bright antialiased shape on black per image, eight classes.
// Legend: S image side; (cx, cy) shape centre; R its circumradius (every class fits in the disc of
// radius R); theta rotation; t stroke width; v intensity; all lengths in pixels.
// Classes are chosen to stay distinguishable at S = 16 (each has a distinct silhouette or topology):
// only ring and the outlined polygons have holes, only cross and line are thin bars, only crescent is
// concave without corners.
import type { Rng } from "../util/rng.ts";
import type { Generator } from "./builtin.ts";
import { between } from "./builtin.ts";
import { inwardOutline, paintCoverage, polygonDistance } from "./raster.ts";
import type { BuiltinSpec } from "./spec.ts";

export const SHAPE_CLASSES = [
  "circle",
  "square",
  "triangle",
  "cross",
  "ring",
  "line",
  "star",
  "crescent",
] as const;

/** x, y: centre / S; size: R / S; rotation: theta in radians; stroke: t / S; fill: v; filled: 1 solid, 0 outline. */
const ATTRIBUTES = ["x", "y", "size", "rotation", "stroke", "fill", "filled"] as const;

// Ranges, as fractions of S. R in [0.2, 0.38] S keeps the smallest shape 11 px wide at S = 28 and the
// largest inside the frame with room to move; t in [0.07, 0.12] S is 2-3.4 px at S = 28, like a pen
// stroke in MNIST. v >= 0.6 keeps every shape well above the black background.
const SIZE = [0.2, 0.38] as const;
const STROKE = [0.07, 0.12] as const;
const FILL = [0.6, 1] as const;
/** Bars (cross, line) are drawn 1.3x the stroke width so that they read as solid strokes, not hairlines. */
const BAR = 1.3;
/** Inner radius of the 5-point star as a share of its outer radius (a regular star has 0.38). */
const STAR_INNER = 0.45;
/** Crescent: the disc minus a disc of 0.8 R centred 0.45 R away, leaving a 0.65 R thick moon. */
const BITE_RADIUS = 0.8;
const BITE_OFFSET = 0.45;

/** Vertices of a polygon at `radii` (cycled) around (cx, cy), evenly spaced from angle `start`. */
function regularVertices(
  cx: number,
  cy: number,
  count: number,
  radii: number[],
  start: number,
): [Float64Array, Float64Array] {
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const a = start + (2 * Math.PI * k) / count;
    const r = radii[k % radii.length]!;
    xs[k] = cx + r * Math.cos(a);
    ys[k] = cy + r * Math.sin(a);
  }
  return [xs, ys];
}

/** Local points (u, v) rotated by theta and moved to (cx, cy). */
function placed(points: number[], cx: number, cy: number, theta: number): [Float64Array, Float64Array] {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const n = points.length / 2;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u = points[2 * k]!;
    const v = points[2 * k + 1]!;
    xs[k] = cx + c * u - s * v;
    ys[k] = cy + s * u + c * v;
  }
  return [xs, ys];
}

function renderShape(rng: Rng, label: number, side: number, out: Float32Array, attrs: Float32Array): void {
  // draw the same 7 numbers for every class, so each image consumes a fixed share of the stream
  const S = side;
  const R = between(rng, SIZE[0], SIZE[1]) * S;
  const t = Math.max(1, between(rng, STROKE[0], STROKE[1]) * S);
  const v = between(rng, FILL[0], FILL[1]);
  const theta = 2 * Math.PI * rng.uniform();
  const solidDraw = rng.uniform() < 0.5;
  const margin = R + 1;
  const cx = between(rng, margin, S - margin);
  const cy = between(rng, margin, S - margin);

  // the class decides the outline; closed polygons are solid or outlined at random
  const name = SHAPE_CLASSES[label]!;
  const a = (BAR * t) / 2;
  let solid = true;
  let distance: (x: number, y: number) => number;
  switch (name) {
    case "circle":
      distance = (x, y) => Math.hypot(x - cx, y - cy) - R;
      break;
    case "ring":
      solid = false;
      distance = (x, y) => inwardOutline(Math.hypot(x - cx, y - cy) - R, t);
      break;
    case "crescent": {
      const bx = cx + BITE_OFFSET * R * Math.cos(theta);
      const by = cy + BITE_OFFSET * R * Math.sin(theta);
      distance = (x, y) =>
        Math.max(Math.hypot(x - cx, y - cy) - R, BITE_RADIUS * R - Math.hypot(x - bx, y - by));
      break;
    }
    case "line": {
      const [xs, ys] = placed([-R, -a, R, -a, R, a, -R, a], cx, cy, theta);
      distance = (x, y) => polygonDistance(x, y, xs, ys);
      break;
    }
    case "cross": {
      const arms = [a, -R, a, -a, R, -a, R, a, a, a, a, R, -a, R, -a, a, -R, a, -R, -a, -a, -a, -a, -R];
      const [xs, ys] = placed(arms, cx, cy, theta);
      distance = (x, y) => polygonDistance(x, y, xs, ys);
      break;
    }
    default: {
      // square, triangle, star: regular outlines, the first vertex at angle theta
      const [xs, ys] =
        name === "square"
          ? regularVertices(cx, cy, 4, [R], theta)
          : name === "triangle"
            ? regularVertices(cx, cy, 3, [R], theta)
            : regularVertices(cx, cy, 10, [R, STAR_INNER * R], theta);
      solid = solidDraw;
      distance = solid
        ? (x, y) => polygonDistance(x, y, xs, ys)
        : (x, y) => inwardOutline(polygonDistance(x, y, xs, ys), t);
    }
  }

  paintCoverage(out, S, { x0: cx - margin, y0: cy - margin, x1: cx + margin, y1: cy + margin }, v, distance);
  attrs.set([cx / S, cy / S, R / S, theta, t / S, v, solid ? 1 : 0]);
}

function card(spec: BuiltinSpec): string {
  return (
    `Built-in "shapes" (seed ${spec.seed}): ${spec.train} training and ${spec.test} test grayscale images of ` +
    `${spec.size}x${spec.size} pixels, each one bright antialiased shape on a black background, in ` +
    `${SHAPE_CLASSES.length} exactly balanced classes (${SHAPE_CLASSES.join(", ")}). ` +
    "Generated by genreview from the seed, no download: each shape gets a uniform random centre, " +
    "circumradius (0.2-0.38 of the side), rotation, stroke width (0.07-0.12 of the side) and intensity (0.6-1); " +
    "squares, triangles and stars are solid or outlined with equal odds, rings are always outlined, the " +
    "others always solid; edges are antialiased by signed-distance coverage. Known biases: exactly one " +
    "shape per image, never touching the border, never occluded, on a noiseless black background; " +
    "rotation is meaningless for circles and rings and periodic for the symmetric shapes; intensities " +
    "never fall below 0.6, so models never see faint shapes."
  );
}

export const shapesGenerator: Generator = {
  kind: "shapes",
  classes: SHAPE_CLASSES,
  attributeNames: ATTRIBUTES,
  render: renderShape,
  card,
};
