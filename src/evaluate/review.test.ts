// `review RUN` on a run folder whose evaluation.json carries the scores of the README's example table
// (epochs 1, 10, 30, 60), so that the printed table can be checked line by line against the table-file
// form. The flags, notes and next action come from the review code under test.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Io } from "../cli/io.ts";
import { main } from "../cli/main.ts";
import { defaultRule } from "../review/rule.ts";
import { writeEvaluation, writeNotes, writeRunInfo } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { CheckpointEvaluation, Evaluation, Flag, RunInfo } from "../run/schema.ts";
import { emptyNotes } from "../run/schema.ts";
import { writeJsonAtomic } from "../util/atomic.ts";
import { draftNotes } from "./notes.ts";
import { buildSelection, reviewRun, ruleScore } from "./review.ts";
import { readSelection, SelectionFileSchema } from "./selection.ts";

const dir = mkdtempSync(join(tmpdir(), "genreview-review-run-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const INFO: RunInfo = {
  format: "genreview-run/1",
  tool: { name: "genreview", version: "0.1.0" },
  createdAt: "2026-01-01T00:00:00.000Z",
  model: "gan",
  config: {
    model: "gan",
    data: "shapes",
    epochs: 60,
    batchSize: 64,
    lr: 0.0002,
    trainSize: 2048,
    modelConfig: { latentDim: 32, labelSmoothing: 0.9, r1Gamma: 0 },
  },
  dataset: {
    spec: "shapes:size=28,train=10000,test=2000,seed=0",
    id: "shapes",
    hash: "abc",
    classes: null,
    height: 28,
    width: 28,
  },
  seed: 7,
  checkpointEpochs: [1, 10, 30, 60],
  status: "complete",
};

const blur: Flag = {
  kind: "blur",
  severity: "warning",
  evidence: "62% of samples have a Laplacian variance below the real 5th percentile 0.011; real images: 5%",
  values: { "blur/share_below_p5": 0.62 },
};
const noise: Flag = {
  kind: "noise",
  severity: "fail",
  evidence: "81% of samples have more high-frequency energy than the real 95th percentile",
  values: { "noise/share_above_p95": 0.81 },
};

function checkpoint(
  epoch: number,
  q: number,
  d: number,
  flags: Flag[],
  previous?: CheckpointEvaluation,
): CheckpointEvaluation {
  const partial = {
    epoch,
    n: 64,
    metrics: {
      precision: q,
      recall: d,
      "fixed_seed/n": 64,
      "fixed_seed/near_duplicate_pairs": epoch === 60 ? 3 : 0,
    },
    scores: {
      quality: { value: q, low: q - 0.03, high: q + 0.03 },
      diversity: { value: d, low: d - 0.03, high: d + 0.03 },
    },
    flags,
    failures: [],
  };
  return { ...partial, notes: draftNotes(partial, previous) };
}

function evaluation(): Evaluation {
  const c1 = checkpoint(1, 0.2, 0.8, [noise]);
  const c10 = checkpoint(10, 0.45, 0.72, [blur], c1);
  const c30 = checkpoint(30, 0.68, 0.6, [], c10);
  const c60 = checkpoint(60, 0.75, 0.48, [], c30);
  return {
    format: "genreview-evaluation/1",
    createdAt: "2026-01-02T00:00:00.000Z",
    toolVersion: "0.1.0",
    dataset: { id: "shapes", hash: "abc" },
    extractor: { id: "pixel-raw", kind: "pixel", trainHash: "abc", preprocessing: "raw", dimensions: 784 },
    n: 64,
    seed: 0,
    baseline: { precision: 0.74 },
    checkpoints: [c1, c10, c30, c60],
    runFlags: [],
    warnings: [],
  };
}

function makeRun(name: string): string {
  const run = join(dir, name);
  writeRunInfo(run, INFO);
  writeEvaluation(run, evaluation());
  return run;
}

async function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false };
  const status = await main(["node", "genreview", ...args], io);
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

test("review RUN prints the six-line table, then the flags per checkpoint, then the next action", async () => {
  const run = makeRun("plain");
  const { status, stdout } = await cli("review", run);
  assert.equal(status, 0);
  const [table, flags, next] = stdout.split("\n\n");
  assert.equal(
    table,
    [
      "generation_review",
      "epoch=001 quality=0.20 diversity=0.80 status=review",
      "epoch=010 quality=0.45 diversity=0.72 status=review",
      "epoch=030 quality=0.68 diversity=0.60 status=candidate",
      "epoch=060 quality=0.75 diversity=0.48 status=review",
      "selected_epoch: 30",
    ].join("\n"),
  );
  assert.equal(
    flags,
    [
      `flags epoch=001: noise(fail) — ${noise.evidence}`,
      `flags epoch=010: blur(warning) — ${blur.evidence}`,
      "flags epoch=030: none",
      "flags epoch=060: mode_collapse(fail) — diversity 0.48 is under the rule's floor 0.55 while quality 0.75 " +
        `meets the minimum 0.60 (rule ${buildSelectionHash()}): repeated outputs`,
    ].join("\n"),
  );
  // the collapse at the latest epoch leads: a GAN gets the discriminator-side change with its command
  const nextLines = next!.split("\n");
  assert.equal(
    nextLines[0],
    "next_action: objective — stabilise the discriminator: a lower learning rate and an R1 penalty",
  );
  assert.match(
    nextLines[1]!,
    /^ {2}why: epoch 60: mode_collapse\(fail\) — diversity 0\.48 is under the rule's floor/,
  );
  assert.ok(
    nextLines.includes(
      "  command: genreview train --model gan --data shapes:size=28,train=10000,test=2000,seed=0 --epochs 60 " +
        `--batch-size 64 --train-size 2048 --lr 0.0001 --set r1Gamma=10 --seed 7 --out ${run}-r1`,
    ),
    next,
  );
});

function buildSelectionHash(): string {
  return reviewRunHash;
}
const reviewRunHash = buildSelection({
  evaluation: evaluation(),
  notes: emptyNotes(),
  info: INFO,
  run: "x",
  rule: defaultRule(),
  ruleSource: { kind: "default", path: null, overrides: {} },
  now: "2026-01-03T00:00:00.000Z",
}).ruleHash;

test("review RUN writes review/selection.json; --json prints the same object", async () => {
  const run = makeRun("json");
  const { status, stdout } = await cli("review", run, "--json");
  assert.equal(status, 0);
  const printed = SelectionFileSchema.parse(JSON.parse(stdout));
  const written = readSelection(run);
  assert.ok(written !== undefined);
  assert.deepEqual({ ...printed, createdAt: "" }, { ...written, createdAt: "" });
  assert.equal(printed.selection.epoch, 30);
  assert.equal(printed.ruleSource.kind, "default");
  assert.equal(printed.evaluation.createdAt, "2026-01-02T00:00:00.000Z");
  assert.deepEqual(
    printed.checkpoints.map((c) => c.flags.map((f) => f.kind)),
    [["noise"], ["blur"], [], ["mode_collapse"]],
  );
  assert.equal(printed.rows[2]!.note, printed.checkpoints[2]!.notes.quality.text);
});

test("drafted notes say what moved since the previous checkpoint; the user's notes win field by field", async () => {
  const run = makeRun("notes");
  const drafted = reviewRun(run, { write: false });
  const c60 = drafted.checkpoints[3]!;
  assert.equal(
    c60.notes.quality.text,
    "quality 0.75 [0.72, 0.78]; 0.68 → 0.75 since epoch 30; precision 0.75",
  );
  assert.equal(
    c60.notes.diversity.text,
    "diversity 0.48 [0.45, 0.51]; 0.60 → 0.48 since epoch 30; recall 0.48; 3 near-duplicate pairs among the 64 fixed-seed samples",
  );
  assert.equal(drafted.checkpoints[0]!.notes.failure.text, `noise(fail): ${noise.evidence}`);
  assert.equal(
    drafted.checkpoints[1]!.notes.failure.text,
    "blur(warning): 62% of samples have a Laplacian variance below the real 5th percentile 0.011",
  );
  assert.equal(drafted.checkpoints[2]!.notes.failure.text, "no flags");

  writeNotes(run, {
    ...emptyNotes(),
    checkpoints: {
      "30": { quality: "crisp shapes, a few broken stars" },
      "45": { failure: "not evaluated" },
    },
    failureMarks: [{ epoch: 30, seed: 12, marked: true, note: "star with a gap" }],
  });
  const { stdout } = await cli("review", run, "--explain");
  assert.match(stdout, /\n {2}note: crisp shapes, a few broken stars\n/);
  assert.match(stdout, /\n {2}epoch 30 quality \(yours\): crisp shapes, a few broken stars\n/);
  assert.match(
    stdout,
    /\n {2}epoch 30 diversity: diversity 0\.60 \[0\.57, 0\.63\]; 0\.72 → 0\.60 since epoch 10/,
  );
  assert.match(
    stdout,
    /\nwarning: review\/notes\.json has notes for epoch 45, which review\/evaluation\.json does not hold$/,
  );
  const written = readSelection(run)!;
  const c30 = written.checkpoints[2]!;
  assert.deepEqual(c30.notes.quality, { text: "crisp shapes, a few broken stars", source: "user" });
  assert.equal(c30.notes.diversity.source, "drafted");
  assert.deepEqual(c30.failures, [
    {
      kind: "user_marked",
      image: "samples/epoch-0030/seed-012.png",
      index: 12,
      seed: 12,
      note: "star with a gap",
    },
  ]);
});

test("the rule of review/notes.json applies, --rule and flags override it, and the source is recorded", async () => {
  const run = makeRun("rule");
  writeNotes(run, { ...emptyNotes(), rule: { selection: { diversityFloor: 0.45 } } });
  const notesRule = JSON.parse((await cli("review", run, "--json")).stdout) as {
    selection: { epoch: number };
    ruleSource: { kind: string };
  };
  assert.equal(notesRule.selection.epoch, 60);
  assert.equal(notesRule.ruleSource.kind, "notes");
  const flagged = JSON.parse((await cli("review", run, "--json", "--floor", "0.7")).stdout) as {
    selection: { epoch: number };
    ruleSource: { overrides: Record<string, number> };
  };
  assert.equal(flagged.selection.epoch, 10);
  assert.deepEqual(flagged.ruleSource.overrides, { diversityFloor: 0.7 });

  writeNotes(run, { ...emptyNotes(), rule: { selection: { diversityFloor: 2 } } });
  const bad = await cli("review", run);
  assert.equal(bad.status, 2);
  assert.match(
    bad.stderr,
    /^genreview: review\/notes\.json \(field 'rule'\): field 'selection\.diversityFloor' must be a number in \[0, 1\], got 2$/,
  );
});

test("no selection exits 1; an unevaluated run is refused with the command to run", async () => {
  const run = makeRun("none");
  const { status, stdout } = await cli("review", run, "--floor", "0.9");
  assert.equal(status, 1);
  assert.match(
    stdout,
    /\nselected_epoch: none\nreason: no checkpoint has diversity >= 0\.90 \(the floor\); the highest is 0\.80 at epoch 1\n/,
  );
  assert.match(stdout, /\nnext_action: /);

  const bare = join(dir, "bare");
  writeRunInfo(bare, INFO);
  const refused = await cli("review", bare);
  assert.equal(refused.status, 2);
  assert.match(
    refused.stderr,
    /not evaluated yet \(expected .*review\/evaluation\.json; the run has 0 checkpoints\); run genreview evaluate .*bare first$/,
  );
  const notRun = await cli("review", dir);
  assert.equal(notRun.status, 2);
  assert.match(notRun.stderr, /not a genreview run folder \(expected .*run\.json\)/);
});

test("Markdown review of a run adds the flags table and the next action", async () => {
  const run = makeRun("markdown");
  const { stdout } = await cli("review", run, "--format", "markdown");
  assert.ok(stdout.startsWith("## Checkpoint review\n"));
  assert.match(stdout, /\n### Flags\n\n\| Epoch \| Flag \| Severity \| Evidence \|\n/);
  assert.match(stdout, /\n\| 60 \| mode_collapse \| fail \| diversity 0\.48 is under the rule's floor/);
  assert.match(stdout, /\n### Next action\n\n\*\*objective: stabilise the discriminator/);
  assert.equal(ruleScore(0.6849), 0.68);
});

test("checkpoints written after the evaluation are named with the command that adds them", () => {
  const run = makeRun("later");
  for (const epoch of [1, 10, 30, 60, 90])
    writeJsonAtomic(runPaths(run).checkpoint(epoch).meta, {
      epoch,
      step: epoch * 10,
      model: "gan",
      seedSetId: "s",
      toolVersion: "0.1.0",
      createdAt: INFO.createdAt,
      files: {},
    });
  const selection = reviewRun(run, { write: false });
  assert.ok(
    selection.warnings.includes(`checkpoint 90 is not evaluated yet: genreview evaluate ${run} --epochs 90`),
    selection.warnings.join("\n"),
  );
});
