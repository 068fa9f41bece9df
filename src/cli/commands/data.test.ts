import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readPng } from "../../image/png.ts";
import type { Io } from "../io.ts";
import { main } from "../main.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-data-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), interactive: false };
  const code = await main(["node", "genreview", ...args], io);
  return { code, out: out.join(""), err: err.join("\n") };
}

test("data preview writes a labelled grid, one row per class, and lists the rows", async () => {
  const out = join(root, "shapes.png");
  const r = await run("data", "preview", "shapes:size=16,train=64,test=8", "--out", out, "--per-class", "4");
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /wrote .*shapes\.png \(\d+x\d+, 4x\): train split of shapes:size=16,train=64,test=8,seed=0/,
  );
  assert.match(r.out, /row 1: circle \(4 images\)\nrow 2: square/);
  assert.match(r.out, /row 8: crescent \(4 images\)/);
  const png = readPng(out);
  // 8 rows of 16 px cells, 2 px padding, upscaled 4x (64 px cells)
  assert.equal(png.h, (8 * 18 + 2) * 4);
  assert.ok(png.w > (4 * 18 + 2) * 4, "a label column on the left");

  const json = await run(
    "data",
    "preview",
    "glyphs:train=20,test=10",
    "--out",
    out,
    "--split",
    "test",
    "--scale",
    "1",
    "--json",
  );
  const result = JSON.parse(json.out) as {
    rows: { label: string; images: number }[];
    split: string;
    scale: number;
  };
  assert.equal(result.split, "test");
  assert.equal(result.scale, 1);
  assert.deepEqual(
    result.rows.map((row) => row.label),
    ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  );
  assert.ok(result.rows.every((row) => row.images === 1));
});

test("data export writes files that load back; data info reports counts, classes and hash", async () => {
  const dir = join(root, "idx");
  const exported = await run("data", "export", "patterns:size=12,train=12,test=6", "--out", dir, "--json");
  assert.equal(exported.code, 0, exported.err);
  assert.equal((JSON.parse(exported.out) as { files: number }).files, 5);
  assert.ok(existsSync(join(dir, "train-images-idx3-ubyte.gz")));

  const info = await run("data", "info", `idx:${dir}`, "--json");
  assert.equal(info.code, 0, info.err);
  const parsed = JSON.parse(info.out) as {
    id: string;
    hash: string;
    classes: string[];
    splits: { train: { images: number; perClass: number[] }; test: { images: number } };
  };
  assert.equal(parsed.id, `idx:${dir}`);
  assert.match(parsed.hash, /^[0-9a-f]{64}$/);
  assert.deepEqual(parsed.classes, ["stripes", "checkerboard", "dots", "gradient", "blobs", "rings"]);
  assert.deepEqual(parsed.splits.train.perClass, [2, 2, 2, 2, 2, 2]);
  assert.equal(parsed.splits.test.images, 6);

  const text = await run("data", "info", "shapes:train=16,test=8");
  assert.match(text.out, /^id: shapes:size=28,train=16,test=8,seed=0\nhash: [0-9a-f]{64}\n/);
  assert.match(text.out, /classes \(8\): train \/ test images\n {2}0 circle: 2 \/ 1/);
  assert.match(text.out, /Built-in "shapes" \(seed 0\)/);

  // npy export: float32 arrays reload exactly (as unlabelled data with a seeded split)
  const npyDir = join(root, "npy");
  assert.equal(
    (await run("data", "export", "shapes:size=8,train=12,test=6", "--format", "npy", "--out", npyDir)).code,
    0,
  );
  const reloaded = await run("data", "info", `npy:${join(npyDir, "train.npy")}`);
  assert.match(reloaded.out, /train: 10 images/);
  // png export of unlabelled data previews as a plain grid
  const pngDir = join(root, "png");
  assert.equal(
    (await run("data", "export", `npy:${join(npyDir, "train.npy")}`, "--format", "png", "--out", pngDir))
      .code,
    0,
  );
  const plain = await run(
    "data",
    "preview",
    `png:${pngDir}`,
    "--out",
    join(root, "plain.png"),
    "--per-class",
    "3",
  );
  assert.equal(plain.code, 0, plain.err);
  assert.match(
    plain.out,
    /row 1: unlabelled \(3 images\)\nrow 2: unlabelled \(3 images\)\nrow 3: unlabelled \(3 images\)\nrow 4: unlabelled \(1 images\)/,
  );
});

test("bad input exits 2 with a message naming the problem", async () => {
  const spec = await run("data", "info", "mnist");
  assert.equal(spec.code, 2);
  assert.match(spec.err, /genreview: dataset spec "mnist": unknown kind "mnist"/);
  const missing = await run("data", "info", `png:${join(root, "nothing")}`);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nothing: expected a folder of PNG files, it does not exist/);
  const perClass = await run(
    "data",
    "preview",
    "shapes:train=8,test=8",
    "--out",
    join(root, "x.png"),
    "--per-class",
    "0",
  );
  assert.equal(perClass.code, 2);
  assert.match(perClass.err, /--per-class must be a positive integer, got '0'/);
  const noOut = await run("data", "preview", "shapes");
  assert.equal(noOut.code, 2);
  assert.match(noOut.err, /required option '--out <file>' not specified/);
});

test("help describes every option and the spec syntax", async () => {
  const help = await run("data", "--help");
  assert.match(help.out, /idx:PATH/);
  assert.match(help.out, /#seed=S,testfrac=F/);
  const preview = await run("data", "preview", "--help");
  for (const flag of ["--out", "--per-class", "--scale", "--split", "--json"])
    assert.ok(preview.out.includes(flag), flag);
  const exportHelp = await run("data", "export", "--help");
  for (const flag of ["--out", "--format", "--json"]) assert.ok(exportHelp.out.includes(flag), flag);
});
