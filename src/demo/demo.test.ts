import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Io } from "../cli/io.ts";
import { main } from "../cli/main.ts";
import { createDemoFolder, runDemo, timestampName } from "./demo.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-demo-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("the demo's orchestration on the tiny preset: train, evaluate, review, report each model, then compare", async () => {
  const now = new Date("2025-03-04T05:06:07.890Z");
  const phases: string[] = [];
  const reviews: string[] = [];
  const result = await runDemo({
    root,
    preset: "tiny",
    now,
    cacheRoot: join(root, "cache"),
    onPhase: (line) => phases.push(line),
    onReview: (model, text) => reviews.push(`${model}\n${text}`),
  });

  // a fresh timestamped folder with one run per model, the comparison and the record
  assert.equal(result.dir, join(root, "2025-03-04T05-06-07Z"));
  assert.deepEqual(readdirSync(result.dir).sort(), ["comparison", "demo.json", "diffusion", "gan", "vae"]);
  for (const m of result.models) {
    assert.ok(existsSync(m.report.html) && existsSync(m.report.markdown), m.model);
    assert.match(m.review, /^generation_review\nepoch=000 quality=/);
  }
  assert.deepEqual(
    reviews.map((r) => r.split("\n")[0]),
    ["vae", "gan", "diffusion"],
  );
  assert.match(
    result.comparison.text,
    /^generation_compare\nrun=vae model=vae selected_epoch=none quality=- diversity=- flags=noise:fail.*\nrun=gan model=gan .*\nrun=diffusion model=diffusion /,
  );
  assert.ok(existsSync(result.comparison.html) && existsSync(result.comparison.markdown));

  // every phase announced and timed: 3 models x (train, evaluate, report) + compare
  assert.equal(result.timings.length, 10);
  assert.equal(phases.filter((p) => / done in /.test(p)).length, 10);
  const record = JSON.parse(readFileSync(join(result.dir, "demo.json"), "utf8")) as {
    timings: unknown[];
    preset: string;
  };
  assert.equal(record.preset, "tiny");
  assert.equal(record.timings.length, 10);

  // never overwrites: the same second again is refused, and nothing in the folder changed
  assert.throws(() => createDemoFolder(root, now), /already exists; the demo never overwrites/);
  await assert.rejects(runDemo({ root, preset: "tiny", now }), /already exists/);
  assert.deepEqual(readdirSync(result.dir).sort(), ["comparison", "demo.json", "diffusion", "gan", "vae"]);
});

test("folder names are ISO times without colons or fractions", () => {
  assert.equal(timestampName(new Date("2025-12-31T23:59:59.999Z")), "2025-12-31T23-59-59Z");
});

test("genreview demo prints each review, the comparison and the reports' paths; bad --models exits 2", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false };
  const cliRoot = join(root, "cli");
  const args = ["node", "genreview", "demo", "--preset", "tiny", "--root", cliRoot, "--models", "vae"];
  assert.equal(await main(args, io), 0, err.join("\n"));
  const text = out.join("\n");
  const [folder] = readdirSync(cliRoot);
  const dir = join(cliRoot, folder!);
  assert.ok(text.startsWith(`== vae: ${join(dir, "vae")}\ngeneration_review\nepoch=000 quality=`), text);
  assert.match(text, /\n== comparison\ngeneration_compare\nrun=vae model=vae /);
  assert.ok(text.includes(`  vae: ${join(dir, "vae", "report", "index.html")}`), text);
  assert.ok(text.includes(`  comparison: ${join(dir, "comparison", "index.html")}`), text);
  assert.match(text, /\ndemo finished in \d+\.\d s \(train .*\); everything is in /);
  assert.ok(
    err.some((l) => l === "demo: train vae ..."),
    err.join("\n"),
  );

  assert.equal(await main(["node", "genreview", "demo", "--root", cliRoot, "--models", "vae,unet"], io), 2);
  assert.match(
    err.join("\n"),
    /--models: expected a comma-separated list of vae, gan, diffusion, got 'vae,unet'/,
  );
  assert.equal(readdirSync(cliRoot).length, 1, "a refused demo creates no folder");
});
