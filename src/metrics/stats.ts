// Small statistics used by the metrics: summaries, percentiles, divergences, the two-proportion z-test,
// the Mann-Whitney U statistic and the birthday collision probability. All float64.

/** Mean of the values (NaN when empty). */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Population standard deviation (divides by n, as NumPy's default and the KID convention). */
export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / values.length);
}

/** Ascending copy. */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * The q-th percentile (q in [0, 100]) of ascending values by linear interpolation between closest
 * ranks (NumPy's default "linear" method): position (n - 1) q / 100.
 */
export function percentileSorted(ascending: ArrayLike<number>, q: number): number {
  const n = ascending.length;
  if (n === 0) return Number.NaN;
  const pos = ((n - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return ascending[lo]! + frac * (ascending[hi]! - ascending[lo]!);
}

export function percentile(values: ArrayLike<number>, q: number): number {
  return percentileSorted(sorted(values), q);
}

export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

/** Share of the ascending reference values strictly below v (the percentile rank of v, in [0, 1]). */
export function shareBelow(ascending: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ascending[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return ascending.length === 0 ? Number.NaN : lo / ascending.length;
}

/** Shannon entropy in nats of a probability vector (0 log 0 = 0). */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) h -= p[i]! * Math.log(p[i]!);
  return h;
}

/** KL(p || q) in nats; infinite when q is 0 where p is not. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! > 0) kl += p[i]! * Math.log(p[i]! / q[i]!);
  }
  return kl;
}

/** Jensen-Shannon divergence in nats (in [0, ln 2]): mean KL of p and q to their midpoint. */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`jsDivergence: lengths ${p.length} and ${q.length}`);
  const m = Float64Array.from(p, (v, i) => (v + q[i]!) / 2);
  return (klDivergence(p, m) + klDivergence(q, m)) / 2;
}

/**
 * Two-proportion z statistic with the pooled proportion (Richardson & Weiss 2018, NDB):
 * z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2)), P = (n1 p1 + n2 p2) / (n1 + n2). 0 when P is 0 or 1.
 */
export function twoProportionZ(p1: number, n1: number, p2: number, n2: number): number {
  const pooled = (n1 * p1 + n2 * p2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return se === 0 ? 0 : (p1 - p2) / se;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Complementary error function to ~1e-15 relative: below |x| = 2.5 the all-positive series
 * erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1)) (no cancellation); above it
 * the continued fraction erfc(x) = e^(-x^2) / sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + (3/2)/(x + ...)))),
 * evaluated backwards from a fixed depth that is ample for x >= 2.5.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 2.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * z * z) / (2 * n + 1);
      sum += term;
    }
    r = 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
  } else {
    let f = z;
    for (let n = 80; n >= 1; n--) f = z + n / 2 / f;
    r = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }
  return x >= 0 ? r : 2 - r;
}

/** Two-sided critical value of the standard normal for significance alpha, by bisection on normalCdf. */
export function normalCritical(alpha: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (2 * (1 - normalCdf(mid)) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Mann-Whitney U of sample a against sample b: the number of pairs (a_i, b_j) with a_i > b_j, ties
 * counting 1/2 (so U = 0 when every a is below every b). O((m + n) log(m + n)).
 */
export function mannWhitneyU(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const sb = sorted(b);
  let u = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    const below = lowerBound(sb, v);
    const notAbove = upperBound(sb, v);
    u += below + (notAbove - below) / 2;
  }
  return u;
}

/** Z_U = (U - mn/2) / sqrt(mn (m + n + 1) / 12) (Meehan et al. 2020, without tie correction). */
export function mannWhitneyZ(u: number, m: number, n: number): number {
  return (u - (m * n) / 2) / Math.sqrt((m * n * (m + n + 1)) / 12);
}

function lowerBound(ascending: Float64Array, v: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ascending[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(ascending: Float64Array, v: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ascending[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Probability that s draws (with replacement) from N equally likely values contain a repeat:
 * 1 - prod_{i<s} (1 - i/N) (the birthday problem; Arora & Zhang 2017 use it to estimate support size).
 */
export function birthdayCollision(support: number, draws: number): number {
  let noRepeat = 1;
  for (let i = 1; i < draws; i++) noRepeat *= 1 - i / support;
  return 1 - Math.max(0, noRepeat);
}

/**
 * log P(X = i), i = 0..n, for X ~ BetaBinomial(n, a, b), by the ratio recurrence
 * pmf(i+1)/pmf(i) = (n-i)(i+a) / ((i+1)(n-i-1+b)) from log pmf(0) = sum_{i<n} log((b+i) / (a+b+i)).
 */
function betaBinomialLogPmf(n: number, a: number, b: number, caller: string): Float64Array {
  if (!(a > 0 && b > 0) || !Number.isInteger(n) || n < 0)
    throw new RangeError(`${caller} needs n >= 0 and a, b > 0, got n=${n}, a=${a}, b=${b}`);
  const logs = new Float64Array(n + 1);
  let logPmf = 0;
  for (let i = 0; i < n; i++) logPmf += Math.log((b + i) / (a + b + i));
  for (let i = 0; i <= n; i++) {
    logs[i] = logPmf;
    if (i < n) logPmf += Math.log(((n - i) * (i + a)) / ((i + 1) * (n - i - 1 + b)));
  }
  return logs;
}

/** P(X = i), i = 0..n, for X ~ BetaBinomial(n, a, b), normalised (see betaBinomialTail for tiny tails). */
export function betaBinomialPmf(n: number, a: number, b: number): Float64Array {
  const logs = betaBinomialLogPmf(n, a, b, "betaBinomialPmf");
  let top = Number.NEGATIVE_INFINITY;
  for (const l of logs) top = Math.max(top, l);
  const out = logs.map((l) => Math.exp(l - top));
  const total = out.reduce((acc, v) => acc + v, 0);
  return out.map((v) => v / total);
}

/** P(X_1 + ... + X_g >= k) for independent counts given by their probability vectors (index = count). */
export function sumTail(pmfs: readonly Float64Array[], k: number): number {
  let dist = Float64Array.of(1);
  for (const p of pmfs) {
    const next = new Float64Array(dist.length + p.length - 1);
    for (let i = 0; i < dist.length; i++) {
      const di = dist[i]!;
      if (di === 0) continue;
      for (let j = 0; j < p.length; j++) next[i + j]! += di * p[j]!;
    }
    dist = next;
  }
  let tail = 0;
  for (let i = Math.max(0, k); i < dist.length; i++) tail += dist[i]!;
  return Math.min(1, tail);
}

/**
 * P(K >= k) for K ~ BetaBinomial(n, a, b): the number of n new draws that fall below the j-th smallest of
 * m exchangeable reference values is BetaBinomial(n, j, m + 1 - j), whatever their distribution. So a
 * count of samples under an order-statistic threshold can be tested without trusting the threshold's own
 * estimate. Summed in log space, so tails far below the largest term keep their value (a normalised pmf
 * rounds them to 0). k <= 0 gives 1; k > n gives 0.
 */
export function betaBinomialTail(n: number, k: number, a: number, b: number): number {
  const logs = betaBinomialLogPmf(n, a, b, "betaBinomialTail");
  if (k <= 0) return 1;
  if (k > n) return 0;
  const tail = logs.subarray(k);
  let top = Number.NEGATIVE_INFINITY;
  for (const l of tail) top = Math.max(top, l);
  let sum = 0;
  for (const l of tail) sum += Math.exp(l - top);
  return Math.min(1, Math.exp(top + Math.log(sum)));
}
