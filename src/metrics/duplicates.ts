// Near-duplicates among generated samples, judged against real data: a reproducible birthday-style
// test (Arora & Zhang 2017 count repeats in a batch to estimate a generator's support size).
// Legend: X real [N, D], Y generated [M, D]; t = the given percentile of real nearest-neighbour distances.
//
// A pair is a near-duplicate when its distance is below t. The generated pair rate (near-duplicate
// pairs / all M(M-1)/2 pairs) is compared with the same rate on a seeded random subset of real rows of
// the same size M: a collapsing generator repeats itself far more often than the data does.
import { InputError } from "../util/errors.ts";
import { type Matrix, selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { countWithin, knn } from "./neighbours.ts";
import { percentile } from "./stats.ts";
import { checkFeatures, checkSameWidth } from "./validate.ts";

/** 1st percentile of real nearest-neighbour distances (docs/metrics.md); 16 neighbours listed per sample. */
export const NEAR_DUPLICATE_DEFAULTS = { percentile: 1, seed: 0, maxNeighbours: 16, maxPairs: 200 } as const;

export interface NearDuplicateOptions {
  /** Percentile (0-100) of real nearest-neighbour distances used as the threshold t. */
  percentile?: number;
  seed?: number;
  /** Near-duplicates listed per generated sample (the counts are exact regardless). */
  maxNeighbours?: number;
  /** Closest pairs listed in the result. */
  maxPairs?: number;
}

export interface PairRate {
  /** Rows in the set. */
  n: number;
  /** Near-duplicate pairs (unordered, i != j). */
  pairs: number;
  /** pairs / (n (n - 1) / 2). */
  pairRate: number;
  /** Rows with at least one near-duplicate. */
  rowsWithDuplicate: number;
}

export interface NearDuplicateResult {
  /** The distance threshold t. */
  threshold: number;
  percentile: number;
  fake: PairRate;
  /** The same count on a seeded subset of real rows of the generated set's size. */
  real: PairRate;
  /** fake.pairRate / real.pairRate (Infinity when real has none but fake does, 1 when both have none). */
  rateRatio: number;
  /** Closest generated pairs [i, j, distance] with i < j, nearest first (at most maxPairs). */
  closestPairs: [number, number, number][];
  /**
   * Groups of generated samples chained by near-duplicate links (each sample linked to its up to
   * maxNeighbours nearest near-duplicates), largest first: the samples to show as repeats.
   */
  groups: number[][];
  warnings: string[];
}

function pairRate(counts: Int32Array): PairRate {
  const n = counts.length;
  let total = 0;
  let rows = 0;
  for (const c of counts) {
    total += c;
    if (c > 0) rows++;
  }
  const pairs = total / 2; // each pair is counted from both ends
  return { n, pairs, pairRate: n > 1 ? pairs / ((n * (n - 1)) / 2) : 0, rowsWithDuplicate: rows };
}

/** Union-find root with path halving. */
function root(parent: Int32Array, i: number): number {
  let r = i;
  while (parent[r] !== r) {
    parent[r] = parent[parent[r]!]!;
    r = parent[r]!;
  }
  return r;
}

/** Near-duplicate rate of generated features against the real rate at equal size, with the pairs. */
export async function nearDuplicates(
  real: Matrix,
  fake: Matrix,
  options: NearDuplicateOptions = {},
): Promise<NearDuplicateResult> {
  checkFeatures(real, "real features");
  checkFeatures(fake, "generated features");
  checkSameWidth(real, fake);
  const q = options.percentile ?? NEAR_DUPLICATE_DEFAULTS.percentile;
  const maxNeighbours = options.maxNeighbours ?? NEAR_DUPLICATE_DEFAULTS.maxNeighbours;
  const maxPairs = options.maxPairs ?? NEAR_DUPLICATE_DEFAULTS.maxPairs;
  if (real.rows < 2 || fake.rows < 2) {
    throw new InputError(
      `near-duplicates need >= 2 rows per set, got ${real.rows} real and ${fake.rows} generated`,
    );
  }
  if (!(q >= 0 && q <= 100)) throw new InputError(`percentile must be in [0, 100], got ${q}`);
  const m = fake.rows;
  const warnings: string[] = [];

  // threshold: the q-th percentile of real nearest-neighbour distances
  const realNn = await knn(real, real, 1, { excludeSelf: true });
  const threshold = percentile(realNn.distances, q);
  const t2 = new Float64Array(Math.max(m, real.rows)).fill(threshold * threshold);
  if (threshold === 0) {
    warnings.push(
      `the ${q}th percentile of real nearest-neighbour distances is 0 (duplicated real data): only distance < 0 counts, so nothing does`,
    );
  }

  // exact pair counts, generated and real at the same size
  const fakeCounts = await countWithin(fake, fake, { rowThresholdSq: t2.subarray(0, m), excludeSelf: true });
  const rng = new Rng(options.seed ?? NEAR_DUPLICATE_DEFAULTS.seed).fork("near-duplicates");
  let realSubset = real;
  if (real.rows > m) realSubset = selectRows(real, rng.sample(real.rows, m));
  else if (real.rows < m) {
    warnings.push(
      `only ${real.rows} real rows for ${m} generated: the real rate is measured on all ${real.rows}`,
    );
  }
  const realCounts = await countWithin(realSubset, realSubset, {
    rowThresholdSq: t2.subarray(0, realSubset.rows),
    excludeSelf: true,
  });
  const fakeRate = pairRate(fakeCounts);
  const realRate = pairRate(realCounts);

  // list the pairs of generated samples that have near-duplicates
  const flagged: number[] = [];
  for (let i = 0; i < m; i++) if (fakeCounts[i]! > 0) flagged.push(i);
  const closestPairs: [number, number, number][] = [];
  const parent = Int32Array.from({ length: m }, (_, i) => i);
  if (flagged.length > 0) {
    const kk = Math.min(maxNeighbours + 1, m);
    const nb = await knn(selectRows(fake, flagged), fake, kk);
    flagged.forEach((i, r) => {
      for (let c = 0; c < kk; c++) {
        const j = nb.indices[r * kk + c]!;
        const d = nb.distances[r * kk + c]!;
        if (j === i || !(d < threshold)) continue;
        parent[root(parent, i)] = root(parent, j);
        if (i < j) closestPairs.push([i, j, d]);
      }
    });
    const truncated = flagged.filter((i) => fakeCounts[i]! > maxNeighbours).length;
    if (truncated > 0) {
      warnings.push(
        `${truncated} generated samples have more than ${maxNeighbours} near-duplicates: ` +
          "groups link only each sample's nearest ones (counts and rates are exact)",
      );
    }
  }
  closestPairs.sort((a, b) => a[2] - b[2] || a[0] - b[0] || a[1] - b[1]);

  // groups: connected components of the listed links
  const byRoot = new Map<number, number[]>();
  for (const i of flagged) {
    const r = root(parent, i);
    const g = byRoot.get(r);
    if (g === undefined) byRoot.set(r, [i]);
    else g.push(i);
  }
  const groups = [...byRoot.values()]
    .filter((g) => g.length > 1)
    .sort((a, b) => b.length - a.length || a[0]! - b[0]!);

  let rateRatio: number;
  if (realRate.pairs > 0) rateRatio = fakeRate.pairRate / realRate.pairRate;
  else rateRatio = fakeRate.pairs > 0 ? Number.POSITIVE_INFINITY : 1;
  return {
    threshold,
    percentile: q,
    fake: fakeRate,
    real: realRate,
    rateRatio,
    closestPairs: closestPairs.slice(0, maxPairs),
    groups,
    warnings,
  };
}
