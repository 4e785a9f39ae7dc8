/**
 * Medium test: telemetry ingest on a real PostgreSQL — batching (few statements for many messages, each message
 * settled only after its batch committed), the device's latest sample, sampling of the history (also across two
 * replicas), and what happens to unknown, revoked and malformed input and to a failed write.
 */
import { PROTOCOL_MAJOR, type TelemetrySample } from '@fleetbench/protocol';
import { openDatabase, type Database } from '../db/database';
import { ClockRepository } from '../repositories/clock.repository';
import { EventRepository } from '../repositories/event.repository';
import { TelemetryRepository } from '../repositories/telemetry.repository';
import { createTestDatabase } from '../test-support/database';
import { hardware, software } from '../test-support/fixtures';
import { mockLogger } from '../test-support/mocks';
import { TelemetryHistoryService } from './telemetry-history.service';
import { TELEMETRY_BATCH_MAX, TelemetryIngestService } from './telemetry-ingest.service';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
let seq = 0;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: testDb.url, dataDir: null });
  await db.prisma.hardwareClass.create({ data: { id: 'hc-t', key: 'k', name: 'n' } });
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

function ingest(sampleS = 0) {
  const logger = mockLogger();
  const repo = new TelemetryRepository(db.prisma);
  const events = new EventRepository(logger);
  const live: { id: string; load1: number }[] = [];
  events.onAny((event, payload) => {
    if (event !== 'device.telemetry') return;
    const p = payload as { id: string; telemetry: TelemetrySample };
    live.push({ id: p.id, load1: p.telemetry.load1 });
  });
  const svc = new TelemetryIngestService(
    repo,
    new TelemetryHistoryService(repo, logger),
    events,
    new ClockRepository(),
    { telemetrySampleS: sampleS },
    logger,
  );
  return { svc, repo, logger, live };
}

async function devices(n: number, opts: { revoked?: boolean } = {}): Promise<string[]> {
  const ids = Array.from({ length: n }, () => `agent-${String(++seq).padStart(16, '0')}`);
  await db.prisma.device.createMany({
    data: ids.map((id) => ({
      id,
      name: id,
      passwordHash: 'x',
      hardware: hardware() as never,
      software: software as never,
      hardwareClassId: 'hc-t',
      revokedAt: opts.revoked ? new Date() : null,
    })),
  });
  return ids;
}

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const sample = (secondsIn: number, load1: number): TelemetrySample => ({
  ts: new Date(T0 + secondsIn * 1000).toISOString(),
  load1,
  cpuPercent: 12.5,
  temperatureC: null,
  cpuFrequencyMHz: 1800,
  memoryFreeBytes: 2 ** 33,
});
const payload = (s: TelemetrySample) => JSON.stringify({ v: PROTOCOL_MAJOR, ...s });
const historyOf = async (deviceId: string) =>
  (await db.prisma.telemetrySample.findMany({ where: { deviceId }, orderBy: [{ ts: 'asc' }, { id: 'asc' }] })).map(
    (r) => (r.sample as unknown as TelemetrySample).load1,
  );

describe('TelemetryIngestService (PostgreSQL)', () => {
  it('writes many messages with a few multi-row statements, and settles each only after its batch committed', async () => {
    const { svc, repo, live } = ingest();
    const ids = await devices(50);
    const update = jest.spyOn(repo, 'updateLatest');
    const insert = jest.spyOn(repo, 'insertMany');
    const seenAtSettle: number[] = [];
    const n = 1500; // 30 samples per device, more than one batch holds
    const sent = Array.from({ length: n }, (_, i) => ({ id: ids[i % ids.length], s: sample(i, i) }));
    await Promise.all(
      sent.map(({ id, s }) =>
        svc.enqueue(id, payload(s)).then(async () => {
          // Settled: its row is there.
          if (s.load1 % 300 === 0)
            seenAtSettle.push(await db.prisma.telemetrySample.count({ where: { deviceId: id, ts: new Date(s.ts) } }));
        }),
      ),
    );
    expect(seenAtSettle).toEqual([1, 1, 1, 1, 1]);
    expect(update.mock.calls.length).toBeGreaterThanOrEqual(Math.ceil(n / TELEMETRY_BATCH_MAX));
    expect(update.mock.calls.length).toBeLessThanOrEqual(4);
    expect(insert.mock.calls.length).toBe(update.mock.calls.length);
    expect(Math.max(...update.mock.calls.map(([rows]) => rows.length))).toBeLessThanOrEqual(ids.length);

    const stored = await db.prisma.telemetrySample.count({ where: { deviceId: { in: ids } } });
    expect(stored).toBe(n);
    // The device row holds its last message; "last seen" is set.
    const rows = await db.prisma.device.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    for (const [k, row] of rows.entries()) {
      const last = sent.filter((m) => m.id === ids[k]).at(-1)!.s;
      expect(row.telemetry).toEqual(last);
      expect(row.lastSeenAt).not.toBeNull();
    }
    // The live view got every message.
    expect(live).toHaveLength(n);
  });

  it('samples the history: at most one row per device per FLEETBENCH_TELEMETRY_SAMPLE_S, the live view gets all', async () => {
    const { svc, live } = ingest(60);
    const [d1, d2] = await devices(2);
    // Every 10 s for 5 min, in two batches (the second after the first committed), for two devices.
    const send = (from: number, to: number) =>
      Promise.all(
        Array.from({ length: to - from }, (_, k) => from + k).flatMap((i) => [
          svc.enqueue(d1, payload(sample(i * 10, i))),
          svc.enqueue(d2, payload(sample(i * 10 + 5, 100 + i))),
        ]),
      );
    await send(0, 13);
    await send(13, 30);
    expect(await historyOf(d1)).toEqual([0, 6, 12, 18, 24]); // t = 0, 60, 120, 180, 240 s
    expect(await historyOf(d2)).toEqual([100, 106, 112, 118, 124]);
    expect(live.filter((m) => m.id === d1)).toHaveLength(30);
    // The latest sample still follows every message.
    expect((await db.prisma.device.findUniqueOrThrow({ where: { id: d1 } })).telemetry).toEqual(sample(290, 29));
  });

  it('two replicas sampling the same device keep one row per interval between them', async () => {
    const a = ingest(60);
    const b = ingest(60);
    const [d] = await devices(1);
    // A shared subscription hands each message to one replica or the other.
    for (let i = 0; i < 24; i++) await (i % 2 ? b : a).svc.enqueue(d, payload(sample(i * 10, i)));
    expect(await historyOf(d)).toEqual([0, 6, 12, 18]);
  });

  it('ignores unknown, revoked and malformed input without failing the batch it shares', async () => {
    const { svc, logger, live } = ingest();
    const [ok] = await devices(1);
    const [revoked] = await devices(1, { revoked: true });
    await Promise.all([
      svc.enqueue(ok, payload(sample(1, 1))),
      svc.enqueue('agent-ffffffffffffffff', payload(sample(1, 2))),
      svc.enqueue(revoked, payload(sample(1, 3))),
      svc.enqueue(ok, '{"v":1,"load1":"high"}'),
      svc.enqueue(ok, ''),
    ]);
    expect(await historyOf(ok)).toEqual([1]);
    expect(await historyOf(revoked)).toEqual([]);
    expect((await db.prisma.device.findUniqueOrThrow({ where: { id: revoked } })).telemetry).toBeNull();
    expect(live).toEqual([{ id: ok, load1: 1 }]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ devices: 2, agentIds: expect.arrayContaining([revoked, 'agent-ffffffffffffffff']) }),
      'telemetry of unknown or revoked devices ignored',
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: ok, channel: 'telemetry' }),
      'malformed payload ignored',
    );
  });

  it('a failed write rejects every message of its batch (to be retried), stores nothing, tells the live view nothing', async () => {
    const { svc, repo, live } = ingest();
    const [d] = await devices(1);
    jest.spyOn(repo, 'insertMany').mockRejectedValueOnce(new Error('connection lost'));
    const first = await Promise.allSettled([1, 2, 3].map((i) => svc.enqueue(d, payload(sample(i, i)))));
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await historyOf(d)).toEqual([]);
    expect(live).toEqual([]);
    // The retry (what the MQTT client does for a QoS 1 message) stores them once.
    await Promise.all([1, 2, 3].map((i) => svc.enqueue(d, payload(sample(i, i)))));
    expect(await historyOf(d)).toEqual([1, 2, 3]);
    expect(live.map((m) => m.load1)).toEqual([1, 2, 3]);
  });

  it('shutting down writes what was handed over first', async () => {
    const { svc } = ingest();
    const [d] = await devices(1);
    const pending = svc.enqueue(d, payload(sample(0, 7)));
    await svc.onModuleDestroy();
    expect(await historyOf(d)).toEqual([7]);
    await pending;
  });
});
