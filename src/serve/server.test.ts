import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PNG } from "pngjs";
import { reviewRun, ruleScore } from "../evaluate/review.ts";
import { readEvaluation, readNotes } from "../run/io.ts";
import { runPaths } from "../run/layout.ts";
import type { RunDetail, RunsResponse } from "./api-types.ts";
import { MAX_BODY_BYTES } from "./http.ts";
import { MAX_STREAMS } from "./live.ts";
import { type Dashboard, startDashboard } from "./server.ts";
import { addFixtureCheckpoint, buildFixtureRun, encodeGray } from "./testing/fixture.ts";
import { jsonBody, rawRequest } from "./testing/http-client.ts";

const EPOCHS = [0, 2, 4, 6];
const SEEDS = 6;

let tmp: string;
let root: string;
let run: string;
let dashboard: Dashboard;
const secret = Buffer.from("SECRET-OUTSIDE-THE-RUNS");

before(async () => {
  // tmp/secret.png is outside the served directory tmp/runs
  tmp = mkdtempSync(join(tmpdir(), "genreview-serve-"));
  root = join(tmp, "runs");
  run = join(root, "vae-1");
  buildFixtureRun(run, { epochs: EPOCHS, seeds: SEEDS, size: 8 });
  buildFixtureRun(join(root, "group", "gan-2"), { epochs: [0, 1], seeds: 2, size: 8, evaluated: false });
  writeFileSync(join(tmp, "secret.png"), secret);
  symlinkSync(join(tmp, "secret.png"), join(run, "samples", "link.png"));
  dashboard = await startDashboard({ root });
});

after(async () => {
  await dashboard.close();
  rmSync(tmp, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  rawRequest(dashboard.port, path, { headers });
const detail = async (id = "vae-1") => (await get(`/api/runs/${encodeURIComponent(id)}`)).json as RunDetail;

describe("runs and run detail", () => {
  it("lists every run with model, dataset, status and the rule's selection", async () => {
    const res = await get("/api/runs");
    assert.equal(res.status, 200);
    const body = res.json as RunsResponse;
    assert.deepEqual(
      body.runs.map((r) => r.id),
      ["group/gan-2", "vae-1"],
    );
    const vae = body.runs.find((r) => r.id === "vae-1")!;
    assert.equal(vae.model, "vae");
    assert.equal(vae.dataset, "rings-fixture");
    assert.equal(vae.status, "complete");
    assert.equal(vae.checkpoints, EPOCHS.length);
    // the same selection as `genreview review RUN` makes
    assert.equal(vae.selectedEpoch, reviewRun(run, { write: false }).selection.epoch);
    assert.equal(body.runs.find((r) => r.id === "group/gan-2")!.evaluated, false);
  });

  it("describes a run: filmstrip layout, checkpoints with scores, verdicts and drafted notes", async () => {
    const d = await detail();
    assert.deepEqual(d.sampleEpochs, EPOCHS);
    assert.deepEqual(d.seeds, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(d.imageSize, { width: 8, height: 8 });
    assert.deepEqual(d.problems, []);
    assert.equal(d.checkpoints.length, EPOCHS.length);
    const last = d.checkpoints.at(-1)!;
    assert.equal(last.flags[0]?.kind, "mode_collapse");
    assert.ok(last.scores && last.verdict);
    assert.equal(
      d.checkpoints.filter((c) => c.verdict?.status === "selected").length,
      d.selection?.selectedEpoch === null ? 0 : 1,
    );
    assert.equal(d.rule.source, "default");
    assert.ok(d.failures.length >= EPOCHS.length);
  });

  it("says a run is not evaluated rather than failing", async () => {
    const d = await detail("group/gan-2");
    assert.equal(d.evaluation, null);
    assert.equal(d.selection, null);
    assert.deepEqual(d.sampleEpochs, [0, 1]);
  });

  it("serves a filmstrip strip: every seed of the epoch stacked in seed order", async () => {
    const res = await get("/api/runs/vae-1/strip/4.png");
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "image/png");
    const strip = PNG.sync.read(res.body);
    assert.equal(strip.width, 8);
    assert.equal(strip.height, 8 * SEEDS);
    const seed3 = PNG.sync.read(readFileSync(runPaths(run).samples(4).seed(3)));
    assert.deepEqual(strip.data.subarray(3 * 8 * 8 * 4, 4 * 8 * 8 * 4), seed3.data);
    const again = await get("/api/runs/vae-1/strip/4.png", { "if-none-match": String(res.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal((await get("/api/runs/vae-1/strip/3.png")).status, 404);
  });

  it("serves the loss series of metrics.jsonl", async () => {
    const res = await get("/api/runs/vae-1/metrics");
    const body = res.json as { losses: { key: string }[]; records: number };
    assert.equal(res.status, 200);
    assert.ok(body.records > 0);
    assert.deepEqual([...new Set(body.losses.map((l) => l.key))].sort(), ["loss/kl", "loss/total"]);
  });
});

describe("path safety", () => {
  const refused = [
    "/api/runs/vae-1/files/..%2f..%2fsecret.png",
    "/api/runs/vae-1/files/%2e%2e/%2e%2e/secret.png",
    "/api/runs/vae-1/files/%2E%2E%2F%2E%2E%2Fsecret.png",
    "/api/runs/vae-1/files/../../secret.png",
    "/api/runs/vae-1/files/samples/../../../secret.png",
    "/api/runs/vae-1/files/..%5c..%5csecret.png",
    `/api/runs/vae-1/files/${encodeURIComponent(join(tmpdir(), "x", "secret.png"))}`,
    "/api/runs/vae-1/files//etc/passwd.png",
    "/api/runs/vae-1/files/%2fetc%2fpasswd.png",
    "/api/runs/vae-1/files/C:%5cwindows%5cwin.png",
    "/api/runs/vae-1/files/samples/epoch-0000/seed-000.png%00.txt",
    "/api/runs/vae-1/files/samples/link.png",
    "/api/runs/vae-1/files/run.json",
    "/api/runs/vae-1/files/%E0%A4%A",
  ];
  for (const path of refused) {
    it(`refuses ${path}`, async () => {
      const res = await get(path);
      assert.ok(res.status === 403 || res.status === 400, `status ${res.status}: ${res.text}`);
      assert.ok(!res.body.includes(secret), "no byte of the outside file");
    });
  }

  it("refuses run ids that leave the served directory", async () => {
    for (const id of [
      "..",
      "%2e%2e",
      "..%2f..",
      "%2e%2e%2f%2e%2e%2ftmp",
      "group%2f..%2f..",
      "%2Fetc",
      "vae-1%00",
    ]) {
      const res = await get(`/api/runs/${id}`);
      assert.equal(res.status, 404, `${id}: ${res.text}`);
    }
    assert.equal((await get("/assets/..%2f..%2fpackage.json")).status, 404);
  });

  it("serves sample images inside the run", async () => {
    const res = await get("/api/runs/vae-1/files/samples/epoch-0002/seed-001.png");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, readFileSync(runPaths(run).samples(2).seed(1)));
    assert.equal((await get("/api/runs/vae-1/files/samples/epoch-0002/seed-099.png")).status, 404);
  });

  it("refuses other Host headers (DNS rebinding) and writes from other origins", async () => {
    assert.equal((await get("/api/runs", { host: "evil.example:80" })).status, 403);
    const res = await rawRequest(dashboard.port, "/api/runs/vae-1/notes/2", {
      ...jsonBody("PUT", { quality: "x" }),
      headers: { "content-type": "application/json", origin: "http://evil.example" },
    });
    assert.equal(res.status, 403);
    assert.equal(readNotes(run).checkpoints["2"], undefined);
  });
});

describe("review edits", () => {
  const put = (path: string, value: unknown) => rawRequest(dashboard.port, path, jsonBody("PUT", value));

  it("saves notes atomically to review/notes.json and shows them, the user's winning over the draft", async () => {
    const res = await put("/api/runs/vae-1/notes/4", { quality: "rings close", failure: "one blob" });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(readNotes(run).checkpoints["4"], { quality: "rings close", failure: "one blob" });
    const row = (res.json as RunDetail).checkpoints.find((c) => c.epoch === 4)!;
    assert.deepEqual(row.user, { quality: "rings close", failure: "one blob" });

    // null removes a note (the drafted one shows again); other fields are kept
    await put("/api/runs/vae-1/notes/4", { quality: null });
    assert.deepEqual(readNotes(run).checkpoints["4"], { failure: "one blob" });
  });

  it("validates bodies: type, size, JSON, fields, epoch", async () => {
    const cases: [
      string,
      { method: string; headers: Record<string, string>; body: string },
      number,
      RegExp,
    ][] = [
      [
        "wrong type",
        { method: "PUT", headers: { "content-type": "text/plain" }, body: "{}" },
        415,
        /application\/json/,
      ],
      [
        "not JSON",
        { method: "PUT", headers: { "content-type": "application/json" }, body: "{quality:" },
        400,
        /not valid JSON/,
      ],
      ["bad field", jsonBody("PUT", { quality: 5 }), 400, /field 'quality'/],
      ["unknown field", jsonBody("PUT", { mood: "good" }), 400, /mood|unrecognized/i],
      ["too long", jsonBody("PUT", { quality: "x".repeat(5000) }), 400, /quality/],
      ["oversize", jsonBody("PUT", { quality: "x".repeat(MAX_BODY_BYTES + 10) }), 413, /exceeds the limit/],
    ];
    for (const [what, options, status, message] of cases) {
      const res = await rawRequest(dashboard.port, "/api/runs/vae-1/notes/2", options);
      assert.equal(res.status, status, `${what}: ${res.text}`);
      assert.match((res.json as { error: string }).error, message, what);
    }
    assert.equal((await put("/api/runs/vae-1/notes/3", { quality: "x" })).status, 404, "no epoch 3");
    assert.equal((await put("/api/runs/vae-1/notes/abc", { quality: "x" })).status, 400);
    assert.equal(
      (await rawRequest(dashboard.port, "/api/runs/vae-1/notes/2", { method: "DELETE" })).status,
      405,
    );
    assert.equal(readNotes(run).checkpoints["2"], undefined, "nothing saved by refused requests");
  });

  it("refuses an over-long body sent without a length header", async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: dashboard.port,
          path: "/api/runs/vae-1/notes/2",
          method: "PUT",
          headers: { "content-type": "application/json" },
        },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(`{"quality":"${"y".repeat(MAX_BODY_BYTES)}`);
      req.end('"}');
    });
    assert.equal(res, 413);
  });

  it("marks and unmarks failure samples", async () => {
    const post = (value: unknown) =>
      rawRequest(dashboard.port, "/api/runs/vae-1/failure-marks", jsonBody("POST", value));
    const item = (res: { json: unknown }, seed: number) =>
      (res.json as RunDetail).failures.find((f) => f.epoch === 6 && f.seed === seed);

    // a sample the evaluation did not keep joins the gallery as user_marked, then leaves when unmarked
    let res = await post({ epoch: 6, seed: 5, marked: true, note: "smeared" });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      { kind: item(res, 5)?.kind, mark: item(res, 5)?.mark, note: item(res, 5)?.note },
      { kind: "user_marked", mark: true, note: "smeared" },
    );
    res = await post({ epoch: 6, seed: 5, marked: false });
    assert.equal(item(res, 5), undefined);

    // a sample the evaluation kept stays in the gallery, unmarked by the user; one entry per sample
    res = await post({ epoch: 6, seed: 4, marked: false });
    assert.equal(item(res, 4)?.kind, "nearest_train");
    assert.equal(item(res, 4)?.mark, false);
    assert.deepEqual(
      readNotes(run).failureMarks.filter((m) => m.epoch === 6),
      [
        { epoch: 6, seed: 4, marked: false },
        { epoch: 6, seed: 5, marked: false },
      ],
    );
    assert.equal((await post({ epoch: 6, seed: 99, marked: true })).status, 404);
  });

  it("re-evaluates the selection when the rule changes, as the rule library does", async () => {
    const before = await detail();
    // a floor above every diversity (as the rule sees it) but the first checkpoint's leaves only epoch 0
    const diversities = readEvaluation(run)!.checkpoints.map((c) => ruleScore(c.scores.diversity.value));
    const floor = Math.max(...diversities.slice(1)) + 0.01;
    assert.ok(floor <= diversities[0]!);
    const rule = { candidate: { minQuality: 0.2, minDiversity: 0.3 }, selection: { diversityFloor: floor } };
    const res = await put("/api/runs/vae-1/rule", rule);
    assert.equal(res.status, 200, res.text);
    const after = res.json as RunDetail;
    assert.equal(after.rule.source, "notes");
    assert.equal(after.selection?.selectedEpoch, 0);
    assert.equal(after.selection?.selectedEpoch, reviewRun(run, { write: false }).selection.epoch);
    assert.notEqual(after.selection?.selectedEpoch, before.selection?.selectedEpoch);
    assert.equal(after.rule.rule.selection.diversityFloor, floor);
    assert.equal(
      (readNotes(run).rule as { selection: { diversityFloor: number } }).selection.diversityFloor,
      floor,
    );

    // a rule the library refuses is refused with its message; DELETE restores the default
    const bad = await put("/api/runs/vae-1/rule", { candidate: { minQuality: 2 } });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { error: string }).error, /candidate\.minQuality/);
    const reset = await rawRequest(dashboard.port, "/api/runs/vae-1/rule", { method: "DELETE" });
    assert.equal((reset.json as RunDetail).selection?.selectedEpoch, before.selection?.selectedEpoch);
    assert.equal(readNotes(run).rule, undefined);
  });
});

describe("malformed review files", () => {
  it("reports a malformed notes.json in the page and refuses edits instead of crashing", async () => {
    const other = join(root, "broken");
    buildFixtureRun(other, { epochs: [0, 1], seeds: 2, size: 8 });
    mkdirSync(join(other, "review"), { recursive: true });
    writeFileSync(runPaths(other).notes, "{ not json");

    const res = await get("/api/runs/broken");
    assert.equal(res.status, 200);
    const d = res.json as RunDetail;
    assert.equal(d.problems[0]?.file, "review/notes.json");
    assert.match(d.problems[0]!.message, /not valid JSON/);
    const edit = await rawRequest(
      dashboard.port,
      "/api/runs/broken/notes/1",
      jsonBody("PUT", { quality: "x" }),
    );
    assert.equal(edit.status, 409);
    assert.equal(readFileSync(runPaths(other).notes, "utf8"), "{ not json", "the user's file is untouched");

    // an invalid rule inside valid notes: shown, and nothing is selected (as the CLI would refuse it)
    writeFileSync(
      runPaths(other).notes,
      JSON.stringify({
        format: "genreview-notes/1",
        checkpoints: {},
        failureMarks: [],
        rule: { candidate: { minQuality: "high" } },
      }),
    );
    const ruled = (await get("/api/runs/broken")).json as RunDetail;
    assert.match(ruled.rule.problem ?? "", /minQuality/);
    assert.equal(ruled.selection, null);

    // a malformed evaluation.json: listed, run still shown
    writeFileSync(runPaths(other).evaluation, JSON.stringify({ format: "genreview-evaluation/1" }));
    const evaluated = (await get("/api/runs/broken")).json as RunDetail;
    assert.ok(evaluated.problems.some((p) => p.file === "review/evaluation.json"));
    assert.equal((await get("/api/runs")).status, 200);
    rmSync(other, { recursive: true, force: true });
  });

  it("names missing and mis-sized samples", async () => {
    const other = join(root, "odd");
    buildFixtureRun(other, { epochs: [0, 1], seeds: 3, size: 8, evaluated: false });
    rmSync(runPaths(other).samples(1).seed(2));
    writeFileSync(runPaths(other).samples(1).seed(0), encodeGray(new Uint8Array(16 * 16), 16, 16));
    const d = (await get("/api/runs/odd")).json as RunDetail;
    const messages = d.problems.map((p) => p.message);
    assert.ok(
      messages.some((m) => /samples\/epoch-0001\/ lacks 1 of the 3 seeds \(seed-002\.png\)/.test(m)),
      messages.join("\n"),
    );
    assert.ok(
      messages.includes(
        "expected 8x8 samples, got 16x16 in samples/epoch-0001/seed-000.png; its cell is empty",
      ),
    );
    const strip = PNG.sync.read((await get("/api/runs/odd/strip/1.png")).body);
    assert.equal(strip.data[3], 0, "the mis-sized cell is transparent");
    assert.equal(strip.data[8 * 8 * 4 + 3], 255, "seed 1 is drawn");
    rmSync(other, { recursive: true, force: true });
  });
});

/** Open an event stream at `path`; resolves with the first chunk naming `event`. */
function waitForEvent(path: string, event: string) {
  const req = request({ host: "127.0.0.1", port: dashboard.port, path });
  const got = new Promise<string>((resolve, reject) => {
    req.on("response", (res) => {
      assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (chunk.includes(`event: ${event}`)) resolve(chunk);
      });
    });
    req.on("error", reject);
  });
  req.end();
  return { got, close: () => req.destroy() };
}

// the stream takes its first snapshot when it opens: change files only after that
const settle = () => new Promise((r) => setTimeout(r, 200));

/** Wait (polling, at most 10 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 10_000) throw new Error("condition not met within 10 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("live updates", () => {
  it("sends an event when training adds a checkpoint", async () => {
    const stream = waitForEvent("/api/events?run=group%2Fgan-2", "run");
    await settle();
    addFixtureCheckpoint(join(root, "group", "gan-2"), 2, { seeds: 2, size: 8, finalEpoch: 2 });
    const event = await stream.got;
    stream.close();
    const data = JSON.parse(event.split("data: ")[1]!.trim()) as { run: string; parts: string[] };
    assert.equal(data.run, "group/gan-2");
    assert.ok(data.parts.includes("checkpoints") && data.parts.includes("samples"), data.parts.join(","));
    assert.deepEqual((await detail("group/gan-2")).sampleEpochs, [0, 1, 2]);
  });

  it("tells the runs list when a run appears", async () => {
    const stream = waitForEvent("/api/events", "runs");
    await settle();
    buildFixtureRun(join(root, "new-run"), {
      epochs: [0],
      seeds: 1,
      size: 8,
      evaluated: false,
      status: "training",
    });
    await stream.got;
    stream.close();
    const runs = (await get("/api/runs")).json as RunsResponse;
    assert.equal(runs.runs.find((r) => r.id === "new-run")?.status, "training");
    rmSync(join(root, "new-run"), { recursive: true, force: true });
  });

  it("closes streams whose page went away, and bounds how many are open", async () => {
    const streams = Array.from({ length: MAX_STREAMS }, () => waitForEvent("/api/events", "never"));
    await until(() => dashboard.liveStreams() === MAX_STREAMS);
    assert.equal((await get("/api/events")).status, 503);
    for (const stream of streams) stream.close();
    await until(() => dashboard.liveStreams() === 0);
  });

  it("refuses events for unknown runs", async () => {
    assert.equal((await get("/api/events?run=nope")).status, 404);
  });
});

describe("the page", () => {
  it("serves the HTML shell and the bundled script and stylesheet", async () => {
    const page = await get("/");
    assert.equal(page.status, 200);
    assert.match(String(page.headers["content-security-policy"]), /default-src 'self'/);
    assert.ok(page.text.includes('src="/assets/main.js"'));
    const script = await get("/assets/main.js");
    assert.equal(script.status, 200);
    assert.match(String(script.headers["content-type"]), /javascript/);
    assert.ok(script.body.length > 1000);
    assert.equal((await get("/assets/style.css")).status, 200);
    assert.equal((await get("/nope")).status, 404);
  });
});
