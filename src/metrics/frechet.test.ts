import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows, matrix, selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { frechetDistance, frechetFromStats, frechetInfinity, type GaussianStats } from "./frechet.ts";
import { gaussian } from "./testing.ts";

function stats(mu: number[], sigma: number[][], n = 1000): GaussianStats {
  return { n, mu: Float64Array.from(mu), sigma: fromRows(sigma) };
}

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test("FD oracles from docs/metrics.md", () => {
  close(
    frechetFromStats(
      stats(
        [0, 0],
        [
          [1, 0],
          [0, 1],
        ],
      ),
      stats(
        [1, 1],
        [
          [4, 0],
          [0, 4],
        ],
      ),
    ).fd,
    4.0,
  );
  close(
    frechetFromStats(
      stats(
        [0, 0],
        [
          [2, 1],
          [1, 2],
        ],
      ),
      stats(
        [1, -1],
        [
          [1, 0],
          [0, 3],
        ],
      ),
    ).fd,
    2.5166852265,
  );
  close(
    frechetFromStats(
      stats(
        [1, 2, 3],
        [
          [4, 2, 0.6],
          [2, 2, 0.4],
          [0.6, 0.4, 1],
        ],
      ),
      stats(
        [0, 0, 0],
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
      ),
    ).fd,
    15.7470660243,
  );
  // singular covariance: finite, no NaN
  close(
    frechetFromStats(
      stats(
        [0, 0],
        [
          [1, 1],
          [1, 1],
        ],
      ),
      stats(
        [0, 0],
        [
          [1, 0],
          [0, 1],
        ],
      ),
    ).fd,
    4 - 2 * Math.SQRT2,
  );
  // 1-D: (m1 - m2)^2 + (s1 - s2)^2 with s the standard deviations
  close(frechetFromStats(stats([3], [[4]]), stats([1], [[9]])).fd, 4 + 1);
});

test("FD of a set with itself is 0, and FD is invariant to row order", async () => {
  const x = gaussian(300, 8, 1);
  const y = gaussian(300, 8, 2, 0.2, 1.3);
  assert.equal((await frechetDistance(x, x)).fd < 1e-10, true);
  const a = await frechetDistance(x, y);
  const b = await frechetDistance(
    selectRows(x, new Rng(3).permutation(300)),
    selectRows(y, new Rng(4).permutation(300)),
  );
  close(b.fd, a.fd, 1e-10 * a.fd);
  assert.deepEqual(a.warnings, []);
  assert.equal(a.nReal, 300);
  assert.equal(a.dim, 8);
});

test("FD with fewer rows than dimensions is finite and says the covariance is singular", async () => {
  const x = gaussian(10, 16, 5);
  const y = gaussian(12, 16, 6);
  const r = await frechetDistance(x, y);
  assert.ok(Number.isFinite(r.fd));
  assert.equal(r.warnings.filter((w) => w.includes("singular")).length, 2);
  assert.match(r.warnings.join("\n"), /N = 10 <= D = 16/);
});

test("FD rejects non-finite features and mismatched widths with InputError", async () => {
  const x = matrix(3, 2, [0, 1, 2, Number.NaN, 4, 5]);
  await assert.rejects(frechetDistance(x, gaussian(3, 2, 1)), /real features: row 1, column 1 is NaN/);
  await assert.rejects(frechetDistance(gaussian(5, 2, 1), gaussian(5, 3, 1)), /D = 2 .* D = 3/);
});

test("FD-infinity extrapolates the 1/N bias away for identical distributions", async () => {
  // identical 4-D Gaussians: FD at finite N is about (D(D+1)/4)(1/N + 1/M) > 0; FD-infinity is near 0
  const real = gaussian(20000, 4, 7);
  const fake = gaussian(5000, 4, 8);
  const r = await frechetInfinity(real, fake, { seed: 1 });
  assert.ok(r.points.length >= 5);
  assert.ok(r.slope > 0, `slope ${r.slope}`);
  assert.ok(Math.abs(r.fdInfinity) < r.fdFull, `fdInfinity ${r.fdInfinity} vs FD ${r.fdFull}`);
  const again = await frechetInfinity(real, fake, { seed: 1 });
  assert.equal(again.fdInfinity, r.fdInfinity, "seeded subsets give bit-identical results");
});
