import { compareWithPublished, describePublishedRatio } from './published-compare';

const catalogue = [
  { name: 'MobileNetV3_small_x1_0', family: 'MobileNetV3', publishedLatencies: { t4: 2, sd855: 6 } },
  { name: 'ResNet50', family: 'ResNet', publishedLatencies: { t4: 4, sd855: null } },
];
const fleet = (name: string, p50Ms: number) => ({
  modelId: `id-${name}`,
  modelName: name,
  family: null,
  p50Ms,
  results: 3,
});

describe('compareWithPublished', () => {
  it('divides the fleet p50 by the published latency per model, fastest relative first, with the geometric mean', () => {
    const c = compareWithPublished([fleet('ResNet50', 16), fleet('MobileNetV3_small_x1_0', 4)], catalogue, 't4');
    expect(c.rows.map((r) => [r.modelName, r.ratio, r.publishedMs, r.fleetP50Ms])).toEqual([
      ['MobileNetV3_small_x1_0', 2, 2, 4],
      ['ResNet50', 4, 4, 16],
    ]);
    expect(c.rows[1]!.family).toBe('ResNet');
    expect(c.geomeanRatio).toBeCloseTo(Math.sqrt(8), 10);
    expect(c.unmatched).toEqual([]);
  });

  it('lists models PaddleClas published nothing for (or that are not in its catalogue) apart, never as zero', () => {
    const c = compareWithPublished([fleet('ResNet50', 16), fleet('my-own-model', 3)], catalogue, 'sd855');
    expect(c.rows).toEqual([]);
    expect(c.unmatched).toEqual(['ResNet50', 'my-own-model']);
    expect(c.geomeanRatio).toBeNull();
  });
});

describe('describePublishedRatio', () => {
  it('says which side is faster, always naming the published side', () => {
    expect(describePublishedRatio(3.1)).toBe('3.10× slower than published');
    expect(describePublishedRatio(0.8)).toBe('1.25× faster than published');
    expect(describePublishedRatio(1.001)).toBe('same as published');
    expect(describePublishedRatio(null)).toBe('—');
  });
});
