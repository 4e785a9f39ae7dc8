import { binomialCdf, MIN_SAMPLES, percentileSorted, quantileCiRanks, summarize, throughput } from './stats';

describe('stats', () => {
  it('computes nearest-rank percentiles', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(s, 0.5)).toBe(50);
    expect(percentileSorted(s, 0.9)).toBe(90);
    expect(percentileSorted(s, 0.99)).toBe(99);
    expect(percentileSorted([7], 0.99)).toBe(7);
    expect(percentileSorted([], 0.5)).toBe(0);
  });

  it('summarizes mean, std, min, max and ordered percentiles', () => {
    const samples = [5, 1, 4, 2, 3];
    const s = summarize(samples);
    expect(s.count).toBe(5);
    expect(s.mean).toBeCloseTo(3);
    expect(s.std).toBeCloseTo(Math.sqrt(2.5));
    expect(s.min).toBe(1);
    expect(s.max).toBe(5);
    expect(s.p50).toBe(3);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
  });

  it('flags percentiles without 10/(1-q) samples', () => {
    const make = (n: number) => summarize(Array.from({ length: n }, (_, i) => i));
    expect(make(19).unreliable).toEqual(['p50', 'p90', 'p95', 'p99']);
    expect(make(20).unreliable).toEqual(['p90', 'p95', 'p99']);
    expect(make(100).unreliable).toEqual(['p95', 'p99']);
    expect(make(999).unreliable).toEqual(['p99']);
    expect(make(1000).unreliable).toEqual([]);
    expect(MIN_SAMPLES.p90).toBe(100);
  });

  it('binomial CDF ends at 1 and matches a small exact case', () => {
    const cdf = binomialCdf(4, 0.5);
    [1 / 16, 5 / 16, 11 / 16, 15 / 16, 1].forEach((x, k) => expect(cdf[k]).toBeCloseTo(x, 12));
    expect(binomialCdf(10_000, 0.5)[10_000]).toBeCloseTo(1, 9);
  });

  it('p50 CI uses exact order-statistic ranks', () => {
    expect(quantileCiRanks(5)).toBeNull(); // 0.5^5 = 0.031 > 0.025
    expect(quantileCiRanks(6)).toEqual({ lower: 1, upper: 6 });
    // Classic table value: n = 100 → ranks 40 and 61 (coverage ≥ 95 %).
    expect(quantileCiRanks(100)).toEqual({ lower: 40, upper: 61 });
    const cdf = binomialCdf(100, 0.5);
    expect(cdf[60] - cdf[39]).toBeGreaterThanOrEqual(0.95);
  });

  it('the p50 CI brackets the median and is null for tiny samples', () => {
    const s = summarize(Array.from({ length: 200 }, (_, i) => 200 - i));
    expect(s.p50Ci95).not.toBeNull();
    const [lo, hi] = s.p50Ci95!;
    expect(lo).toBeLessThanOrEqual(s.p50);
    expect(hi).toBeGreaterThanOrEqual(s.p50);
    expect(summarize([1, 2, 3]).p50Ci95).toBeNull();
  });

  it('handles no samples', () => {
    expect(summarize([]).count).toBe(0);
  });

  it('throughput = batch × iterations / time', () => {
    expect(throughput(4, 100, 2000)).toBe(200);
    expect(throughput(1, 10, 0)).toBe(0);
  });
});

describe('per-second medians and their CV', () => {
  const { perWindowMedians, coefficientOfVariation } = jest.requireActual('./stats') as typeof import('./stats');
  it('buckets samples by end time and merges a short tail', () => {
    const lat = [1, 2, 3, 10, 10, 10, 5];
    const end = [100, 500, 900, 1100, 1500, 1900, 2100];
    expect(perWindowMedians(lat, end)).toEqual([2, 10]);
    expect(perWindowMedians([], [])).toEqual([]);
  });
  it('CV is std/mean with n−1', () => {
    expect(coefficientOfVariation([10, 10, 10])).toBe(0);
    expect(coefficientOfVariation([9, 11])).toBeCloseTo(Math.SQRT2 / 10);
    expect(coefficientOfVariation([5])).toBeNull();
  });
});
