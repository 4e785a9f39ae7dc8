/**
 * Medium test (real PostgreSQL, HTTP): scheduled campaigns with a fake clock. Two "replicas" (the hub and a second
 * scheduler on its own database connection) race for each tick: one campaign per tick. A tick whose previous run is
 * still going is skipped; ticks missed while no hub ran are run once; editing and disabling take effect at once.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { apiPaths, schedulePaths, type Campaign, type Model, type Schedule } from '@fleetbench/protocol';
import { PrismaClient } from '../../generated/prisma/client';
import { sharedPath } from '../../../../test/support/shared-data';
import { ClockRepository } from '../repositories/clock.repository';
import { CampaignService } from '../services/campaign.service';
import { enrollFakeAgent } from '../test-support/fake-agent';
import { mediumHub } from '../test-support/medium-hub';
import { mockLogger } from '../test-support/mocks';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleService } from './schedule.service';

const ADMIN = 'test-admin-token-schedules-0123456789';
const medium = mediumHub(ADMIN);
const api = medium.api;
const DAY = 86_400_000;

/** The fake clock both replicas read. */
let now = new Date('2026-03-01T10:00:00.000Z');
let otherDb: PrismaClient;
let replicaA: ScheduleService;
let replicaB: ScheduleService;

beforeAll(async () => {
  await medium.start();
  jest.spyOn(medium.hub.app.get(ClockRepository), 'now').mockImplementation(() => now);
  replicaA = medium.hub.app.get(ScheduleService);
  // A second replica: its own connection to the same database, the same clock.
  otherDb = new PrismaClient({ adapter: new PrismaPg({ connectionString: medium.db.url }) });
  replicaB = new ScheduleService(
    new ScheduleRepository(otherDb),
    medium.hub.app.get(CampaignService),
    { now: () => now } as ClockRepository,
    mockLogger(),
  );
});

afterAll(async () => {
  await otherDb?.$disconnect();
  await medium.stop();
});

const campaigns = async () => (await api<Campaign[]>('GET', apiPaths.campaigns)).body;
const schedule = async (id: string) =>
  (await api<Schedule[]>('GET', schedulePaths.schedules)).body.find((s) => s.id === id)!;
/** Both replicas poll at the same moment; resolves with how many campaigns they started together. */
const bothPoll = async () => (await Promise.all([replicaA.runDue(), replicaB.runDue()])).reduce((a, b) => a + b, 0);

it('runs each tick once across replicas, skips while the previous run goes on, coalesces missed ticks', async () => {
  const model = await api<Model>('POST', apiPaths.models, { name: 'mnist', path: sharedPath('models/mnist.onnx') });
  // An enrolled device that never connects: its jobs stay queued, so a started campaign keeps running.
  const device = await enrollFakeAgent(medium, 'nightly-board');
  const body = {
    name: 'nightly',
    cron: '0 3 * * *',
    campaign: { name: 'nightly', modelIds: [model.body.id], devices: { ids: [device.agentId] } },
  };

  const bad = await api('POST', schedulePaths.schedules, { ...body, cron: 'every night' });
  expect(bad.status).toBe(400);
  expect(bad.body.message).toMatch(/cron expression "every night" is not valid/);
  const badZone = await api('POST', schedulePaths.schedules, { ...body, timezone: 'Mars/Olympus' });
  expect(badZone.status).toBe(400);
  expect(badZone.body.message).toMatch(/Unknown time zone "Mars\/Olympus"/);

  const created = await api<Schedule>('POST', schedulePaths.schedules, body);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ cron: '0 3 * * *', timezone: 'UTC', enabled: true, lastOutcome: null });
  expect(created.body.nextRunAt).toBe('2026-03-02T03:00:00.000Z');
  const id = created.body.id;

  // Before the tick: nothing. At the tick, two replicas at once: one campaign.
  expect(await bothPoll()).toBe(0);
  now = new Date('2026-03-02T03:00:05.000Z');
  expect(await bothPoll()).toBe(1);
  let list = await campaigns();
  expect(list.map((c) => c.name)).toEqual(['nightly · 2026-03-02T03:00Z']);
  expect(await schedule(id)).toMatchObject({
    lastOutcome: 'started',
    lastCampaignId: list[0]!.id,
    lastTickAt: '2026-03-02T03:00:00.000Z',
    nextRunAt: '2026-03-03T03:00:00.000Z',
  });
  expect(await bothPoll()).toBe(0);

  // Next tick: the first campaign is still running (its device is offline), so the tick is skipped.
  now = new Date('2026-03-03T03:00:01.000Z');
  expect(await bothPoll()).toBe(0);
  expect(await campaigns()).toHaveLength(1);
  expect((await schedule(id)).lastOutcome).toMatch(/^skipped: the previous run .* is still running$/);

  // Once it is over (cancelled here), the following tick starts a new one.
  expect((await api('POST', `${apiPaths.campaign(list[0]!.id)}/cancel`)).status).toBe(200);
  now = new Date('2026-03-04T03:00:01.000Z');
  expect(await bothPoll()).toBe(1);
  list = await campaigns();
  expect(list).toHaveLength(2);

  // Disabled: no tick. Re-enabled with a new time, after five days with no hub running: it runs once, not five times.
  for (const c of list) await api('POST', `${apiPaths.campaign(c.id)}/cancel`);
  const off = await api<Schedule>('PATCH', schedulePaths.schedule(id), { enabled: false });
  expect(off.body).toMatchObject({ enabled: false, nextRunAt: null });
  now = new Date('2026-03-05T03:00:01.000Z');
  expect(await bothPoll()).toBe(0);
  const on = await api<Schedule>('PATCH', schedulePaths.schedule(id), {
    enabled: true,
    cron: '30 4 * * *',
    timezone: 'Europe/Paris',
  });
  expect(on.body.nextRunAt).toBe('2026-03-05T03:30:00.000Z'); // 04:30 in Paris (UTC+1 in March)
  now = new Date(Date.parse('2026-03-05T03:30:00.000Z') + 5 * DAY);
  expect(await bothPoll()).toBe(1);
  expect(await bothPoll()).toBe(0);
  expect((await schedule(id)).nextRunAt).toBe('2026-03-11T03:30:00.000Z');
  expect(await campaigns()).toHaveLength(3);

  expect((await api('PATCH', schedulePaths.schedule(id), {})).status).toBe(400);
  expect((await api('DELETE', schedulePaths.schedule(id))).status).toBe(204);
  expect((await api('DELETE', schedulePaths.schedule(id))).status).toBe(404);
  expect((await api('PATCH', schedulePaths.schedule(id), { enabled: true })).status).toBe(404);
});
