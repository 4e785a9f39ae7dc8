// Result page maths (pure): histogram buckets. The command that reproduces a result is protocol's reproduceCommand.

export interface HistogramBucket {
  /** Bucket bounds in ms. */
  fromMs: number;
  toMs: number;
  count: number;
  /** The last bucket when the range is trimmed: every iteration slower than the cut, up to the maximum. */
  overflow?: boolean;
}

export interface BucketOptions {
  /**
   * Trim the equal-width range at this percentile (e.g. 99) when the values above it would otherwise stretch the
   * axis: when the full range is more than `stretch` times the range up to the cut. Those values go into one final
   * overflow bucket, so a single outlier cannot squash the rest into a bar or two.
   */
  trimPercentile?: number;
  stretch?: number;
  /**
   * With a heavy tail p99 itself can sit far out: also cap the cut at p50 + tailFactor × (p90 − p50) (the p90 gap is
   * taken as at least 5 % of p50), so the bulk of the distribution always gets most of the bars.
   */
  tailFactor?: number;
}

/** The smallest recorded value (µs) at or below which `percentile` % of the counts lie. */
export function valueAtPercentile(values: readonly { valueUs: number; count: number }[], percentile: number): number {
  const v = values.filter((x) => x.count > 0 && Number.isFinite(x.valueUs)).sort((a, b) => a.valueUs - b.valueUs);
  const total = v.reduce((a, x) => a + x.count, 0);
  let seen = 0;
  for (const x of v) {
    seen += x.count;
    if (seen >= (total * percentile) / 100) return x.valueUs;
  }
  return v.at(-1)?.valueUs ?? NaN;
}

/**
 * Re-bucket recorded values (µs, with counts) into at most `maxBuckets` equal-width ms buckets between the
 * smallest and largest value (or the trim cut, see BucketOptions); robust to one value and to empty input.
 */
export function bucketize(
  values: readonly { valueUs: number; count: number }[],
  maxBuckets = 40,
  opts: BucketOptions = {},
): HistogramBucket[] {
  const v = values.filter((x) => x.count > 0 && Number.isFinite(x.valueUs));
  if (!v.length) return [];
  const min = Math.min(...v.map((x) => x.valueUs)) / 1000;
  const max = Math.max(...v.map((x) => x.valueUs)) / 1000;
  if (max === min) return [{ fromMs: min, toMs: max, count: v.reduce((a, x) => a + x.count, 0) }];
  let top = max;
  if (opts.trimPercentile !== undefined) {
    let cut = valueAtPercentile(v, opts.trimPercentile) / 1000;
    if (opts.tailFactor !== undefined) {
      const p50 = valueAtPercentile(v, 50) / 1000;
      const p90 = valueAtPercentile(v, 90) / 1000;
      cut = Math.min(cut, p50 + opts.tailFactor * Math.max(p90 - p50, 0.05 * p50));
    }
    if (cut > min && cut < max && max - min > (opts.stretch ?? 3) * (cut - min)) top = cut;
  }
  const inRange = v.filter((x) => x.valueUs / 1000 <= top);
  const n = Math.max(1, Math.min(top < max ? maxBuckets - 1 : maxBuckets, inRange.length));
  const width = (top - min) / n;
  const buckets: HistogramBucket[] = Array.from({ length: n }, (_, i) => ({
    fromMs: min + i * width,
    toMs: min + (i + 1) * width,
    count: 0,
  }));
  const overflow: HistogramBucket = { fromMs: top, toMs: max, count: 0, overflow: true };
  for (const x of v) {
    const ms = x.valueUs / 1000;
    if (ms > top) overflow.count += x.count;
    else buckets[Math.min(n - 1, Math.floor((ms - min) / width))]!.count += x.count;
  }
  return top < max ? [...buckets, overflow] : buckets;
}
