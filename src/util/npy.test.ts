import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encodeNpy, parseNpy, readNpy, writeNpy } from "./npy.ts";

test("npy round trip for float32, float64 and uint8, with 64-byte aligned data", () => {
  for (const data of [
    new Float32Array([1.5, -2, 3, 4, 5, 6]),
    new Float64Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
    new Uint8Array([0, 1, 2, 253, 254, 255]),
  ]) {
    const bytes = encodeNpy(data, [2, 3]);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    assert.equal((10 + headerLength) % 64, 0);
    const back = parseNpy(bytes, "x.npy");
    assert.deepEqual(back.shape, [2, 3]);
    assert.deepEqual([...back.data], [...data]);
  }
});

test("npy errors name the file and the problem", () => {
  assert.throws(() => parseNpy(new Uint8Array([1, 2, 3]), "bad.npy"), /bad\.npy: .*magic/);
  const bytes = encodeNpy(new Float32Array(6), [2, 3]);
  assert.throws(() => parseNpy(bytes.subarray(0, bytes.length - 4), "short.npy"), /short\.npy: .*24 bytes/);
  const text = new TextDecoder("latin1").decode(bytes).replace("<f4", ">f4");
  const swapped = Uint8Array.from(text, (c) => c.charCodeAt(0));
  assert.throws(() => parseNpy(swapped, "be.npy"), /be\.npy: .*'>f4' is not supported/);
});

test("readNpy reads exactly the stored values from disk", () => {
  const path = join(mkdtempSync(join(tmpdir(), "npy-")), "a.npy");
  writeNpy(path, new Float32Array([0.25, -1]), [2]);
  const back = readNpy(path);
  assert.deepEqual(back.shape, [2]);
  assert.deepEqual([...back.data], [0.25, -1]);
});
