import { placeLabels, type Box, type LabelAnchor } from './label-placement';

const bounds: Box = { x: 0, y: 0, w: 800, h: 400 };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('placeLabels', () => {
  it('puts a lone label to the right of its point', () => {
    const [p] = placeLabels([{ id: 'a', text: 'ResNet50', x: 100, y: 100 }], { bounds });
    expect(p).toMatchObject({ id: 'a', anchor: 'start', x: 107 });
    expect(p!.box.y).toBeLessThan(100);
    expect(p!.box.y + p!.box.h).toBeGreaterThan(100);
  });

  it('moves to the left at the right edge, and never leaves the plot', () => {
    const [p] = placeLabels([{ id: 'a', text: 'MobileNetV3_large_x1_0', x: 790, y: 200 }], { bounds });
    expect(p!.anchor).toBe('end');
    expect(p!.box.x + p!.box.w).toBeLessThanOrEqual(800);
  });

  it('a dense cluster: no two labels overlap, no label covers a point, and the first ones win', () => {
    // 60 points in a 200 × 120 px cloud, as a zoo family's variants crowd one corner of the chart.
    const anchors: LabelAnchor[] = Array.from({ length: 60 }, (_, i) => ({
      id: `m${i}`,
      text: `Model_${i}_x${(i % 4) * 0.25 + 0.25}`,
      x: 300 + ((i * 37) % 200),
      y: 150 + ((i * 53) % 120),
    }));
    const placed = placeLabels(anchors, { bounds });
    expect(placed.length).toBeGreaterThan(5);
    expect(placed.length).toBeLessThan(anchors.length); // not every name fits: some are left to the tooltip
    expect(placed[0]!.id).toBe('m0');
    for (const [i, a] of placed.entries()) {
      for (const b of placed.slice(i + 1)) expect(overlaps(a.box, b.box)).toBe(false);
      for (const pt of anchors) expect(overlaps(a.box, { x: pt.x - 4, y: pt.y - 4, w: 8, h: 8 })).toBe(false);
    }
  });

  it('two points side by side get labels on opposite sides rather than on top of each other', () => {
    const placed = placeLabels(
      [
        { id: 'a', text: 'AAAAAA', x: 400, y: 200 },
        { id: 'b', text: 'BBBBBB', x: 420, y: 200 },
      ],
      { bounds },
    );
    expect(placed).toHaveLength(2);
    expect(overlaps(placed[0]!.box, placed[1]!.box)).toBe(false);
  });
});
