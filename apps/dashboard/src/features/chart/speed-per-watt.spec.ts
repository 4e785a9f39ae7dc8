import { ipsPerWatt, measuredPoints, paretoFront, parseXMetric, referencePoints } from './pareto';

const row = (
  id: string,
  throughputIps: number,
  averageWatts: number | null | undefined,
  top1: number | null = 0.7,
) => ({
  modelId: id,
  modelName: `Model ${id}`,
  family: 'ResNet',
  p50Ms: 1000 / throughputIps,
  throughputIps,
  top1,
  top1Source: 'measured' as const,
  results: 3,
  averageWatts,
});

describe('speed per watt', () => {
  it('is throughput ÷ average watts (img/s per W = images per joule)', () => {
    expect(ipsPerWatt(120, 15)).toBe(8);
    expect(ipsPerWatt(0, 15)).toBe(0);
  });

  it('is unknown (null), never 0, without a usable power reading', () => {
    expect(ipsPerWatt(120, null)).toBeNull();
    expect(ipsPerWatt(120, undefined)).toBeNull();
    expect(ipsPerWatt(120, 0)).toBeNull();
    expect(ipsPerWatt(120, -3)).toBeNull();
    expect(ipsPerWatt(120, Infinity)).toBeNull();
    expect(ipsPerWatt(NaN, 10)).toBeNull();
  });

  it('plots models with energy at img/s per W and names those without rather than plotting them at zero', () => {
    const rows = [
      row('a', 200, 20),
      row('b', 50, null),
      row('c', 90, 30),
      row('d', 10, undefined),
      row('e', 5, 5, null),
    ];
    const { points, withoutEnergy, withoutTop1 } = measuredPoints(rows, 'efficiency');
    expect(points.map((p) => [p.modelId, p.x, p.ipsPerWatt])).toEqual([
      ['a', 10, 10],
      ['c', 3, 3],
    ]);
    expect(points.every((p) => p.x > 0)).toBe(true);
    expect(withoutEnergy).toEqual(['Model b', 'Model d']);
    expect(withoutTop1).toBe(1);
  });

  it('leaves the latency and throughput views as they were (no model dropped for want of energy)', () => {
    const rows = [row('a', 200, 20), row('b', 50, null)];
    const latency = measuredPoints(rows, 'latency');
    expect(latency.points.map((p) => [p.modelId, p.x])).toEqual([
      ['a', 5],
      ['b', 20],
    ]);
    expect(latency.withoutEnergy).toEqual([]);
    expect(measuredPoints(rows, 'throughput').points.map((p) => p.x)).toEqual([200, 50]);
  });

  it('more img/s per W is better on the front', () => {
    const pts = [
      { x: 10, y: 0.6 },
      { x: 3, y: 0.8 },
      { x: 2, y: 0.7 },
    ];
    expect(paretoFront(pts, 'efficiency')).toEqual([
      { x: 3, y: 0.8 },
      { x: 10, y: 0.6 },
    ]);
  });

  it('published hardware has no power figures, so no published points in this view', () => {
    const cat = [
      { name: 'A', family: 'F', reference: { top1: 0.7 }, v23Reference: { top1: 0.7 }, publishedLatencies: { t4: 2 } },
    ];
    const hw = { id: 't4', name: 'T4', batch: 1, release: '2.5' };
    expect(referencePoints(cat, hw, 'throughput')).toHaveLength(1);
    expect(referencePoints(cat, hw, 'efficiency')).toEqual([]);
  });

  it('reads the x metric from the URL, latency by default', () => {
    expect(parseXMetric('efficiency')).toBe('efficiency');
    expect(parseXMetric('throughput')).toBe('throughput');
    expect(parseXMetric(undefined)).toBe('latency');
    expect(parseXMetric('watts')).toBe('latency');
  });
});
