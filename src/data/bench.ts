// Benchmark of the built-in datasets: time to generate and hash the default 10,000 + 2,000 images at
// 28x28 (the target: well under a few seconds each). Prints the best of a few runs, since other work on
// the machine only ever adds time. Run: node --import tsx src/data/bench.ts [runs]
import { loadDataset } from "./load.ts";

const runs = Number(process.argv[2] ?? 3);
for (const kind of ["shapes", "glyphs", "patterns"] as const) {
  const times: number[] = [];
  let images = 0;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const d = loadDataset(kind);
    times.push(performance.now() - start);
    images = d.train.images.n + d.test.images.n;
  }
  const best = Math.min(...times);
  const rate = (images / best) * 1000;
  console.log(
    `${kind.padEnd(8)} ${images} images 28x28: best ${best.toFixed(0)} ms of ${runs} (${rate.toFixed(0)} images/s)`,
  );
}
