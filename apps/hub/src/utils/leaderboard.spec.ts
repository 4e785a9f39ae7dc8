import type { LeaderboardSample } from '../repositories/result.repository';
import { computeLeaderboard, median } from './leaderboard';

const s = (modelId: string, deviceId: string, p50: number, verdict: 'valid' | 'flagged' = 'valid', over: Partial<LeaderboardSample> = {}): LeaderboardSample => ({
  hardwareClassId: 'hc', settingsKey: 'k', modelId, deviceId, p50Ms: p50, p90Ms: p50 * 2, p99Ms: p50 * 3, throughputIps: 1000 / p50, top1: null,
  verdictStatus: verdict, measuredAt: new Date(), ...over,
});

const models = new Map([
  ['fast', { name: 'Fast', family: 'f', referenceTop1: 0.7 }],
  ['slow', { name: 'Slow', family: 'f', referenceTop1: null }],
]);

describe('median', () => {
  it('handles odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('computeLeaderboard', () => {
  it('takes medians over valid results, counts flagged separately and ranks by p50', () => {
    const rows = computeLeaderboard(
      [s('slow', 'd1', 10), s('slow', 'd2', 20), s('slow', 'd1', 30), s('slow', 'd1', 1, 'flagged'), s('fast', 'd1', 2), s('fast', 'd2', 4)],
      models,
      new Map([['hc', 'Class']]),
      [],
    );
    expect(rows.map((r) => r.modelId)).toEqual(['fast', 'slow']);
    expect(rows[1]).toMatchObject({ p50Ms: 20, p90Ms: 40, p99Ms: 60, results: 3, flaggedResults: 1, devices: 2, top1: null, top1Source: null });
    expect(rows[0]).toMatchObject({ p50Ms: 3, results: 2, top1: 0.7, top1Source: 'reference', hardwareClassName: 'Class' });
  });

  it('prefers measured top-1 and lists flagged-only models after the ranked ones', () => {
    const rows = computeLeaderboard([s('fast', 'd1', 50, 'flagged'), s('slow', 'd1', 10)], models, new Map(), [
      { modelId: 'fast', hardwareClassId: 'hc', top1: 0.75 },
      { modelId: 'fast', hardwareClassId: 'hc', top1: 0.77 },
    ]);
    expect(rows.map((r) => r.modelId)).toEqual(['slow', 'fast']);
    expect(rows[1]).toMatchObject({ results: 0, flaggedResults: 1, top1: 0.76, top1Source: 'measured' });
  });
});
