// Number of statistically Different Bins (NDB; Richardson & Weiss 2018): k-means bins fitted on train
// features, then per bin a two-proportion z-test between the train share and the generated share.
// Many differing bins, or a large JS divergence between the two histograms, mean missing or
// over-produced modes. Legend: K bins, p_b train share of bin b, q_b generated share.
//
// Fit the bins once per dataset (`fitNdbBins`) and reuse them for every checkpoint, so that all
// checkpoints are judged on the same bins.
import { InputError } from "../util/errors.ts";
import type { Matrix } from "../util/matrix.ts";
import { assignCells, kmeans } from "./kmeans.ts";
import { jsDivergence, normalCdf, normalCritical, twoProportionZ } from "./stats.ts";
import { checkFeatures, checkSameWidth } from "./validate.ts";

/** 100 bins and alpha 0.05 as in Richardson & Weiss (2018). */
export const NDB_DEFAULTS = { bins: 100, alpha: 0.05, seed: 0 } as const;

/** Expected count below which a bin's z-test is a poor normal approximation (the usual rule of 5). */
const MIN_EXPECTED_COUNT = 5;

export interface NdbBins {
  /** [K, D] bin centres (k-means on train features). */
  centroids: Matrix;
  /** Train rows per bin. */
  trainCounts: number[];
  nTrain: number;
  seed: number;
}

export interface NdbBin {
  trainShare: number;
  fakeShare: number;
  z: number;
  /** Two-sided p-value of z. */
  p: number;
  different: boolean;
}

export interface NdbResult {
  bins: number;
  /** Bins whose shares differ at level alpha (NDB). */
  differentBins: number;
  /** NDB / K. */
  differentShare: number;
  /** Jensen-Shannon divergence between the train and generated bin histograms, nats (max ln 2). */
  js: number;
  alpha: number;
  /** |z| above this differs (two-sided normal critical value of alpha). */
  zCritical: number;
  nTrain: number;
  nFake: number;
  perBin: NdbBin[];
  warnings: string[];
}

/** k-means bins (seeded k-means++) on train features. */
export async function fitNdbBins(
  train: Matrix,
  options: { bins?: number; seed?: number } = {},
): Promise<NdbBins> {
  checkFeatures(train, "train features");
  const bins = options.bins ?? NDB_DEFAULTS.bins;
  const seed = options.seed ?? NDB_DEFAULTS.seed;
  const km = await kmeans(train, { k: bins, seed });
  return { centroids: km.centroids, trainCounts: km.counts, nTrain: train.rows, seed };
}

/** NDB and JS divergence of generated features against fitted bins. */
export async function ndb(bins: NdbBins, fake: Matrix, options: { alpha?: number } = {}): Promise<NdbResult> {
  checkFeatures(fake, "generated features");
  checkSameWidth(bins.centroids, fake, ["bin centre", "generated"]);
  const alpha = options.alpha ?? NDB_DEFAULTS.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new InputError(`NDB alpha must be in (0, 1), got ${alpha}`);
  const k = bins.centroids.rows;
  const n1 = bins.nTrain;
  const n2 = fake.rows;

  // generated histogram over the same bins
  const fakeCounts = new Array<number>(k).fill(0);
  const { cells } = await assignCells(fake, bins.centroids);
  for (const c of cells) fakeCounts[c]!++;

  // per-bin z-test
  const zCritical = normalCritical(alpha);
  const p = bins.trainCounts.map((c) => c / n1);
  const q = fakeCounts.map((c) => c / n2);
  let thin = 0;
  const perBin = p.map((pb, b): NdbBin => {
    const z = twoProportionZ(pb, n1, q[b]!, n2);
    if (pb * n2 < MIN_EXPECTED_COUNT) thin++;
    return {
      trainShare: pb,
      fakeShare: q[b]!,
      z,
      p: 2 * (1 - normalCdf(Math.abs(z))),
      different: Math.abs(z) > zCritical,
    };
  });
  const differentBins = perBin.filter((b) => b.different).length;
  const warnings: string[] = [];
  if (thin > 0) {
    warnings.push(
      `${thin} of ${k} bins expect fewer than ${MIN_EXPECTED_COUNT} generated samples: ` +
        "their z-tests are rough; use more samples or fewer bins",
    );
  }
  return {
    bins: k,
    differentBins,
    differentShare: differentBins / k,
    js: jsDivergence(p, q),
    alpha,
    zCritical,
    nTrain: n1,
    nFake: n2,
    perBin,
    warnings,
  };
}
