// Server-side: decode the agent's HDR histogram (base64, compressed hdr-histogram-js encoding, values in µs).
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { bucketize, type HistogramBucket } from './result-maths';

/** Equal-width buckets up to p99 (or p50 + 4 × (p90 − p50) if lower) when the tail would stretch the axis more than
 *  3×; the iterations beyond go into one overflow bar. */
export const TRIM_PERCENTILE = 99;

export interface DecodedHistogram {
  buckets: HistogramBucket[];
  totalCount: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  percentiles: { p: number; ms: number }[];
  /** Set when the buckets stop at the trim percentile: the iterations beyond it are in the last (overflow) bar. */
  trimmed: { percentile: number; cutMs: number; count: number } | null;
}

export function decodeHistogram(base64: string | null, maxBuckets = 40): DecodedHistogram | null {
  if (!base64) return null;
  let h;
  try {
    h = decodeFromCompressedBase64(base64, 32, false);
  } catch {
    return null;
  }
  try {
    const values: { valueUs: number; count: number }[] = [];
    const it = (
      h as unknown as {
        recordedValuesIterator: {
          reset(): void;
          hasNext(): boolean;
          next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
        };
      }
    ).recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      values.push({ valueUs: v.valueIteratedTo, count: v.countAtValueIteratedTo });
    }
    const buckets = bucketize(values, maxBuckets, { trimPercentile: TRIM_PERCENTILE, tailFactor: 4 });
    const over = buckets.at(-1)?.overflow ? buckets.at(-1)! : null;
    const share = over && h.totalCount ? 1 - over.count / h.totalCount : 1;
    return {
      buckets,
      trimmed: over ? { percentile: Math.floor(share * 1000) / 10, cutMs: over.fromMs, count: over.count } : null,
      totalCount: h.totalCount,
      minMs: h.minNonZeroValue / 1000,
      maxMs: h.maxValue / 1000,
      meanMs: h.mean / 1000,
      percentiles: [50, 90, 99, 99.9].map((p) => ({ p, ms: h.getValueAtPercentile(p) / 1000 })),
    };
  } finally {
    h.destroy();
  }
}
