import assert from "node:assert/strict";
import { test } from "node:test";
import { loadDataset } from "../data/load.ts";
import { fromRows, type Matrix, matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { frechetDistance } from "./frechet.ts";
import { columnMeans, covariance, matmul, psdSqrt, symmetricEigen } from "./linalg.ts";
import { gaussian } from "./testing.ts";

function randomSymmetric(n: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = rng.normal();
      m.data[i * n + j] = v;
      m.data[j * n + i] = v;
    }
  }
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** |S - V diag(l) V^T| and |V^T V - I|, max-abs. */
function residuals(
  s: Matrix,
  values: Float64Array,
  v: Matrix,
): { reconstruction: number; orthogonality: number } {
  const n = s.rows;
  let reconstruction = 0;
  let orthogonality = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let r = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        r += v.data[a * n + k]! * values[k]! * v.data[b * n + k]!;
        o += v.data[k * n + a]! * v.data[k * n + b]!;
      }
      reconstruction = Math.max(reconstruction, Math.abs(r - s.data[a * n + b]!));
      orthogonality = Math.max(orthogonality, Math.abs(o - (a === b ? 1 : 0)));
    }
  }
  return { reconstruction, orthogonality };
}

test("symmetricEigen reconstructs random symmetric matrices with orthonormal vectors", () => {
  for (const n of [1, 2, 3, 7, 40, 100]) {
    const s = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(s);
    const r = residuals(s, values, vectors!);
    assert.ok(r.reconstruction < 1e-12 * n, `n=${n} reconstruction ${r.reconstruction}`);
    assert.ok(r.orthogonality < 1e-13 * n, `n=${n} orthogonality ${r.orthogonality}`);
    for (let i = 1; i < n; i++) assert.ok(values[i]! >= values[i - 1]!, "ascending");
    // values without vectors are the same
    assert.ok(maxAbsDiff(symmetricEigen(s, false).values, values) < 1e-12 * n);
  }
});

test("symmetricEigen on matrices with repeated and known eigenvalues", () => {
  const ones = fromRows([
    [1, 1, 1, 1],
    [1, 1, 1, 1],
    [1, 1, 1, 1],
    [1, 1, 1, 1],
  ]);
  assert.ok(maxAbsDiff(symmetricEigen(ones, false).values, [0, 0, 0, 4]) < 1e-14);
  const eye = matrix(5, 5);
  for (let i = 0; i < 5; i++) eye.data[i * 6] = 1;
  assert.deepEqual(Array.from(symmetricEigen(eye).values), [1, 1, 1, 1, 1]);
  // tridiagonal 2 -1 (Laplacian): eigenvalues 2 - 2 cos(k pi / (n + 1))
  const n = 12;
  const lap = matrix(n, n);
  for (let i = 0; i < n; i++) {
    lap.data[i * n + i] = 2;
    if (i + 1 < n) {
      lap.data[i * n + i + 1] = -1;
      lap.data[(i + 1) * n + i] = -1;
    }
  }
  const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
  assert.ok(maxAbsDiff(symmetricEigen(lap, false).values, want) < 1e-13);
  const zero = matrix(3, 3);
  assert.deepEqual(Array.from(symmetricEigen(zero).values), [0, 0, 0]);
});

test("psdSqrt squares back to the matrix", () => {
  const s = fromRows(
    Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 2 : 0.3))),
  );
  const { root, clamped } = psdSqrt(s);
  assert.equal(clamped, 0);
  assert.ok(maxAbsDiff(matmul(root, root).data, s.data) < 1e-13);
});

test("covariance divides by N - 1 and matches the textbook loop", async () => {
  const x = gaussian(50, 4, 4, 1, 2);
  const mu = columnMeans(x);
  const s = await covariance(x);
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      let sum = 0;
      for (let i = 0; i < 50; i++) sum += (x.data[i * 4 + a]! - mu[a]!) * (x.data[i * 4 + b]! - mu[b]!);
      assert.ok(Math.abs(s.data[a * 4 + b]! - sum / 49) < 1e-13);
    }
  }
});

test("symmetricEigen converges on a rank-deficient image covariance with constant pixels (FD's sqrt product)", async () => {
  // 128 shapes at 16x16: 256-D pixel covariance of rank < 128 with all-zero rows for the border pixels.
  // sqrt(A) B sqrt(A) of two such covariances leaves off-diagonal entries near 1e-300 between zero
  // eigenvalues, which a purely relative negligibility test never deflates.
  const d = loadDataset("shapes:size=16,train=128,test=64");
  const asMatrix = (x: { n: number; h: number; w: number; data: Float32Array }) =>
    matrix(x.n, x.h * x.w, x.data);
  const a = await covariance(asMatrix(d.train.images));
  const b = await covariance(asMatrix(d.test.images));
  const { root } = psdSqrt(a);
  const product = matmul(matmul(root, b), root);
  const { values, vectors } = symmetricEigen(product);
  const r = residuals(product, values, vectors!);
  assert.ok(r.reconstruction < 1e-10, `reconstruction ${r.reconstruction}`);
  assert.ok(r.orthogonality < 1e-10, `orthogonality ${r.orthogonality}`);
  const fd = await frechetDistance(asMatrix(d.train.images), asMatrix(d.test.images));
  assert.ok(Number.isFinite(fd.fd) && fd.fd > 0, `fd ${fd.fd}`);
  const self = await frechetDistance(asMatrix(d.train.images), asMatrix(d.train.images));
  assert.ok(Math.abs(self.fd) < 1e-6, `FD of a set with itself ${self.fd}`);
});
