// Seeded bootstrap intervals of the quality and diversity scores. Legend: M samples; a resample draws
// M indices with replacement (multiplicities c_j); S* the score recomputed on a resample from the
// per-sample statistics (components.ts resampledValues); S the full-set score.
//
// The interval is the spread of S* around its median, placed around S:
//   low = S - (median S* - P2.5 S*),  high = S + (P97.5 S* - median S*),  clipped to [0, 1].
// The plain percentile interval [P2.5, P97.5] would not contain S for set-level components: a resample
// repeats about 37% of samples, which lowers coverage, recall and Vendi by an amount that is an artefact
// of the repeats, not a sampling error. Centring on S keeps the spread (the sampling uncertainty) and
// drops that shift. Resampling the generated set only: the baseline is held fixed, so the interval
// says how much the score would move with another draw of M samples from the same generator.

import { percentileSorted } from "../metrics/stats.ts";
import type { Score } from "../run/schema.ts";
import { Rng } from "../util/rng.ts";
import {
  type ComponentValues,
  combine,
  components,
  DIVERSITY_NAMES,
  QUALITY_NAMES,
  resampledValues,
} from "./components.ts";
import type { SetStatistics } from "./statistics.ts";

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  /** Central share of the interval (0.95 gives percentiles 2.5 and 97.5). */
  interval: number;
}

export interface BootstrapResult {
  quality: Score;
  diversity: Score;
  resamples: number;
}

/** The two scores with their intervals; `resamples: 0` gives a zero-width interval. */
export function bootstrapScores(
  s: SetStatistics,
  realRadiiSq: Float64Array,
  k: number,
  full: ComponentValues,
  baseline: ComponentValues,
  options: BootstrapOptions,
): BootstrapResult {
  const quality = combine(components(full, baseline, QUALITY_NAMES));
  const diversity = combine(components(full, baseline, DIVERSITY_NAMES));
  if (options.resamples === 0) {
    return { quality: point(quality), diversity: point(diversity), resamples: 0 };
  }

  // draw every resample from one seeded stream, so the interval is reproducible
  const rng = new Rng(options.seed).fork("bootstrap");
  const m = s.n;
  const counts = new Int32Array(m);
  const qs = new Float64Array(options.resamples);
  const ds = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < m; i++) counts[rng.int(m)]!++;
    const values = resampledValues(s, counts, realRadiiSq, k, full);
    qs[r] = combine(components(values, baseline, QUALITY_NAMES));
    ds[r] = combine(components(values, baseline, DIVERSITY_NAMES));
  }
  const tail = (100 * (1 - options.interval)) / 2;
  return {
    quality: centred(quality, qs.sort(), tail),
    diversity: centred(diversity, ds.sort(), tail),
    resamples: options.resamples,
  };
}

function point(v: number): Score {
  return { value: v, low: v, high: v };
}

function centred(value: number, sorted: Float64Array, tail: number): Score {
  const median = percentileSorted(sorted, 50);
  const low = value - (median - percentileSorted(sorted, tail));
  const high = value + (percentileSorted(sorted, 100 - tail) - median);
  return { value, low: Math.max(0, Math.min(value, low)), high: Math.min(1, Math.max(value, high)) };
}
