import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../util/rng.ts";
import {
  betaBinomialPmf,
  betaBinomialTail,
  birthdayCollision,
  jsDivergence,
  mannWhitneyU,
  mannWhitneyZ,
  normalCdf,
  normalCritical,
  percentile,
  shareBelow,
  std,
  sumTail,
  twoProportionZ,
} from "./stats.ts";

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test("oracles from docs/metrics.md: NDB z, JS divergence, C_T Z_U, birthday", () => {
  close(twoProportionZ(0.1, 10000, 0.2, 1000), -9.6715, 1e-4);
  close(jsDivergence([0.5, 0.5], [1, 0]), 0.2157615543);
  close(mannWhitneyZ(0, 1000, 1000), -38.7201, 1e-4);
  close(birthdayCollision(365, 23), 0.5072972343);
});

test("percentiles follow NumPy's linear interpolation", () => {
  const v = [3, 1, 4, 1, 5, 9, 2, 6];
  close(percentile(v, 50), 3.5);
  close(percentile(v, 1), 1);
  close(percentile(v, 90), 6.899999999999999, 1e-12);
  close(percentile([7], 30), 7);
  close(shareBelow([1, 2, 3, 4], 3), 0.5);
  close(std([1, 2, 3, 4]), Math.sqrt(1.25));
});

test("normal CDF and critical values", () => {
  close(normalCdf(0), 0.5, 1e-15);
  close(normalCdf(1.959963984540054), 0.975, 1e-12);
  close(normalCdf(-3), 0.0013498980316301, 1e-14);
  close(normalCritical(0.05), 1.959963984540054, 1e-9);
});

test("Mann-Whitney U counts pairs a > b with ties as 1/2", () => {
  assert.equal(mannWhitneyU([1, 2, 3], [4, 5]), 0);
  assert.equal(mannWhitneyU([4, 5], [1, 2, 3]), 6);
  assert.equal(mannWhitneyU([2, 2], [2, 1]), 3); // (2>1)x2 + ties 2 x 1/2
});

test("betaBinomialTail: exact for a = b = 1, binomial in the limit, and the order-statistic count law", () => {
  // BetaBinomial(n, 1, 1) is uniform on 0..n
  for (const k of [0, 1, 5, 20]) assert.ok(Math.abs(betaBinomialTail(20, k, 1, 1) - (21 - k) / 21) < 1e-12);
  assert.equal(betaBinomialTail(20, 21, 1, 1), 0);
  // with a + b huge the mixing Beta is a point mass at a / (a + b): the binomial tail
  const binomialTail = (n: number, k: number, p: number) => {
    let sum = 0;
    for (let i = k; i <= n; i++) {
      let logC = 0;
      for (let t = 0; t < i; t++) logC += Math.log((n - t) / (t + 1));
      sum += Math.exp(logC + i * Math.log(p) + (n - i) * Math.log(1 - p));
    }
    return sum;
  };
  assert.ok(Math.abs(betaBinomialTail(100, 4, 0.02 * 1e8, 0.98 * 1e8) - binomialTail(100, 4, 0.02)) < 1e-6);
  // large n stays finite (log-space sum)
  const far = betaBinomialTail(10000, 600, 50, 4951);
  assert.ok(far > 0 && far < 1e-10, `${far}`);
  // new draws under the j-th smallest of m reference values: simulated frequencies match the tail
  const rng = new Rng(5);
  const [m, j, n, trials] = [100, 1, 100, 20000];
  const counts = new Array<number>(n + 1).fill(0);
  for (let t = 0; t < trials; t++) {
    const ref = Float64Array.from({ length: m }, () => rng.uniform()).sort();
    const threshold = ref[j - 1]!;
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.uniform() <= threshold) k++;
    counts[k]!++;
  }
  for (const k of [1, 3, 6]) {
    const simulated = counts.slice(k).reduce((s, c) => s + c, 0) / trials;
    const exact = betaBinomialTail(n, k, j, m + 1 - j);
    assert.ok(Math.abs(simulated - exact) < 0.01, `k=${k}: simulated ${simulated}, exact ${exact}`);
  }
});

test("betaBinomialPmf and sumTail: normalised, agree with the tail, and convolve independent counts", () => {
  const pmf = betaBinomialPmf(30, 2, 97);
  assert.ok(Math.abs(pmf.reduce((a, v) => a + v, 0) - 1) < 1e-12, "the probabilities sum to 1");
  for (const k of [0, 1, 3, 8])
    assert.ok(Math.abs(sumTail([pmf], k) - betaBinomialTail(30, k, 2, 97)) < 1e-12, `one count, k = ${k}`);
  // BetaBinomial(1, a, b) is Bernoulli(a / (a + b)): two fair coins give P(sum >= 1) = 3/4, P(sum >= 2) = 1/4.
  const coin = betaBinomialPmf(1, 3, 3);
  assert.ok(Math.abs(coin[1]! - 0.5) < 1e-12, "a fair coin");
  assert.ok(Math.abs(sumTail([coin, coin], 1) - 0.75) < 1e-12, "two coins, at least one");
  assert.ok(Math.abs(sumTail([coin, coin], 2) - 0.25) < 1e-12, "two coins, both");
  assert.equal(sumTail([coin, coin], 3), 0);
  // a = b = 1 is uniform on 0..n; the sum of two uniforms on 0..2 has P(sum >= 3) = 3/9.
  const u = betaBinomialPmf(2, 1, 1);
  assert.ok(Math.abs(sumTail([u, u], 3) - 3 / 9) < 1e-12, "two uniforms");
});
