import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { writeJsonAtomic } from "../util/atomic.ts";
import { CheckpointError } from "../util/errors.ts";
import {
  appendMetrics,
  listCheckpointEpochs,
  readMetrics,
  readNotes,
  readRunInfo,
  writeNotes,
  writeRunInfo,
} from "./io.ts";
import { epochDirName, parseEpochDirName, runPaths } from "./layout.ts";
import type { RunInfo } from "./schema.ts";

const info: RunInfo = {
  format: "genreview-run/1",
  tool: { name: "genreview", version: "0.1.0" },
  createdAt: "2026-01-01T00:00:00.000Z",
  model: "vae",
  config: { epochs: 3 },
  dataset: { spec: "shapes", id: "shapes:size=28", hash: "ab", classes: ["circle"], height: 28, width: 28 },
  seed: 0,
  checkpointEpochs: [0, 1, 3],
  status: "training",
};

test("epoch folder names round trip", () => {
  assert.equal(epochDirName(10), "epoch-0010");
  assert.equal(epochDirName(12345), "epoch-12345");
  assert.equal(parseEpochDirName("epoch-0010"), 10);
  assert.equal(parseEpochDirName("epoch_10"), undefined);
});

test("run info round trip; a malformed run.json names the file and field", () => {
  const run = mkdtempSync(join(tmpdir(), "run-"));
  writeRunInfo(run, info);
  assert.deepEqual(readRunInfo(run), info);
  writeJsonAtomic(runPaths(run).runJson, { ...info, seed: "x" });
  assert.throws(
    () => readRunInfo(run),
    (e: unknown) => e instanceof CheckpointError && /run\.json.*'seed'/.test(e.message),
  );
  assert.throws(() => readRunInfo(join(run, "nope")), /not a genreview run folder/);
});

test("metrics log appends and skips a partial last line", () => {
  const run = mkdtempSync(join(tmpdir(), "run-"));
  appendMetrics(run, [
    { step: 1, epoch: 0.5, time: 0.1, key: "loss/total", value: 3 },
    { step: 2, epoch: 1, time: 0.2, key: "loss/total", value: 2 },
  ]);
  appendFileSync(runPaths(run).metrics, '{"step": 3, "epo');
  const read = readMetrics(run);
  assert.equal(read.records.length, 2);
  assert.deepEqual(read.skippedLines, [3]);
});

test("only checkpoints with meta.json are listed; notes default to empty and round trip", () => {
  const run = mkdtempSync(join(tmpdir(), "run-"));
  for (const epoch of [10, 1]) {
    mkdirSync(runPaths(run).checkpoint(epoch).dir, { recursive: true });
    writeFileSync(runPaths(run).checkpoint(epoch).meta, "{}");
  }
  mkdirSync(runPaths(run).checkpoint(20).dir, { recursive: true });
  assert.deepEqual(listCheckpointEpochs(run), [1, 10]);
  assert.deepEqual(readNotes(run).checkpoints, {});
  writeNotes(run, {
    format: "genreview-notes/1",
    checkpoints: { "10": { quality: "sharp" } },
    failureMarks: [],
  });
  assert.equal(readNotes(run).checkpoints["10"]?.quality, "sharp");
});
