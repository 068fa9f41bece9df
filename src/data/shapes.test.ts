import assert from "node:assert/strict";
import { test } from "node:test";
import { classCounts } from "./dataset.ts";
import { loadDataset } from "./load.ts";
import { SHAPE_CLASSES } from "./shapes.ts";

test("shapes: same seed gives the same bytes and hash, another seed different ones", () => {
  const a = loadDataset("shapes:train=64,test=16,seed=3");
  const b = loadDataset("shapes:seed=3,test=16,train=64");
  assert.equal(a.id, "shapes:size=28,train=64,test=16,seed=3");
  assert.equal(b.id, a.id);
  assert.equal(a.hash, b.hash);
  assert.deepEqual(a.train.images.data, b.train.images.data);
  assert.deepEqual(a.test.labels, b.test.labels);
  const c = loadDataset("shapes:train=64,test=16,seed=4");
  assert.notEqual(c.hash, a.hash);
});

test("shapes: the test split and the first train images do not depend on the train count", () => {
  const small = loadDataset("shapes:train=16,test=8");
  const large = loadDataset("shapes:train=40,test=8");
  assert.deepEqual(small.test.images.data, large.test.images.data);
  assert.deepEqual(small.train.images.data, large.train.images.data.subarray(0, 16 * 28 * 28));
  assert.deepEqual(small.train.labels, large.train.labels?.subarray(0, 16));
});

test("shapes: classes are exactly balanced, pixels in [0, 1], every image has a visible shape", () => {
  for (const size of [16, 28, 32]) {
    const d = loadDataset(`shapes:size=${size},train=${8 * 20},test=${8 * 5}`);
    assert.deepEqual(d.classes, [...SHAPE_CLASSES]);
    assert.deepEqual(classCounts(d.train.labels!, 8), new Array(8).fill(20));
    assert.deepEqual(classCounts(d.test.labels!, 8), new Array(8).fill(5));
    const { data, n, h, w } = d.train.images;
    assert.equal(h, size);
    assert.equal(w, size);
    for (let i = 0; i < n; i++) {
      let max = 0;
      let lit = 0;
      for (let k = i * h * w; k < (i + 1) * h * w; k++) {
        const v = data[k]!;
        assert.ok(v >= 0 && v <= 1, `pixel ${k} = ${v}`);
        if (v > max) max = v;
        if (v > 0.3) lit++;
      }
      assert.ok(max >= 0.6, `image ${i} of size ${size}: brightest pixel ${max}`);
      assert.ok(lit >= 4, `image ${i} of size ${size}: only ${lit} bright pixels`);
    }
    // the border row and column stay black: shapes never touch the frame
    for (let i = 0; i < n; i++) {
      for (let x = 0; x < w; x++) assert.equal(data[i * h * w + x], 0);
    }
  }
});

test("shapes: attributes record the drawn parameters within their documented ranges", () => {
  const d = loadDataset("shapes:train=80,test=8");
  const attrs = d.train.attributes!;
  assert.deepEqual(attrs.names, ["x", "y", "size", "rotation", "stroke", "fill", "filled"]);
  const p = attrs.names.length;
  for (let i = 0; i < 80; i++) {
    const [x, y, size, rotation, stroke, fill, filled] = attrs.values.subarray(i * p, (i + 1) * p);
    assert.ok(x! > 0 && x! < 1 && y! > 0 && y! < 1);
    assert.ok(size! >= 0.2 && size! <= 0.38);
    assert.ok(rotation! >= 0 && rotation! < 2 * Math.PI);
    assert.ok(stroke! >= 0.07 - 1e-6 && stroke! <= 0.12 + 1e-6);
    assert.ok(fill! >= 0.6 && fill! <= 1);
    const name = d.classes![d.train.labels![i]!];
    if (name === "ring") assert.equal(filled, 0);
    if (name === "circle" || name === "cross" || name === "line" || name === "crescent")
      assert.equal(filled, 1);
  }
});
