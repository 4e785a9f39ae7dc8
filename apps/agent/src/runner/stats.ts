import { median, type LatencySummary } from '@fleetbench/protocol';

export type PercentileName = 'p50' | 'p90' | 'p95' | 'p99';
export const PERCENTILES: Record<PercentileName, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };
/** A percentile q is trusted only with at least 10/(1−q) samples (integers, so no float rounding surprises). */
export const MIN_SAMPLES: Record<PercentileName, number> = { p50: 20, p90: 100, p95: 200, p99: 1000 };

/** Nearest-rank percentile of an ascending array. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1];
}

/**
 * Distribution-free confidence interval for the q-quantile from binomial order statistics: the number of samples
 * below the true quantile is Binomial(n, q), so [X(l), X(u)] covers it with probability F(u−1) − F(l−1).
 * Returns 1-based ranks, or null when n is too small for the requested coverage.
 */
export function quantileCiRanks(n: number, q = 0.5, confidence = 0.95): { lower: number; upper: number } | null {
  if (n < 1) return null;
  const tail = (1 - confidence) / 2;
  const cdf = binomialCdf(n, q);
  // largest l with P(B ≤ l−1) ≤ tail
  let lower = 0;
  for (let l = 1; l <= n; l++) {
    if (cdf[l - 1] <= tail) lower = l;
    else break;
  }
  // smallest u with P(B ≥ u) = 1 − F(u−1) ≤ tail
  let upper = 0;
  for (let u = n; u >= 1; u--) {
    if (1 - cdf[u - 1] <= tail) upper = u;
    else break;
  }
  if (lower === 0 || upper === 0 || lower > upper) return null;
  return { lower, upper };
}

/** CDF of Binomial(n, q) at 0..n, computed in log space so large n does not underflow the first terms. */
export function binomialCdf(n: number, q: number): Float64Array {
  const out = new Float64Array(n + 1);
  const logRatio = Math.log(q) - Math.log1p(-q);
  let logP = n * Math.log1p(-q);
  let acc = 0;
  for (let k = 0; k <= n; k++) {
    acc += Math.exp(logP);
    out[k] = Math.min(1, acc);
    logP += Math.log((n - k) / (k + 1)) + logRatio;
  }
  return out;
}

/** Summary of latencies in milliseconds (samples in any order). */
export function summarize(samplesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const n = sorted.length;
  if (n === 0) {
    return {
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      mean: 0,
      std: 0,
      min: 0,
      max: 0,
      count: 0,
      p50Ci95: null,
      unreliable: ['p50', 'p90', 'p95', 'p99'],
    };
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (sorted[i] - mean) ** 2;
  const std = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  const ci = quantileCiRanks(n, 0.5, 0.95);
  const unreliable = (Object.keys(MIN_SAMPLES) as PercentileName[]).filter((p) => n < MIN_SAMPLES[p]);
  return {
    p50: percentileSorted(sorted, PERCENTILES.p50),
    p90: percentileSorted(sorted, PERCENTILES.p90),
    p95: percentileSorted(sorted, PERCENTILES.p95),
    p99: percentileSorted(sorted, PERCENTILES.p99),
    mean,
    std,
    min: sorted[0],
    max: sorted[n - 1],
    count: n,
    p50Ci95: ci ? [sorted[ci.lower - 1], sorted[ci.upper - 1]] : null,
    unreliable,
  };
}

/** Images per second: every iteration processes `batchSize` images. */
export function throughput(batchSize: number, iterations: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (batchSize * iterations * 1000) / elapsedMs : 0;
}

/**
 * Medians of consecutive one-second windows of the measurement (by each sample's end time, ms since the start).
 * A trailing window shorter than half a second is merged into the previous one so it does not add noise.
 */
export function perWindowMedians(
  latenciesMs: ArrayLike<number>,
  endTimesMs: ArrayLike<number>,
  windowMs = 1000,
): number[] {
  const n = latenciesMs.length;
  if (n === 0) return [];
  const total = endTimesMs[n - 1];
  const windows = Math.max(1, Math.floor(total / windowMs) + (total % windowMs >= windowMs / 2 ? 1 : 0));
  const buckets: number[][] = Array.from({ length: windows }, () => []);
  for (let i = 0; i < n; i++) buckets[Math.min(windows - 1, Math.floor(endTimesMs[i] / windowMs))].push(latenciesMs[i]);
  return buckets.filter((b) => b.length > 0).map((b) => median(b)!);
}

/** Coefficient of variation (sample std ÷ mean); null with fewer than two values. */
export function coefficientOfVariation(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean <= 0) return null;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / mean;
}
