import {
  classCompareRow,
  compareClasses,
  compareHref,
  describeRatio,
  deviceCompareRows,
  geometricMean,
  heatColour,
  spreadLines,
} from './compare';

const row = (
  cls: string,
  model: string,
  p50: number,
  spread?: { devices: number; minP50Ms: number; maxP50Ms: number; cv: number },
) => ({
  hardwareClassId: cls,
  modelId: model,
  modelName: model.toUpperCase(),
  family: 'F',
  p50Ms: p50,
  throughputIps: 1000 / p50,
  results: 1,
  unitSpread: spread ?? null,
});

describe('compareClasses', () => {
  const rows = [
    row('a', 'm1', 10),
    row('b', 'm1', 20),
    row('a', 'm2', 4),
    row('b', 'm2', 2),
    row('b', 'm3', 5),
    row('c', 'm1', 1),
  ];

  it('computes per-model ratios to the first class and relative-to-fastest', () => {
    const { models } = compareClasses(rows, ['a', 'b']);
    expect(models.map((m) => m.modelId)).toEqual(['m1', 'm2', 'm3']);
    expect(models[0]).toMatchObject({ p50: [10, 20], ratio: [1, 2], relative: [1, 2], fastest: 0 });
    expect(models[1]).toMatchObject({ p50: [4, 2], ratio: [1, 0.5], relative: [2, 1], fastest: 1 });
    expect(models[2]).toMatchObject({ p50: [null, 5], ratio: [null, null], relative: [null, 1], fastest: 1 });
  });

  it('summarises with the geometric mean of ratios over common models and counts wins', () => {
    const { summary } = compareClasses(rows, ['a', 'b']);
    expect(summary[0]).toEqual({ classId: 'a', common: 2, geomeanRatio: 1, wins: 1 });
    expect(summary[1]!.common).toBe(2);
    expect(summary[1]!.geomeanRatio).toBeCloseTo(1, 10); // 2 × 0.5
    expect(summary[1]!.wins).toBe(2);
  });

  it('ignores rows of classes not selected', () => {
    expect(compareClasses(rows, ['c']).models.map((m) => m.modelId)).toEqual(['m1']);
  });
});

describe('helpers', () => {
  it('geometric mean', () => {
    expect(geometricMean([2, 8])).toBeCloseTo(4);
    expect(geometricMean([])).toBeNull();
  });

  it('ratio text', () => {
    expect(describeRatio(2.314)).toBe('2.31× slower');
    expect(describeRatio(0.5)).toBe('2.00× faster');
    expect(describeRatio(1.001)).toBe('same');
    expect(describeRatio(null)).toBe('—');
  });

  it('heat colour goes from green (fastest) to red (10× slower)', () => {
    expect(heatColour(1)).toBe('hsl(130 65% 45%)');
    expect(heatColour(10)).toBe('hsl(0 65% 45%)');
    expect(heatColour(100)).toBe('hsl(0 65% 45%)');
    expect(heatColour(null)).toBe('transparent');
  });

  it('spread lines: classes with several devices, widest first', () => {
    const lines = spreadLines(
      [
        row('a', 'm1', 10, { devices: 2, minP50Ms: 10, maxP50Ms: 12, cv: 0.1 }),
        row('a', 'm2', 10, { devices: 3, minP50Ms: 10, maxP50Ms: 15, cv: 0.2 }),
        row('b', 'm1', 1),
      ],
      ['a', 'b'],
    );
    expect(lines.map((l) => [l.modelId, l.range])).toEqual([
      ['m2', 0.5],
      ['m1', expect.closeTo(0.2, 10)],
    ]);
  });
});

describe('compare by device', () => {
  it('builds URLs for classes and devices', () => {
    expect(compareHref('classes', ['a', 'b'], 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all')).toBe(
      '/compare?classes=a%2Cb&settings=latency%2Fbs1%2Ft0x0%2Fcpu%2Fonnxruntime-node%2Fopt-all',
    );
    expect(compareHref('devices', ['d1', 'd2'], '')).toBe('/compare?by=devices&devices=d1%2Cd2');
    expect(compareHref('classes', [], '')).toBe('/compare');
  });

  it('keys device rows by device id so the same ratio maths applies', () => {
    const rows = deviceCompareRows([
      { deviceId: 'd1', modelId: 'm', modelName: 'M', family: null, p50Ms: 10, throughputIps: 100, results: 3 },
      { deviceId: 'd2', modelId: 'm', modelName: 'M', family: null, p50Ms: 5, throughputIps: 200, results: 2 },
    ]);
    const { models, summary } = compareClasses(rows, ['d1', 'd2']);
    expect(models[0]!.ratio).toEqual([1, 0.5]);
    expect(summary[1]!.geomeanRatio).toBeCloseTo(0.5);
    expect(spreadLines(rows, ['d1', 'd2'])).toEqual([]);
  });
});

describe('classCompareRow', () => {
  it('keeps what the comparison reads and drops the rest of a leaderboard row', () => {
    const full = {
      ...row('a', 'm1', 10, { devices: 2, minP50Ms: 9, maxP50Ms: 11, cv: 0.1 }),
      hardwareClassName: 'Class A',
      settingsKey: 'latency/bs1',
      p90Ms: 12,
      histogram: 'HISTFAAA',
      rank: 1,
    };
    const slim = classCompareRow(full);
    expect(slim).toEqual(row('a', 'm1', 10, { devices: 2, minP50Ms: 9, maxP50Ms: 11, cv: 0.1 }));
    expect(compareClasses([slim], ['a'])).toEqual(compareClasses([full], ['a']));
    expect(spreadLines([slim], ['a'])).toEqual(spreadLines([full], ['a']));
  });

  it('gives a row without a unit spread a null one', () => {
    expect(classCompareRow({ ...row('a', 'm1', 10), unitSpread: undefined }).unitSpread).toBeNull();
  });
});

describe('model order', () => {
  it('sorts names naturally (ResNet18 before ResNet101)', () => {
    const { models } = compareClasses(
      [row('a', 'resnet101', 5), row('a', 'resnet18', 3), row('a', 'resnet50', 4)],
      ['a'],
    );
    expect(models.map((m) => m.modelName)).toEqual(['RESNET18', 'RESNET50', 'RESNET101']);
  });
});
