/** Medium test: the batched job transitions of agent events, and the batched presence queries, on a real PostgreSQL. */
import { useHubTestDatabase } from '../test-support/hub-database';
import { DeviceRepository } from './device.repository';
import { INGEST_FACTS_EXPECTED, ingestFactsCheck } from '../test-support/ingest-facts-check';
import { isUniqueViolation, JobRepository } from './job.repository';

const t = useHubTestDatabase();

async function seed(
  jobs: { id: string; deviceId: string; state: 'queued' | 'running' | 'succeeded'; progress?: number }[],
) {
  const p = t.db.prisma;
  await p.hardwareClass.upsert({ where: { id: 'hc-1' }, create: { id: 'hc-1', key: 'k', name: 'n' }, update: {} });
  for (const deviceId of new Set(jobs.map((j) => j.deviceId)))
    await p.device.upsert({
      where: { id: deviceId },
      create: { id: deviceId, name: deviceId, passwordHash: 'x', hardware: {}, software: {}, hardwareClassId: 'hc-1' },
      update: {},
    });
  const model = await p.model.upsert({
    where: { sha256: '0'.repeat(64) },
    create: { sha256: '0'.repeat(64), sizeBytes: 1n, name: 'm', source: 'path', inputs: [], outputs: [] },
    update: {},
  });
  const campaign = await p.campaign.create({ data: { name: 'c', request: {} } });
  for (const j of jobs)
    await p.job.create({
      data: {
        ...j,
        campaignId: campaign.id,
        modelId: model.id,
        settings: {},
        settingsKey: 'k',
        maxAttempts: 1,
        timeoutMs: 1000,
        error: j.id.endsWith('err') ? { code: 'old', message: 'kept' } : undefined,
      },
    });
}

it('moves open jobs only, sets progress and error where given and keeps them where not', async () => {
  await seed([
    { id: 'a', deviceId: 'd1', state: 'queued', progress: 0.25 },
    { id: 'b-err', deviceId: 'd2', state: 'running', progress: 0.5 },
    { id: 'c', deviceId: 'd3', state: 'running' },
    { id: 'done', deviceId: 'd4', state: 'succeeded', progress: 1 },
  ]);
  const repo = new JobRepository(t.db.prisma);
  const now = new Date('2026-02-01T10:00:00.123Z');
  const lease = new Date('2026-02-01T10:05:00.456Z');
  const updated = await repo.applyEventTransitions(
    [
      { id: 'a', state: 'running', leaseExpiresAt: lease },
      { id: 'b-err', state: 'cancelled', leaseExpiresAt: null },
      {
        id: 'c',
        state: 'failed',
        leaseExpiresAt: null,
        progress: 0.75,
        error: { code: 'oom', message: 'out of memory' },
      },
      { id: 'done', state: 'failed', leaseExpiresAt: null, error: { code: 'late', message: 'too late' } },
      { id: 'missing', state: 'running', leaseExpiresAt: lease },
    ],
    now,
  );
  expect(updated.sort()).toEqual(['a', 'b-err', 'c']);
  const rows = new Map((await repo.findManyByIds(['a', 'b-err', 'c', 'done'])).map((j) => [j.id, j]));
  expect(rows.get('a')).toMatchObject({ state: 'running', progress: 0.25, leaseExpiresAt: lease, updatedAt: now });
  expect(rows.get('b-err')).toMatchObject({ state: 'cancelled', progress: 0.5, leaseExpiresAt: null });
  expect(rows.get('b-err')?.error).toEqual({ code: 'old', message: 'kept' });
  expect(rows.get('c')).toMatchObject({
    state: 'failed',
    progress: 0.75,
    error: { code: 'oom', message: 'out of memory' },
  });
  expect(rows.get('done')).toMatchObject({ state: 'succeeded', progress: 1, error: null });
});

it('refuses the whole statement when a job would become active beside another of its device, as a unique violation', async () => {
  await seed([
    { id: 'busy', deviceId: 'd9', state: 'running' },
    { id: 'second', deviceId: 'd9', state: 'queued' },
    { id: 'other', deviceId: 'd8', state: 'queued' },
  ]);
  const repo = new JobRepository(t.db.prisma);
  const err = await repo
    .applyEventTransitions(
      [
        { id: 'other', state: 'running', leaseExpiresAt: null },
        { id: 'second', state: 'running', leaseExpiresAt: null },
      ],
      new Date(),
    )
    .catch((e: unknown) => e);
  expect(isUniqueViolation(err)).toBe(true);
  expect((await repo.findManyByIds(['other', 'second'])).map((j) => j.state)).toEqual(['queued', 'queued']);
  expect(isUniqueViolation(new Error('connection refused'))).toBe(false);
});

it('tells which devices have work for the dispatcher: an active job, or a queued job of a running campaign', async () => {
  await seed([
    { id: 'w-run', deviceId: 'w1', state: 'running' },
    { id: 'w-queued', deviceId: 'w2', state: 'queued' },
    { id: 'w-done', deviceId: 'w3', state: 'succeeded' },
  ]);
  await seed([{ id: 'w-queued-stopped', deviceId: 'w4', state: 'queued' }]); // a campaign of its own
  const stopped = await t.db.prisma.job.findUniqueOrThrow({ where: { id: 'w-queued-stopped' } });
  await t.db.prisma.campaign.update({ where: { id: stopped.campaignId }, data: { state: 'cancelled' } });
  const repo = new JobRepository(t.db.prisma);
  const work = await repo.workOfDevices(['w1', 'w2', 'w3', 'w4', 'nobody']);
  expect([...work].sort()).toEqual([
    ['w1', { active: true }],
    ['w2', { active: false }],
  ]);
  expect(await repo.workOfDevices([])).toEqual(new Map());
});

it('applies many device statuses in one statement, each a compare-and-set on the (online, session) read', async () => {
  await seed([{ id: 's-job', deviceId: 's1', state: 'queued' }]);
  for (const id of ['s2', 's3'])
    await t.db.prisma.device.create({
      data: { id, name: id, passwordHash: 'x', hardware: {}, software: {}, hardwareClassId: 'hc-1', session: 2 },
    });
  const devices = new DeviceRepository(t.db.prisma);
  const seen = new Date('2026-02-01T10:00:00.123Z');
  const won = await devices.updateStatuses(
    [
      { id: 's1', seenOnline: false, seenSession: 0, online: true, session: 1 },
      { id: 's2', seenOnline: false, seenSession: 2, online: true, session: 3 },
      { id: 's3', seenOnline: true, seenSession: 2, online: false, session: 2 }, // another replica changed it first
      { id: 'missing', seenOnline: false, seenSession: 0, online: true, session: 1 },
    ],
    seen,
  );
  expect(won.sort()).toEqual(['s1', 's2']);
  const rows = new Map((await devices.findManyByIds(['s1', 's2', 's3'])).map((d) => [d.id, d]));
  expect(rows.get('s1')).toMatchObject({ online: true, session: 1, lastSeenAt: seen });
  expect(rows.get('s2')).toMatchObject({ online: true, session: 3, lastSeenAt: seen });
  expect(rows.get('s3')).toMatchObject({ online: false, session: 2, lastSeenAt: null });
  expect(await devices.updateStatuses([], seen)).toEqual([]);
});

it("reads ingest's batch facts of devices and jobs with raw SQL exactly as Prisma reads them", async () => {
  const r = await ingestFactsCheck(t.db.prisma);
  expect(r.jobs).toEqual(r.refJobs);
  expect(r.devices).toEqual(r.refDevices);
  expect(r).toMatchObject(INGEST_FACTS_EXPECTED);
});
