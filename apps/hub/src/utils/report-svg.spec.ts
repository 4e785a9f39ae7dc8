import type { ReportRankRow } from './campaign-report';
import { latencyBars, speedAccuracyScatter } from './report-svg';

const row = (modelName: string, p50Ms: number, top1: number | null = null): ReportRankRow => ({
  rank: 1,
  modelName,
  p50Ms,
  p90Ms: p50Ms,
  p95Ms: null,
  p99Ms: p50Ms,
  throughputIps: 1000 / p50Ms,
  top1,
  top1Source: top1 === null ? null : 'measured',
  top5: null,
  valid: 1,
  flagged: 0,
  reasons: [],
});

describe('latencyBars', () => {
  it('draws one bar per model, widths proportional to p50, names escaped', () => {
    const svg = latencyBars([row('a', 5), row('<b>&"', 10)], 'p50 <x>')!;
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[1]).toBeCloseTo(widths[0] * 2);
    expect(svg).toContain('&lt;b&gt;&amp;&quot;');
    expect(svg).toContain('aria-label="p50 &lt;x&gt;"');
    expect(svg).not.toMatch(/<b>/);
  });

  it('draws nothing without figures', () => {
    expect(latencyBars([row('a', NaN)], 't')).toBeNull();
  });
});

describe('speedAccuracyScatter', () => {
  it('is null when no model has a top-1, so the report draws latency bars instead', () => {
    expect(speedAccuracyScatter([row('a', 5), row('b', 6)], 't')).toBeNull();
  });

  it('keeps a single point inside the frame', () => {
    const svg = speedAccuracyScatter([row('a', 5, 0.5)], 't')!;
    const [, cx, cy] = svg.match(/<circle cx="([\d.]+)" cy="([\d.]+)"/)!;
    expect(Number(cx)).toBeGreaterThan(64);
    expect(Number(cx)).toBeLessThan(640 - 24);
    expect(Number(cy)).toBeGreaterThan(16);
    expect(Number(cy)).toBeLessThan(320 - 44);
  });
});
