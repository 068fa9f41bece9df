import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows } from "../util/matrix.ts";
import { classMetrics } from "./classes.ts";

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

test("confident, balanced predictions: full coverage, entropy ln C, classifier score C", () => {
  const p = fromRows([
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  const r = classMetrics(p, [1, 1, 1]);
  assert.deepEqual(r.counts, [2, 2, 2]);
  close(r.classCoverage, 1);
  close(r.entropy, Math.log(3));
  close(r.normalizedEntropy, 1);
  close(r.classifierScore, 3);
  close(r.totalVariation!, 0);
  assert.deepEqual(r.countRatio, [1, 1, 1]);
});

test("collapsed or uncertain predictions score 1; missing classes are named", () => {
  const collapsed = classMetrics(
    fromRows([
      [0.9, 0.1, 0],
      [0.9, 0.1, 0],
    ]),
    [2, 1, 1],
  );
  close(collapsed.classifierScore, 1);
  assert.equal(collapsed.coveredClasses, 1);
  close(collapsed.classCoverage, 1 / 3);
  close(collapsed.entropy, 0);
  assert.deepEqual(collapsed.expectedCounts, [1, 0.5, 0.5]);
  close(collapsed.totalVariation!, 0.5);
  assert.match(collapsed.warnings.join(), /never generated: 1, 2/);
  // p(y|x) = p(y) for every x: KL 0
  close(
    classMetrics(
      fromRows([
        [0.5, 0.5],
        [0.5, 0.5],
      ]),
    ).classifierScore,
    1,
  );
});

test("missing classes are listed by the dataset's class names when it has them", () => {
  const probs = fromRows([
    [0.9, 0.05, 0.05, 0],
    [0.1, 0.8, 0.1, 0],
  ]);
  const named = classMetrics(probs, [1, 1, 1, 1], ["circle", "square", "triangle", "star"]);
  assert.deepEqual(named.warnings, ["classes never generated: triangle, star"]);
  // without names, the class indices
  assert.deepEqual(classMetrics(probs, [1, 1, 1, 1]).warnings, ["classes never generated: 2, 3"]);
  // a class absent from the data is not missing
  assert.deepEqual(classMetrics(probs, [1, 1, 0, 1], ["a", "b", "c", "d"]).warnings, [
    "classes never generated: d",
  ]);
  assert.throws(() => classMetrics(probs, [1, 1, 1, 1], ["a", "b"]), /2 names for 4 classes/);
});

test("classifier score of a two-class mixture by hand", () => {
  // rows (0.8, 0.2) and (0.2, 0.8): p(y) = (0.5, 0.5); KL = 0.8 ln 1.6 + 0.2 ln 0.4 for each
  const kl = 0.8 * Math.log(1.6) + 0.2 * Math.log(0.4);
  close(
    classMetrics(
      fromRows([
        [0.8, 0.2],
        [0.2, 0.8],
      ]),
    ).classifierScore,
    Math.exp(kl),
  );
});

test("rejects rows that are not probability vectors", () => {
  assert.throws(() => classMetrics(fromRows([[0.5, 0.6]])), /row 0 sums to 1.1/);
  assert.throws(() => classMetrics(fromRows([[1.5, -0.5]])), /row 0, class 1 is -0.5/);
  assert.throws(() => classMetrics(fromRows([[1, 0]]), [1, 0, 0]), /3 classes, probabilities 2/);
});
