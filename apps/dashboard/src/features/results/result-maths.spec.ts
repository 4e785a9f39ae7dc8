import { bucketize } from './result-maths';

describe('bucketize', () => {
  it('spreads values over equal-width ms buckets and keeps the total count', () => {
    const b = bucketize(
      [
        { valueUs: 1000, count: 3 },
        { valueUs: 1500, count: 1 },
        { valueUs: 3000, count: 2 },
      ],
      4,
    );
    expect(b).toHaveLength(3);
    expect(b[0]).toEqual({ fromMs: 1, toMs: expect.closeTo(1.6667, 3), count: 4 });
    expect(b.reduce((a, x) => a + x.count, 0)).toBe(6);
    expect(b[2]!.count).toBe(2);
  });

  it('handles one value and no values', () => {
    expect(bucketize([{ valueUs: 2000, count: 5 }])).toEqual([{ fromMs: 2, toMs: 2, count: 5 }]);
    expect(bucketize([])).toEqual([]);
  });
});

describe('bucketize with a heavy tail', () => {
  it('caps the cut at p50 + tailFactor × (p90 − p50) so the bulk gets most bars', () => {
    const values = [
      ...Array.from({ length: 90 }, (_, i) => ({ valueUs: 30 + (i % 10), count: 10 })), // 0.030–0.039 ms
      ...Array.from({ length: 9 }, (_, i) => ({ valueUs: 100 + i * 200, count: 10 })), // a long tail to 1.7 ms
      { valueUs: 24_000, count: 1 },
    ];
    const b = bucketize(values, 20, { trimPercentile: 99, tailFactor: 4 });
    expect(b.at(-1)!.overflow).toBe(true);
    expect(b.at(-1)!.fromMs).toBeLessThan(0.2);
    expect(b.slice(0, -1).filter((x) => x.count > 0).length).toBeGreaterThanOrEqual(6);
    expect(b.reduce((a, x) => a + x.count, 0)).toBe(991);
  });
});
