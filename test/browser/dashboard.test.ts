// End-to-end test of the review dashboard in a real browser: Debian's chromium, headless, driven by
// playwright-core, against a server started in-process over a fixture run. Skipped (with the reason) when
// chromium is not installed; .ci/run installs it, so CI always runs it. Writes test-artifacts/dashboard.png.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { main } from "../../src/cli/main.ts";
import { readNotes } from "../../src/run/io.ts";
import { type Dashboard, startDashboard } from "../../src/serve/server.ts";
import { buildFixtureRun } from "../../src/serve/testing/fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const EPOCHS = [0, 5, 10, 15, 20];
const SEEDS = 16;
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run does)`;

describe("dashboard in chromium", { skip }, () => {
  let tmp: string;
  let run: string;
  let dashboard: Dashboard;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "genreview-browser-"));
    run = join(tmp, "runs", "vae-rings");
    buildFixtureRun(run, { epochs: EPOCHS, seeds: SEEDS });
    dashboard = await startDashboard({ root: join(tmp, "runs") });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("pageerror", (error) => errors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Open the run view and wait until every filmstrip strip is on screen. */
  const openRun = async () => {
    await page.goto(`${dashboard.url}#/run/vae-rings`);
    await page.waitForSelector("body[data-filmstrip=rendered]", { timeout: 15_000 });
  };

  const text = async (locator: Locator) => (await locator.textContent()) ?? "";

  const moveSlider = async (index: number) => {
    // a range input takes its value like a text field in playwright
    await page.getByTestId("epoch-slider").fill(String(index));
  };

  it("lists the run", async () => {
    await page.goto(dashboard.url);
    const row = page.locator("[data-testid=runs-table] tr[data-run=vae-rings]");
    await row.waitFor();
    const shown = await text(row);
    assert.match(shown, /vae/);
    assert.match(shown, /rings-fixture/);
    assert.match(shown, /epoch \d+/, "the selected checkpoint");
  });

  it("renders the checkpoint table, the filmstrip and the charts", async () => {
    await openRun();
    assert.equal(await page.locator("[data-testid=checkpoint-table] tbody tr").count(), EPOCHS.length);
    // one strip image per checkpoint, all seeds stacked
    const strips = page.locator("[data-testid=filmstrip] img.fs-img");
    assert.equal(await strips.count(), EPOCHS.length);
    assert.equal(
      await page.evaluate("document.querySelector('[data-testid=filmstrip] img.fs-img').naturalHeight"),
      28 * SEEDS,
    );
    const headers = await page
      .locator("[data-testid=filmstrip] .fs-col[data-epoch] .fs-head")
      .allTextContents();
    assert.deepEqual(headers, EPOCHS.map(String));
    // cells are scaled with nearest-neighbour sampling
    const rendering = await page.evaluate(
      "getComputedStyle(document.querySelector('[data-testid=filmstrip] img.fs-img')).imageRendering",
    );
    assert.equal(rendering, "pixelated");
    await page.locator("[data-testid=chart-scores] svg").waitFor();
    await page.locator("[data-testid=chart-losses] svg").waitFor();
    await page.locator("[data-testid=chart-tradeoff] svg").waitFor();
    assert.match(await text(page.getByTestId("selection")), /Selected: epoch \d+/);
  });

  it("changes the checkpoint shown with the slider", async () => {
    await moveSlider(1);
    assert.equal(await text(page.getByTestId("current-epoch")), "epoch 5");
    assert.equal(await page.locator(".fs-col.current").getAttribute("data-epoch"), "5");
    assert.equal(await page.getByTestId("current-grid").getAttribute("data-epoch"), "5");
    assert.equal(
      await page.locator("[data-testid=checkpoint-table] tr.current").getAttribute("data-epoch"),
      "5",
    );
    // the arrow keys step through checkpoints when no field has the focus
    await page.locator("h1").click();
    await page.keyboard.press("ArrowRight");
    assert.equal(await text(page.getByTestId("current-epoch")), "epoch 10");
    await moveSlider(0);
    assert.equal(await text(page.getByTestId("current-epoch")), "epoch 0");
  });

  it("saves a note that is there after a reload and in review/notes.json", async () => {
    const note = "rings appear; edges still noisy";
    await page.getByTestId("note-quality").fill(note);
    await page.getByTestId("save-notes").click();
    await page.locator("[data-testid=notes-status]", { hasText: "saved" }).waitFor();

    await page.reload();
    await page.waitForSelector("body[data-filmstrip=rendered]", { timeout: 15_000 });
    const row = page.locator("[data-testid=checkpoint-table] tr[data-epoch='0']");
    assert.match(await text(row), /rings appear; edges still noisy/);
    await moveSlider(0);
    assert.equal(await page.getByTestId("note-quality").inputValue(), note);
    assert.equal(readNotes(run).checkpoints["0"]?.quality, note);

    // and `genreview review --json RUN` reads it as the user's note in force
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => {}, interactive: false };
    const status = await main(["node", "genreview", "review", "--json", run], io);
    assert.ok(status === 0 || status === 1, `review exit status ${status}`);
    const review = JSON.parse(out.join("")) as {
      checkpoints: { epoch: number; notes: { quality: unknown } }[];
    };
    assert.deepEqual(review.checkpoints.find((c) => c.epoch === 0)?.notes.quality, {
      text: note,
      source: "user",
    });
  });

  it("opens a sample large, with the same seed at every checkpoint, and marks it as a failure", async () => {
    // at the default zoom (2x) a 28 px sample is 56 px tall: the middle of seed 7's row
    await page.locator(".fs-strip[data-epoch='10']").click({ position: { x: 20, y: 56 * 7 + 28 } });
    const dialog = page.getByTestId("sample-dialog");
    await dialog.waitFor();
    assert.match(await text(dialog), /Seed 7 at epoch 10/);
    assert.equal(await dialog.locator(".seed-row .sample").count(), EPOCHS.length);
    await dialog.getByTestId("mark").click();
    await dialog.getByTestId("unmark").waitFor();
    assert.deepEqual(readNotes(run).failureMarks, [{ epoch: 10, seed: 7, marked: true }]);
    await dialog.getByTestId("close-dialog").click();
    const card = page.locator("[data-testid=failure-card]", { hasText: "user marked" });
    assert.equal(await card.count(), 1);
    assert.equal(await page.locator(".fs-mark[data-epoch='10'][data-seed='7']").count(), 1);
  });

  it("re-evaluates the selection when the rule changes", async () => {
    await page.getByTestId("rule-diversityFloor").fill("0.99");
    await page.getByTestId("apply-rule").click();
    await page.locator("[data-testid=selection]", { hasText: "No checkpoint selected" }).waitFor();
    assert.equal(
      (readNotes(run).rule as { selection: { diversityFloor: number } }).selection.diversityFloor,
      0.99,
    );
  });

  it("leaves a screenshot and no page errors", async () => {
    await page.getByTestId("rule-diversityFloor").fill("0.55");
    await page.getByTestId("apply-rule").click();
    await page.locator("[data-testid=selection]", { hasText: "Selected" }).waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    assert.deepEqual(errors, []);
  });
});
