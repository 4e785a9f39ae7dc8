import {
  buildSelector,
  campaignProgress,
  expandMatrix,
  parseIntList,
  parseWordList,
  pickModels,
  jobResultFromSummary,
  rerunRequest,
  timeoutForSustained,
} from './matrix';

describe('campaign form maths', () => {
  it('parses lists', () => {
    expect(parseIntList('1, 4,8 4', 'batch', 1)).toEqual([1, 4, 8]);
    expect(() => parseIntList('0', 'batch', 1)).toThrow(/batch: "0"/);
    expect(() => parseIntList('', 'threads')).toThrow(/at least one/);
    expect(parseWordList('cpu, cuda cpu', 'providers')).toEqual(['cpu', 'cuda']);
  });

  it('expands the settings matrix', () => {
    const m = expandMatrix({
      mode: 'latency',
      batchSizes: [1, 4],
      threads: [0, 2],
      providers: ['cpu'],
      minIterations: 20,
    });
    expect(m).toHaveLength(4);
    expect(m[0]).toEqual({
      mode: 'latency',
      batchSize: 1,
      intraOpThreads: 0,
      executionProvider: 'cpu',
      minIterations: 20,
    });
    expect(m.map((s) => `${s.batchSize}/${s.intraOpThreads}`)).toEqual(['1/0', '4/0', '1/2', '4/2']);
  });

  it('a sustained matrix carries its length, and the job time limit grows to fit it', () => {
    const m = expandMatrix({
      mode: 'latency',
      batchSizes: [1],
      threads: [0],
      providers: ['cpu'],
      sustainedMs: 600_000,
    });
    expect(m[0]).toMatchObject({ sustainedMs: 600_000 });
    expect(timeoutForSustained(undefined)).toBeUndefined();
    expect(timeoutForSustained(60_000)).toBe(15 * 60_000);
    expect(timeoutForSustained(600_000)).toBe(20 * 60_000);
    expect(timeoutForSustained(600_000)! * 0.9).toBeGreaterThan(600_000);
    expect(timeoutForSustained(20 * 3600_000)).toBe(24 * 3600_000);
  });

  it('picks models and whole families', () => {
    const models = [
      { id: 'a', family: 'X' },
      { id: 'b', family: 'Y' },
      { id: 'c', family: 'Y' },
      { id: 'd', family: null },
    ];
    expect(pickModels(models, ['a', 'd'], ['Y'])).toEqual(['a', 'b', 'c', 'd']);
    expect(pickModels(models, [], [])).toEqual([]);
  });

  it('builds device selectors', () => {
    expect(buildSelector('all', { ids: ['x'], tags: [], classes: [] })).toEqual({
      all: true,
      ids: [],
      tags: [],
      hardwareClassIds: [],
    });
    expect(buildSelector('tags', { ids: [], tags: ['lab'], classes: [] }).tags).toEqual(['lab']);
    expect(buildSelector('ids', { ids: ['d1'], tags: [], classes: [] }).ids).toEqual(['d1']);
  });

  it('re-runs on the same devices, models and settings', () => {
    const settings = {
      mode: 'latency' as const,
      batchSize: 1,
      intraOpThreads: 0,
      interOpThreads: 0,
      executionProvider: 'cpu',
      graphOptimizationLevel: 'all' as const,
      warmupIterations: 10,
      minIterations: 100,
      minDurationMs: 1000,
      maxDurationMs: 60000,
      seed: 1,
    };
    const job = (id: string, modelId: string, deviceId: string) => ({
      id,
      campaignId: 'c',
      deviceId,
      modelId,
      modelName: modelId,
      settings,
      settingsKey: 'k',
      state: 'succeeded' as const,
      attempts: 1,
      progress: 1,
      error: null,
      updatedAt: '',
    });
    const r = rerunRequest(
      {
        name: 'nightly (re-run 2026-01-01 00:00)',
        jobs: [job('1', 'm1', 'd1'), job('2', 'm2', 'd1'), job('3', 'm1', 'd2')],
      },
      new Date('2026-02-03T04:05:00Z'),
    );
    expect(r).toEqual({
      name: 'nightly (re-run 2026-02-03 04:05)',
      modelIds: ['m1', 'm2'],
      devices: { all: false, ids: ['d1', 'd2'], tags: [], hardwareClassIds: [] },
      settings: [settings],
    });
    expect(() => rerunRequest({ name: 'x', jobs: [] })).toThrow();

    // With the stored request, the original selector (tags here) is reused rather than the job devices.
    const withRequest = rerunRequest(
      {
        name: 'nightly',
        jobs: [job('1', 'm1', 'd1')],
        request: {
          name: 'nightly',
          modelIds: ['m1', 'm2'],
          devices: { all: false, ids: [], tags: ['lab'], hardwareClassIds: [] },
          settings: [settings],
          timeoutMs: 60_000,
          maxAttempts: 2,
        },
      },
      new Date('2026-02-03T04:05:00Z'),
    );
    expect(withRequest).toEqual({
      name: 'nightly (re-run 2026-02-03 04:05)',
      modelIds: ['m1', 'm2'],
      devices: { all: false, ids: [], tags: ['lab'], hardwareClassIds: [] },
      settings: [settings],
      timeoutMs: 60_000,
      maxAttempts: 2,
    });
  });

  it('reduces results to what the job table needs', () => {
    expect(
      jobResultFromSummary({ id: 'r', jobId: 'j', p50Ms: 2, throughputIps: 500, verdictStatus: 'flagged' }),
    ).toEqual({ id: 'r', jobId: 'j', p50Ms: 2, throughputIps: 500, valid: false });
  });

  it('campaign progress counts final jobs and running progress', () => {
    expect(
      campaignProgress([
        { state: 'succeeded', progress: 1 },
        { state: 'running', progress: 0.5 },
        { state: 'queued', progress: null },
        { state: 'failed', progress: null },
      ]),
    ).toBeCloseTo(2.5 / 4);
    expect(campaignProgress([])).toBe(0);
  });
});
