// Feature extractors and calibrated scores on the built-in `shapes` data at its default size (10,000
// TRAIN, 2,000 TEST images of 28x28), in one run:
//   1. training time and TEST accuracy of the default classifier extractor (target: well under 30 s on
//      2 cores), and of the autoencoder; fresh cache, so both really train;
//   2. building a Reference at N samples, then the time to score one sample set against it;
//   3. the constructed cases a reviewer knows the verdict of: held-out real images, outputs collapsed to
//      one class and to ten near-duplicates, uniform noise, real images blurred (sigma 1.5 and 0.7 px),
//      copies of TRAIN images: quality and diversity with their intervals, the terms, and the flags.
// Wall times on a shared machine are noisy: CPU time and the load average are printed beside them.
// Usage: npm run bench:scores [-- --n 1000] [-- --no-autoencoder]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "../src/data/load.ts";
import type { ImageBatch } from "../src/data/types.ts";
import { loadExtractor } from "../src/features/index.ts";
import {
  buildReference,
  drawImages,
  fewNearDuplicates,
  gaussianBlur,
  jitter,
  oneClass,
  scoreSamples,
  uniformNoise,
} from "../src/scores/index.ts";

const args = process.argv.slice(2);
const nIndex = args.indexOf("--n");
const N = nIndex >= 0 ? Number(args[nIndex + 1]) : 1000;
const TARGET_TRAIN_SECONDS = 30;

/** Wall and CPU seconds of an async step. */
async function timed<T>(step: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await step();
  const cpu = process.cpuUsage(cpu0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

const f3 = (v: number) => v.toFixed(3);
const load = () => loadavg()[0]!.toFixed(1);

const cache = mkdtempSync(join(tmpdir(), "genreview-bench-scores-"));
try {
  const data = loadDataset("shapes");
  const pool = loadDataset("shapes:train=4000,test=1,seed=77");
  console.log(`data: ${data.id}; fresh real images for the cases: ${pool.id}; N = ${N}`);

  // 1. extractors
  const cls = await timed(() => loadExtractor(data, { cacheRoot: cache }));
  const extractor = cls.value;
  console.log(
    `classifier ${extractor.info.id}: trained in ${cls.wall.toFixed(1)} s wall, ${cls.cpu.toFixed(1)} s CPU ` +
      `(load ${load()}); TEST accuracy ${f3(extractor.info.testAccuracy ?? Number.NaN)}; ` +
      `wall / target ${(cls.wall / TARGET_TRAIN_SECONDS).toFixed(2)} (target ${TARGET_TRAIN_SECONDS} s)`,
  );
  if (!args.includes("--no-autoencoder")) {
    const ae = await timed(() => loadExtractor(data, { kind: "autoencoder", cacheRoot: cache }));
    console.log(
      `autoencoder ${ae.value.info.id}: trained in ${ae.wall.toFixed(1)} s wall, ${ae.cpu.toFixed(1)} s CPU ` +
        `(load ${load()}); TEST reconstruction BCE ${f3(ae.value.training["testLoss"] ?? Number.NaN)}`,
    );
    await ae.value.dispose();
  }

  // 2. reference
  const ref = await timed(() => buildReference(data, extractor, { n: N }));
  const reference = ref.value;
  console.log(
    `reference at N = ${N}: ${ref.wall.toFixed(1)} s wall, ${ref.cpu.toFixed(1)} s CPU (load ${load()})`,
  );

  // 3. constructed cases
  const { h, w } = data.train.images;
  const copies = (): ImageBatch => {
    const picked = drawImages(data.train, N, 5);
    const noisy = jitter(picked, 0.01, 6);
    const out = { ...picked, data: Float32Array.from(picked.data) };
    out.data.set(noisy.data.subarray((N / 2) * h * w), (N / 2) * h * w);
    return out;
  };
  const cases: [string, () => ImageBatch][] = [
    ["held-out real", () => drawImages(pool.train, N, 1)],
    ["one class", () => oneClass(pool.train, 0, N, 2)],
    ["10 near-duplicates", () => fewNearDuplicates(pool.train, 10, N, 3)],
    ["uniform noise", () => uniformNoise(N, h, w, 4)],
    ["blurred sigma 1.5", () => gaussianBlur(drawImages(pool.train, N, 1), 1.5)],
    ["blurred sigma 0.7", () => gaussianBlur(drawImages(pool.train, N, 1), 0.7)],
    ["TRAIN copies (half exact)", copies],
  ];
  let scoring = 0;
  for (const [name, make] of cases) {
    const { value: e, wall } = await timed(() => scoreSamples(reference, make()));
    scoring += wall;
    const q = e.scores.quality;
    const d = e.scores.diversity;
    const flags = e.flags.map((fl) => `${fl.kind} (${fl.severity})`).join(", ") || "none";
    console.log(
      `${name.padEnd(26)} quality ${f3(q.value)} [${f3(q.low)}, ${f3(q.high)}]  diversity ${f3(d.value)} ` +
        `[${f3(d.low)}, ${f3(d.high)}]  flags: ${flags}  (${wall.toFixed(1)} s)`,
    );
    const terms = [...e.components.quality, ...e.components.diversity].map((c) => `${c.name} ${f3(c.term)}`);
    console.log(`${"".padEnd(26)} terms: ${terms.join(", ")}`);
  }
  console.log(
    `scoring one set of ${N}: ${(scoring / cases.length).toFixed(1)} s wall on average (load ${load()})`,
  );
  await extractor.dispose();
} finally {
  rmSync(cache, { recursive: true, force: true });
}
