// The standard feature-set report: FD, KID, precision/recall/density/coverage and Vendi of generated
// features against real features, with every set size, the dimension and all warnings in one object.
// One defaults object serves the API, the CLI and its help text.
import { type Matrix, selectRows } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";
import { type FrechetResult, frechetDistance } from "./frechet.ts";
import { KID_DEFAULTS, type KidResult, kid } from "./kid.ts";
import { PRDC_DEFAULTS, type PrdcResult, prdc } from "./prdc.ts";
import { checkFeatures, checkSameWidth } from "./validate.ts";
import { type VendiResult, vendi } from "./vendi.ts";

export const METRIC_DEFAULTS = {
  k: PRDC_DEFAULTS.k,
  kidSubsets: KID_DEFAULTS.subsets,
  kidSubsetSize: KID_DEFAULTS.subsetSize,
  seed: 0,
} as const;

export interface ComputeAllOptions {
  k?: number;
  kidSubsets?: number;
  kidSubsetSize?: number;
  seed?: number;
  /** Progress in work units: FD 1, each KID subset 1, PRDC 1, Vendi 1. */
  onProgress?: (done: number, total: number, stage: string) => void;
}

export interface AllMetricsResult {
  nReal: number;
  nFake: number;
  dim: number;
  seed: number;
  fd: FrechetResult;
  kid: KidResult;
  prdc: PrdcResult;
  vendi: {
    fake: VendiResult;
    /** The same score on real rows of the generated set's size (a seeded subset when real is larger). */
    real: VendiResult;
  };
  /** Every warning of every metric, prefixed with the metric's name. */
  warnings: string[];
}

/** All feature-set metrics of generated features against real features. */
export async function computeAll(
  real: Matrix,
  fake: Matrix,
  options: ComputeAllOptions = {},
): Promise<AllMetricsResult> {
  checkFeatures(real, "real features");
  checkFeatures(fake, "generated features");
  checkSameWidth(real, fake);
  const seed = options.seed ?? METRIC_DEFAULTS.seed;
  const subsets = options.kidSubsets ?? METRIC_DEFAULTS.kidSubsets;
  const total = subsets + 3;
  const progress = options.onProgress ?? (() => {});

  const fd = await frechetDistance(real, fake);
  progress(1, total, "FD");
  const kidResult = await kid(real, fake, {
    subsets,
    subsetSize: options.kidSubsetSize ?? METRIC_DEFAULTS.kidSubsetSize,
    seed,
    onSubset: (done) => progress(1 + done, total, "KID"),
  });
  const prdcResult = await prdc(real, fake, { k: options.k ?? METRIC_DEFAULTS.k });
  progress(subsets + 2, total, "PRDC");

  // Vendi of both sets at the generated set's size
  const vendiFake = await vendi(fake);
  const realRows =
    real.rows > fake.rows
      ? selectRows(real, new Rng(seed).fork("vendi-real").sample(real.rows, fake.rows))
      : real;
  const vendiReal = await vendi(realRows);
  if (real.rows < fake.rows) {
    vendiReal.warnings.push(
      `real set has ${real.rows} rows, fewer than the ${fake.rows} generated: scores differ in n`,
    );
  }
  progress(total, total, "Vendi");

  const warnings = [
    ...fd.warnings.map((w) => `FD: ${w}`),
    ...kidResult.warnings.map((w) => `KID: ${w}`),
    ...prdcResult.warnings.map((w) => `PRDC: ${w}`),
    ...vendiFake.warnings.map((w) => `Vendi (generated): ${w}`),
    ...vendiReal.warnings.map((w) => `Vendi (real): ${w}`),
  ];
  return {
    nReal: real.rows,
    nFake: fake.rows,
    dim: real.cols,
    seed,
    fd,
    kid: kidResult,
    prdc: prdcResult,
    vendi: { fake: vendiFake, real: vendiReal },
    warnings,
  };
}
