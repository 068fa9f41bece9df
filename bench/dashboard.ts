// Benchmark: how fast a run of 20 checkpoints x 64 seeds opens in the review dashboard.
// Target: the run view opens in under a second on this machine. Measured, not asserted:
//   (a) the API responses the run view needs (run detail, loss series, one strip per checkpoint), with
//       the server's caches cold (first open) and warm (reopening);
//   (b) the full page load in Debian's chromium to the "filmstrip rendered" marker (every strip fetched
//       and decoded), cold and warm, each in a fresh browser context (empty HTTP cache).
// Wall times wait for a CPU when other work runs on the machine, so the load average and the CPU time
// used (this process and chromium's) are printed beside them.
// Usage: npm run bench:dashboard [-- --checkpoints 20 --seeds 64 --repeats 5]
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { clientAssets } from "../src/serve/bundle.ts";
import { startDashboard } from "../src/serve/server.ts";
import { buildFixtureRun } from "../src/serve/testing/fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
/** Linux clock ticks per second (getconf CLK_TCK), the unit of CPU times in /proc/PID/stat. */
const CLOCK_TICKS = 100;

/**
 * CPU time in ms used so far by this process and each of its descendants (the server runs here;
 * chromium's processes are its children), by pid. Read from /proc (Linux); undefined elsewhere. It is
 * less disturbed by other work on the machine than wall time, which waits for a CPU.
 */
function cpuNow(): Map<number, number> | undefined {
  if (!existsSync("/proc/self/stat")) return undefined;
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // fields after the parenthesised command: state ppid ... utime (14th) stime (15th)
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(name), Number(fields[1]));
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while listing
    }
  }
  const isOurs = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p))
      if (p === process.pid) return true;
    return false;
  };
  const ours = new Map<number, number>();
  for (const [pid, t] of ticks) if (isOurs(pid)) ours.set(pid, (t * 1000) / CLOCK_TICKS);
  return ours;
}

/** CPU ms used between two snapshots by the processes alive at the second (new ones count from 0). */
function cpuSince(before: Map<number, number> | undefined): number {
  const after = cpuNow();
  if (before === undefined || after === undefined) return Number.NaN;
  let used = 0;
  for (const [pid, t] of after) used += t - (before.get(pid) ?? 0);
  return used;
}
const TARGET_MS = 1000;

// Other work on the machine inflates every wall-clock figure: print the load so readers can judge them.
console.log(`load average (1 min) at start: ${loadavg()[0]!.toFixed(2)} on this machine`);

const { values } = parseArgs({
  options: {
    checkpoints: { type: "string", default: "20" },
    seeds: { type: "string", default: "64" },
    repeats: { type: "string", default: "5" },
  },
});
const checkpoints = Number(values.checkpoints);
const seeds = Number(values.seeds);
const repeats = Number(values.repeats);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// the best of several runs is the figure least disturbed by other work on the machine
const best = (xs: number[]) => Math.min(...xs);
const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;

// fixture runs: one per cold measurement, so each starts with empty server caches
const root = mkdtempSync(join(tmpdir(), "genreview-bench-dashboard-"));
const epochs = Array.from({ length: checkpoints }, (_, i) => i * 5);
const t0 = performance.now();
for (const name of ["api", "page"]) buildFixtureRun(join(root, name), { epochs, seeds, stepsPerEpoch: 50 });
console.log(
  `fixture: 2 runs of ${checkpoints} checkpoints x ${seeds} seeds (28x28) in ${ms(performance.now() - t0)}`,
);

const tb = performance.now();
await clientAssets();
console.log(`client bundle (esbuild, once per server start): ${ms(performance.now() - tb)}`);
const dashboard = await startDashboard({ root });
const base = dashboard.url.replace(/\/$/, "");

try {
  // (a) the API calls of the run view, in the page's order: detail, then strips and metrics in parallel
  const openApi = async (id: string) => {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const detail = (await (await fetch(`${base}/api/runs/${id}`)).json()) as { sampleEpochs: number[] };
    await Promise.all([
      fetch(`${base}/api/runs/${id}/metrics`).then((r) => r.arrayBuffer()),
      ...detail.sampleEpochs.map((e) =>
        fetch(`${base}/api/runs/${id}/strip/${e}.png`).then((r) => r.arrayBuffer()),
      ),
    ]);
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - start, cpu: (used.user + used.system) / 1000 };
  };
  const apiCold = await openApi("api");
  const apiWarm: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < repeats; i++) apiWarm.push(await openApi("api"));
  console.log(
    `(a) API for the run view (detail + metrics + ${checkpoints} strips); CPU = this process, server and client`,
  );
  console.log(
    `    cold server caches ${ms(apiCold.wall)} (CPU ${ms(apiCold.cpu)})   warm (median of ${repeats}) ` +
      `${ms(median(apiWarm.map((a) => a.wall)))} (CPU ${ms(median(apiWarm.map((a) => a.cpu)))}), ` +
      `best ${ms(best(apiWarm.map((a) => a.wall)))}`,
  );

  // (b) the page in chromium, to the filmstrip-rendered marker
  if (!existsSync(CHROMIUM)) {
    console.log(`(b) skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
  } else {
    const browser = await chromium.launch({
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
    const openPage = async () => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      const start = performance.now();
      const cpu = cpuNow();
      await page.goto(`${base}/#/run/page`);
      await page.waitForSelector("body[data-filmstrip=rendered]", { timeout: 30_000 });
      const elapsed = performance.now() - start;
      const used = cpuSince(cpu);
      await context.close();
      cpuTimes.push(used);
      return elapsed;
    };
    const cpuTimes: number[] = [];
    const pageCold = await openPage();
    const pageWarm: number[] = [];
    for (let i = 0; i < repeats; i++) pageWarm.push(await openPage());
    await browser.close();
    console.log("(b) page load in chromium to 'filmstrip rendered' (fresh browser context each)");
    if (!Number.isNaN(cpuTimes[0]!)) {
      console.log(
        `    CPU (server + every chromium process): cold ${ms(cpuTimes[0]!)}, warm median ${ms(median(cpuTimes.slice(1)))}`,
      );
    }
    console.log(
      `    cold server caches ${ms(pageCold)}   warm (median of ${repeats}) ${ms(median(pageWarm))}, ` +
        `best ${ms(best(pageWarm))}`,
    );
    console.log(
      `target < ${TARGET_MS} ms: cold ${(pageCold / TARGET_MS).toFixed(2)}x, warm median ` +
        `${(median(pageWarm) / TARGET_MS).toFixed(2)}x, warm best ${(best(pageWarm) / TARGET_MS).toFixed(2)}x of the budget`,
    );
  }
} finally {
  await dashboard.close();
  rmSync(root, { recursive: true, force: true });
}
