import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { computeAll } from "../../metrics/index.ts";
import { gaussian } from "../../metrics/testing.ts";
import { writeNpy } from "../../util/npy.ts";
import type { Io } from "../io.ts";
import { main } from "../main.ts";

const dir = mkdtempSync(join(tmpdir(), "genreview-metrics-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const real = gaussian(300, 6, 1);
const fake = gaussian(200, 6, 2, 0.3);
const realPath = join(dir, "real.npy");
const fakePath = join(dir, "fake.npy");
writeNpy(realPath, Float32Array.from(real.data), [300, 6]);
writeNpy(fakePath, fake.data, [200, 6]);

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false };
}

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await main(["node", "genreview", "metrics", ...args], io);
  return { code, out: io.stdout.join(""), err: io.stderr.join("\n") };
}

test("metrics --json equals computeAll on the same arrays (float32 file widened to float64)", async () => {
  const r = await run(realPath, fakePath, "--kid-subsets", "4", "--kid-size", "50", "--seed", "3", "--json");
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(r.out);
  const want = await computeAll({ ...real, data: Float64Array.from(Float32Array.from(real.data)) }, fake, {
    kidSubsets: 4,
    kidSubsetSize: 50,
    seed: 3,
  });
  assert.equal(got.fd.fd, want.fd.fd);
  assert.deepEqual(got.kid.values, want.kid.values);
  assert.deepEqual(
    [got.prdc.precision, got.prdc.recall, got.prdc.density, got.prdc.coverage],
    [want.prdc.precision, want.prdc.recall, want.prdc.density, want.prdc.coverage],
  );
  assert.equal(got.vendi.fake.score, want.vendi.fake.score);
  assert.deepEqual(got.real, { path: realPath, rows: 300, cols: 6, dtype: "float32" });
  assert.equal(got.nFake, 200);
});

test("metrics prints every metric with sizes, and the warnings", async () => {
  const r = await run(realPath, fakePath, "--kid-subsets", "2", "--kid-size", "1000", "--k", "3");
  assert.equal(r.code, 0, r.err);
  for (const label of ["FD", "KID", "precision", "recall", "density", "coverage", "Vendi"]) {
    assert.match(r.out, new RegExp(`^${label} `, "m"));
  }
  assert.match(r.out, /k = 3, strict '<'/);
  assert.match(r.out, /2 subsets of 200 rows/);
  assert.match(r.out, /shrunk from 1000 to 200 rows/);
  assert.match(r.out, /sets differ in size \(300 vs 200\)/);
});

test("metrics --help describes every option", async () => {
  const r = await run("--help");
  assert.equal(r.code, 0);
  for (const flag of ["--k", "--kid-subsets", "--kid-size", "--seed", "--json", "--quiet"])
    assert.ok(r.out.includes(flag), flag);
});

test("metrics rejects bad inputs with messages naming the file", async () => {
  const missing = await run(join(dir, "nope.npy"), fakePath);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.npy: cannot read/);

  const flat = join(dir, "flat.npy");
  writeNpy(flat, new Float32Array(10), [10]);
  const oneD = await run(flat, fakePath);
  assert.equal(oneD.code, 2);
  assert.match(oneD.err, /flat\.npy: expected a 2-D feature array \[N, D\], got shape \[10\]/);

  const bytes = join(dir, "bytes.npy");
  writeNpy(bytes, new Uint8Array(12), [3, 4]);
  assert.match(
    (await run(bytes, fakePath)).err,
    /bytes\.npy: expected float32 or float64 features, got uint8/,
  );

  const wide = join(dir, "wide.npy");
  writeNpy(wide, new Float64Array(20), [2, 10]);
  assert.match((await run(realPath, wide)).err, /has D = 6 .*wide\.npy has D = 10/);

  const nan = join(dir, "nan.npy");
  writeNpy(nan, Float64Array.of(1, 2, Number.NaN, 4), [2, 2]);
  assert.match((await run(nan, nan)).err, /nan\.npy: row 1, column 0 is NaN/);

  const bigK = await run(realPath, fakePath, "--k", "500", "--kid-subsets", "1");
  assert.equal(bigK.code, 2);
  assert.match(bigK.err, /k must be an integer in 1\.\.199/);

  const badK = await run(realPath, fakePath, "--k", "zero");
  assert.equal(badK.code, 2);
  assert.match(badK.err, /expected an integer >= 1, got 'zero'/);
});
