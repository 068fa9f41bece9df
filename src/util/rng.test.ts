import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./rng.ts";

test("same seed gives the same stream; different seeds differ", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xs = Array.from({ length: 8 }, () => a.nextUint32());
  assert.deepEqual(
    xs,
    Array.from({ length: 8 }, () => b.nextUint32()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 8 }, () => c.nextUint32()),
  );
});

test("state round trip continues the stream exactly, including a spare normal", () => {
  const a = new Rng(7);
  a.normal();
  const restored = Rng.fromState(structuredClone(a.state()));
  for (let i = 0; i < 5; i++) assert.equal(restored.normal(), a.normal());
  assert.equal(restored.uniform(), a.uniform());
});

test("uniform and normal moments are right", () => {
  const rng = new Rng(1);
  const n = 200_000;
  let su = 0;
  let sn = 0;
  let sn2 = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    const z = rng.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(su / n - 0.5) < 0.005);
  assert.ok(Math.abs(sn / n) < 0.01);
  assert.ok(Math.abs(sn2 / n - 1) < 0.01);
});

test("int is in range and roughly uniform; permutation and sample are valid", () => {
  const rng = new Rng(3);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 50_000; i++) {
    const k = rng.int(10);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  for (const c of counts) assert.ok(c > 4500 && c < 5500, `count ${c}`);
  const p = rng.permutation(100);
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i),
  );
  const s = rng.sample(50, 20);
  assert.equal(new Set(s).size, 20);
  assert.throws(() => rng.sample(3, 4), RangeError);
});

test("fork gives independent, reproducible streams without advancing the parent", () => {
  const a = new Rng(5);
  const before = a.state();
  const f1 = a.fork("latents").uniform();
  assert.deepEqual(a.state(), before);
  assert.equal(new Rng(5).fork("latents").uniform(), f1);
  assert.notEqual(new Rng(5).fork("batches").uniform(), f1);
});
