import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../util/rng.ts";
import { balancedLabels } from "./builtin.ts";
import { classCounts } from "./dataset.ts";
import { loadDataset } from "./load.ts";

const KINDS = ["shapes", "glyphs", "patterns"] as const;

test("every built-in is deterministic: same seed, same bytes, labels and hash", () => {
  for (const kind of KINDS) {
    const a = loadDataset(`${kind}:size=16,train=30,test=10,seed=7`);
    const b = loadDataset(`${kind}:size=16,train=30,test=10,seed=7`);
    assert.equal(a.hash, b.hash, kind);
    assert.deepEqual(a.train.images.data, b.train.images.data, kind);
    assert.deepEqual(a.train.labels, b.train.labels, kind);
    assert.deepEqual(a.train.attributes, b.train.attributes, kind);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.notEqual(loadDataset(`${kind}:size=16,train=30,test=10,seed=8`).hash, a.hash, kind);
    // train and test are different draws
    assert.notDeepEqual(a.train.images.data.subarray(0, 256), a.test.images.data.subarray(0, 256));
  }
});

test("built-in bytes are pinned: these hashes change only when generation is changed on purpose", () => {
  // A dataset hash is recorded in every run folder; if a change to a generator alters these, every
  // recorded hash of that dataset stops matching, so the change must be deliberate and announced.
  const pinned: Record<(typeof KINDS)[number], string> = {
    shapes: "4c20186c955ff8b2cf7b09f2f3e1569e4809b8527638d82038b2d2cb0352a67b",
    glyphs: "47fd80d218a397f51b365f423cab89a7a28e0311a55a5f80e1eafb7e80df6c57",
    patterns: "3f2a2e679ae976329c81fbea4aa2d705c25c989af0d35c7f6f0459df6b8907bc",
  };
  for (const kind of KINDS)
    assert.equal(loadDataset(`${kind}:size=16,train=24,test=8,seed=0`).hash, pinned[kind], kind);
});

test("every built-in: balanced classes, values in [0, 1], no blank images, a card", () => {
  for (const kind of KINDS) {
    for (const size of [16, 28, 32]) {
      const d = loadDataset(`${kind}:size=${size},train=120,test=60`);
      const k = d.classes!.length;
      const counts = classCounts(d.train.labels!, k);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${kind} train counts ${counts}`);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        120,
      );
      const { data, n, h, w } = d.test.images;
      assert.equal(n, 60);
      assert.equal(h * w, size * size);
      for (let i = 0; i < n; i++) {
        let lo = 1;
        let hi = 0;
        for (let j = i * h * w; j < (i + 1) * h * w; j++) {
          const v = data[j]!;
          assert.ok(v >= 0 && v <= 1, `${kind} pixel ${j} = ${v}`);
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        assert.ok(hi - lo >= 0.4, `${kind} size ${size} image ${i}: contrast only ${hi - lo}`);
      }
      assert.ok(d.card.length > 200 && d.card.includes(`${size}x${size}`), kind);
    }
  }
});

test("balanced labels: each block of k holds every class once", () => {
  const labels = balancedLabels(new Rng(1), 25, 10);
  for (let start = 0; start + 10 <= 25; start += 10) {
    assert.deepEqual(
      [...labels.subarray(start, start + 10)].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  }
  const tail = new Set(labels.subarray(20));
  assert.equal(tail.size, 5);
});

test("glyphs and patterns: attributes stay within their documented ranges", () => {
  const g = loadDataset("glyphs:train=50,test=10");
  const ga = g.train.attributes!;
  const gp = ga.names.length;
  for (let i = 0; i < 50; i++) {
    const row = ga.values.subarray(i * gp, (i + 1) * gp);
    const at = (name: string): number => row[ga.names.indexOf(name)]!;
    assert.ok(at("height") >= 0.55 && at("height") <= 0.72);
    assert.ok(Math.abs(at("rotation")) <= 0.2 && Math.abs(at("shear")) <= 0.25);
    assert.ok(at("elastic") >= 0 && at("elastic") <= 0.05);
  }
  const p = loadDataset("patterns:train=60,test=6");
  const pa = p.train.attributes!;
  const pp = pa.names.length;
  for (let i = 0; i < 60; i++) {
    const row = pa.values.subarray(i * pp, (i + 1) * pp);
    const at = (name: string): number => row[pa.names.indexOf(name)]!;
    assert.ok(at("low") >= 0 && at("low") <= 0.25 && at("high") >= 0.75 && at("high") <= 1);
    if (p.classes![p.train.labels![i]!] === "blobs") assert.ok(at("count") >= 3 && at("count") <= 7);
  }
});

test("default-size shapes: 12,000 28x28 images (generation time reported as a diagnostic)", (t) => {
  // the figure for all three built-ins comes from src/data/bench.ts; this checks the default dataset
  const start = performance.now();
  const d = loadDataset("shapes");
  t.diagnostic(
    `shapes: 12,000 28x28 images generated and hashed in ${(performance.now() - start).toFixed(0)} ms`,
  );
  assert.equal(d.train.images.n, 10000);
  assert.equal(d.test.images.n, 2000);
  assert.deepEqual(classCounts(d.train.labels!, 8), new Array(8).fill(1250));
  assert.deepEqual(classCounts(d.test.labels!, 8), new Array(8).fill(250));
});
