import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Io } from "../cli/io.ts";
import { main } from "../cli/main.ts";
import { loadDataset } from "../data/load.ts";
import { encodePng, readPng } from "../image/png.ts";
import { listCheckpointEpochs, listSampleEpochs, readCheckpointMeta, readRunInfo } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import { DatasetError, InputError } from "../util/errors.ts";
import { encodeNpy } from "../util/npy.ts";
import { IMPORT_SEED_COUNT, importSamples, parseCheckpointFolder, readImportedSamples } from "./import.ts";

const SPEC = "shapes:size=16,train=120,test=60,seed=3";
const dataset = loadDataset(SPEC);
const { h, w } = dataset.train.images;
const root = mkdtempSync(join(tmpdir(), "genreview-import-"));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function freshDir(name: string): string {
  const dir = join(root, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Byte pixels of test image i (so that PNG and uint8 round trips are exact). */
function bytesOf(index: number): Uint8Array {
  const i = index % dataset.test.images.n;
  const src = dataset.test.images.data.subarray(i * h * w, (i + 1) * h * w);
  return Uint8Array.from(src, (v) => Math.round(v * 255));
}

function writePngs(dir: string, count: number, offset = 0): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `${i}.png`), encodePng(bytesOf(offset + i), w, h));
}

function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false }, out, err };
}

test("checkpoint numbers are parsed from folder names, with their unit", () => {
  assert.deepEqual(parseCheckpointFolder("epoch_010"), { number: 10, prefix: "epoch", unit: "epoch" });
  assert.deepEqual(parseCheckpointFolder("step-2000"), { number: 2000, prefix: "step", unit: "step" });
  assert.deepEqual(parseCheckpointFolder("30"), { number: 30, prefix: "", unit: "epoch" });
  assert.deepEqual(parseCheckpointFolder("ckpt5"), { number: 5, prefix: "ckpt", unit: "epoch" });
  assert.equal(parseCheckpointFolder("run2_epoch10"), undefined);
  assert.equal(parseCheckpointFolder("final"), undefined);
  assert.equal(parseCheckpointFolder("epoch_"), undefined);
});

test("import round trip: PNG, uint8 and float .npy folders become a run with exact samples", () => {
  const src = freshDir("samples");
  // epoch_001: 70 PNGs (more than the 64 seeds), in natural order 0..69
  writePngs(join(src, "epoch_001"), 70);
  // epoch_010: uint8 [N, H, W]
  const n10 = 50;
  const u8 = new Uint8Array(n10 * h * w);
  for (let i = 0; i < n10; i++) u8.set(bytesOf(i + 1), i * h * w);
  mkdirSync(join(src, "epoch_010"));
  writeFileSync(join(src, "epoch_010", "samples.npy"), encodeNpy(u8, [n10, h, w]));
  // epoch_030: float32 [N, H, W, 1] with values that are not bytes
  const f32 = new Float32Array(40 * h * w).map((_, i) => (i % 97) / 97);
  mkdirSync(join(src, "epoch_030"));
  writeFileSync(join(src, "epoch_030", "x.npy"), encodeNpy(f32, [40, h, w, 1]));
  writeFileSync(join(src, "README.txt"), "exported by a script");

  const out = join(root, `run-${counter++}`);
  const result = importSamples(src, { data: SPEC, out });
  assert.deepEqual(
    result.checkpoints.map((c) => [c.epoch, c.folder, c.format, c.n]),
    [
      [1, "epoch_001", "png", 70],
      [10, "epoch_010", "npy", 50],
      [30, "epoch_030", "npy", 40],
    ],
  );
  assert.match(
    result.warnings.join("\n"),
    /ignored 1 file\(s\) beside the checkpoint folders \(README\.txt\)/,
  );
  assert.match(
    result.warnings.join("\n"),
    /different numbers of samples \(40 to 70\); evaluate uses the same N for all, at most 40/,
  );

  // the run folder: info, complete checkpoints, fixed-seed stand-ins
  const info = readRunInfo(out);
  assert.equal(info.model, "imported");
  assert.equal(info.status, "imported");
  assert.equal(info.dataset.hash, dataset.hash);
  assert.deepEqual(info.checkpointEpochs, [1, 10, 30]);
  assert.deepEqual(listCheckpointEpochs(out), [1, 10, 30]);
  assert.deepEqual(listSampleEpochs(out), [1, 10, 30]);
  assert.equal(readCheckpointMeta(out, 10).model, "imported");
  const paths = runPaths(out);
  assert.ok(existsSync(paths.samples(1).seed(IMPORT_SEED_COUNT - 1)));
  assert.ok(!existsSync(paths.samples(1).seed(IMPORT_SEED_COUNT)));
  assert.deepEqual(readPng(paths.samples(1).seed(5)).data, readPng(join(src, "epoch_001", "5.png")).data);

  // samples come back exactly: PNG and uint8 as bytes, floats as float32
  const png = readImportedSamples(out, 1);
  assert.equal(png.n, 70);
  assert.deepEqual(
    Uint8Array.from(png.data.subarray(0, h * w), (v) => Math.round(v * 255)),
    bytesOf(0),
  );
  const fromU8 = readImportedSamples(out, 10);
  assert.deepEqual(
    Uint8Array.from(fromU8.data, (v) => Math.round(v * 255)),
    u8,
  );
  assert.deepEqual(readImportedSamples(out, 30).data, f32);
  assert.equal(readFileSync(join(paths.checkpoint(10).dir, "samples.npy"))[0], 0x93);
});

test("step-numbered folders give step checkpoints", () => {
  const src = freshDir("steps");
  writePngs(join(src, "step-100"), 3);
  writePngs(join(src, "step-2000"), 3);
  const out = join(root, `run-${counter++}`);
  const result = importSamples(src, { data: SPEC, out });
  assert.deepEqual(
    result.checkpoints.map((c) => c.epoch),
    [100, 2000],
  );
  assert.equal(readRunInfo(out).config["checkpointUnit"], "step");
  assert.equal(readCheckpointMeta(out, 2000).step, 2000);
});

test("import errors name the folder or file, what was expected and what was found", () => {
  const out = () => join(root, `run-${counter++}`);
  const expectError = (src: string, kind: typeof InputError | typeof DatasetError, message: RegExp) => {
    const target = out();
    assert.throws(
      () => importSamples(src, { data: SPEC, out: target }),
      (e: unknown) => e instanceof kind && message.test((e as Error).message),
    );
    assert.ok(!existsSync(join(target, "run.json")), "nothing is written on error");
  };

  // no subfolders
  const flat = freshDir("flat");
  writeFileSync(join(flat, "0.png"), encodePng(bytesOf(0), w, h));
  expectError(
    flat,
    InputError,
    /expected one subfolder per checkpoint \(epoch_010\/, step-2000\/, \.\.\.\), found only files \(0\.png\)/,
  );
  expectError(freshDir("empty"), InputError, /found nothing$/);
  expectError(
    join(root, "missing"),
    InputError,
    /expected a folder of checkpoint subfolders, it does not exist/,
  );

  // unparseable, mixed and duplicate names
  const badName = freshDir("bad-name");
  writePngs(join(badName, "epoch_010"), 2);
  writePngs(join(badName, "final"), 2);
  expectError(badName, InputError, /final: cannot read a checkpoint number from the folder name "final"/);
  const mixed = freshDir("mixed-units");
  writePngs(join(mixed, "epoch_1"), 2);
  writePngs(join(mixed, "step-10"), 2);
  expectError(mixed, InputError, /mix steps \("step-10"\) and epochs \("epoch_1"\)/);
  const twice = freshDir("twice");
  writePngs(join(twice, "epoch_10"), 2);
  writePngs(join(twice, "epoch_010"), 2);
  expectError(twice, InputError, /folders "epoch_10" and "epoch_010" both name checkpoint 10/);

  // an empty checkpoint folder, and one with both kinds of file
  const emptyCkpt = freshDir("empty-ckpt");
  writePngs(join(emptyCkpt, "epoch_1"), 2);
  mkdirSync(join(emptyCkpt, "epoch_2"));
  expectError(
    emptyCkpt,
    DatasetError,
    /epoch_2: expected PNG files or one \.npy array of samples, the folder is empty/,
  );
  const both = freshDir("both");
  writePngs(join(both, "epoch_1"), 2);
  writeFileSync(join(both, "epoch_1", "x.npy"), encodeNpy(new Uint8Array(h * w), [1, h, w]));
  expectError(both, DatasetError, /holds both PNG files \(0\.png\) and a \.npy array \(x\.npy\)/);

  // mixed sizes: one PNG of another size
  const sizes = freshDir("sizes");
  writePngs(join(sizes, "epoch_010"), 3);
  writeFileSync(join(sizes, "epoch_010", "7.png"), encodePng(new Uint8Array(20 * 20), 20, 20));
  expectError(
    sizes,
    DatasetError,
    /^expected 16x16 PNGs \(the dataset's size\) in epoch_010\/, got 20x20 grayscale in epoch_010\/7\.png$/,
  );

  // wrong dtype, wrong shape, out-of-range floats
  const dtype = freshDir("dtype");
  mkdirSync(join(dtype, "epoch_1"));
  const i16 = encodeNpy(new Float64Array(2 * h * w), [2, h, w]);
  // rewrite the descr of a float64 array as int64 ('<i8'): same byte size, wrong dtype
  const text = Buffer.from(i16).toString("latin1").replace("<f8", "<i8");
  writeFileSync(join(dtype, "epoch_1", "s.npy"), Buffer.from(text, "latin1"));
  expectError(
    dtype,
    DatasetError,
    /s\.npy: expected dtype uint8 \(0-255\) or float32\/float64 \(0-1\), got int64/,
  );
  const shape = freshDir("shape");
  mkdirSync(join(shape, "epoch_1"));
  writeFileSync(join(shape, "epoch_1", "s.npy"), encodeNpy(new Uint8Array(2 * h * w * 3), [2, h, w, 3]));
  expectError(
    shape,
    DatasetError,
    /expected an image array of shape \[N, H, W\] or \[N, H, W, 1\], got \[2, 16, 16, 3\]/,
  );
  const range = freshDir("range");
  mkdirSync(join(range, "epoch_1"));
  writeFileSync(join(range, "epoch_1", "s.npy"), encodeNpy(new Float32Array(h * w).fill(-1), [1, h, w]));
  expectError(range, DatasetError, /expected float32 values in \[0, 1\], got -1 at image 0/);
  const npySize = freshDir("npy-size");
  mkdirSync(join(npySize, "epoch_1"));
  writeFileSync(join(npySize, "epoch_1", "s.npy"), encodeNpy(new Uint8Array(8 * 8), [1, 8, 8]));
  expectError(npySize, DatasetError, /s\.npy: expected 16x16 images \(the dataset's size\), got 8x8/);
});

test("import refuses a non-empty output folder", () => {
  const src = freshDir("ok");
  writePngs(join(src, "epoch_1"), 2);
  const out = freshDir("taken");
  writeFileSync(join(out, "notes.txt"), "mine");
  assert.throws(
    () => importSamples(src, { data: SPEC, out }),
    /already exists and is not empty; choose a new --out/,
  );
});

test("genreview import prints the checkpoints read, or JSON; bad input exits 2 with the message", async () => {
  const src = freshDir("cli");
  writePngs(join(src, "epoch_001"), 4);
  writePngs(join(src, "epoch_005"), 4, 4);
  const out = join(root, `run-${counter++}`);
  const text = capture();
  assert.equal(await main(["node", "genreview", "import", src, "--data", SPEC, "--out", out], text.io), 0);
  assert.equal(
    text.out.join("\n"),
    [
      `imported 2 checkpoints into ${out} (numbered by epoch)`,
      "  epoch=001 epoch_001/ 4 samples (png)",
      "  epoch=005 epoch_005/ 4 samples (png)",
      `dataset: ${dataset.id}`,
      `next: genreview evaluate ${out}`,
    ].join("\n"),
  );

  const json = capture();
  const out2 = join(root, `run-${counter++}`);
  assert.equal(
    await main(["node", "genreview", "import", src, "--data", SPEC, "--out", out2, "--json"], json.io),
    0,
  );
  const parsed = JSON.parse(json.out.join("\n")) as {
    checkpoints: { epoch: number; n: number }[];
    unit: string;
  };
  assert.deepEqual(
    parsed.checkpoints.map((c) => [c.epoch, c.n]),
    [
      [1, 4],
      [5, 4],
    ],
  );
  assert.equal(parsed.unit, "epoch");

  const bad = capture();
  const out3 = join(root, `run-${counter++}`);
  assert.equal(
    await main(["node", "genreview", "import", join(root, "nope"), "--data", SPEC, "--out", out3], bad.io),
    2,
  );
  assert.match(
    bad.err.join("\n"),
    /^genreview: .*nope: expected a folder of checkpoint subfolders, it does not exist$/,
  );
  const help = capture();
  assert.equal(await main(["node", "genreview", "import", "--help"], help.io), 0);
  for (const option of ["--data <dataset>", "--out <run>", "--json"])
    assert.ok(help.out.join("\n").includes(option));
});
