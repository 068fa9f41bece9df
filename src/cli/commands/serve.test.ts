import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildFixtureRun } from "../../serve/testing/fixture.ts";
import type { Io } from "../io.ts";
import { main } from "../main.ts";

const dir = mkdtempSync(join(tmpdir(), "genreview-serve-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(onOut?: (text: string) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (text) => {
      out.push(text);
      onOut?.(text);
    },
    err: (text) => err.push(text),
    interactive: false,
  };
  return { io, out, err };
}

describe("genreview serve", () => {
  it("prints the URL, serves the runs under DIR on loopback, and stops on SIGINT", async () => {
    buildFixtureRun(join(dir, "runs", "r1"), { epochs: [0, 1], seeds: 2, size: 8 });
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((resolve) => {
      announce = resolve;
    });
    const { io, err } = capture((text) => announce(text));
    const status = main(["node", "genreview", "serve", join(dir, "runs"), "--port", "0"], io);

    const url = await announced;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const runs = (await (await fetch(`${url}api/runs`)).json()) as { runs: { id: string }[] };
    assert.deepEqual(
      runs.runs.map((r) => r.id),
      ["r1"],
    );
    assert.match(err.join("\n"), /press Ctrl-C to stop/);

    process.emit("SIGINT");
    assert.equal(await status, 0);
    await assert.rejects(fetch(`${url}api/runs`), "the server is closed");
  });

  it("refuses a directory that does not exist", async () => {
    const { io, err } = capture();
    assert.equal(await main(["node", "genreview", "serve", join(dir, "nope"), "--port", "0"], io), 2);
    assert.match(
      err.join("\n"),
      /^genreview: cannot serve .*nope: no such folder \(expected a folder of run folders/,
    );
  });

  it("refuses a port that is not a number", async () => {
    const { io, err } = capture();
    assert.equal(await main(["node", "genreview", "serve", dir, "--port", "http"], io), 2);
    assert.match(err.join("\n"), /expected a port number 0-65535, got "http"/);
  });

  it("describes every option in its help", async () => {
    const { io, out } = capture();
    assert.equal(await main(["node", "genreview", "serve", "--help"], io), 0);
    const help = out.join("\n");
    for (const option of [
      "[DIR]",
      "--port <n>",
      "--host <address>",
      'default: "runs"',
      "4780",
      "127.0.0.1",
    ]) {
      assert.ok(help.includes(option), `help mentions ${option}`);
    }
    // train has no default folder: the help says how to put a run where the default finds it
    assert.ok(help.replace(/\s+/g, " ").includes("train --out runs/NAME"), help);
  });
});
