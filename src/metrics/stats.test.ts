import assert from "node:assert/strict";
import { test } from "node:test";
import {
  birthdayCollision,
  jsDivergence,
  mannWhitneyU,
  mannWhitneyZ,
  normalCdf,
  normalCritical,
  percentile,
  shareBelow,
  std,
  twoProportionZ,
} from "./stats.ts";

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test("oracles from METRICS.md: NDB z, JS divergence, C_T Z_U, birthday", () => {
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
