import {
  assessChange,
  changedParts,
  describeChange,
  medianEstimate,
  normalQuantile,
  proportionEstimate,
  rankedFromBuckets,
  throughputEstimate,
  type Estimate,
} from './change-detection';

/** Deterministic PRNG (mulberry32) so every "seed" below is the same run on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/**
 * A synthetic run as the agent's HDR histogram holds it: n latencies (µs) around `medianUs`, log-normal with spread
 * `sigma`, 3 % of them slow outliers (1.3–3×, the scheduler's hiccups), each recorded at 1 part in 1000 (HDR's 3 significant digits).
 */
function syntheticHistogram(seed: number, n: number, medianUs: number, sigma: number) {
  const r = rng(seed);
  const counts = new Map<number, number>();
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = medianUs * Math.exp(sigma * gauss(r));
    if (r() < 0.03) v *= 1.3 + 1.7 * r();
    const mag = 10 ** (Math.floor(Math.log10(v)) - 3);
    const bucket = Math.round(v / mag) * mag;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    values.push(v);
  }
  const buckets = [...counts].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ value, count }));
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { sample: rankedFromBuckets(buckets), mean, std, count: n };
}

/** How many of `seeds` pairs (before at 1000 µs, after shifted by `shift`) are marked, and which way. */
function flagRate(n: number, sigma: number, shift: number, seeds = 200) {
  let regressions = 0;
  let improvements = 0;
  for (let s = 0; s < seeds; s++) {
    const before = syntheticHistogram(2 * s + 1, n, 1000, sigma);
    const after = syntheticHistogram(2 * s + 2, n, 1000 * (1 + shift), sigma);
    const a = assessChange('p50Ms', medianEstimate(before.sample), medianEstimate(after.sample));
    if (a.kind === 'regression') regressions++;
    if (a.kind === 'improvement') improvements++;
  }
  return { regressions, improvements };
}

describe('normalQuantile', () => {
  it('matches the familiar z values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.9995)).toBeCloseTo(3.290527, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('medianEstimate', () => {
  it('gives the nearest-rank median and an interval that brackets it', () => {
    const s = rankedFromBuckets([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => ({ value: v, count: 10 })));
    const e = medianEstimate(s, 0.95);
    expect(e.value).toBe(5);
    expect(e.low!).toBeLessThanOrEqual(5);
    expect(e.high!).toBeGreaterThanOrEqual(6);
  });

  it('covers the true median at about its confidence (95 % over 400 seeds)', () => {
    let covered = 0;
    for (let s = 0; s < 400; s++) {
      const e = medianEstimate(syntheticHistogram(s + 1000, 200, 1000, 0.05).sample, 0.95);
      // The true median of the mixture sits a little above 1000 µs (3 % outliers shift it by ~0.04 σ).
      const truth = 1000 * Math.exp(0.05 * 0.0376);
      if (e.low! <= truth && truth <= e.high!) covered++;
    }
    expect(covered / 400).toBeGreaterThan(0.91);
    expect(covered / 400).toBeLessThan(0.99);
  });

  it('says nothing about precision below 20 samples', () => {
    const e = medianEstimate(syntheticHistogram(1, 10, 1000, 0.05).sample);
    expect(e.low).toBeNull();
    expect(assessChange('p50Ms', e, { value: 2000, low: 1990, high: 2010 }).kind).toBeNull();
  });
});

describe('p50 change detection on synthetic histograms', () => {
  // The agent measures at least 100 iterations for at least a second: 100 is the floor (a slow model), a few
  // thousand the common case (a model of a few ms), 10 000 a fast one.
  const SIZES: [n: number, sigma: number, seeds: number][] = [
    [100, 0.03, 200],
    [1000, 0.05, 200],
    [10000, 0.05, 40],
  ];

  it.each(SIZES)('marks nothing without a shift (n = %i, σ = %f, %i seeds)', (n, sigma, seeds) => {
    expect(flagRate(n, sigma, 0, seeds)).toEqual({ regressions: 0, improvements: 0 });
  });

  it.each(SIZES)(
    'marks a 5 %% slowdown as a regression in every seed (n = %i, σ = %f, %i seeds)',
    (n, sigma, seeds) => {
      expect(flagRate(n, sigma, 0.05, seeds)).toEqual({ regressions: seeds, improvements: 0 });
    },
  );

  it('marks a 5 % speed-up as an improvement', () => {
    expect(flagRate(1000, 0.05, -0.05)).toEqual({ regressions: 0, improvements: 200 });
  });

  it('does not mark a 2 % move, however precise (below the practical minimum of 3 %)', () => {
    expect(flagRate(10000, 0.02, 0.02, 20)).toEqual({ regressions: 0, improvements: 0 });
  });

  it('marks few 5 % shifts when the run is too short and noisy to tell (n = 100, σ = 0.15)', () => {
    expect(flagRate(100, 0.15, 0.05, 100).regressions).toBeLessThan(30);
  });
});

describe('throughput and top-1', () => {
  it('marks a throughput drop beyond the intervals of the mean latency, and not an equal one', () => {
    const lat = { mean: 10, std: 0.5, count: 1000 };
    const before = throughputEstimate(100, lat);
    expect(before.low!).toBeLessThan(100);
    expect(before.high!).toBeGreaterThan(100);
    expect(assessChange('throughputIps', before, throughputEstimate(94, { ...lat, mean: 10.64 })).kind).toBe(
      'regression',
    );
    expect(assessChange('throughputIps', before, throughputEstimate(100.5, lat)).kind).toBeNull();
  });

  it('treats top-1 as a binomial proportion: 1000 images tell 70 % from 62 %, not from 67 % (99.9 % intervals)', () => {
    const before = proportionEstimate(0.7, 1000);
    expect(assessChange('top1', before, proportionEstimate(0.62, 1000)).kind).toBe('regression');
    expect(assessChange('top1', before, proportionEstimate(0.67, 1000)).kind).toBeNull();
    expect(assessChange('top1', before, proportionEstimate(0.78, 1000)).kind).toBe('improvement');
  });

  it('keeps the Wilson interval inside [0, 1] at the edges', () => {
    const e = proportionEstimate(1, 50);
    expect(e.high).toBe(1);
    expect(e.low!).toBeGreaterThan(0.7);
  });
});

describe('fingerprints and descriptions', () => {
  it('names the parts that changed, in a fixed order, and ignores parts one side does not know', () => {
    expect(
      changedParts(
        { agent: '0.4.0', onnxruntime: '1.29.0', kernel: '6.1', model: 'a'.repeat(64) },
        { agent: '0.4.0', onnxruntime: '1.30.0', kernel: '6.8', model: 'a'.repeat(64), os: 'Debian 13' },
      ),
    ).toEqual([
      { part: 'onnxruntime', from: '1.29.0', to: '1.30.0' },
      { part: 'kernel', from: '6.1', to: '6.8' },
    ]);
  });

  it('describes a change the way the Changes page lists it', () => {
    const before: Estimate = { value: 10, low: 9.9, high: 10.1 };
    const a = assessChange('p50Ms', before, { value: 11.4, low: 11.3, high: 11.5 });
    expect(a.kind).toBe('regression');
    expect(describeChange(a, [{ part: 'onnxruntime', from: '1.29', to: '1.30' }])).toMatch(
      /^onnxruntime 1\.29 → 1\.30: p50 \+14\.0 % \[CI \+12\.\d %, \+15\.\d %\]$/,
    );
    expect(describeChange(a, [])).toMatch(/^no software change: p50 \+14\.0 %/);
  });
});
