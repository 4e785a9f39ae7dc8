import { deflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import {
  bucketOfRank,
  decodeHistogram,
  decodeHistogramShared,
  SHARED_DECODE_BYTES,
  SHARED_DECODES,
  type HistogramBuckets,
} from './hdr-histogram';

const LIMITS = {
  minSignificantDigits: 2,
  maxSignificantDigits: 4,
  maxHighestTrackable: 2 ** 43,
  maxInflatedBytes: 512 * 1024,
};

/** A seeded pseudo-random generator (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What hdr-histogram-js itself reads from the same encoding: each recorded bucket's range and cumulative count. */
function reference(base64: string) {
  const h = hdr.decodeFromCompressedBase64(base64, 32, false) as unknown as {
    totalCount: number;
    lowestEquivalentValue(v: number): number;
    recordedValuesIterator: {
      reset(): void;
      hasNext(): boolean;
      next(): { valueIteratedTo: number; totalCountToThisValue: number };
    };
  };
  const out: HistogramBuckets = { totalCount: h.totalCount, lowest: [], highest: [], cumulative: [] };
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    out.lowest.push(h.lowestEquivalentValue(v.valueIteratedTo));
    out.highest.push(v.valueIteratedTo);
    out.cumulative.push(v.totalCountToThisValue);
  }
  return out;
}

describe('decodeHistogram', () => {
  it('reads the same buckets as hdr-histogram-js for histograms like the agent writes, and others', () => {
    const random = rng(9);
    for (let trial = 0; trial < 200; trial++) {
      const digits = 2 + (trial % 3);
      const highest = [3_600_000_000, 2 ** 20, 10_000, 2 ** 43][trial % 4];
      const h = hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: highest,
        numberOfSignificantValueDigits: digits as 2 | 3 | 4,
      });
      const n = 1 + Math.floor(random() * 3000);
      // Log-uniform values from 0 to the highest trackable: every bucket size, empty runs of every length.
      for (let i = 0; i < n; i++)
        h.recordValue(Math.min(highest, Math.floor(Math.exp(random() * Math.log(highest + 1)) - 1)));
      if (trial % 7 === 0) h.recordValueWithCount(Math.floor(random() * highest), 1 + Math.floor(random() * 1e6));
      const encoded = hdr.encodeIntoCompressedBase64(h);
      const mine = decodeHistogram(encoded, LIMITS);
      expect(mine).toEqual(reference(encoded));
    }
  });

  it('finds the bucket of a rank', () => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    h.recordValueWithCount(100, 3);
    h.recordValueWithCount(5000, 2);
    h.recordValueWithCount(7_000_000, 5);
    const b = decodeHistogram(hdr.encodeIntoCompressedBase64(h), LIMITS) as HistogramBuckets;
    expect(b.cumulative).toEqual([3, 5, 10]);
    expect([0, 1, 3, 4, 5, 6, 10, 11].map((r) => bucketOfRank(b, r))).toEqual([0, 0, 0, 1, 1, 2, 2, 2]);
    expect(b.lowest[1]).toBe(5000);
    expect(b.highest[2]).toBeGreaterThanOrEqual(7_000_000);
    expect(b.lowest[2]).toBeLessThanOrEqual(7_000_000);
  });

  it('says why it cannot read a histogram', () => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    h.recordValueWithCount(100, 3);
    const good = hdr.encodeIntoCompressedBase64(h);
    const problem = (s: string) => (decodeHistogram(s, LIMITS) as { problem?: string }).problem;
    expect(problem('not base64!')).toMatch(/not base64/);
    expect(problem(Buffer.from('plain text, no histogram').toString('base64'))).toMatch(/not a compressed V2/);
    const raw = Buffer.from(good, 'base64');
    expect(problem(raw.subarray(0, raw.length - 4).toString('base64'))).toMatch(/truncated/);
    // A payload that claims more counts than it holds, and counts beyond the highest trackable value.
    const inflated = (payload: Buffer, payloadBytes: number, highest = 1000) => {
      const head = Buffer.alloc(40);
      head.writeInt32BE(0x1c849313, 0);
      head.writeInt32BE(payloadBytes, 4);
      head.writeInt32BE(1, 8);
      head.writeInt32BE(3, 12);
      head.writeBigInt64BE(1n, 16);
      head.writeBigInt64BE(BigInt(highest), 24);
      const body = deflateSync(Buffer.concat([head, payload]));
      const outer = Buffer.alloc(8);
      outer.writeInt32BE(0x1c849314, 0);
      outer.writeInt32BE(body.length, 4);
      return Buffer.concat([outer, body]).toString('base64');
    };
    expect(problem(inflated(Buffer.from([2]), 5))).toMatch(/payload length/);
    expect(problem(inflated(Buffer.from([0x82]), 1))).toMatch(/cut short/);
    // 10000 empty buckets (ZigZag 19999 as LEB128), then a count of 1: far past a 1000 µs histogram's last bucket.
    expect(problem(inflated(Buffer.from([0x9f, 0x9c, 0x01, 2]), 4))).toMatch(/beyond its highest/);
    expect(decodeHistogram(inflated(Buffer.from([0x9f, 0x9c, 0x01, 2]), 4, 2 ** 40), LIMITS)).toMatchObject({
      totalCount: 1,
    });
  });
});

describe('decodeHistogramShared', () => {
  const encoded = (values: number[]) => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    for (const v of values) h.recordValue(v);
    return hdr.encodeIntoCompressedBase64(h);
  };

  it('answers as decodeHistogram, sharing a recent answer only for the same text and the same limits object', () => {
    const a = encoded([100, 200, 300]);
    const first = decodeHistogramShared(a, LIMITS);
    expect(first).toEqual(decodeHistogram(a, LIMITS));
    expect(decodeHistogramShared(a, LIMITS)).toBe(first);
    const otherLimits = { ...LIMITS, maxSignificantDigits: 2 };
    expect(decodeHistogramShared(a, otherLimits)).toEqual(decodeHistogram(a, otherLimits)); // a problem under these
    expect(decodeHistogramShared('not base64!', LIMITS)).toEqual({ problem: 'undecodable histogram (not base64)' });
  });

  it('does not keep a decode that alone would take more than an eighth of its byte budget', () => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 2 ** 43,
      numberOfSignificantValueDigits: 4,
    });
    // Every value in its own bucket: ≈ 60,000 buckets, ≈ 1.4 MB of arrays (over SHARED_DECODE_BYTES / 8).
    for (let v = 1; v <= 60_000; v++) h.recordValue(v);
    const big = hdr.encodeIntoCompressedBase64(h);
    const first = decodeHistogramShared(big, LIMITS) as HistogramBuckets;
    expect(24 * first.lowest.length).toBeGreaterThan(SHARED_DECODE_BYTES / 8);
    expect(decodeHistogramShared(big, LIMITS)).not.toBe(first);
    expect(decodeHistogramShared(big, LIMITS)).toEqual(first);
  });

  it('keeps only the most recent decodes', () => {
    const a = encoded([5]);
    const first = decodeHistogramShared(a, LIMITS);
    for (let i = 0; i < SHARED_DECODES; i++) decodeHistogramShared(encoded([1000 + i]), LIMITS);
    const again = decodeHistogramShared(a, LIMITS);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
