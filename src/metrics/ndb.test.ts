import assert from "node:assert/strict";
import { test } from "node:test";
import { matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { fitNdbBins, ndb } from "./ndb.ts";

/** Points around 5 separated 3-D centres; `weights` says how often each mode is drawn. */
function modes(n: number, weights: number[], seed: number) {
  const rng = new Rng(seed);
  const m = matrix(n, 3);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform() * total;
    let c = 0;
    while (u >= weights[c]!) u -= weights[c++]!;
    for (let j = 0; j < 3; j++)
      m.data[i * 3 + j] = (j === c % 3 ? 10 * (1 + Math.floor(c / 3)) : 0) + rng.normal();
  }
  return m;
}

test("NDB: same distribution gives few differing bins; a dropped mode gives many and a larger JS", async () => {
  const train = modes(3000, [1, 1, 1, 1, 1], 1);
  const bins = await fitNdbBins(train, { bins: 10, seed: 2 });
  assert.equal(
    bins.trainCounts.reduce((a, b) => a + b, 0),
    3000,
  );
  const same = await ndb(bins, modes(1000, [1, 1, 1, 1, 1], 3));
  const dropped = await ndb(bins, modes(1000, [1, 1, 1, 1, 0], 4));
  assert.ok(same.differentBins <= 2, `same: ${same.differentBins}`);
  assert.ok(dropped.differentBins >= 3, `dropped: ${dropped.differentBins}`);
  assert.ok(dropped.js > 5 * same.js);
  assert.equal(dropped.perBin.length, 10);
  assert.ok(Math.abs(same.zCritical - 1.959964) < 1e-6);
  // bins are reusable and the result is deterministic
  const again = await ndb(bins, modes(1000, [1, 1, 1, 1, 0], 4));
  assert.deepEqual(again, dropped);
});
