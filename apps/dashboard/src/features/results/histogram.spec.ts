import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from './histogram';

describe('decodeHistogram', () => {
  it('decodes the agent encoding (µs) into ms buckets and percentiles', () => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    for (let i = 0; i < 900; i++) h.recordValue(2000 + (i % 10)); // ~2 ms
    for (let i = 0; i < 100; i++) h.recordValue(8000); // 8 ms tail
    const d = decodeHistogram(hdr.encodeIntoCompressedBase64(h), 12)!;
    expect(d.totalCount).toBe(1000);
    expect(d.buckets.reduce((a, b) => a + b.count, 0)).toBe(1000);
    expect(d.buckets[0]!.count).toBe(900);
    expect(d.buckets.at(-1)!.count).toBe(100);
    expect(d.minMs).toBeCloseTo(2, 2);
    expect(d.maxMs).toBeCloseTo(8, 1);
    expect(d.percentiles.find((p) => p.p === 50)!.ms).toBeCloseTo(2.005, 1);
  });

  it('trims at p99 when one outlier would squash the rest, and explains it', () => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    for (let i = 0; i < 999; i++) h.recordValue(2000 + (i % 100) * 10); // 2–3 ms
    h.recordValue(500_000); // one 500 ms stall
    const d = decodeHistogram(hdr.encodeIntoCompressedBase64(h), 20)!;
    expect(d.trimmed).toEqual({ percentile: 99, cutMs: expect.closeTo(2.98, 1), count: 10 }); // the slowest 1 %
    expect(d.buckets).toHaveLength(20);
    expect(d.buckets.at(-1)).toMatchObject({ overflow: true, count: 10 });
    expect(d.buckets.at(-1)!.toMs).toBeCloseTo(500, 0);
    // The bulk spreads over the 19 regular bars instead of one.
    expect(d.buckets.slice(0, -1).filter((b) => b.count > 0).length).toBeGreaterThan(10);
    expect(d.buckets.reduce((a, b) => a + b.count, 0)).toBe(1000);
  });

  it('returns null for null or garbage', () => {
    expect(decodeHistogram(null)).toBeNull();
    expect(decodeHistogram('not a histogram')).toBeNull();
  });
});
