import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows, matrix, selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { gaussian } from "./testing.ts";
import { vendi, vendiFromKernel } from "./vendi.ts";

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test("Vendi kernel oracles from docs/metrics.md", () => {
  const pts = [0, 0, 10, 10, 20, 20];
  const lap = fromRows(pts.map((a) => pts.map((b) => Math.exp(-Math.abs(a - b)))));
  close(vendiFromKernel(lap).score, 2.99999999588);
  close(
    vendiFromKernel(
      fromRows([
        [1, 0.9, 0],
        [0.9, 1, 0],
        [0, 0, 1],
      ]),
    ).score,
    2.15730048337,
  );
  const eye = matrix(5, 5);
  for (let i = 0; i < 5; i++) eye.data[i * 6] = 1;
  close(vendiFromKernel(eye).score, 5);
  close(vendiFromKernel(matrix(5, 5, new Array(25).fill(1))).score, 1);
});

test("Vendi on features: dual and primal forms agree; orthogonal rows count as distinct", async () => {
  const x = gaussian(30, 12, 1);
  const dual = await vendi(x); // D = 12 < n = 30
  assert.equal(dual.form, "dual");
  const wide = gaussian(10, 40, 2);
  const primal = await vendi(wide);
  assert.equal(primal.form, "primal");
  // the same data through an explicit cosine kernel matrix
  for (const [m, r] of [
    [x, dual],
    [wide, primal],
  ] as const) {
    const norm = (i: number): number => Math.hypot(...m.data.subarray(i * m.cols, (i + 1) * m.cols));
    const k = matrix(m.rows, m.rows);
    for (let a = 0; a < m.rows; a++) {
      for (let b = 0; b < m.rows; b++) {
        let s = 0;
        for (let j = 0; j < m.cols; j++) s += m.data[a * m.cols + j]! * m.data[b * m.cols + j]!;
        k.data[a * m.rows + b] = s / norm(a) / norm(b);
      }
    }
    close(r.score, vendiFromKernel(k).score, 1e-9);
  }
  // 4 orthogonal directions, each repeated 3 times: 4 effective samples
  const rows: number[][] = [];
  for (let c = 0; c < 4; c++)
    for (let rep = 0; rep < 3; rep++) rows.push([0, 0, 0, 0].map((_, j) => (j === c ? 1 + rep : 0)));
  close((await vendi(fromRows(rows))).score, 4);
});

test("Vendi is invariant to row order and drops zero rows with a warning", async () => {
  const x = gaussian(100, 6, 3);
  const a = await vendi(x);
  const b = await vendi(selectRows(x, new Rng(4).permutation(100)));
  close(b.score, a.score, 1e-10);
  const withZero = fromRows([
    ...Array.from({ length: 100 }, (_, i) => Array.from(x.data.subarray(i * 6, i * 6 + 6))),
    [0, 0, 0, 0, 0, 0],
  ]);
  const c = await vendi(withZero);
  close(c.score, a.score, 1e-10);
  assert.equal(c.droppedZeroRows, 1);
  assert.match(c.warnings.join(), /1 zero rows/);
});

test("vendiFromKernel rejects asymmetric kernels", () => {
  assert.throws(
    () =>
      vendiFromKernel(
        fromRows([
          [1, 0.5],
          [0.2, 1],
        ]),
      ),
    /not symmetric/,
  );
});
