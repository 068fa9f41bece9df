// End-to-end evaluation of small runs built without training: imported runs made from dataset images.
// A failing run holds one checkpoint per failure (uniform noise, Gaussian blur, one image repeated with
// tiny noise, copies of training images) around a healthy one, and a metrics.jsonl with a loss spike;
// a healthy run holds unseen images of the data's own distribution only. Each flag must be raised where it was built in and
// nowhere on the healthy run. Small N and few bootstrap resamples keep it to seconds per checkpoint;
// the classifier features are trained once into a temporary cache shared by the tests of this file.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { formatSummary } from "../cli/commands/evaluate.ts";
import type { Io } from "../cli/io.ts";
import { main } from "../cli/main.ts";
import { selectImages } from "../data/dataset.ts";
import { loadDataset } from "../data/load.ts";
import { writeImportedRun } from "../import/import.ts";
import { appendMetrics, readEvaluation } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { CheckpointEvaluation, Evaluation, MetricRecord } from "../run/schema.ts";
import { EvaluationSchema } from "../run/schema.ts";
import { drawImages, gaussianBlur, jitter, uniformNoise } from "../scores/index.ts";
import { trainRun } from "../train/index.ts";
import { Rng } from "../util/rng.ts";
import { type EvaluateResult, evaluateRun } from "./evaluate.ts";
import { FIXED_SEED_KEYS } from "./notes.ts";
import { readSelection } from "./selection.ts";
import { samplerSource } from "./sources.ts";

const SPEC = "shapes:size=16,train=800,test=400,seed=2";
const N = 100;
const BOOTSTRAP = 20;
const dataset = loadDataset(SPEC);
/**
 * "Healthy" samples: fresh draws of the same generator with another seed, so that they follow the data's
 * distribution without coinciding with the TEST images the scores use as their baseline (a generated
 * sample that is exactly a baseline image would be an artefact of the test, not a healthy sample).
 */
const fresh = loadDataset("shapes:size=16,train=1,test=400,seed=77").test;
const { h, w } = dataset.train.images;
const dir = mkdtempSync(join(tmpdir(), "genreview-evaluate-"));
const cacheRoot = join(dir, "cache");
after(() => rmSync(dir, { recursive: true, force: true }));

/** A falling, noisy loss over 400 steps (20 per epoch); `spikeAt` plants one jump. */
function lossLog(spikeAt?: number): MetricRecord[] {
  const rng = new Rng(9);
  return Array.from({ length: 400 }, (_, step) => ({
    step,
    epoch: step / 20,
    time: step * 0.05,
    key: "loss/total",
    value: step === spikeAt ? 9 : 0.6 + Math.exp(-step / 60) + 0.02 * rng.normal(),
  }));
}

const flagKinds = (c: CheckpointEvaluation | undefined) => (c?.flags ?? []).map((f) => f.kind).sort();

describe("evaluate on a constructed failing run and a healthy one", () => {
  let failing: EvaluateResult;
  let healthy: EvaluateResult;
  const failingRun = join(dir, "failing");
  const healthyRun = join(dir, "healthy");

  before(async () => {
    // failing: noise, blur, healthy, collapsed, copies of TRAIN images
    const one = selectImages(fresh, new Array<number>(N).fill(3)).images;
    writeImportedRun(failingRun, dataset, {
      source: "constructed",
      unit: "epoch",
      checkpoints: [
        { epoch: 1, folder: "noise", format: "npy", images: uniformNoise(N, h, w, 1) },
        {
          epoch: 2,
          folder: "blur",
          format: "npy",
          images: gaussianBlur(drawImages(dataset.test, N, 2), 1.5),
        },
        { epoch: 3, folder: "healthy", format: "npy", images: drawImages(dataset.test, N, 3) },
        { epoch: 4, folder: "collapsed", format: "npy", images: jitter(one, 0.01, 4) },
        { epoch: 5, folder: "copies", format: "npy", images: drawImages(dataset.train, N, 5) },
      ],
    });
    appendMetrics(failingRun, lossLog(250));
    failing = await evaluateRun(failingRun, { features: "classifier", cacheRoot, bootstrap: BOOTSTRAP });

    // healthy: held-out test images at every checkpoint, a smoothly falling loss
    writeImportedRun(healthyRun, dataset, {
      source: "constructed",
      unit: "epoch",
      checkpoints: [10, 20, 30].map((epoch) => ({
        epoch,
        folder: `epoch_${epoch}`,
        format: "npy" as const,
        images: drawImages(fresh, N, epoch),
      })),
    });
    appendMetrics(healthyRun, lossLog());
    healthy = await evaluateRun(healthyRun, { features: "classifier", cacheRoot, bootstrap: BOOTSTRAP });
  });

  const at = (result: EvaluateResult, epoch: number) =>
    result.evaluation.checkpoints.find((c) => c.epoch === epoch);

  test("each built-in failure raises its flag, with evidence naming the numbers", () => {
    assert.ok(flagKinds(at(failing, 1)).includes("noise"), JSON.stringify(at(failing, 1)?.flags));
    assert.ok(flagKinds(at(failing, 2)).includes("blur"), JSON.stringify(at(failing, 2)?.flags));
    assert.ok(flagKinds(at(failing, 4)).includes("mode_collapse"), JSON.stringify(at(failing, 4)?.flags));
    assert.ok(flagKinds(at(failing, 5)).includes("memorization"), JSON.stringify(at(failing, 5)?.flags));
    const spike = failing.evaluation.runFlags.find(
      (f) => f.kind === "instability" && "loss_spike/step" in f.values,
    );
    assert.ok(spike !== undefined, JSON.stringify(failing.evaluation.runFlags));
    assert.equal(spike.values["loss_spike/step"], 250);
    assert.match(spike.evidence, /^loss\/total jumped to 9 at step 250 \(epoch 12\.5\)/);
    for (const c of failing.evaluation.checkpoints)
      for (const f of c.flags) assert.match(f.evidence, /\d/, `${f.kind} evidence has numbers`);
  });

  test("the healthy checkpoint of the failing run, and the whole healthy run, raise no flag", () => {
    assert.deepEqual(flagKinds(at(failing, 3)), []);
    for (const c of healthy.evaluation.checkpoints) assert.deepEqual(flagKinds(c), [], `epoch ${c.epoch}`);
    assert.deepEqual(healthy.evaluation.runFlags, []);
    for (const c of healthy.evaluation.checkpoints) {
      assert.ok(c.scores.quality.value >= 0.8, `healthy quality ${c.scores.quality.value}`);
      assert.ok(c.scores.diversity.value >= 0.8, `healthy diversity ${c.scores.diversity.value}`);
    }
  });

  test("failure samples: least realistic, duplicate groups, nearest-train strips, average; files exist", () => {
    const copies = at(failing, 5)!;
    const nearest = copies.failures.filter((f) => f.kind === "nearest_train");
    assert.ok(nearest.length > 0);
    for (const f of nearest) {
      assert.equal(f.value, 0, "copies sit at distance 0 from their training image");
      assert.ok(f.trainImage !== undefined && existsSync(join(failingRun, f.trainImage)));
    }
    const collapsed = at(failing, 4)!;
    assert.ok(collapsed.failures.some((f) => f.kind === "near_duplicate" && f.group === 0));
    for (const c of failing.evaluation.checkpoints) {
      const kinds = new Set(c.failures.map((f) => f.kind));
      for (const kind of ["least_realistic", "nearest_train", "average"] as const)
        assert.ok(kinds.has(kind), `${c.epoch} ${kind}`);
      for (const f of c.failures) assert.ok(existsSync(join(failingRun, f.image)), f.image);
    }
    // the first 64 imported samples are the fixed seeds: kept samples among them carry their seed
    const seeded = failing.evaluation.checkpoints
      .flatMap((c) => c.failures)
      .filter((f) => f.seed !== undefined);
    assert.ok(seeded.every((f) => f.seed === f.index && f.index < 64));
  });

  test("near-duplicate pairs among the 64 fixed-seed samples: many when collapsed, few when healthy", () => {
    const collapsed = at(failing, 4)!.metrics;
    assert.equal(collapsed[FIXED_SEED_KEYS.n], 64);
    assert.ok((collapsed[FIXED_SEED_KEYS.pairs] ?? 0) > 1000, `${collapsed[FIXED_SEED_KEYS.pairs]}`);
    for (const c of healthy.evaluation.checkpoints) assert.ok((c.metrics[FIXED_SEED_KEYS.pairs] ?? 0) <= 2);
    assert.match(at(failing, 4)!.notes.diversity, /\d+ near-duplicate pairs among the 64 fixed-seed samples/);
  });

  test("evaluation.json and selection.json are written and valid; N is the same for every checkpoint", () => {
    const stored = readEvaluation(failingRun);
    assert.ok(stored !== undefined);
    assert.deepEqual(EvaluationSchema.parse(JSON.parse(JSON.stringify(stored))), stored);
    assert.equal(stored.n, N);
    assert.ok(stored.checkpoints.every((c) => c.n === N));
    assert.equal(stored.extractor.kind, "classifier");
    assert.equal(typeof stored.baseline["precision"], "number");
    assert.match(
      failing.messages.join("\n"),
      /N = 100 samples per checkpoint: the smallest imported checkpoint's count/,
    );
    const selection = readSelection(failingRun);
    assert.ok(selection !== undefined && failing.selection !== null);
    assert.equal(selection.selection.epoch, failing.selection.selection.epoch);
    assert.equal(selection.evaluation.createdAt, stored.createdAt);
    // the healthy run settles: keep the selected checkpoint
    const trigger = healthy.selection!.nextAction.trigger;
    assert.ok(["healthy", "plateau", "improving"].includes(trigger), `next action trigger ${trigger}`);
  });

  test("--epochs re-measures those checkpoints and keeps the others of a compatible evaluation", async () => {
    const before = readEvaluation(healthyRun) as Evaluation;
    const again = await evaluateRun(healthyRun, {
      features: "classifier",
      cacheRoot,
      bootstrap: BOOTSTRAP,
      epochs: [20],
    });
    assert.deepEqual(
      again.evaluation.checkpoints.map((c) => c.epoch),
      [10, 20, 30],
    );
    assert.match(again.messages.join("\n"), /kept the earlier results of epochs 10, 30/);
    // same seed, same samples: bit-identical measurements
    assert.deepEqual(again.evaluation.checkpoints[1]!.scores, before.checkpoints[1]!.scores);
    assert.deepEqual(again.evaluation.checkpoints[1]!.metrics, before.checkpoints[1]!.metrics);
    await assert.rejects(
      evaluateRun(healthyRun, { features: "classifier", cacheRoot, epochs: [15] }),
      /--epochs 15: epoch 15 has no complete checkpoint in .* \(checkpoints: 10, 20, 30\)/,
    );
  });

  test("genreview evaluate prints a summary (one line per checkpoint, the files written), --json the evaluation; review RUN follows", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false };
    const saved = process.env["GENREVIEW_CACHE"];
    process.env["GENREVIEW_CACHE"] = cacheRoot;
    const args = [
      "node",
      "genreview",
      "evaluate",
      healthyRun,
      "--features",
      "classifier",
      "--epochs",
      "10",
      "--json",
    ];
    // the text summary, then the same with --json
    const text: string[] = [];
    const textIo: Io = { out: (t) => text.push(t), err: (t) => err.push(t), interactive: false };
    let statuses: number[];
    try {
      statuses = [await main(args.slice(0, -1), textIo), await main(args, io)];
    } finally {
      if (saved === undefined) delete process.env["GENREVIEW_CACHE"];
      else process.env["GENREVIEW_CACHE"] = saved;
    }
    assert.deepEqual(statuses, [0, 0], err.join("\n"));
    const paths = runPaths(healthyRun);
    assert.ok(
      text.join("\n").includes(`\nwritten: ${paths.evaluation}, ${paths.selection}, ${paths.failuresDir}/\n`),
      `the summary names every file evaluate writes:\n${text.join("\n")}`,
    );
    const printed = EvaluationSchema.parse(JSON.parse(out.join("\n")));
    assert.deepEqual(printed, readEvaluation(healthyRun));

    const lines = formatSummary(healthyRun, printed, ["a note"], true).split("\n");
    assert.match(
      lines[0]!,
      /^evaluated 3 checkpoints of .*healthy: N = 100 samples each, seed 0, features classifier-\w+ \(\d+-D, test accuracy 0\.\d+\)$/,
    );
    assert.equal(lines[1], "note: a note");
    assert.match(
      lines[2]!,
      /^epoch=010 quality=\d\.\d\d \[\d\.\d\d, \d\.\d\d\] diversity=\d\.\d\d \[\d\.\d\d, \d\.\d\d\] flags=none$/,
    );
    assert.equal(
      lines.at(-2),
      `written: ${paths.evaluation}, ${paths.selection}, ${paths.failuresDir}/`,
      "every file evaluate writes",
    );
    assert.equal(lines.at(-1), `next: genreview review ${healthyRun} --explain`);
    // without a selection (an invalid rule in notes.json), the line does not claim one
    assert.equal(
      formatSummary(healthyRun, printed, [], false).split("\n").at(-2),
      `written: ${paths.evaluation}, ${paths.failuresDir}/`,
    );
    const review: string[] = [];
    const reviewIo: Io = { out: (t) => review.push(t), err: () => {}, interactive: false };
    assert.equal(await main(["node", "genreview", "review", healthyRun], reviewIo), 0);
    assert.match(review.join("\n"), /^generation_review\nepoch=010 quality=/);
    assert.match(
      review.join("\n"),
      /\n\nflags epoch=010: none\nflags epoch=020: none\nflags epoch=030: none\n\nnext_action: /,
    );
  });
});

test("a tiny trained run: fresh samples from each checkpoint's sampler, then review RUN", async () => {
  const run = join(dir, "trained");
  await trainRun({ out: run, model: "vae", data: SPEC, epochs: 2, trainSize: 256, seed: 1, threads: 1 });

  // the sampler source draws the same images for the same seed
  const source = samplerSource(run);
  const a = await source.draw(2, 8, 0);
  const b = await source.draw(2, 8, 0);
  assert.deepEqual(a.images.data, b.images.data);
  assert.equal(a.sourceIndex, null);

  const result = await evaluateRun(run, { n: N, features: "classifier", cacheRoot, bootstrap: BOOTSTRAP });
  const { evaluation } = result;
  assert.deepEqual(
    evaluation.checkpoints.map((c) => c.epoch),
    [0, 1, 2],
  );
  for (const c of evaluation.checkpoints) {
    assert.equal(c.n, N);
    assert.equal(typeof c.step, "number");
    assert.equal(c.metrics[FIXED_SEED_KEYS.n], 64, "the fixed seed set written by training");
    assert.ok(c.failures.length > 0);
    assert.ok(
      c.failures.every((f) => f.seed === undefined),
      "fresh samples are not fixed seeds",
    );
  }
  assert.ok(readSelection(run) !== undefined);
  const out: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: () => {}, interactive: false };
  const status = await main(["node", "genreview", "review", run], io);
  assert.ok(status === 0 || status === 1);
  assert.match(
    out.join("\n"),
    /^generation_review\nepoch=000 quality=\d\.\d\d diversity=\d\.\d\d status=(candidate|review)\n/,
  );
  assert.match(out.join("\n"), /\nnext_action: (data|objective|architecture|sampling|training|none) — /);
});

test("evaluate --help describes every option; bad option values exit 2 with the reason", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false };
  assert.equal(await main(["node", "genreview", "evaluate", "--help"], io), 0);
  const help = out.join("\n");
  for (const option of [
    "--n <count>",
    "--seed <seed>",
    "--features <kind>",
    "--epochs <list>",
    "--json",
    "--quiet",
  ])
    assert.ok(help.includes(option), `evaluate --help mentions ${option}`);
  assert.match(help.replace(/\s+/g, " "), /choices: "pixel", "classifier", "autoencoder"/);
  assert.equal(await main(["node", "genreview", "evaluate", dir, "--epochs", "1,x"], io), 2);
  assert.match(err.join("\n"), /expected comma-separated epochs such as 1,10,30, got '1,x'/);
  assert.equal(await main(["node", "genreview", "evaluate", join(dir, "nothing-here")], io), 2);
  assert.match(err.join("\n"), /not a genreview run folder/);
});
