import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { type SelectionFile, writeSelection } from "../evaluate/selection.ts";
import { evaluateRule } from "../review/evaluate.ts";
import { defaultRule } from "../review/rule.ts";
import { readEvaluation, writeNotes } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { ReviewNotes } from "../run/schema.ts";
import { REPORT_SECTIONS } from "./html-report.ts";
import { mdRich, mdText, README_SECTIONS } from "./markdown-report.ts";
import { writeReport } from "./report.ts";
import { buildRun, FIXTURE_EVALUATED_AT } from "./testing/fixture.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-report-"));
after(() => rmSync(root, { recursive: true, force: true }));

const HOSTILE = `<script>alert("x")</script> & 'quotes' | pipe </section>`;

function notesWith(extra: Partial<ReviewNotes> = {}): ReviewNotes {
  return {
    format: "genreview-notes/1",
    checkpoints: { "4": { quality: HOSTILE, failure: "edges <b>soft</b>" } },
    failureMarks: [{ epoch: 6, seed: 5, marked: true, note: "a <img src=x onerror=alert(1)> mark" }],
    ...extra,
  };
}

/** Every way a page could reach the network. */
function externalReferences(html: string): string[] {
  const patterns = [
    /src\s*=\s*["']?\s*https?:/gi,
    /href\s*=\s*["']?\s*https?:/gi,
    /url\(\s*["']?https?:/gi,
    /@import/gi,
    /https?:\/\//gi,
  ];
  return patterns.flatMap((p) => html.match(p) ?? []);
}

/** The links of ![alt](path) images in Markdown. */
function markdownImages(markdown: string): string[] {
  return [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => decodeURIComponent(m[1]!));
}

test("report of an evaluated run: every section, no external references, images inline, notes escaped", async () => {
  const dir = join(root, "evaluated");
  buildRun(dir, { notes: notesWith() });
  const result = await writeReport(dir, { now: new Date("2025-02-01T00:00:00Z") });
  const html = readFileSync(result.html, "utf8");

  // sections by their stable ids, the selection, the problems list empty
  for (const { id } of REPORT_SECTIONS) assert.match(html, new RegExp(`<section id="${id}">`), id);
  assert.equal(result.selectedEpoch, 4);
  assert.deepEqual(result.problems, []);
  assert.match(html, /Epoch 4 is selected/);
  assert.match(html, /computed from review\/evaluation\.json/);
  assert.match(
    html,
    /<section id="next-action">\n<h2>Next action<\/h2>\n<p><strong>[^<]+<\/strong> \((data|objective|architecture|sampling|training|none) change/,
  );
  assert.match(html, /Why not the others/);
  assert.match(html, /epoch 6: below the diversity floor/);

  // offline: no links out, no scripts, every image a data URI, charts inline as SVG
  assert.deepEqual(externalReferences(html), []);
  assert.doesNotMatch(html, /<script/i);
  const sources = [...html.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(sources.length >= 4 * 6 + 4 * 6, `grids, filmstrip and gallery images, got ${sources.length}`);
  for (const src of sources) assert.ok(src.startsWith("data:image/png;base64,"), src.slice(0, 40));
  assert.equal((html.match(/<svg/g) ?? []).length, 3, "scores, trade-off and losses charts");
  assert.match(html, /image-rendering: pixelated/);

  // the user's notes are text, never markup
  assert.ok(!html.includes(HOSTILE));
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;"));
  assert.ok(!html.includes("<img src=x"));
  assert.match(html, /a &lt;img src=x onerror=alert\(1\)&gt; mark/);
  assert.match(html, /marked by the reviewer/);
  // the page is a whole document whose section tags balance (the hostile note did not close one)
  assert.equal((html.match(/<section /g) ?? []).length, (html.match(/<\/section>/g) ?? []).length);
});

test("README.md: model-card layout, front matter, relative image links that exist", async () => {
  const dir = join(root, "readme");
  buildRun(dir, { notes: notesWith() });
  const result = await writeReport(dir);
  const markdown = readFileSync(result.markdown, "utf8");

  assert.match(markdown, /^---\nmodel: "vae"\n[\s\S]*?selected_epoch: 4\n[\s\S]*?\n---\n/);
  let last = -1;
  for (const heading of README_SECTIONS) {
    const at = markdown.search(new RegExp(`^#{2,3} ${heading.replace(/[:()]/g, "\\$&")}$`, "m"));
    assert.ok(at > last, `section "${heading}" present and in order`);
    last = at;
  }
  const images = markdownImages(markdown);
  assert.ok(images.some((p) => p === "../samples/epoch-0004/grid.png"));
  assert.ok(images.includes("filmstrip.png") && images.includes("charts/scores.svg"));
  assert.ok(images.some((p) => p.startsWith("../review/failures/epoch-0006/")));
  for (const link of images) {
    assert.ok(!link.startsWith("/") && !/^[a-z]+:/i.test(link), `relative: ${link}`);
    assert.ok(existsSync(resolve(dirname(result.markdown), link)), `exists: ${link}`);
  }
  // the hostile note is inert text in Markdown too
  assert.ok(markdown.includes("\\<script\\>alert(\"x\")\\</script\\> \\& 'quotes' \\| pipe"));
  assert.match(markdown, /\*\*Why not the others\*\*/);
});

test("a run without evaluation: grids, filmstrip and losses, and a plain notice instead of scores", async () => {
  const dir = join(root, "unevaluated");
  buildRun(dir, { evaluated: false });
  const result = await writeReport(dir);
  const html = readFileSync(result.html, "utf8");
  assert.equal(result.evaluated, false);
  assert.equal(result.selectedEpoch, null);
  for (const { id } of REPORT_SECTIONS) assert.match(html, new RegExp(`<section id="${id}">`), id);
  assert.match(html, /has not been evaluated yet/);
  assert.match(html, /<code>genreview evaluate [^<]*unevaluated<\/code>/);
  assert.equal((html.match(/<svg/g) ?? []).length, 1, "only the losses chart");
  assert.match(html, /id="chart-losses"/);
  assert.ok((html.match(/data:image\/png;base64,/g) ?? []).length >= 4 + 4 * 6);
  assert.deepEqual(externalReferences(html), []);

  const markdown = readFileSync(result.markdown, "utf8");
  assert.match(markdown, /evaluated: false/);
  assert.match(markdown, /has not been evaluated yet/);
  assert.ok(!existsSync(join(runPaths(dir).reportDir, "charts", "scores.svg")));
  assert.ok(existsSync(join(runPaths(dir).reportDir, "charts", "losses.svg")));
});

/** A selection.json for the fixture as `genreview review RUN` would write it with the default rule. */
function recordedSelection(dir: string, createdAt: string): SelectionFile {
  const evaluation = readEvaluation(dir)!;
  const rule = defaultRule();
  const review = evaluateRule(
    evaluation.checkpoints.map((c) => ({
      epoch: c.epoch,
      quality: c.scores.quality.value,
      diversity: c.scores.diversity.value,
    })),
    rule,
  );
  const note = (text: string) => ({ text, source: "drafted" as const });
  return {
    format: "genreview-selection/1",
    createdAt,
    toolVersion: "0.1.0",
    evaluation: {
      createdAt: evaluation.createdAt,
      n: evaluation.n,
      seed: evaluation.seed,
      extractor: evaluation.extractor.id,
      dataset: evaluation.dataset,
    },
    rule,
    ruleHash: review.ruleHash,
    ruleSource: { kind: "default", path: null, overrides: {} },
    rows: review.rows,
    selection: review.selection,
    trends: review.trends,
    checkpoints: evaluation.checkpoints.map((c) => ({
      epoch: c.epoch,
      step: c.step ?? null,
      n: c.n,
      quality: c.scores.quality,
      diversity: c.scores.diversity,
      flags: c.flags,
      notes: {
        quality: note(c.notes.quality),
        diversity: note(c.notes.diversity),
        failure: note(c.notes.failure),
      },
      failures: c.failures,
    })),
    runFlags: [],
    nextAction: {
      change: "objective",
      title: "stop before the collapse <early>",
      firstStep: "train again to epoch 4 and compare",
      command: "genreview train --model vae --epochs 4",
      trigger: "mode_collapse",
      epoch: 6,
      why: "diversity fell under the floor at epoch 6",
      alternatives: [
        { change: "data", title: "more data", firstStep: "double the training set", command: null },
      ],
    },
    warnings: [],
  };
}

test("review/selection.json is used when current, and set aside (and said so) when the notes changed after it", async () => {
  const dir = join(root, "recorded");
  buildRun(dir);
  writeSelection(dir, recordedSelection(dir, "2025-01-03T00:00:00.000Z"));
  let html = readFileSync((await writeReport(dir)).html, "utf8");
  assert.match(html, /as recorded in review\/selection\.json/);
  assert.match(html, /stop before the collapse &lt;early&gt;/);
  assert.match(html, /<code>genreview train --model vae --epochs 4<\/code>/);
  assert.match(html, /more data/);

  // the user lowers the floor after the review: the report recomputes with the notes' rule
  writeNotes(dir, {
    format: "genreview-notes/1",
    rule: { selection: { diversityFloor: 0.4 } },
    checkpoints: {},
    failureMarks: [],
  });
  const result = await writeReport(dir);
  html = readFileSync(result.html, "utf8");
  assert.equal(result.selectedEpoch, 6);
  assert.match(html, /was edited after review\/selection\.json/);
  assert.match(html, /the rule in review\/notes\.json/);
  assert.ok(FIXTURE_EVALUATED_AT < "2025-01-03");
});

test("a missing sample image is listed, and the rest of the page is still written", async () => {
  const dir = join(root, "missing");
  buildRun(dir);
  rmSync(runPaths(dir).samples(2).seed(3));
  writeFileSync(runPaths(dir).samples(4).seed(1), "not a png");
  const result = await writeReport(dir);
  const html = readFileSync(result.html, "utf8");
  assert.deepEqual(result.problems, ["samples/epoch-0004/seed-001.png is not a PNG file"]);
  assert.match(html, /<section id="problems">/);
  assert.match(html, /missing: samples\/epoch-0004\/seed-001\.png/);
  // a seed missing at one epoch is an empty filmstrip cell, not a problem: other epochs have it
  assert.ok(existsSync(join(runPaths(dir).reportDir, "filmstrip.png")));
});

test("Markdown escaping keeps text inert and commands as code", () => {
  assert.equal(mdText("a|b <c> *d* [e](f) & g\nh"), "a\\|b \\<c\\> \\*d\\* \\[e\\](f) \\& g h");
  assert.equal(
    mdRich("run `genreview evaluate runs/a_b` then <x>"),
    "run `genreview evaluate runs/a_b` then \\<x\\>",
  );
});
