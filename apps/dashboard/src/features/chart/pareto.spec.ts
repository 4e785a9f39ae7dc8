import { byFamily, familyColour, logTicks, measuredPoints, paretoFront, referencePoints, stepTicks } from './pareto';

const p = (x: number, y: number, id = `${x}/${y}`) => ({ x, y, id });

describe('paretoFront', () => {
  it('latency: keeps points no other point beats on both axes, in ascending x', () => {
    const pts = [p(1, 0.6), p(2, 0.7), p(3, 0.65), p(4, 0.8), p(5, 0.8), p(0.5, 0.5), p(2, 0.69)];
    expect(paretoFront(pts, 'latency').map((q) => q.id)).toEqual(['0.5/0.5', '1/0.6', '2/0.7', '4/0.8']);
  });

  it('throughput: higher x is better', () => {
    const pts = [p(100, 0.6), p(50, 0.7), p(80, 0.65), p(10, 0.8), p(5, 0.75), p(100, 0.55)];
    expect(paretoFront(pts, 'throughput').map((q) => q.id)).toEqual(['10/0.8', '50/0.7', '80/0.65', '100/0.6']);
  });

  it('handles empty input, ties and non-finite values', () => {
    expect(paretoFront([], 'latency')).toEqual([]);
    expect(paretoFront([p(1, 0.5, 'a'), p(1, 0.5, 'b')], 'latency').map((q) => q.id)).toEqual(['a']);
    expect(paretoFront([p(NaN, 0.9), p(1, 0.5, 'ok')], 'latency').map((q) => q.id)).toEqual(['ok']);
  });

  it('every non-front point is dominated by a front point', () => {
    const pts = Array.from({ length: 200 }, (_, i) => p(((i * 37) % 101) + 1, ((i * 53) % 97) / 100, `m${i}`));
    const front = paretoFront(pts, 'latency');
    const ids = new Set(front.map((q) => q.id));
    for (const q of pts) {
      if (ids.has(q.id)) continue;
      expect(front.some((f) => f.x <= q.x && f.y >= q.y)).toBe(true);
    }
    for (const f of front) expect(pts.some((q) => q.x <= f.x && q.y >= f.y && (q.x < f.x || q.y > f.y))).toBe(false);
  });
});

describe('points', () => {
  const row = (id: string, p50: number, top1: number | null, src: 'measured' | 'reference' | null = 'reference') => ({
    modelId: id,
    modelName: id,
    family: 'ResNet',
    p50Ms: p50,
    throughputIps: 1000 / p50,
    top1,
    top1Source: src,
    results: 1,
  });

  it('measured points skip rows without top-1 and count them', () => {
    const { points, withoutTop1 } = measuredPoints([row('a', 10, 0.7, 'measured'), row('b', 5, null)], 'throughput');
    expect(withoutTop1).toBe(1);
    expect(points).toEqual([
      expect.objectContaining({ modelId: 'a', x: 100, y: 0.7, top1Source: 'measured', published: false }),
    ]);
  });

  it('reference points use the release’s top-1 and ms per batch', () => {
    const cat = [
      {
        name: 'A',
        family: 'F',
        reference: { top1: 0.7 },
        v23Reference: { top1: 0.71 },
        publishedLatencies: { t4b4: 8, v23: 2 },
      },
      {
        name: 'B',
        family: 'F',
        reference: { top1: null },
        v23Reference: { top1: null },
        publishedLatencies: { t4b4: 4, v23: null },
      },
    ];
    const t4 = referencePoints(cat, { id: 't4b4', name: 'T4', batch: 4, release: '2.0' }, 'throughput');
    expect(t4).toEqual([
      expect.objectContaining({ model: 'A', x: 500, y: 0.7, published: true, top1Source: 'reference' }),
    ]);
    expect(referencePoints(cat, { id: 'v23', name: 'V', batch: 1, release: '2.3' }, 'latency')[0]).toMatchObject({
      x: 2,
      y: 0.71,
    });
  });

  it('groups by family in name order with stable colours', () => {
    expect(
      byFamily([{ family: 'b' }, { family: 'a' }, { family: 'b' }]).map((g) => [g.family, g.points.length]),
    ).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(familyColour('ResNet')).toBe(familyColour('ResNet'));
    expect(familyColour('ResNet')).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('axis ticks', () => {
  it('log ticks use 1-2-5 steps', () => {
    expect(logTicks(0.03, 1.2)).toEqual([0.05, 0.1, 0.2, 0.5, 1]);
    expect(logTicks(3, 4)).toEqual([3, 4]);
    expect(logTicks(0, 1)).toEqual([]);
  });
  it('step ticks', () => {
    expect(stepTicks(0.45, 0.75, 0.05)).toEqual([0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]);
  });
});
