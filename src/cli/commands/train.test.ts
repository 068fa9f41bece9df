// `genreview train` and `genreview sample` through main(): help that names every option, a run and its
// JSON summary, refusals with exit status 2, samples as PNG files or .npy, and a real process killed
// with SIGKILL mid-run that --resume finishes with the bytes of an uninterrupted run.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { readPng } from "../../image/png.ts";
import { readRunInfo } from "../../run/io.ts";
import { runPaths } from "../../run/layout.ts";
import { readNpy } from "../../util/npy.ts";
import type { Io } from "../io.ts";
import { main } from "../main.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-train-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BIN = fileURLToPath(new URL("../../../bin/genreview.js", import.meta.url));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), interactive: false };
  const code = await main(["node", "genreview", ...args], io);
  return { code, out: out.join(""), err: err.join("\n") };
}

/** A tiny VAE run: 16x16 shapes, 4/8 channels, 8 fixed samples. */
const TINY = [
  "--model",
  "vae",
  "--batch-size",
  "16",
  "--samples",
  "8",
  "--set",
  "channels=4,8",
  "--threads",
  "1",
];

test("train --help and sample --help describe every option and the defaults", async () => {
  const train = await run("train", "--help");
  assert.equal(train.code, 0);
  for (const flag of [
    "--model",
    "--data",
    "--out",
    "--epochs",
    "--checkpoints",
    "--every",
    "--seed",
    "--resume",
  ])
    assert.ok(train.out.includes(flag), flag);
  for (const flag of [
    "--batch-size",
    "--lr",
    "--train-size",
    "--samples",
    "--set",
    "--preset",
    "--quiet",
    "--json",
  ])
    assert.ok(train.out.includes(flag), flag);
  assert.match(
    train.out,
    /diffusion +--epochs \d+ \(demo \d+\) --batch-size \d+ --lr [\d.]+ --train-size \d+ \(demo \d+\)/,
  );
  assert.match(train.out, /--set .*klWeight=1/);
  const sample = await run("sample", "--help");
  for (const flag of ["--epoch", "--n", "--seed", "--out", "--grid", "--ddim-steps", "--json"])
    assert.ok(sample.out.includes(flag), flag);
});

test("train writes a run and prints its summary; sample writes PNG files, a grid or one .npy", async () => {
  const out = join(root, "run");
  const data = "shapes:size=16,train=64,test=16";
  const r = await run(
    "train",
    ...TINY,
    "--data",
    data,
    "--epochs",
    "2",
    "--checkpoints",
    "1",
    "--out",
    out,
    "--json",
  );
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out) as { steps: number; checkpoints: number[]; status: string };
  assert.deepEqual([summary.steps, summary.checkpoints, summary.status], [8, [0, 1, 2], "complete"]);
  assert.match(r.err, /training vae on shapes:size=16,train=64,test=16,seed=0: epochs 1-2 of 4 steps/);

  const text = await run("train", "--out", out, "--resume", "--epochs", "3", "--quiet");
  assert.equal(text.code, 0, text.err);
  assert.equal(text.err, "");
  assert.match(text.out, /trained vae on .* to epoch 3 \(12 steps of 16 images\) .* resumed from epoch 2/);

  const pngs = join(root, "pngs");
  const s = await run(
    "sample",
    out,
    "--epoch",
    "1",
    "--n",
    "3",
    "--seed",
    "5",
    "--out",
    pngs,
    "--grid",
    join(root, "g.png"),
  );
  assert.equal(s.code, 0, s.err);
  assert.deepEqual(readdirSync(pngs), ["sample-0000.png", "sample-0001.png", "sample-0002.png"]);
  assert.deepEqual(
    [readPng(join(root, "g.png")).w, readPng(join(pngs, "sample-0000.png")).w],
    [3 * 18 + 2, 16],
  );
  const npyPath = join(root, "s.npy");
  const n = await run("sample", out, "--n", "4", "--out", npyPath, "--json");
  assert.equal((JSON.parse(n.out) as { epoch: number }).epoch, 3);
  const array = readNpy(npyPath);
  assert.deepEqual([array.dtype, array.shape], ["float32", [4, 16, 16]]);
  const again = await run("sample", out, "--epoch", "1", "--n", "3", "--seed", "5", "--out", pngs);
  assert.equal(again.code, 2);
  assert.match(again.err, /exists and is not an empty folder/);
});

test("bad input exits with status 2 and a message naming the problem", async () => {
  const data = ["--data", "shapes:size=16,train=32,test=8"];
  const unknown = await run("train", "--model", "flow", "--out", join(root, "u"));
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /argument 'flow' is invalid. Allowed choices are vae, gan, diffusion/);
  const list = await run("train", ...TINY, ...data, "--checkpoints", "1,x", "--out", join(root, "c"));
  assert.equal(list.code, 2);
  assert.match(list.err, /--checkpoints expects comma-separated epoch numbers/);
  const beyond = await run(
    "train",
    ...TINY,
    ...data,
    "--epochs",
    "2",
    "--checkpoints",
    "1,5",
    "--out",
    join(root, "b"),
  );
  assert.equal(beyond.code, 2);
  assert.match(beyond.err, /genreview: --checkpoints: epoch 5 is beyond --epochs 2/);
  const foreign = join(root, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, "keep.txt"), "mine");
  const refused = await run("train", ...TINY, ...data, "--out", foreign);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /is not a genreview run folder .* refusing to write into it/);
  assert.deepEqual(readdirSync(foreign), ["keep.txt"]);
  for (const out of ["u", "c", "b"]) assert.equal(existsSync(join(root, out)), false);
  const missing = await run("sample", join(root, "none"), "--out", join(root, "x.npy"));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /not a genreview run folder/);
});

test("a training process killed with SIGKILL loses nothing written; --resume ends byte-identical", async () => {
  // 512 images in batches of 16: 32 steps per epoch, long enough for the kill to land inside a run.
  const args = [...TINY, "--data", "shapes:size=16,train=512,test=16", "--epochs", "6", "--every", "1"];
  const straight = join(root, "straight");
  assert.equal((await run("train", ...args, "--out", straight, "--quiet")).code, 0);

  const killed = join(root, "killed");
  const child = spawn(process.execPath, [BIN, "train", ...args, "--out", killed, "--quiet"], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!existsSync(runPaths(killed).checkpoint(1).meta) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  child.kill("SIGKILL");
  await exited;
  assert.notEqual(readRunInfo(killed).status, "complete", "the process was killed before it finished");

  const resumed = await run("train", "--out", killed, "--resume", "--quiet");
  assert.equal(resumed.code, 0, resumed.err);
  for (const epoch of [1, 3, 6]) {
    const a = readFileSync(runPaths(straight).checkpoint(epoch).weights);
    const b = readFileSync(runPaths(killed).checkpoint(epoch).weights);
    assert.ok(a.equals(b), `epoch ${epoch} weights differ`);
    const grid = (dir: string) => readFileSync(runPaths(dir).samples(epoch).grid);
    assert.ok(grid(straight).equals(grid(killed)), `epoch ${epoch} grid differs`);
  }
});
