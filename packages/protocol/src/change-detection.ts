import { z } from 'zod';

// Regression watch (issue 13): is a newer result of the same model × hardware class × comparability key faster,
// slower or just as fast as the one before it, given how precisely each of the two was measured?
//
// Each result gives an estimate with a confidence interval of its own:
// - p50 latency: the distribution-free interval of the median from order statistics of its HDR histogram (the number
//   of samples below the true median is Binomial(n, ½)), so skewed latencies need no normality assumption;
// - throughput: the mean latency's normal interval (std ÷ √n), turned into images/s;
// - top-1: the Wilson score interval of a binomial proportion over the images scored.
// Two intervals make an interval for the difference by MOVER (Newcombe's method of recovering variance estimates,
// which keeps asymmetric intervals asymmetric): lower = d − √((a−a_lo)² + (b_hi−b)²), upper = d + √((a_hi−a)² +
// (b−b_lo)²) for d = a − b. A change is marked when that interval excludes zero AND the move is at least a practical
// minimum (latency and throughput): iterations within one run are not quite independent (caches, frequency), so a
// sub-percent "significant" move between runs is noise of the setup, not of the software.

export const ChangeMetricSchema = z.enum(['p50Ms', 'throughputIps', 'top1']);
export type ChangeMetric = z.infer<typeof ChangeMetricSchema>;
export const ChangeKindSchema = z.enum(['regression', 'improvement']);
export type ChangeKind = z.infer<typeof ChangeKindSchema>;

/** Which way is worse: a longer p50 is a regression, a lower throughput or top-1 is one. */
export const HIGHER_IS_WORSE: Record<ChangeMetric, boolean> = { p50Ms: true, throughputIps: false, top1: false };

/** Confidence of each interval (and so of the difference's), and the least relative move marked per metric. */
export const CHANGE_DEFAULTS = {
  confidence: 0.999,
  minRelative: { p50Ms: 0.03, throughputIps: 0.03, top1: 0 } as Record<ChangeMetric, number>,
  /** Fewer samples than this give no interval: p50 needs 20 (the agent's own "trusted" rule), a proportion 30. */
  minSamples: { p50Ms: 20, throughputIps: 20, top1: 30 } as Record<ChangeMetric, number>,
};

/** A measured figure and its interval; `low`/`high` null when the result cannot say how precise it is. */
export interface Estimate {
  value: number;
  low: number | null;
  high: number | null;
}

/** Ascending samples as a histogram: `count` values, `valueAtRank(r)` is the r-th smallest (1-based). */
export interface RankedSample {
  count: number;
  valueAtRank(rank: number): number;
}

/** A RankedSample over (value, count) buckets in ascending value order — what an HDR histogram iterates to. */
export function rankedFromBuckets(buckets: readonly { value: number; count: number }[]): RankedSample {
  const values: number[] = [];
  const cum: number[] = [];
  let total = 0;
  for (const b of buckets) {
    if (b.count <= 0) continue;
    total += b.count;
    values.push(b.value);
    cum.push(total);
  }
  return {
    count: total,
    valueAtRank(rank: number): number {
      const r = Math.min(total, Math.max(1, rank));
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! >= r) hi = mid;
        else lo = mid + 1;
      }
      return values[lo]!;
    },
  };
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

const zOf = (confidence: number) => normalQuantile(1 - (1 - confidence) / 2);

/**
 * The median with its distribution-free interval: ranks n/2 ∓ z·√n/2 (normal approximation of Binomial(n, ½), good
 * from the 20 samples the agent trusts a p50 with). `value` is the nearest-rank median, as the agent reports it.
 */
export function medianEstimate(
  s: RankedSample,
  confidence = CHANGE_DEFAULTS.confidence,
  minSamples = CHANGE_DEFAULTS.minSamples.p50Ms,
): Estimate {
  const n = s.count;
  if (n === 0) throw new RangeError('medianEstimate of an empty sample');
  const value = s.valueAtRank(Math.ceil(n / 2));
  if (n < minSamples) return { value, low: null, high: null };
  const lowRank = Math.max(1, Math.floor(n / 2 - (zOf(confidence) * Math.sqrt(n)) / 2));
  return { value, low: s.valueAtRank(lowRank), high: s.valueAtRank(n - lowRank + 1) };
}

/**
 * Images per second with the interval of the mean latency it comes from (throughput = batch ÷ mean latency, so the
 * interval of the mean, mean ± z·std/√n, maps onto throughput inverted).
 */
export function throughputEstimate(
  ips: number,
  latency: { mean: number; std: number; count: number },
  confidence = CHANGE_DEFAULTS.confidence,
  minSamples = CHANGE_DEFAULTS.minSamples.throughputIps,
): Estimate {
  if (latency.count < minSamples || latency.mean <= 0) return { value: ips, low: null, high: null };
  const half = (zOf(confidence) * latency.std) / Math.sqrt(latency.count);
  const rel = half / latency.mean;
  return { value: ips, low: ips / (1 + rel), high: rel < 1 ? ips / (1 - rel) : Number.POSITIVE_INFINITY };
}

/** A proportion (top-1) over n images with its Wilson score interval. */
export function proportionEstimate(
  p: number,
  n: number | null,
  confidence = CHANGE_DEFAULTS.confidence,
  minSamples = CHANGE_DEFAULTS.minSamples.top1,
): Estimate {
  if (n === null || n < minSamples) return { value: p, low: null, high: null };
  const z = zOf(confidence);
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Outcome of comparing a newer estimate with the one before it. */
export interface ChangeAssessment {
  metric: ChangeMetric;
  before: number;
  after: number;
  /** (after − before) ÷ before, and its interval in the same unit; null interval when either side has none. */
  relative: number;
  relativeLow: number | null;
  relativeHigh: number | null;
  /** null: no change the two intervals allow to call (or no interval to tell). */
  kind: ChangeKind | null;
}

/** after − before with its MOVER interval (see the top of this file); null when either side has no interval. */
export function differenceInterval(before: Estimate, after: Estimate): { low: number; high: number } | null {
  if (before.low === null || before.high === null || after.low === null || after.high === null) return null;
  const d = after.value - before.value;
  return {
    low: d - Math.hypot(after.value - after.low, before.high - before.value),
    high: d + Math.hypot(after.high - after.value, before.value - before.low),
  };
}

export function assessChange(
  metric: ChangeMetric,
  before: Estimate,
  after: Estimate,
  minRelative = CHANGE_DEFAULTS.minRelative[metric],
): ChangeAssessment {
  const base = Math.abs(before.value) > 0 ? before.value : Number.NaN;
  const relative = (after.value - before.value) / base;
  const interval = differenceInterval(before, after);
  const out: ChangeAssessment = {
    metric,
    before: before.value,
    after: after.value,
    relative: Number.isFinite(relative) ? relative : 0,
    relativeLow: interval && Number.isFinite(base) ? interval.low / base : null,
    relativeHigh: interval && Number.isFinite(base) ? interval.high / base : null,
    kind: null,
  };
  if (!interval || !Number.isFinite(relative)) return out;
  const excludesZero = interval.low > 0 || interval.high < 0;
  if (!excludesZero || Math.abs(relative) < minRelative) return out;
  const worse = HIGHER_IS_WORSE[metric] ? relative > 0 : relative < 0;
  out.kind = worse ? 'regression' : 'improvement';
  return out;
}

// ---- software fingerprint --------------------------------------------------------------------------------------

/** The parts of a result's software fingerprint a change can be put down to, in the order they are named. */
export const FINGERPRINT_PARTS = [
  'agent',
  'onnxruntime',
  'node',
  'runner',
  'model',
  'dataset',
  'os',
  'kernel',
  'device',
] as const;
export type FingerprintPart = (typeof FINGERPRINT_PARTS)[number];
export const SoftwareFingerprintPartsSchema = z.partialRecord(z.enum(FINGERPRINT_PARTS), z.string().nullable());
export type SoftwareFingerprintParts = z.infer<typeof SoftwareFingerprintPartsSchema>;

/** The parts that differ, in FINGERPRINT_PARTS order (a part missing on one side is not a difference). */
export function changedParts(
  before: SoftwareFingerprintParts,
  after: SoftwareFingerprintParts,
): { part: FingerprintPart; from: string | null; to: string | null }[] {
  return FINGERPRINT_PARTS.filter((p) => p in before && p in after && before[p] !== after[p]).map((p) => ({
    part: p,
    from: before[p] ?? null,
    to: after[p] ?? null,
  }));
}

const METRIC_LABEL: Record<ChangeMetric, string> = { p50Ms: 'p50', throughputIps: 'throughput', top1: 'top-1' };

const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} %`;
const short = (v: string | null, part: FingerprintPart) =>
  v === null ? '—' : part === 'model' || part === 'dataset' ? v.slice(0, 12) : v;

/** "onnxruntime 1.29 → 1.30: p50 +14.0 % [CI +11.2 %, +16.9 %]" (or "no software change: …"). */
export function describeChange(
  a: ChangeAssessment,
  parts: { part: FingerprintPart; from: string | null; to: string | null }[],
): string {
  const cause = parts.length
    ? parts.map((p) => `${p.part} ${short(p.from, p.part)} → ${short(p.to, p.part)}`).join(', ')
    : 'no software change';
  const ci =
    a.relativeLow !== null && a.relativeHigh !== null ? ` [CI ${pct(a.relativeLow)}, ${pct(a.relativeHigh)}]` : '';
  return `${cause}: ${METRIC_LABEL[a.metric]} ${pct(a.relative)}${ci}`;
}
