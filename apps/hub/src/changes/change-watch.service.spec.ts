import { mockLogger, mockOf } from '../test-support/mocks';
import type { BaselinePoint, ChangeRepository, WatchedResult } from './change.repository';
import { baselinesInOrder, ChangeWatchService, WATCH_BATCH_MAX } from './change-watch.service';
import type { RegressionWebhookService } from './regression-webhook.service';

/** A stored latency result without histogram (p50 estimate from p50Ci95), measured at minute `min`. */
const watched = (id: string, min: number, p50: number, o: { valid?: boolean; deviceId?: string } = {}) =>
  ({
    id,
    deviceId: o.deviceId ?? 'agt-1',
    modelId: 'm1',
    hardwareClassId: 'hc-1',
    settingsKey: 'k1',
    settings: { mode: 'latency' },
    metrics: {
      latencyMs: { p50, p90: p50, p95: p50, p99: p50, mean: p50, std: 0, min: p50, max: p50, count: 1000 },
      p50Ci95: undefined,
      throughputIps: 1000 / p50,
    },
    histogram: null,
    environment: { agentVersion: '0.1.0', onnxruntimeVersion: '1.30.0', nodeVersion: '20', modelSha256: 'a' },
    verdictStatus: o.valid === false ? 'flagged' : 'valid',
    measuredAt: new Date(Date.UTC(2026, 11, 1, 10, min)),
    device: { hardware: null },
  }) as unknown as WatchedResult;

describe('ChangeWatchService', () => {
  it('handles results handed over as stored without reading them back, joined with those queued by id', async () => {
    const logger = mockLogger();
    const changes = mockOf<ChangeRepository>();
    changes.watchedResults.mockImplementation(async (ids: string[]) =>
      ids.map((id) => watched(id, Number(id.slice(1)), 5)),
    );
    changes.previousPoints.mockImplementation(async (qs) => qs.map(() => null));
    const watch = new ChangeWatchService(changes, mockOf<RegressionWebhookService>(), logger);

    // Handed over while nothing is being handled: a batch of its own, nothing read.
    await watch.watchStored([watched('r1', 1, 5), watched('r2', 2, 5)]);
    expect(changes.watchedResults).not.toHaveBeenCalled();
    expect(changes.insertPoints.mock.calls[0]![0].map((p) => p.resultId)).toEqual(['r1', 'r2']);

    // One batch of stored rows and ids, in queue order; only the ids are read (once each).
    let release!: () => void;
    changes.insertPoints.mockImplementationOnce(() => new Promise<void>((r) => (release = r)));
    const a = watch.watchStored([watched('r3', 3, 5)]);
    await new Promise((r) => setImmediate(r)); // r3's batch is being handled
    const b = watch.watch('r4');
    const c = watch.watchStored([watched('r5', 5, 5), watched('r3', 3, 5)]);
    release();
    await Promise.all([a, b, c]);
    expect(changes.watchedResults).toHaveBeenCalledTimes(1);
    expect(changes.watchedResults).toHaveBeenCalledWith(['r4']);
    expect(changes.insertPoints.mock.calls.map((call) => call[0].map((p) => p.resultId))).toEqual([
      ['r1', 'r2'],
      ['r3'],
      ['r4', 'r5', 'r3'],
    ]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('handles a batch with one read, one baseline query and one insert; an unreadable result loses only its point', async () => {
    const logger = mockLogger();
    const changes = mockOf<ChangeRepository>();
    const bad = { ...watched('r2', 2, 5), settings: { mode: 'nonsense' } } as unknown as WatchedResult;
    changes.watchedResults.mockResolvedValue([watched('r3', 3, 5), bad, watched('r1', 1, 5, { valid: false })]);
    changes.previousPoints.mockImplementation(async (qs) => qs.map(() => null));
    const watch = new ChangeWatchService(changes, mockOf<RegressionWebhookService>(), logger);

    await watch.watchMany(['r1', 'r2', 'r3', 'r1']);

    expect(changes.watchedResults).toHaveBeenCalledTimes(1);
    expect(changes.watchedResults).toHaveBeenCalledWith(['r1', 'r2', 'r3']);
    // Baselines only for valid points, in the batch's order.
    expect(changes.previousPoints).toHaveBeenCalledTimes(1);
    expect(changes.previousPoints.mock.calls[0]![0].map((q) => q.resultId)).toEqual(['r3']);
    expect(changes.insertPoints).toHaveBeenCalledTimes(1);
    expect(changes.insertPoints.mock.calls[0]![0].map((p) => [p.resultId, p.valid, p.metric, p.value])).toEqual([
      ['r1', false, 'p50Ms', 5],
      ['r3', true, 'p50Ms', 5],
    ]);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toMatchObject({ resultId: 'r2' });
    expect(changes.insertChange).not.toHaveBeenCalled();
  });

  it('joins the results that arrive while a batch is handled into one waiting batch, up to WATCH_BATCH_MAX', async () => {
    const logger = mockLogger();
    const changes = mockOf<ChangeRepository>();
    const handled: string[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    changes.watchedResults.mockImplementation(async (ids: string[]) => {
      handled.push(ids);
      if (handled.length === 1) await first;
      return [];
    });
    const watch = new ChangeWatchService(changes, mockOf<RegressionWebhookService>(), logger);
    const a = watch.watchMany(['a1']);
    await Promise.resolve(); // the first batch is being handled
    await Promise.resolve();
    const b = watch.watchMany(['b1', 'b2']);
    const c = watch.watch('c1');
    const big = Array.from({ length: WATCH_BATCH_MAX }, (_, i) => `d${i}`);
    const d = watch.watchMany(big); // would pass the cap: a batch of its own, after
    release();
    await Promise.all([a, b, c, d]);
    expect(handled).toEqual([['a1'], ['b1', 'b2', 'c1'], big]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('a failing batch is logged once and the next batch still runs', async () => {
    const logger = mockLogger();
    const changes = mockOf<ChangeRepository>();
    changes.watchedResults.mockRejectedValueOnce(new Error('database gone')).mockResolvedValue([]);
    const watch = new ChangeWatchService(changes, mockOf<RegressionWebhookService>(), logger);
    await watch.watchMany(['r1', 'r2']);
    await watch.watch('r3'); // after the failed batch
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![1]).toBe('regression watch failed for 2 results (stored; not compared)');
    expect(changes.watchedResults).toHaveBeenLastCalledWith(['r3']);
  });
});

describe('baselinesInOrder', () => {
  const at = (min: number) => new Date(Date.UTC(2026, 11, 1, 10, min));
  const point = (resultId: string, min: number, o: { valid?: boolean; deviceId?: string } = {}) => ({
    row: {
      resultId,
      modelId: 'm1',
      hardwareClassId: 'hc-1',
      settingsKey: 'k1',
      deviceId: o.deviceId ?? 'd1',
      measuredAt: at(min),
      valid: o.valid ?? true,
      metric: 'p50Ms',
      value: min,
      low: null,
      high: null,
      fingerprint: { agent: '1', onnxruntime: '1', node: '1', runner: 'r', model: 'm', dataset: null },
    },
  });
  const stored = (resultId: string, min: number): BaselinePoint => ({
    resultId,
    metric: 'p50Ms',
    value: min,
    low: null,
    high: null,
    fingerprint: {},
    measuredAt: at(min),
  });
  const ids = (b: (BaselinePoint | null)[]) => b.map((p) => p?.resultId ?? null);

  it('takes an earlier valid point of the batch when it is newer than the stored baseline', () => {
    const points = [point('a', 5), point('b', 6), point('c', 7, { valid: false }), point('d', 8)];
    // Stored baselines for the valid points a, b, d (each from the database alone).
    expect(ids(baselinesInOrder(points, [stored('s', 1), stored('s', 1), stored('s', 1)]))).toEqual([
      's',
      'a',
      null,
      'b', // c is flagged: never a baseline
    ]);
  });

  it('keeps the stored baseline when it is newer, and never a point measured later or of another series', () => {
    const points = [point('late', 9), point('x', 4, { deviceId: 'd2' }), point('e', 5)];
    expect(ids(baselinesInOrder(points, [null, null, stored('s', 3)]))).toEqual([null, null, 's']);
    expect(ids(baselinesInOrder([point('a', 2), point('e', 5)], [null, stored('s', 3)]))).toEqual([null, 's']);
  });

  it('matches handling the points one at a time on random batches', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 200; round++) {
      const db = Array.from({ length: rnd(4) }, (_, i) => ({ ...point(`s${i}`, rnd(20), { deviceId: `d${rnd(2)}` }) }));
      const batch = Array.from({ length: 1 + rnd(8) }, (_, i) =>
        point(`b${i}`, rnd(20), { deviceId: `d${rnd(2)}`, valid: rnd(4) > 0 }),
      );
      // Reference: one at a time, each point written before the next is read (ties: the newer-written one loses).
      const written = [...db.map((p) => p.row)];
      const expected = batch.map(({ row }) => {
        const prev = row.valid
          ? written
              .filter((w) => w.valid && w.deviceId === row.deviceId && w.measuredAt < row.measuredAt)
              .reduce<(typeof written)[number] | null>((b, w) => (!b || w.measuredAt > b.measuredAt ? w : b), null)
          : null;
        written.push(row);
        return prev?.measuredAt.getTime() ?? null;
      });
      const fromDb = batch
        .filter((p) => p.row.valid)
        .map(({ row }) => {
          const prev = db
            .map((p) => p.row)
            .filter((w) => w.valid && w.deviceId === row.deviceId && w.measuredAt < row.measuredAt)
            .reduce<BaselinePoint | null>((b, w) => (!b || w.measuredAt > b.measuredAt ? w : b), null);
          return prev;
        });
      expect(baselinesInOrder(batch, fromDb).map((p) => p?.measuredAt.getTime() ?? null)).toEqual(expected);
    }
  });
});
