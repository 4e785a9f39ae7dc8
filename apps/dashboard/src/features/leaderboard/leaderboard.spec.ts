import type { LeaderboardRow } from '@fleetbench/protocol';
import {
  ariaSort,
  defaultDir,
  DEFAULT_SORT,
  familiesOf,
  filterRows,
  nextSort,
  parseFilterNumber,
  sortRows,
  verdictOf,
} from './leaderboard';

function row(p: Partial<LeaderboardRow> & Pick<LeaderboardRow, 'modelName'>): LeaderboardRow {
  return {
    hardwareClassId: 'hc-x86',
    hardwareClassName: 'Xeon · x64 · 2 cores · 24 GiB',
    settingsKey: 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
    modelId: `m-${p.modelName}`,
    family: 'MobileNet',
    devices: 1,
    results: 1,
    p50Ms: 10,
    p90Ms: 12,
    p99Ms: 15,
    throughputIps: 100,
    top1: 0.7,
    top1Source: 'reference',
    flaggedResults: 0,
    rank: 1,
    ...p,
  };
}

describe('sortRows', () => {
  // Ranks as the hub gives them (apps/hub/src/utils/leaderboard.ts ranks; the dashboard only shows and sorts).
  const rows = [
    row({ modelName: 'slow', p50Ms: 30, throughputIps: 30, top1: 0.8, rank: 3 }),
    row({ modelName: 'fast', p50Ms: 5, throughputIps: 200, top1: null, top1Source: null, family: null, rank: 1 }),
    row({ modelName: 'flaggedOnly', p50Ms: 1, results: 0, flaggedResults: 2, throughputIps: 900, rank: null }),
    row({
      modelName: 'mid',
      p50Ms: 12,
      throughputIps: 80,
      top1: 0.75,
      top1Source: 'measured',
      flaggedResults: 1,
      rank: 2,
    }),
  ];

  it('sorts by the rank it was given, whatever the p50, with unranked rows last', () => {
    // A rank that p50 alone would not give (the hub broke a tie by throughput): shown as given.
    const tie = [row({ modelName: 'x', p50Ms: 5, rank: 2 }), row({ modelName: 'y', p50Ms: 5, rank: 1 })];
    expect(sortRows(tie, DEFAULT_SORT).map((r) => r.modelName)).toEqual(['y', 'x']);
  });

  it('sorts by rank with unranked rows last', () => {
    expect(sortRows(rows, DEFAULT_SORT).map((r) => r.modelName)).toEqual(['fast', 'mid', 'slow', 'flaggedOnly']);
    expect(sortRows(rows, { key: 'rank', dir: 'desc' }).map((r) => r.modelName)).toEqual([
      'slow',
      'mid',
      'fast',
      'flaggedOnly',
    ]);
  });

  it('sorts by throughput, top-1 (nulls last) and name', () => {
    expect(sortRows(rows, { key: 'throughput', dir: 'desc' }).map((r) => r.modelName)).toEqual([
      'flaggedOnly',
      'fast',
      'mid',
      'slow',
    ]);
    expect(sortRows(rows, { key: 'top1', dir: 'desc' }).map((r) => r.modelName)).toEqual([
      'slow',
      'mid',
      'flaggedOnly',
      'fast',
    ]);
    expect(sortRows(rows, { key: 'top1', dir: 'asc' }).map((r) => r.modelName)).toEqual([
      'flaggedOnly',
      'mid',
      'slow',
      'fast',
    ]);
    expect(sortRows(rows, { key: 'model', dir: 'asc' }).map((r) => r.modelName)).toEqual([
      'fast',
      'flaggedOnly',
      'mid',
      'slow',
    ]);
    expect(sortRows(rows, { key: 'family', dir: 'asc' }).at(-1)?.modelName).toBe('fast');
  });

  it('toggles direction on the same header and uses natural direction on a new one', () => {
    expect(nextSort(DEFAULT_SORT, 'rank')).toEqual({ key: 'rank', dir: 'desc' });
    expect(nextSort(DEFAULT_SORT, 'throughput')).toEqual({ key: 'throughput', dir: 'desc' });
    expect(nextSort(DEFAULT_SORT, 'p99')).toEqual({ key: 'p99', dir: 'asc' });
    expect(ariaSort({ key: 'p50', dir: 'desc' }, 'p50')).toBe('descending');
    expect(ariaSort({ key: 'p50', dir: 'desc' }, 'p90')).toBe('none');
  });
});

describe('verdict, filters and extra sort keys', () => {
  const base = {
    hardwareClassId: 'hc',
    hardwareClassName: 'HC',
    settingsKey: 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
    devices: 1,
    results: 1,
    p90Ms: 1,
    p99Ms: 1,
    throughputIps: 1,
    top1Source: 'reference' as const,
    flaggedResults: 0,
  };
  const rows = [
    {
      ...base,
      modelId: 'a',
      modelName: 'A',
      family: 'ResNet',
      p50Ms: 10,
      top1: 0.76,
      gflops: 5,
      coldStartMs: 100,
      rank: 2,
    },
    {
      ...base,
      modelId: 'b',
      modelName: 'B',
      family: 'MobileNet',
      p50Ms: 2,
      top1: 0.7,
      gflops: 1,
      coldStartMs: null,
      flaggedResults: 2,
      rank: 1,
    },
    {
      ...base,
      modelId: 'c',
      modelName: 'C',
      family: null,
      p50Ms: 5,
      top1: null,
      results: 0,
      flaggedResults: 1,
      rank: null,
    },
  ];

  it('verdict badge', () => {
    expect(rows.map(verdictOf)).toEqual(['valid', 'mixed', 'flagged']);
  });

  it('filters by family, minimum top-1 and maximum latency', () => {
    expect(filterRows(rows, { family: 'ResNet' }).map((r) => r.modelId)).toEqual(['a']);
    expect(filterRows(rows, { minTop1: 0.72 }).map((r) => r.modelId)).toEqual(['a']);
    expect(filterRows(rows, { maxP50Ms: 5 }).map((r) => r.modelId)).toEqual(['b', 'c']);
    expect(filterRows(rows, { minTop1: null, maxP50Ms: null, family: '' })).toHaveLength(3);
    expect(familiesOf(rows)).toEqual(['MobileNet', 'ResNet']);
  });

  it('parses filter inputs', () => {
    expect(parseFilterNumber('71.5', true)).toBeCloseTo(0.715);
    expect(parseFilterNumber('71.5%', true)).toBeCloseTo(0.715);
    expect(parseFilterNumber(' 12 ')).toBe(12);
    expect(parseFilterNumber('')).toBeNull();
    expect(parseFilterNumber('x')).toBeNull();
    expect(parseFilterNumber('-1')).toBeNull();
  });

  it('sorts by the new columns, missing values last', () => {
    const ranked = rows;
    expect(sortRows(ranked, { key: 'gflops', dir: defaultDir('gflops') }).map((r) => r.modelId)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(sortRows(ranked, { key: 'coldStart', dir: 'asc' }).map((r) => r.modelId)).toEqual(['a', 'b', 'c']);
    expect(sortRows(ranked, { key: 'verdict', dir: 'asc' }).map((r) => r.modelId)).toEqual(['a', 'b', 'c']);
  });
});
