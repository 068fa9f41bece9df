// End-to-end checks of the `genreview` command: the real entry point spawned as a user would run it
// (exact stdout, exit statuses, help), plus in-process runs of main() for the option combinations.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Io } from "../src/cli/io.ts";
import { exitStatusFor, main } from "../src/cli/main.ts";
import { ReviewResultSchema } from "../src/review/format.ts";
import { GenreviewError } from "../src/util/errors.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "genreview-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Run `node bin/genreview.js ...args` from the repository root. */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/genreview.js", ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Run main() in process with a capturing Io. */
async function run(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: false };
  const status = await main(["node", "genreview", ...args], io);
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

const SIX_LINES = `generation_review
epoch=001 quality=0.20 diversity=0.80 status=review
epoch=010 quality=0.45 diversity=0.72 status=review
epoch=030 quality=0.68 diversity=0.60 status=candidate
epoch=060 quality=0.75 diversity=0.48 status=review
selected_epoch: 30
`;

const WITH_90 = JSON.stringify({
  checkpoints: [
    { epoch: 1, quality: 0.2, diversity: 0.8, note: "mostly noise" },
    { epoch: 10, quality: 0.45, diversity: 0.72, note: "outlines appear" },
    { epoch: 30, quality: 0.68, diversity: 0.6, note: "usable but varied" },
    { epoch: 60, quality: 0.75, diversity: 0.48, note: "possible collapse" },
    { epoch: 90, quality: 0.8, diversity: 0.3 },
  ],
});

describe("the genreview command, spawned", { concurrency: true }, () => {
  test("review examples/table.json prints exactly the six lines and exits 0", async () => {
    const { status, stdout, stderr } = await cli("review", "examples/table.json");
    assert.equal(stdout, SIX_LINES);
    assert.equal(stderr, "");
    assert.equal(status, 0);
  });

  test("the CSV form prints the same", async () => {
    const { status, stdout } = await cli("review", "examples/table.csv");
    assert.equal(stdout, SIX_LINES);
    assert.equal(status, 0);
  });

  test("no checkpoint at or above the floor: 'selected_epoch: none' with the reason, exit 1", async () => {
    const path = file("none.csv", "epoch,quality,diversity\n60,0.75,0.48\n90,0.80,0.30\n");
    const { status, stdout } = await cli("review", path);
    assert.equal(
      stdout,
      "generation_review\nepoch=060 quality=0.75 diversity=0.48 status=review\n" +
        "epoch=090 quality=0.80 diversity=0.30 status=review\nselected_epoch: none\n" +
        "reason: no checkpoint has diversity >= 0.55 (the floor); the highest is 0.48 at epoch 60\n",
    );
    assert.equal(status, 1);
  });

  test("bad input: exit 2, one message naming file, row and field, nothing on stdout", async () => {
    const path = file("bad.csv", "epoch,quality,diversity\n1,0.2,0.8\n10,0.45,0.72\n30,1.4,0.6\n");
    const { status, stdout, stderr } = await cli("review", path);
    assert.equal(status, 2);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      `genreview: ${path}: row 3 (line 4, epoch 30): field 'quality' must be a number in [0, 1], got '1.4'\n`,
    );
  });

  test("--help lists the commands; review --help describes every option and the exit statuses", async () => {
    const top = await cli("--help");
    assert.equal(top.status, 0);
    assert.match(top.stdout, /\n {2}review \[options\] <table> +Apply a declared selection rule/);
    assert.match(top.stdout, /\n {2}demo \[options\] +Train a VAE, a GAN and a diffusion model/);
    const help = await cli("review", "--help");
    assert.equal(help.status, 0);
    for (const option of [
      "--rule <file>",
      "--min-quality <x>",
      "--min-diversity <x>",
      "--floor <x>",
      "--explain",
      "--json",
      "--format <format>",
    ])
      assert.ok(help.stdout.includes(option), `review --help mentions ${option}`);
    assert.match(
      help.stdout,
      /Exit status: 0 a checkpoint was selected; 1 no checkpoint meets the diversity floor/,
    );
    assert.ok(help.stdout.includes('"diversityFloor":0.55'), "the defaults are shown");
  });

  test("demo --help names its options (the demo itself is tested in src/demo)", async () => {
    const { status, stdout } = await cli("demo", "--help");
    assert.equal(status, 0);
    for (const option of ["--root <dir>", "--models <list>", "--preset <name>", "--json", "--quiet"])
      assert.ok(stdout.includes(option), `demo --help mentions ${option}`);
  });
});

describe("review options, in process", () => {
  test("the epoch-90 case: 30 stays selected and the explanation says why 90 lost", async () => {
    const path = file("with90.json", WITH_90);
    const { status, stdout } = await run("review", path, "--explain");
    assert.equal(status, 0);
    assert.match(stdout, /\nselected_epoch: 30\n/);
    assert.match(
      stdout,
      /\n {2}epoch 90: below the diversity floor: diversity 0\.30 is 0\.25 under the floor: a sign of repeated outputs/,
    );
  });

  test("--json prints the rule, its hash, every row with status and reasons, and the selection", async () => {
    const path = file("with90-json.json", WITH_90);
    const { status, stdout } = await run("review", path, "--json");
    assert.equal(status, 0);
    const result = ReviewResultSchema.parse(JSON.parse(stdout));
    assert.equal(result.source, path);
    assert.equal(result.rule.selection.diversityFloor, 0.55);
    assert.match(result.ruleHash, /^[0-9a-f]{12}$/);
    assert.deepEqual(
      result.rows.map((r) => r.status),
      ["review", "review", "candidate", "review", "review"],
    );
    assert.equal(result.rows[4]!.reasons.at(-1)!.shortfall, 0.25);
    assert.equal(result.selection.epoch, 30);
    assert.equal((await run("review", path, "--format", "json")).stdout, stdout);
  });

  test("flags override a rule file, and the hash follows the rule", async () => {
    const rule = file("rule.json", JSON.stringify({ selection: { diversityFloor: 0.7 } }));
    const fromFile = ReviewResultSchema.parse(
      JSON.parse((await run("review", "examples/table.json", "--rule", rule, "--json")).stdout),
    );
    assert.equal(fromFile.selection.epoch, 10, "only epochs 1 and 10 reach diversity 0.7");
    const overridden = ReviewResultSchema.parse(
      JSON.parse(
        (await run("review", "examples/table.json", "--rule", rule, "--floor", "0.45", "--json")).stdout,
      ),
    );
    assert.equal(overridden.rule.selection.diversityFloor, 0.45);
    assert.equal(overridden.selection.epoch, 60);
    assert.notEqual(overridden.ruleHash, fromFile.ruleHash);
    const defaults = ReviewResultSchema.parse(
      JSON.parse((await run("review", "examples/table.json", "--json")).stdout),
    );
    const shipped = ReviewResultSchema.parse(
      JSON.parse(
        (await run("review", "examples/table.json", "--rule", "examples/rule.json", "--json")).stdout,
      ),
    );
    assert.equal(shipped.ruleHash, defaults.ruleHash, "examples/rule.json spells out the defaults");
    const strict = await run(
      "review",
      "examples/table.json",
      "--min-quality",
      "0.7",
      "--min-diversity",
      ".5",
    );
    assert.match(strict.stdout, /epoch=030 quality=0\.68 diversity=0\.60 status=review\n/);
  });

  test("--format markdown prints a portfolio table", async () => {
    const { status, stdout } = await run("review", "examples/table.json", "--format", "markdown");
    assert.equal(status, 0);
    assert.ok(stdout.startsWith("## Checkpoint review\n\n| Epoch | Quality | Diversity |"));
  });

  test("bad rules, flag values and option combinations exit 2 with a message", async () => {
    const badRule = file("bad-rule.json", '{"selection": {"floor": 0.5}}');
    const cases: [string[], RegExp][] = [
      [["--rule", badRule], /bad-rule\.json: unknown field 'selection\.floor'; valid fields of 'selection'/],
      [["--rule", join(dir, "absent.json")], /absent\.json: cannot read the rule \(ENOENT/],
      [["--floor", "abc"], /^genreview: --floor must be a number in \[0, 1\], got 'abc'$/],
      [["--min-quality", "1.5"], /^genreview: --min-quality must be a number in \[0, 1\], got '1\.5'$/],
      [["--min-diversity", "NaN"], /--min-diversity must be a number in \[0, 1\], got 'NaN'/],
      [["--format", "html"], /argument 'html' is invalid\. Allowed choices are text, markdown, json/],
      [["--json", "--format", "markdown"], /'--json' cannot be used with option '--format <format>'/],
      [["--bogus"], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const { status, stdout, stderr } = await run("review", "examples/table.json", ...args);
      assert.equal(status, 2, args.join(" "));
      assert.equal(stdout, "", args.join(" "));
      assert.match(stderr, message);
    }
  });
});

test("exit statuses: a GenreviewError is bad input (2), anything unexpected is 3 with its stack", () => {
  const err: string[] = [];
  const io: Io = { out: () => {}, err: (t) => err.push(t), interactive: false };
  assert.equal(exitStatusFor(new GenreviewError("runs/x/run.json: expected an object, found 3"), io), 2);
  assert.equal(err.at(-1), "genreview: runs/x/run.json: expected an object, found 3");
  assert.equal(exitStatusFor(new TypeError("cannot read properties of undefined"), io), 3);
  assert.match(err.at(-1) ?? "", /^genreview: unexpected error \(exit status 3\): TypeError: cannot read/);
  assert.match(err.at(-1) ?? "", /\n\s+at /, "the stack is printed so the fault can be reported");
  assert.equal(exitStatusFor("a thrown string", io), 3);
});
