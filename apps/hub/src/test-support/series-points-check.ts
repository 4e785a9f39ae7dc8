import type { Db } from '../db/database';
import { ChangeRepository, type PreviousPointQuery } from '../changes/change.repository';
import type { SecretBox } from '../repositories/secret-box.repository';

const at = (min: number) => new Date(Date.UTC(2026, 11, 1, 10, min));
const series = { modelId: 'sp-m1', hardwareClassId: 'sp-hc', settingsKey: 'k1' };

/**
 * The regression watch's batch statements, for PostgreSQL (changes/change.repository.medium.spec.ts) and PGlite
 * (pglite-smoke.ts): one insert of many points (idempotent), then one baseline query for many points, each with its
 * own series, device and time. Results r0..r5 of a device measured at 10:00..10:05; points r0 (d1, 10:01, valid),
 * r1 (d1, 10:03), r2 (d1, 10:04, flagged), r3 (d2, 10:02).
 */
export async function seriesPointsCheck(p: Db) {
  await p.hardwareClass.create({ data: { id: 'sp-hc', key: 'sp-k', name: 'n' } });
  for (const id of ['sp-d1', 'sp-d2'])
    await p.device.create({
      data: { id, name: id, passwordHash: 'x', hardware: {}, software: {}, hardwareClassId: 'sp-hc' },
    });
  await p.model.create({
    data: { id: 'sp-m1', sha256: '1'.repeat(64), sizeBytes: 1n, name: 'm', source: 'path', inputs: [], outputs: [] },
  });
  await p.campaign.create({ data: { id: 'sp-c1', name: 'c', request: {} } });
  await p.job.create({
    data: {
      id: 'sp-j1',
      campaignId: 'sp-c1',
      deviceId: 'sp-d1',
      modelId: 'sp-m1',
      settings: {},
      settingsKey: 'k1',
      maxAttempts: 1,
      timeoutMs: 1000,
    },
  });
  await p.result.createMany({
    data: [0, 1, 2, 3, 4, 5].map((i) => ({
      id: `r${i}`,
      msgId: `sp-msg-${i}`,
      jobId: 'sp-j1',
      attempt: i + 1,
      deviceId: 'sp-d1',
      ...series,
      settings: {},
      metrics: {},
      p50Ms: 1,
      p90Ms: 1,
      p99Ms: 1,
      throughputIps: 1,
      environment: {},
      verdictStatus: 'valid' as const,
      verdictReasons: [],
      measuredAt: at(i),
    })),
  });
  const repo = new ChangeRepository(p, {} as SecretBox);
  const point = (resultId: string, deviceId: string, min: number, valid = true) => ({
    ...series,
    resultId,
    deviceId,
    measuredAt: at(min),
    valid,
    metric: 'p50Ms',
    value: min,
    low: min - 0.5,
    high: null,
    fingerprint: { agent: resultId },
  });
  const points = [point('r0', 'sp-d1', 1), point('r1', 'sp-d1', 3), point('r2', 'sp-d1', 4, false)];
  const odd = { ...point('r4', 'sp-d2', 0, false), value: NaN, high: Infinity }; // float8 holds them; JSON does not
  await repo.insertPoints([...points, point('r3', 'sp-d2', 2), odd]);
  await repo.insertPoints([points[1]!, { ...points[0]!, value: 99 }]); // repeats change nothing
  const stored = (await p.seriesPoint.findMany({ where: series, orderBy: { resultId: 'asc' } })).map((r) => [
    r.resultId,
    Number.isNaN(r.value) ? 'NaN' : r.value,
  ]);
  const q = (resultId: string, deviceId: string, min: number, o: Partial<PreviousPointQuery> = {}) => ({
    ...series,
    resultId,
    deviceId,
    measuredAt: at(min),
    ...o,
  });
  const found = await repo.previousPoints([
    q('r5', 'sp-d1', 5), // newest valid point of d1 before 10:05: r1 (r2 is flagged)
    q('r4', 'sp-d1', 2), // before 10:02: r0
    q('r1', 'sp-d1', 3), // never itself; before 10:03: r0
    q('r0', 'sp-d1', 1), // nothing before
    q('r5', 'sp-d2', 5), // the other device: r3
    q('r5', 'sp-d1', 5, { settingsKey: 'other' }), // another series: none
    // d2 before 10:01: only its flagged r4; the valid points of d1 next to it in the index are not d2's baseline
    q('r5', 'sp-d2', 1),
  ]);
  const oddRow = await p.seriesPoint.findUnique({ where: { resultId: 'r4' } });
  const watched = await repo.watchedResults(['r1', 'r2', 'missing']);
  return {
    stored,
    oddStored: Number.isNaN(oddRow?.value) && oddRow?.high === Infinity,
    watched: watched
      .map((r) => [r.id, r.measuredAt instanceof Date && r.measuredAt.getTime(), r.verdictStatus, r.device.hardware])
      .sort(),
    foundDates: found.every((f) => !f || f.measuredAt instanceof Date),
    found: found.map((f) => f?.resultId ?? null),
    first: found[0],
    expectedFirst: {
      resultId: 'r1',
      metric: 'p50Ms',
      value: 3,
      low: 2.5,
      high: null,
      fingerprint: { agent: 'r1' },
      measuredAt: at(3),
    },
    none: await repo.previousPoints([]),
  };
}

export const SERIES_POINTS_EXPECTED = {
  stored: [
    ['r0', 1],
    ['r1', 3],
    ['r2', 4],
    ['r3', 2],
    ['r4', 'NaN'],
  ],
  oddStored: true,
  watched: [
    ['r1', at(1).getTime(), 'valid', {}],
    ['r2', at(2).getTime(), 'valid', {}],
  ],
  foundDates: true,
  found: ['r1', 'r0', 'r0', null, 'r3', null, null],
  none: [],
};
