// Blocked nearest-neighbour search and range counting on feature matrices: the primitive under
// precision/recall/density/coverage, realism, near-duplicates, memorisation and k-means.
// Legend: query rows q_i [Nq, D], base rows x_j [N, D], d2 = squared Euclidean distance.
//
// How: a block of query rows at a time, the native kernel computes d2 - |q|^2 = |x|^2 - 2 q.x for the
// whole base (never an Nq x N matrix: memory is O(block x N)) and keeps a few candidates per row. The
// candidates' distances are then recomputed exactly in JS as sums of squared differences (exactly 0
// for duplicates). A nearest-neighbour row whose answer the product form's rounding could have changed
// (exact ties at the k-th distance) is searched again with more candidates; a count touched by the
// rounding band is recounted exactly. So results do not depend on how the native product rounds: they
// equal an exact float64 scan.
import type { Matrix } from "../util/matrix.ts";
import { countBlock, crossCountBlock, nearestBlock, scaledNearestBlock } from "./native.ts";

/** Elements of one block's [B, N] intermediate: 2^22 doubles = 32 MiB. */
const BLOCK_ELEMENTS = 1 << 22;
/**
 * Fewer query rows per call make the native product slow (it re-packs the whole base for every call:
 * 41-row blocks against 50,000 rows ran about 2x slower than 128-row blocks), so blocks keep at least
 * 128 rows unless that would exceed 2^25 elements (256 MiB of doubles) per intermediate.
 */
const MIN_BLOCK_ROWS = 128;
const MAX_BLOCK_ELEMENTS = 1 << 25;
/** Candidates kept beyond the k needed, so near-ties rarely force an exact rescan of the row. */
const CANDIDATE_MARGIN = 4;

/** The k nearest base rows of every query row. */
export interface Neighbours {
  /** Query rows. */
  n: number;
  k: number;
  /** [n, k] base row indices, nearest first; exact ties in distance are ordered by index. */
  indices: Int32Array;
  /** [n, k] squared Euclidean distances (exact float64 sums of squared differences). */
  sqDistances: Float64Array;
  /** [n, k] Euclidean distances. */
  distances: Float64Array;
}

export interface KnnOptions extends BlockOptions {
  /**
   * The query is the base itself (row i of query = row i of base): skip j = i. Exact duplicates of a
   * row are still neighbours, at distance 0.
   */
  excludeSelf?: boolean;
}

/** Squared norm of every row. */
export function rowSqNorms(x: Matrix): Float64Array {
  const { rows, cols, data } = x;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) s += data[o + j]! * data[o + j]!;
    out[i] = s;
  }
  return out;
}

/** Exact squared distance between row i of a and row j of b (same width d). */
export function sqDistance(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  const oa = i * d;
  const ob = j * d;
  for (let c = 0; c < d; c++) {
    const t = a[oa + c]! - b[ob + c]!;
    s += t * t;
  }
  return s;
}

/**
 * Bound on |(|x|^2 - 2 q.x + |q|^2) - d2_exact| per unit of (|q|^2 + |x|^2 + |threshold|): the dot
 * product of length D rounds by at most D units in the last place of |q||x| <= (|q|^2 + |x|^2) / 2
 * (Higham, Accuracy and Stability of Numerical Algorithms, 3.1), plus a few roundings for the sums and
 * the exact recomputation itself. Doubled for safety: a wider band only costs a few exact rescans.
 */
function toleranceScale(d: number): number {
  return (4 * d + 32) * 2 ** -53;
}

/** Query rows per native call, or the caller's choice (results do not depend on it). */
function blockRows(n: number, total: number, requested?: number): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1)
      throw new RangeError(`blockRows must be >= 1, got ${requested}`);
    return Math.min(requested, total);
  }
  const floor = Math.min(MIN_BLOCK_ROWS, Math.floor(MAX_BLOCK_ELEMENTS / Math.max(n, 1)));
  const rows = Math.max(floor, Math.min(4096, Math.floor(BLOCK_ELEMENTS / Math.max(n, 1))));
  return Math.max(1, Math.min(total, rows));
}

/** Memory/speed knob shared by the blocked searches. */
export interface BlockOptions {
  /** Query rows per native call; default about 2^22 / N (32 MiB per intermediate), at least 128. */
  blockRows?: number;
}

function maxOf(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

function checkWidths(query: Matrix, base: Matrix, what: string): void {
  if (query.cols !== base.cols) {
    throw new RangeError(`${what}: query rows have ${query.cols} values, base rows ${base.cols}`);
  }
  if (base.rows === 0) throw new RangeError(`${what}: the base set is empty`);
}

/** Insert (value, index) into the ascending lists of length `len` (capacity > len); returns new length. */
function insertSorted(values: Float64Array, indices: Int32Array, len: number, v: number, j: number): number {
  let p = len;
  while (p > 0 && (values[p - 1]! > v || (values[p - 1]! === v && indices[p - 1]! > j))) {
    values[p] = values[p - 1]!;
    indices[p] = indices[p - 1]!;
    p--;
  }
  values[p] = v;
  indices[p] = j;
  return len + 1;
}

/**
 * The k nearest base rows of every query row (Euclidean), blocked and native; memory O(block x N).
 * Results equal an exact float64 scan: distances exactly, indices up to the order among rows at
 * exactly equal distance beyond the k-th (those may be picked differently, the distances cannot).
 */
export async function knn(
  query: Matrix,
  base: Matrix,
  k: number,
  options: KnnOptions = {},
): Promise<Neighbours> {
  checkWidths(query, base, "knn");
  const excludeSelf = options.excludeSelf ?? false;
  if (excludeSelf && query.rows !== base.rows) {
    throw new RangeError(`knn excludeSelf needs query = base, got ${query.rows} and ${base.rows} rows`);
  }
  const available = base.rows - (excludeSelf ? 1 : 0);
  if (!Number.isInteger(k) || k < 1 || k > available) {
    throw new RangeError(`knn: k must be an integer in 1..${available}, got ${k}`);
  }
  const { rows: nq, cols: d } = query;
  const n = base.rows;
  const xn = rowSqNorms(base);
  const qn = rowSqNorms(query);
  const tolScale = toleranceScale(d);
  const xnMax = maxOf(xn);
  const indices = new Int32Array(nq * k);
  const sqDistances = new Float64Array(nq * k);

  // rows whose candidates cannot prove the answer (ties at the k-th distance) go round again with
  // four times the candidates; with all N rows as candidates every row is proven
  let rows: Int32Array | null = null; // null: all query rows
  let kc = Math.min(n, k + (excludeSelf ? 1 : 0) + CANDIDATE_MARGIN);
  for (;;) {
    const unproven: number[] = [];
    const candValues = new Float64Array(kc + 1);
    const candIndices = new Int32Array(kc + 1);
    const count = rows === null ? nq : rows.length;
    const B = blockRows(n, count, options.blockRows);
    for (let start = 0; start < count; start += B) {
      const b = Math.min(B, count - start);
      const q =
        rows === null ? query.data.subarray(start * d, (start + b) * d) : gatherRows(query, rows, start, b);
      const block = await nearestBlock(q, base.data, xn, { b, n, d }, kc);
      for (let r = 0; r < b; r++) {
        const i = rows === null ? start + r : rows[start + r]!;
        const skip = excludeSelf ? i : -1;

        // exact distances of the candidates, nearest first
        let len = 0;
        for (let c = 0; c < kc; c++) {
          const j = Number(block.indices[r * kc + c]!);
          if (j === skip) continue;
          len = insertSorted(candValues, candIndices, len, sqDistance(query.data, i, base.data, j, d), j);
        }

        // every row left out has d2 >= its product-form value minus the rounding band
        const lowerBound = Math.max(0, block.values[r * kc + kc - 1]! + qn[i]! - tolScale * (qn[i]! + xnMax));
        if (kc < n && candValues[k - 1]! > lowerBound) {
          unproven.push(i);
          continue;
        }
        sqDistances.set(candValues.subarray(0, k), i * k);
        indices.set(candIndices.subarray(0, k), i * k);
      }
    }
    if (unproven.length === 0) break;
    rows = Int32Array.from(unproven);
    kc = Math.min(n, kc * 4);
  }
  return { n: nq, k, indices, sqDistances, distances: sqDistances.map(Math.sqrt) };
}

/** Rows rows[start .. start + b) of x packed into a new array [b, D]. */
function gatherRows(x: Matrix, rows: Int32Array, start: number, b: number): Float64Array {
  const d = x.cols;
  const out = new Float64Array(b * d);
  for (let r = 0; r < b; r++)
    out.set(x.data.subarray(rows[start + r]! * d, (rows[start + r]! + 1) * d), r * d);
  return out;
}

/**
 * Squared distance from every row to its k-th nearest other row of the same set (r_k^2 of
 * Kynkaanniemi et al. and Naeem et al.). Duplicates count as neighbours at distance 0, so a row with
 * k or more exact duplicates has radius 0.
 */
export async function kthRadiiSq(x: Matrix, k: number): Promise<Float64Array> {
  const nb = await knn(x, x, k, { excludeSelf: true });
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) out[i] = nb.sqDistances[i * k + k - 1]!;
  return out;
}

export interface CountOptions extends BlockOptions {
  /** Count base row j when d2(q_i, x_j) < columnThresholdSq[j] (strict); length N. */
  columnThresholdSq?: Float64Array;
  /** Count base row j when d2(q_i, x_j) < rowThresholdSq[i] (strict); length Nq. */
  rowThresholdSq?: Float64Array;
  /** The query is the base itself: do not count j = i. */
  excludeSelf?: boolean;
}

/**
 * For every query row, how many base rows lie strictly inside a threshold distance (per base row, as
 * for the balls of precision/density, or per query row, as for a range search). Blocked and native;
 * rows with a pair inside the rounding band of the product form are recounted exactly.
 */
export async function countWithin(query: Matrix, base: Matrix, options: CountOptions): Promise<Int32Array> {
  checkWidths(query, base, "countWithin");
  const { columnThresholdSq: colT, rowThresholdSq: rowT } = options;
  if ((colT === undefined) === (rowT === undefined)) {
    throw new RangeError("countWithin needs exactly one of columnThresholdSq and rowThresholdSq");
  }
  if (colT !== undefined && colT.length !== base.rows) {
    throw new RangeError(`countWithin: ${colT.length} column thresholds for ${base.rows} base rows`);
  }
  if (rowT !== undefined && rowT.length !== query.rows) {
    throw new RangeError(`countWithin: ${rowT.length} row thresholds for ${query.rows} query rows`);
  }
  const excludeSelf = options.excludeSelf ?? false;
  if (excludeSelf && query.rows !== base.rows) {
    throw new RangeError(
      `countWithin excludeSelf needs query = base, got ${query.rows} and ${base.rows} rows`,
    );
  }
  const { rows: nq, cols: d } = query;
  const n = base.rows;
  const xn = rowSqNorms(base);
  const qn = rowSqNorms(query);
  const tolScale = toleranceScale(d);

  // d2 < t  <=>  |x|^2 - t_col - 2 q.x < t_row - |q|^2, with t_col or t_row zero
  const c = colT === undefined ? xn : xn.map((v, j) => v - colT[j]!);
  const scale = xn.reduce((m, v, j) => Math.max(m, v + (colT === undefined ? 0 : Math.abs(colT[j]!))), 0);
  const counts = new Int32Array(nq);
  const B = blockRows(n, nq, options.blockRows);
  const lo = new Float64Array(B);
  const hi = new Float64Array(B);
  for (let start = 0; start < nq; start += B) {
    const b = Math.min(B, nq - start);
    for (let r = 0; r < b; r++) {
      const i = start + r;
      const t = (rowT === undefined ? 0 : rowT[i]!) - qn[i]!;
      const band = tolScale * (qn[i]! + scale + (rowT === undefined ? 0 : Math.abs(rowT[i]!)));
      lo[r] = t - band;
      hi[r] = t + band;
    }
    const res = await countBlock(
      query.data.subarray(start * d, (start + b) * d),
      base.data,
      c,
      lo.subarray(0, b),
      hi.subarray(0, b),
      { b, n, d },
    );
    for (let r = 0; r < b; r++) {
      const i = start + r;
      if (res.below[r] === res.belowOrBand[r]) {
        // certain; the self pair (d2 = 0 exactly) is inside whenever its threshold is positive
        const self = excludeSelf && 0 < (colT === undefined ? rowT![i]! : colT[i]!) ? 1 : 0;
        counts[i] = res.below[r]! - self;
        continue;
      }
      let count = 0;
      for (let j = 0; j < n; j++) {
        if (excludeSelf && j === i) continue;
        const t = colT === undefined ? rowT![i]! : colT[j]!;
        if (sqDistance(query.data, i, base.data, j, d) < t) count++;
      }
      counts[i] = count;
    }
  }
  return counts;
}

/**
 * For every query row, min over base rows j of d2(q_i, x_j) * w_j and its argmin (w_j >= 0, finite),
 * e.g. w_j = 1 / r_j^2 for the realism score. Exact like `knn`.
 */
export async function minScaledSqDistance(
  query: Matrix,
  base: Matrix,
  weights: Float64Array,
  options: BlockOptions = {},
): Promise<{ values: Float64Array; indices: Int32Array }> {
  checkWidths(query, base, "minScaledSqDistance");
  if (weights.length !== base.rows) {
    throw new RangeError(`minScaledSqDistance: ${weights.length} weights for ${base.rows} base rows`);
  }
  const { rows: nq, cols: d } = query;
  const n = base.rows;
  const xn = rowSqNorms(base);
  const qn = rowSqNorms(query);
  const tolScale = toleranceScale(d);
  const xnMax = maxOf(xn);
  const wMax = maxOf(weights);
  const kc = Math.min(n, 1 + CANDIDATE_MARGIN);

  const values = new Float64Array(nq);
  const indices = new Int32Array(nq);
  const B = blockRows(n, nq, options.blockRows);
  for (let start = 0; start < nq; start += B) {
    const b = Math.min(B, nq - start);
    const block = await scaledNearestBlock(
      query.data.subarray(start * d, (start + b) * d),
      base.data,
      xn,
      qn.subarray(start, start + b),
      weights,
      { b, n, d },
      kc,
    );
    for (let r = 0; r < b; r++) {
      const i = start + r;
      let best = Number.POSITIVE_INFINITY;
      let bestJ = -1;
      const consider = (j: number): void => {
        const v = sqDistance(query.data, i, base.data, j, d) * weights[j]!;
        if (v < best || (v === best && j < bestJ)) {
          best = v;
          bestJ = j;
        }
      };
      for (let c = 0; c < kc; c++) consider(Number(block.indices[r * kc + c]!));
      const lowerBound = Math.max(0, block.values[r * kc + kc - 1]! - tolScale * (qn[i]! + xnMax) * wMax * 2);
      if (!(kc === n || best <= lowerBound)) {
        best = Number.POSITIVE_INFINITY;
        for (let j = 0; j < n; j++) consider(j);
      }
      values[i] = best;
      indices[i] = bestJ;
    }
  }
  return { values, indices };
}

/** Ball memberships between generated and real rows (the counts behind PRDC), see `crossBallCounts`. */
export interface BallCounts {
  /** Per generated row y: #{real x : d(y, x) < r_x}. */
  fakeInRealBalls: Int32Array;
  /** Per real row x: #{generated y : d(y, x) < r_x} (generated samples inside x's own ball). */
  fakeInOwnBall: Int32Array;
  /** Per real row x: #{generated y : d(y, x) < r_y}. */
  realInFakeBalls: Int32Array;
}

/**
 * The three ball-membership counts between generated rows Y [M, D] with radii^2 `fakeRadiiSq` and real
 * rows X [N, D] with radii^2 `realRadiiSq` (strict '<'), from one native pass over the M x N distances
 * (memory O(block x N)). Rows and columns touched by the rounding band are recounted exactly.
 */
export async function crossBallCounts(
  fake: Matrix,
  real: Matrix,
  fakeRadiiSq: Float64Array,
  realRadiiSq: Float64Array,
  options: BlockOptions = {},
): Promise<BallCounts> {
  checkWidths(fake, real, "crossBallCounts");
  const { rows: m, cols: d } = fake;
  const n = real.rows;
  if (fakeRadiiSq.length !== m || realRadiiSq.length !== n) {
    throw new RangeError(
      `crossBallCounts: radii for ${fakeRadiiSq.length}/${realRadiiSq.length} rows, sets of ${m}/${n}`,
    );
  }
  const xn = rowSqNorms(real);
  const qn = rowSqNorms(fake);
  const tolScale = toleranceScale(d);
  const c = xn.map((v, j) => v - realRadiiSq[j]!);
  const scale = maxOf(xn) + maxOf(realRadiiSq);

  const fakeInRealBalls = new Int32Array(m);
  const colLo = new Float64Array(n);
  const colHi = new Float64Array(n);
  const recLo = new Float64Array(n);
  const recHi = new Float64Array(n);
  const B = blockRows(n, m, options.blockRows);
  const bands = {
    lo1: new Float64Array(B),
    hi1: new Float64Array(B),
    lo2: new Float64Array(B),
    hi2: new Float64Array(B),
  };
  for (let start = 0; start < m; start += B) {
    const b = Math.min(B, m - start);
    for (let r = 0; r < b; r++) {
      const i = start + r;
      const band1 = tolScale * (qn[i]! + scale);
      const band2 = tolScale * (qn[i]! + scale + fakeRadiiSq[i]!);
      bands.lo1[r] = -qn[i]! - band1;
      bands.hi1[r] = -qn[i]! + band1;
      bands.lo2[r] = fakeRadiiSq[i]! - qn[i]! - band2;
      bands.hi2[r] = fakeRadiiSq[i]! - qn[i]! + band2;
    }
    const sub = (a: Float64Array): Float64Array => a.subarray(0, b);
    const res = await crossCountBlock(
      fake.data.subarray(start * d, (start + b) * d),
      real.data,
      c,
      realRadiiSq,
      { lo1: sub(bands.lo1), hi1: sub(bands.hi1), lo2: sub(bands.lo2), hi2: sub(bands.hi2) },
      { b, n, d },
    );

    // per generated row: certain, or recounted exactly
    for (let r = 0; r < b; r++) {
      const i = start + r;
      if (res.rowLo[r] === res.rowHi[r]) {
        fakeInRealBalls[i] = res.rowLo[r]!;
        continue;
      }
      let count = 0;
      for (let j = 0; j < n; j++) if (sqDistance(fake.data, i, real.data, j, d) < realRadiiSq[j]!) count++;
      fakeInRealBalls[i] = count;
    }
    for (let j = 0; j < n; j++) {
      colLo[j]! += res.colLo[j]!;
      colHi[j]! += res.colHi[j]!;
      recLo[j]! += res.recLo[j]!;
      recHi[j]! += res.recHi[j]!;
    }
  }

  // per real row: certain when no pair of its column fell in the band, else recounted exactly
  const fakeInOwnBall = new Int32Array(n);
  const realInFakeBalls = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    if (colLo[j] === colHi[j]) fakeInOwnBall[j] = colLo[j]!;
    else {
      let count = 0;
      for (let i = 0; i < m; i++) if (sqDistance(fake.data, i, real.data, j, d) < realRadiiSq[j]!) count++;
      fakeInOwnBall[j] = count;
    }
    if (recLo[j] === recHi[j]) realInFakeBalls[j] = recLo[j]!;
    else {
      let count = 0;
      for (let i = 0; i < m; i++) if (sqDistance(fake.data, i, real.data, j, d) < fakeRadiiSq[i]!) count++;
      realInFakeBalls[j] = count;
    }
  }
  return { fakeInRealBalls, fakeInOwnBall, realInFakeBalls };
}
