// Dense float64 linear algebra for the metrics: column means, covariances, small products and the
// symmetric eigenproblem. Legend: X [N, D] rows are samples; S [D, D] symmetric; V eigenvectors as columns.
//
// Why our own eigensolver: the matrices here are D x D with D at most a few hundred (feature sizes),
// where a compact Householder tridiagonalisation + implicit QL solver takes milliseconds, keeps every
// step in float64 under our control, and needs no dependency.
import { type Matrix, matrix } from "../util/matrix.ts";
import { gram } from "./native.ts";

/** Column means of X [N, D] -> [D]. */
export function columnMeans(x: Matrix): Float64Array {
  const { rows: n, cols: d, data } = x;
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mu[j]! += data[o + j]!;
  }
  for (let j = 0; j < d; j++) mu[j]! /= n;
  return mu;
}

/** Sample covariance (divides by N - 1) of X [N, D], two-pass: centre, then (Xc^T Xc) / (N - 1) natively. */
export async function covariance(x: Matrix, mu: Float64Array = columnMeans(x)): Promise<Matrix> {
  const { rows: n, cols: d, data } = x;
  if (n < 2) throw new RangeError(`covariance needs at least 2 rows, got ${n}`);

  // centre
  const xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) xc[o + j] = data[o + j]! - mu[j]!;
  }

  // Xc^T Xc / (N - 1), symmetrised so that later eigenproblems see an exactly symmetric matrix
  const s = await gram(xc, n, d);
  const out = matrix(d, d);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = (s[a * d + b]! + s[b * d + a]!) / 2 / (n - 1);
      out.data[a * d + b] = v;
      out.data[b * d + a] = v;
    }
  }
  return out;
}

/** A B for small dense matrices (D x D scale; plain loops, i-k-j order). */
export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`matmul: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const out = matrix(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const o = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k]!;
      if (aik === 0) continue;
      const bo = k * n;
      for (let j = 0; j < n; j++) out.data[o + j]! += aik * b.data[bo + j]!;
    }
  }
  return out;
}

/** Trace of a square matrix. */
export function trace(a: Matrix): number {
  let t = 0;
  for (let i = 0; i < a.rows; i++) t += a.data[i * a.cols + i]!;
  return t;
}

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns [D, D] (column i belongs to values[i]); null when not requested. */
  vectors: Matrix | null;
}

/**
 * Eigen-decomposition of a symmetric matrix S = V diag(values) V^T.
 * Steps: Householder reduction to tridiagonal T = Q^T S Q, then implicit-shift QL iterations on T whose
 * rotations are accumulated into Q. Only the lower triangle's symmetry is assumed, not checked.
 */
export function symmetricEigen(s: Matrix, wantVectors = true): SymmetricEigen {
  const n = s.rows;
  if (s.cols !== n) throw new RangeError(`symmetricEigen needs a square matrix, got ${s.rows}x${s.cols}`);
  const a = Float64Array.from(s.data);
  const q = wantVectors ? identity(n) : null;
  const diag = new Float64Array(n);
  const off = new Float64Array(n);
  tridiagonalise(a, n, q, diag, off);
  tridiagonalQl(diag, off, n, q);

  // sort ascending, carrying the vectors
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => diag[i]! - diag[j]!);
  const values = Float64Array.from(order, (i) => diag[i]!);
  if (q === null) return { values, vectors: null };
  const vectors = matrix(n, n);
  for (let c = 0; c < n; c++) {
    const src = order[c]!;
    for (let r = 0; r < n; r++) vectors.data[r * n + c] = q[r * n + src]!;
  }
  return { values, vectors };
}

function identity(n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  return q;
}

/**
 * In place: reduce symmetric a [n, n] to tridiagonal form with Householder reflections H = I - 2 v v^T
 * (v unit). For column k the reflection zeroes a[k+2.., k]; the trailing block becomes H A H =
 * A - 2 v w^T - 2 w v^T with p = A v and w = p - (v.p) v. Q accumulates the reflections (Q <- Q H).
 * Output: diag[i] = T[i, i], off[i] = T[i, i+1] (off[n-1] = 0).
 */
function tridiagonalise(
  a: Float64Array,
  n: number,
  q: Float64Array | null,
  diag: Float64Array,
  off: Float64Array,
): void {
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // the part of column k below the subdiagonal entry
    let norm2 = 0;
    for (let i = k + 1; i < n; i++) norm2 += a[i * n + k]! ** 2;
    const x0 = a[(k + 1) * n + k]!;
    const tail2 = norm2 - x0 * x0;
    if (tail2 === 0) continue; // already tridiagonal in this column
    const alpha = x0 >= 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);

    // v = (x - alpha e1) / |x - alpha e1|; choosing alpha opposite to x0 avoids cancellation
    v.fill(0, 0, n);
    for (let i = k + 1; i < n; i++) v[i] = a[i * n + k]!;
    v[k + 1] = x0 - alpha;
    const vnorm = Math.sqrt(tail2 + v[k + 1]! ** 2);
    for (let i = k + 1; i < n; i++) v[i]! /= vnorm;

    // p = A v on the trailing block, then w = p - (v.p) v
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let p = 0;
      const o = i * n;
      for (let j = k + 1; j < n; j++) p += a[o + j]! * v[j]!;
      w[i] = p;
      vp += v[i]! * p;
    }
    for (let i = k + 1; i < n; i++) w[i] = w[i]! - vp * v[i]!;

    // A <- A - 2 v w^T - 2 w v^T on the trailing block; column k becomes (alpha, 0, ..., 0)
    for (let i = k + 1; i < n; i++) {
      const o = i * n;
      const vi = v[i]!;
      const wi = w[i]!;
      for (let j = k + 1; j < n; j++) a[o + j] = a[o + j]! - 2 * (vi * w[j]! + wi * v[j]!);
    }
    a[(k + 1) * n + k] = alpha;
    a[k * n + k + 1] = alpha;
    for (let i = k + 2; i < n; i++) {
      a[i * n + k] = 0;
      a[k * n + i] = 0;
    }

    // Q <- Q H: each row r of Q loses 2 (Q_r . v) v
    if (q !== null) {
      for (let r = 0; r < n; r++) {
        const o = r * n;
        let dot = 0;
        for (let j = k + 1; j < n; j++) dot += q[o + j]! * v[j]!;
        if (dot === 0) continue;
        dot *= 2;
        for (let j = k + 1; j < n; j++) q[o + j] = q[o + j]! - dot * v[j]!;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    diag[i] = a[i * n + i]!;
    off[i] = i + 1 < n ? a[i * n + i + 1]! : 0;
  }
}

/** Most QL sweeps allowed per eigenvalue; convergence is cubic, so a few are normal. */
const MAX_QL_ITERATIONS = 60;

/**
 * In place: eigenvalues of the symmetric tridiagonal (diag, off) by implicit-shift QL (Wilkinson-type
 * shift from the leading 2x2 block), rotations accumulated into the columns of q when given.
 * On return diag holds the eigenvalues (unsorted).
 */
function tridiagonalQl(diag: Float64Array, off: Float64Array, n: number, q: Float64Array | null): void {
  // An off-diagonal entry is negligible against its two diagonal neighbours or, absolutely, against the
  // matrix's norm: without the absolute floor a block of (near-)zero eigenvalues, as a covariance with
  // constant pixels has, keeps entries like 1e-300 that are never small relative to |0| + |0|. Deflating at
  // EPSILON * norm perturbs eigenvalues by no more than the reduction's own rounding.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]!) + Math.abs(off[i]!));
  const floor = Number.EPSILON * norm;
  for (let l = 0; l < n; l++) {
    for (let iteration = 0; ; iteration++) {
      // find the first negligible off-diagonal entry at or after l: the block [l, m] is unreduced
      let m = l;
      while (m < n - 1) {
        const scale = Math.abs(diag[m]!) + Math.abs(diag[m + 1]!);
        const e = Math.abs(off[m]!);
        if (e <= Number.EPSILON * scale || e <= floor) break;
        m++;
      }
      if (m === l) break;
      if (iteration >= MAX_QL_ITERATIONS) {
        throw new RangeError(`symmetricEigen: QL did not converge for eigenvalue ${l} of ${n}`);
      }

      // shift: the eigenvalue of the leading 2x2 block closer to diag[l]
      let g = (diag[l + 1]! - diag[l]!) / (2 * off[l]!);
      let r = Math.hypot(g, 1);
      g = diag[m]! - diag[l]! + off[l]! / (g + (g >= 0 ? r : -r));

      // chase the bulge from the bottom of the block up to l with Givens rotations
      let s = 1;
      let c = 1;
      let p = 0;
      let deflated = false;
      for (let i = m - 1; i >= l; i--) {
        const f = s * off[i]!;
        const b = c * off[i]!;
        r = Math.hypot(f, g);
        off[i + 1] = r;
        if (r === 0) {
          // an exact zero split the block: undo the pending shift and restart the search
          diag[i + 1] = diag[i + 1]! - p;
          off[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = diag[i + 1]! - p;
        r = (diag[i]! - g) * s + 2 * c * b;
        p = s * r;
        diag[i + 1] = g + p;
        g = c * r - b;
        if (q !== null) {
          for (let row = 0; row < n; row++) {
            const o = row * n;
            const qi = q[o + i]!;
            const qi1 = q[o + i + 1]!;
            q[o + i + 1] = s * qi + c * qi1;
            q[o + i] = c * qi - s * qi1;
          }
        }
      }
      if (deflated) continue;
      diag[l] = diag[l]! - p;
      off[l] = g;
      off[m] = 0;
    }
  }
}

/**
 * The square root of a symmetric positive semi-definite matrix, V diag(sqrt(max(l, 0))) V^T.
 * Eigenvalues below 0 are rounding noise of a PSD matrix and are clamped to 0; their count is returned.
 */
export function psdSqrt(s: Matrix): { root: Matrix; clamped: number } {
  const { values, vectors } = symmetricEigen(s, true);
  const v = vectors!;
  const n = s.rows;
  let clamped = 0;
  const roots = Float64Array.from(values, (l) => {
    if (l < 0) clamped++;
    return Math.sqrt(Math.max(l, 0));
  });
  // root = V diag(roots) V^T, built symmetric
  const root = matrix(n, n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += v.data[a * n + k]! * roots[k]! * v.data[b * n + k]!;
      root.data[a * n + b] = sum;
      root.data[b * n + a] = sum;
    }
  }
  return { root, clamped };
}
