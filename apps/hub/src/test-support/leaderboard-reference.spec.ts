import { computeLeaderboard, type LeaderboardSample } from './leaderboard-reference';

const s = (
  modelId: string,
  deviceId: string,
  p50: number,
  verdict: 'valid' | 'flagged' = 'valid',
  over: Partial<LeaderboardSample> = {},
): LeaderboardSample => ({
  hardwareClassId: 'hc',
  settingsKey: 'k',
  modelId,
  deviceId,
  p50Ms: p50,
  p90Ms: p50 * 2,
  p99Ms: p50 * 3,
  throughputIps: 1000 / p50,
  top1: null,
  verdictStatus: verdict,
  measuredAt: new Date(),
  ...over,
});

const models = new Map([
  ['fast', { name: 'Fast', family: 'f', referenceTop1: 0.7 }],
  ['slow', { name: 'Slow', family: 'f', referenceTop1: null }],
]);

describe('computeLeaderboard', () => {
  it('takes medians over valid results, counts flagged separately and ranks by p50', () => {
    const rows = computeLeaderboard(
      [
        s('slow', 'd1', 10),
        s('slow', 'd2', 20),
        s('slow', 'd1', 30),
        s('slow', 'd1', 1, 'flagged'),
        s('fast', 'd1', 2),
        s('fast', 'd2', 4),
      ],
      models,
      new Map([['hc', 'Class']]),
      [],
    );
    expect(rows.map((r) => r.modelId)).toEqual(['fast', 'slow']);
    expect(rows[1]).toMatchObject({
      p50Ms: 20,
      p90Ms: 40,
      p99Ms: 60,
      results: 3,
      flaggedResults: 1,
      devices: 2,
      top1: null,
      top1Source: null,
    });
    expect(rows[0]).toMatchObject({
      p50Ms: 3,
      results: 2,
      top1: 0.7,
      top1Source: 'reference',
      hardwareClassName: 'Class',
    });
  });

  it('prefers measured top-1 and lists flagged-only models after the ranked ones', () => {
    const rows = computeLeaderboard([s('fast', 'd1', 50, 'flagged'), s('slow', 'd1', 10)], models, new Map(), [
      { modelId: 'fast', hardwareClassId: 'hc', top1: 0.75 },
      { modelId: 'fast', hardwareClassId: 'hc', top1: 0.77 },
    ]);
    expect(rows.map((r) => r.modelId)).toEqual(['slow', 'fast']);
    expect(rows[1]).toMatchObject({ results: 0, flaggedResults: 1, top1: 0.76, top1Source: 'measured' });
    expect(rows.map((r) => r.rank)).toEqual([1, null]);
  });

  it('ranks once, per class and settings key: p50, then higher throughput, then name', () => {
    const named = new Map([
      ['a', { name: 'A', family: null, referenceTop1: null }],
      ['b', { name: 'B', family: null, referenceTop1: null }],
      ['c', { name: 'C', family: null, referenceTop1: null }],
    ]);
    const rows = computeLeaderboard(
      [
        // Same p50: b has the higher throughput, so it ranks before a; c ties with a on both and follows by name.
        s('a', 'd1', 5, 'valid', { throughputIps: 100 }),
        s('b', 'd1', 5, 'valid', { throughputIps: 300 }),
        s('c', 'd1', 5, 'valid', { throughputIps: 100 }),
        s('a', 'd1', 9, 'valid', { settingsKey: 'k2' }),
        s('b', 'd1', 1, 'flagged', { settingsKey: 'k2' }),
      ],
      named,
      new Map(),
      [],
    );
    expect(rows.map((r) => [r.settingsKey, r.modelId, r.rank])).toEqual([
      ['k', 'b', 1],
      ['k', 'a', 2],
      ['k', 'c', 3],
      ['k2', 'a', 1],
      ['k2', 'b', null],
    ]);
  });
});

describe('leaderboard extras', () => {
  it('takes medians of cold start, peak RSS, GFLOP/s and peak share from the stored metrics', () => {
    const m = (create: number, first: number, rss: number, gflops: number | null, peakShare?: number) => ({
      metrics: {
        coldStart: { sessionCreateMs: create, firstInferenceMs: first },
        peakRssBytes: rss,
        gflops,
        peakShare,
      },
    });
    const rows = computeLeaderboard(
      [
        s('fast', 'd1', 2, 'valid', m(10, 5, 100, 4, 0.2)),
        s('fast', 'd1', 3, 'valid', m(20, 5, 300, 6, 0.4)),
        s('fast', 'd1', 3, 'valid', m(30, 5, 200, null)),
      ],
      models,
      new Map(),
      [],
    );
    expect(rows[0]).toMatchObject({ coldStartMs: 25, peakRssBytes: 200, gflops: 5, peakShare: 0.30000000000000004 });
    expect(rows[0].unitSpread).toBeNull();
  });

  it('reports the unit-to-unit spread of per-device medians', () => {
    const rows = computeLeaderboard(
      [s('fast', 'd1', 10), s('fast', 'd1', 12), s('fast', 'd2', 20), s('fast', 'd3', 30, 'flagged')],
      models,
      new Map(),
      [],
    );
    expect(rows[0].unitSpread).toEqual({
      devices: 2,
      minP50Ms: 11,
      maxP50Ms: 20,
      cv: expect.closeTo(Math.sqrt(40.5) / 15.5, 6),
    });
  });

  it('leaves figures a runner could not measure (null) out of the medians instead of counting them as 0', () => {
    const known = { coldStart: { sessionCreateMs: 10, firstInferenceMs: 5 }, peakRssBytes: 300 };
    // What the external runners report: no first inference, no peak RSS (before: 0 and 0, which pulled medians down).
    const external = { coldStart: { sessionCreateMs: 900, firstInferenceMs: null }, peakRssBytes: null };
    const rows = computeLeaderboard(
      [
        s('fast', 'd1', 2, 'valid', { metrics: known }),
        s('fast', 'd1', 3, 'valid', { metrics: external }),
        s('fast', 'd1', 4, 'valid', { metrics: external }),
      ],
      models,
      new Map(),
      [],
    );
    expect(rows[0]).toMatchObject({ p50Ms: 3, coldStartMs: 15, peakRssBytes: 300 });
    const onlyExternal = computeLeaderboard(
      [s('fast', 'd1', 3, 'valid', { metrics: external })],
      models,
      new Map(),
      [],
    );
    expect(onlyExternal[0]).toMatchObject({ coldStartMs: null, peakRssBytes: null });
  });

  it('returns nulls when metrics are absent', () => {
    const rows = computeLeaderboard([s('fast', 'd1', 10)], models, new Map(), []);
    expect(rows[0]).toMatchObject({ coldStartMs: null, peakRssBytes: null, gflops: null, peakShare: null });
    expect(rows[0]).toMatchObject({ joulesPerInference: null, averageWatts: null, energySources: [] });
  });

  it('takes energy medians over the results that measured it; unavailable readings never count as 0', () => {
    const measured = (source: string, watts: number, jpi: number) => ({
      metrics: {
        energy: {
          status: 'measured',
          source,
          scope: 's',
          seconds: 1,
          joules: 1,
          averageWatts: watts,
          joulesPerInference: jpi,
        },
      },
    });
    const unavailable = { metrics: { energy: { status: 'unavailable', reasons: [] } } };
    const rows = computeLeaderboard(
      [
        s('fast', 'd1', 2, 'valid', measured('rapl', 10, 0.5)),
        s('fast', 'd1', 3, 'valid', measured('nvidia-smi', 30, 0.9)),
        s('fast', 'd1', 4, 'valid', unavailable),
        s('fast', 'd1', 5, 'valid', unavailable),
        s('fast', 'd1', 6, 'flagged', measured('rapl', 99, 9)),
        s('slow', 'd1', 9, 'valid', unavailable),
      ],
      models,
      new Map(),
      [],
    );
    const byModel = new Map(rows.map((r) => [r.modelId, r]));
    expect(byModel.get('fast')).toMatchObject({
      joulesPerInference: 0.7,
      averageWatts: 20,
      energySources: ['nvidia-smi', 'rapl'],
    });
    expect(byModel.get('slow')).toMatchObject({ joulesPerInference: null, averageWatts: null, energySources: [] });
  });
});
