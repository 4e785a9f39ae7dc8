import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../db/database';
import { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { ResultRepository } from '../repositories/result.repository';
import { resultMessage } from './fixtures';

/**
 * The batched insert round trip, for PostgreSQL (result.repository.medium.spec.ts: COPY, and the statement that skips
 * duplicates when COPY meets one) and PGlite (pglite-smoke.ts): two results in one statement, read back as Prisma
 * stores them; the same two again plus a new one → only the new one is created; a second result of one job attempt
 * is left out.
 * Also two concurrent `ensure`s of one new hardware class (concurrent first enrollments) both succeed.
 */
export async function resultBatchCheck(p: Db, ids: { deviceId: string; jobId: string; modelId: string }) {
  const classes = new HardwareClassRepository(p);
  const cls = { id: `hc-race-${ids.deviceId}`, key: `race-${ids.deviceId}`, name: 'race' };
  const ensured = await Promise.allSettled([classes.ensure(cls), classes.ensure(cls), classes.ensure(cls)]);
  const repo = new ResultRepository(p);
  const row = (msg: ReturnType<typeof resultMessage>) => ({
    msgId: msg.msgId,
    jobId: ids.jobId,
    deviceId: ids.deviceId,
    modelId: ids.modelId,
    hardwareClassId: 'hc-1',
    settingsKey: 'k',
    settings: msg.settings,
    metrics: msg.metrics,
    p50Ms: msg.metrics.latencyMs.p50,
    p90Ms: msg.metrics.latencyMs.p90,
    p99Ms: msg.metrics.latencyMs.p99,
    throughputIps: msg.metrics.throughputIps,
    top1: null,
    top5: 0.9,
    histogram: null,
    environment: msg.environment,
    verdictStatus: 'flagged' as const,
    verdictReasons: ['busy'],
    measuredAt: new Date('2026-03-01T10:00:00.123Z'),
  });
  const [a, b, c] = [resultMessage(ids.jobId), resultMessage(ids.jobId), resultMessage(ids.jobId)];
  // Doubles with no short decimal form: they must come back bit for bit.
  a.metrics.latencyMs.p50 = 0.1 + 0.2;
  a.metrics.throughputIps = 1000 / 3;
  // Text that is COPY's own syntax (tab, newline, backslash) and JSON's (quotes, escapes) must come back as sent.
  const awkward = ['tab\there', 'line\nbreak\r', 'back\\slash \\N \\.', '"quoted" \u00e9 \u{1F600}'];
  const first = await repo.insertManyIfNew([row(a), { ...row(b), verdictReasons: awkward }]);
  const second = await repo.insertManyIfNew([row(a), row(b), row(c)]);
  // A second result of one job attempt under a new msgId is left out too (unique jobId + attempt), alone or not.
  const [d, e, f] = [resultMessage(ids.jobId), resultMessage(ids.jobId), resultMessage(ids.jobId)];
  const attempt = await repo.insertManyIfNew([{ ...row(d), attempt: 7 }]);
  const sameAttempt = await repo.insertManyIfNew([{ ...row(e), attempt: 7 }, row(f)]);
  const stored = await p.result.findUniqueOrThrow({ where: { msgId: a.msgId } });
  const storedB = await p.result.findUniqueOrThrow({ where: { msgId: b.msgId } });
  return {
    ensured: ensured.map((e) => e.status),
    first: first.map((r) => r.msgId).sort(),
    expectedFirst: [a.msgId, b.msgId].sort(),
    second: second.map((r) => r.msgId),
    expectedSecond: [c.msgId],
    stored: {
      measuredAt: stored.measuredAt.toISOString(),
      top1: stored.top1,
      top5: stored.top5,
      verdictStatus: stored.verdictStatus,
      verdictReasons: stored.verdictReasons,
      metricsMatch: isDeepStrictEqual(stored.metrics, JSON.parse(JSON.stringify(a.metrics))),
      // Float columns hold the very doubles sent (they travel as JSON text).
      p50Exact: stored.p50Ms === a.metrics.latencyMs.p50 && stored.throughputIps === a.metrics.throughputIps,
      idIsString: typeof stored.id === 'string' && stored.id.length > 0,
      // The id returned is the row's.
      idReturned: first.find((r) => r.msgId === a.msgId)?.id === stored.id,
      awkwardTextKept: isDeepStrictEqual(storedB.verdictReasons, awkward),
    },
    attempt: attempt.map((r) => r.msgId),
    expectedAttempt: [d.msgId],
    sameAttempt: sameAttempt.map((r) => r.msgId),
    expectedSameAttempt: [f.msgId],
    count: await p.result.count({ where: { jobId: ids.jobId } }),
    storedOfAskedFor: [...(await repo.storedMsgIds([a.msgId, 'never-sent', c.msgId]))].sort(),
    expectedStoredOfAskedFor: [a.msgId, c.msgId].sort(),
  };
}

export const RESULT_BATCH_EXPECTED = {
  ensured: ['fulfilled', 'fulfilled', 'fulfilled'],
  stored: {
    measuredAt: '2026-03-01T10:00:00.123Z',
    top1: null,
    top5: 0.9,
    verdictStatus: 'flagged',
    verdictReasons: ['busy'],
    metricsMatch: true,
    p50Exact: true,
    idIsString: true,
    idReturned: true,
    awkwardTextKept: true,
  },
  count: 5,
};
