import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { discoverRuns, locateRun } from "./discover.ts";

const tmp = mkdtempSync(join(tmpdir(), "genreview-discover-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder that counts as a run: it holds a run.json (discovery does not read it). */
function fakeRun(path: string): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "run.json"), "{}");
}

describe("discoverRuns and locateRun", () => {
  const root = join(tmp, "runs");
  fakeRun(join(root, "a"));
  fakeRun(join(root, "group", "b"));
  fakeRun(join(root, "group", "b", "nested")); // inside a run: not a run of its own here
  fakeRun(join(root, "x", "y", "too-deep"));
  fakeRun(join(root, ".hidden"));
  fakeRun(join(tmp, "elsewhere"));
  symlinkSync(join(tmp, "elsewhere"), join(root, "linked"));

  it("finds runs one or two levels down, skipping hidden folders, run subfolders and links", () => {
    assert.deepEqual(
      discoverRuns(root).map((r) => r.id),
      ["a", "group/b"],
    );
  });

  it("treats a directory that is itself a run as the only run", () => {
    assert.deepEqual(discoverRuns(join(root, "a")), [{ id: ".", dir: join(root, "a") }]);
    assert.deepEqual(locateRun(join(root, "a"), "."), { id: ".", dir: join(root, "a") });
    assert.equal(locateRun(join(root, "a"), "b"), undefined);
  });

  it("locates exactly the listed runs and nothing outside", () => {
    assert.equal(locateRun(root, "group/b")?.dir, join(root, "group", "b"));
    for (const id of [
      "..",
      "../elsewhere",
      "group/../a",
      "linked",
      ".hidden",
      "x/y/too-deep",
      "/a",
      "a/",
      "",
      ".",
    ]) {
      assert.equal(locateRun(root, id), undefined, id);
    }
  });
});
