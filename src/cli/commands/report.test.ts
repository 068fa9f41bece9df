import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { buildRun } from "../../report/testing/fixture.ts";
import type { Io } from "../io.ts";
import { main } from "../main.ts";

const root = mkdtempSync(join(tmpdir(), "genreview-report-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false };
  return { io, out, err };
}

const run = (args: string[], io: Io) => main(["node", "genreview", ...args], io);

test("genreview report RUN writes the pages and prints their paths; --json summarises", async () => {
  const dir = join(root, "vae");
  buildRun(dir);
  const text = capture();
  assert.equal(await run(["report", dir], text.io), 0);
  const [html, markdown] = text.out.join("\n").split("\n");
  assert.ok(html?.endsWith(join("vae", "report", "index.html")) && existsSync(html));
  assert.ok(markdown?.endsWith(join("vae", "report", "README.md")) && existsSync(markdown));

  const json = capture();
  assert.equal(await run(["report", dir, "--json"], json.io), 0);
  const summary = JSON.parse(json.out.join("")) as { evaluated: boolean; selectedEpoch: number | null };
  assert.deepEqual([summary.evaluated, summary.selectedEpoch], [true, 4]);
});

test("genreview report on an unevaluated run says so on stderr; a folder that is not a run is exit 2", async () => {
  const dir = join(root, "plain");
  buildRun(dir, { evaluated: false });
  const io = capture();
  assert.equal(await run(["report", dir], io.io), 0);
  assert.match(io.err.join("\n"), /is not evaluated yet/);

  const bad = capture();
  assert.equal(await run(["report", join(root, "nothing-here")], bad.io), 2);
  assert.match(bad.err.join("\n"), /^genreview: .*nothing-here: no such run folder/);
});

test("genreview compare RUN... --out DIR prints the table and writes the comparison; --out is required", async () => {
  const a = join(root, "cmp", "a");
  const b = join(root, "cmp", "b");
  buildRun(a);
  buildRun(b, { model: "gan" });
  const out = join(root, "cmp", "out");
  const io = capture();
  assert.equal(await run(["compare", a, b, "--out", out], io.io), 0);
  const printed = io.out.join("\n");
  assert.match(printed, /^generation_compare\nrun=a model=vae selected_epoch=4 /);
  assert.match(printed, /\nrun=b model=gan selected_epoch=4 /);
  assert.ok(existsSync(join(out, "index.html")) && existsSync(join(out, "README.md")));

  const missing = capture();
  assert.equal(await run(["compare", a, b], missing.io), 2);
  assert.match(missing.err.join("\n"), /--out <dir>/);
});

test("--help describes every option of report and compare", async () => {
  for (const [command, options] of [
    ["report", ["--json", "--quiet"]],
    ["compare", ["--out <dir>", "--json"]],
  ] as const) {
    const io = capture();
    assert.equal(await run([command, "--help"], io.io), 0);
    const help = io.out.join("\n");
    for (const option of options) assert.ok(help.includes(option), `${command} ${option}`);
  }
});
