// The Vendi score (Friedman & Dieng 2022): the exponential of the Shannon entropy of the eigenvalues of
// K / n for a similarity kernel with k(a, a) = 1, read as the effective number of distinct samples.
// Reference-free: it measures diversity only. Legend: X [n, D] features, K [n, n] kernel matrix.
//
// On features genreview uses the cosine kernel (rows L2-normalised, linear kernel). Then K / n =
// X X^T / n shares its non-zero eigenvalues with the D x D dual X^T X / n, which costs O(n D^2)
// instead of O(n^3) when D < n.
import { InputError } from "../util/errors.ts";
import { type Matrix, matrix } from "../util/matrix.ts";
import { symmetricEigen } from "./linalg.ts";
import { gram } from "./native.ts";
import { checkFeatures } from "./validate.ts";

export interface VendiResult {
  score: number;
  /** Rows used. */
  n: number;
  dim: number;
  /** "dual": eigenvalues of X^T X / n (D < n); "primal": of X X^T / n; "kernel": of a given K / n. */
  form: "dual" | "primal" | "kernel";
  /** Rows of zero norm, which have no direction and were left out. */
  droppedZeroRows: number;
  warnings: string[];
}

/** exp(-sum l log l) over the eigenvalues l of a symmetric matrix (negatives are rounding: taken as 0). */
function entropyScore(m: Matrix): number {
  let h = 0;
  for (const l of symmetricEigen(m, false).values) if (l > 0) h -= l * Math.log(l);
  return Math.exp(h);
}

/** Vendi score of features with the cosine kernel. */
export async function vendi(x: Matrix): Promise<VendiResult> {
  checkFeatures(x, "features");
  const d = x.cols;

  // L2-normalise rows; zero rows have no direction and are left out
  const keep: number[] = [];
  const norms = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[i * d + j]! ** 2;
    norms[i] = Math.sqrt(s);
    if (s > 0) keep.push(i);
  }
  const n = keep.length;
  const warnings: string[] = [];
  if (n === 0)
    throw new InputError(`features: all ${x.rows} rows are zero vectors; the Vendi score is undefined`);
  if (n < x.rows) warnings.push(`${x.rows - n} zero rows have no direction and were left out`);
  const u = new Float64Array(n * d);
  keep.forEach((i, r) => {
    for (let j = 0; j < d; j++) u[r * d + j] = x.data[i * d + j]! / norms[i]!;
  });

  // eigenvalues of the smaller of X^T X / n [D, D] and X X^T / n [n, n]
  const form = d < n ? "dual" : "primal";
  const size = form === "dual" ? d : n;
  const g = form === "dual" ? await gram(u, n, d) : await gram(transpose(u, n, d), d, n);
  const k = matrix(size, size);
  for (let a = 0; a < size; a++) {
    for (let b = a; b < size; b++) {
      const v = (g[a * size + b]! + g[b * size + a]!) / 2 / n;
      k.data[a * size + b] = v;
      k.data[b * size + a] = v;
    }
  }
  return { score: entropyScore(k), n, dim: d, form, droppedZeroRows: x.rows - n, warnings };
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/**
 * Vendi score of a given symmetric kernel matrix K [n, n] with k(a, a) = 1 (e.g. exp(-|a - b|)).
 * Throws InputError when K is not square and symmetric; warns when the diagonal is not 1.
 */
export function vendiFromKernel(k: Matrix): VendiResult {
  const n = k.rows;
  if (k.cols !== n || n === 0)
    throw new InputError(`kernel matrix must be square and non-empty, got ${k.rows}x${k.cols}`);
  checkFeatures(k, "kernel matrix");
  const warnings: string[] = [];
  let offDiagonal = 0;
  const scaled = matrix(n, n);
  for (let a = 0; a < n; a++) {
    if (Math.abs(k.data[a * n + a]! - 1) > 1e-9) offDiagonal++;
    for (let b = 0; b < n; b++) {
      const v = k.data[a * n + b]!;
      const w = k.data[b * n + a]!;
      if (Math.abs(v - w) > 1e-9 * Math.max(1, Math.abs(v))) {
        throw new InputError(`kernel matrix is not symmetric: K[${a}][${b}] = ${v}, K[${b}][${a}] = ${w}`);
      }
      scaled.data[a * n + b] = v / n;
    }
  }
  if (offDiagonal > 0)
    warnings.push(`${offDiagonal} diagonal entries differ from 1: the score assumes k(a, a) = 1`);
  return { score: entropyScore(scaled), n, dim: n, form: "kernel", droppedZeroRows: 0, warnings };
}
