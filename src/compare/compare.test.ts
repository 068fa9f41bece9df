import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { writeReport } from "../report/report.ts";
import { buildRun } from "../report/testing/fixture.ts";
import { readEvaluation, writeEvaluation } from "../run/io.ts";
import { compareRuns, formatComparison, uniqueLabels } from "./compare.ts";
import { COMPARE_SECTIONS } from "./pages.ts";
import { writeComparison } from "./write.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-compare-"));
after(() => rmSync(root, { recursive: true, force: true }));

// two runs of the same data and extractor: the GAN's scores hold up, the VAE collapses at the end
const vae = join(root, "runs", "vae");
const gan = join(root, "runs", "gan");
buildRun(vae, { model: "vae" });
buildRun(gan, {
  model: "gan",
  scores: [
    { quality: 0.05, diversity: 0.9 },
    { quality: 0.5, diversity: 0.8 },
    { quality: 0.7, diversity: 0.75 },
    { quality: 0.78, diversity: 0.7 },
  ],
});

test("compare two runs: each run's own selection, scores, flags, grids and cost, as text and pages", async () => {
  await writeReport(vae);
  const out = join(root, "comparison");
  const result = await writeComparison([vae, gan], out, { now: new Date("2025-02-01T00:00:00Z") });

  // the text table: one fixed-format line per run, then the notes
  const lines = result.text.split("\n");
  assert.equal(lines[0], "generation_compare");
  assert.match(
    lines[1]!,
    /^run=vae model=vae selected_epoch=4 quality=0\.60\[0\.56,0\.64\] diversity=0\.73\[0\.69,0\.77\] flags=none train_s=15\.0 steps=30$/,
  );
  assert.match(lines[2]!, /^run=gan model=gan selected_epoch=6 quality=0\.78\[0\.74,0\.82\] /);
  assert.ok(
    lines.some((l) =>
      /^note: highest quality at the selected checkpoint: gan \(0\.78, then vae 0\.60\)$/.test(l),
    ),
  );

  const html = readFileSync(result.html, "utf8");
  for (const { id } of COMPARE_SECTIONS) assert.match(html, new RegExp(`<section id="${id}">`), id);
  assert.doesNotMatch(html, /https?:\/\/|@import|<script/i);
  const sources = [...html.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]!);
  assert.equal(sources.length, 2);
  for (const src of sources) assert.ok(src.startsWith("data:image/png;base64,"));
  assert.equal((html.match(/<svg/g) ?? []).length, 1);
  // the VAE's report exists and is linked relatively; the GAN's was never written
  assert.match(html, /<a href="\.\.\/runs\/vae\/report\/index\.html">report<\/a>/);
  assert.match(html, /not written/);
  assert.match(html, /mode collapse/);

  const markdown = readFileSync(result.markdown, "utf8");
  const images = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURIComponent(m[1]!));
  assert.deepEqual(images.sort(), [
    "../runs/gan/samples/epoch-0006/grid.png",
    "../runs/vae/samples/epoch-0004/grid.png",
    "charts/compare.svg",
  ]);
  for (const link of images) assert.ok(existsSync(resolve(dirname(result.markdown), link)), link);
  assert.match(markdown, /comparable: true/);
});

test("scores from different feature extractors are called not comparable, and no leader is named", () => {
  const other = join(root, "runs", "diffusion");
  buildRun(other, { model: "diffusion" });
  const evaluation = readEvaluation(other)!;
  writeEvaluation(other, { ...evaluation, extractor: { ...evaluation.extractor, id: "classifier-other" } });
  const comparison = compareRuns([vae, other]);
  assert.deepEqual(comparison.leaders, []);
  assert.equal(comparison.caveats.length, 1);
  assert.match(
    comparison.caveats[0]!,
    /different feature extractors: vae in pixel-fixture; diffusion in classifier-other/,
  );
  assert.match(formatComparison(comparison), /\ncaveat: different feature extractors/);
});

test("an unevaluated run is compared on what it has; the same folder twice is refused", () => {
  const plain = join(root, "runs", "plain");
  buildRun(plain, { evaluated: false });
  const comparison = compareRuns([vae, plain]);
  assert.match(
    formatComparison(comparison),
    /run=plain model=vae selected_epoch=unevaluated quality=- diversity=- flags=none/,
  );
  assert.deepEqual(comparison.caveats, ["not evaluated yet: plain"]);
  assert.deepEqual(comparison.rows[1]!.grid, { epoch: 6, path: "samples/epoch-0006/grid.png" });
  assert.throws(() => compareRuns([vae, join(vae, ".")]), /the same run folder as/);
  assert.throws(() => compareRuns([]), /at least one run/);
});

test("labels are folder names, with parents added only where names repeat", () => {
  assert.deepEqual(uniqueLabels(["/a/x/run", "/a/y/run", "/a/z/gan"]), ["x/run", "y/run", "z/gan"]);
  assert.deepEqual(uniqueLabels(["/r/vae", "/r/gan"]), ["vae", "gan"]);
});
