// Shared by the metrics tests: seeded random feature matrices and brute-force references.
import { type Matrix, matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";

/** [n, d] rows of N(mean, std^2 I), seeded. */
export function gaussian(n: number, d: number, seed: number, mean = 0, std = 1): Matrix {
  const m = matrix(n, d);
  new Rng(seed).fillNormal(m.data, mean, std);
  return m;
}

/** Squared distance between row i of a and row j of b by the textbook loop. */
export function bruteSqDistance(a: Matrix, i: number, b: Matrix, j: number): number {
  let s = 0;
  for (let c = 0; c < a.cols; c++) s += (a.data[i * a.cols + c]! - b.data[j * b.cols + c]!) ** 2;
  return s;
}
