/**
 * Medium test: two hub "replicas" — two Prisma clients (two connection pools) on one real PostgreSQL, each with its
 * own repositories and services, as two hub processes have — racing for the same work. Exactly one must win each
 * claim: a queued job, a device's single active slot, an expired lease, a socket.io ticket; and concurrent campaign
 * roll-ups must end in the state the jobs say.
 */
import { PROTOCOL_MAJOR, topics } from '@fleetbench/protocol';
import type { JobState } from '../generated/prisma/client';
import { openDatabase, type Database } from './db/database';
import { CampaignRepository } from './repositories/campaign.repository';
import { ClockRepository } from './repositories/clock.repository';
import { DeviceRepository } from './repositories/device.repository';
import { EventRepository } from './repositories/event.repository';
import { HardwareClassRepository } from './repositories/hardware-class.repository';
import { JobRepository } from './repositories/job.repository';
import type { MqttRepository } from './repositories/mqtt.repository';
import { ResultRepository } from './repositories/result.repository';
import { TokenRepository } from './repositories/token.repository';
import { AuthService } from './services/auth.service';
import { DispatcherService } from './services/dispatcher.service';
import { IngestService } from './services/ingest.service';
import { createTestDatabase } from './test-support/database';
import { hardware, software } from './test-support/fixtures';
import { mockLogger } from './test-support/mocks';

interface Replica {
  name: string;
  db: Database;
  jobs: JobRepository;
  devices: DeviceRepository;
  campaigns: CampaignRepository;
  ingest: IngestService;
  dispatcher: DispatcherService;
  auth: AuthService;
  /** What this replica published on MQTT. */
  published: { topic: string; payload: { kind: string; jobId: string; attempt?: number } }[];
}

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let a: Replica;
let b: Replica;
let seq = 0;

async function replica(name: string, url: string): Promise<Replica> {
  const db = await openDatabase({ databaseUrl: url, dataDir: null });
  const logger = mockLogger();
  const clock = new ClockRepository();
  const published: Replica['published'] = [];
  const mqtt = {
    connected: true,
    publish: async (topic: string, payload: unknown) => void published.push({ topic, payload: payload as never }),
  } as unknown as MqttRepository;
  const jobs = new JobRepository(db.prisma);
  const devices = new DeviceRepository(db.prisma);
  const campaigns = new CampaignRepository(db.prisma);
  const tokens = new TokenRepository(db.prisma);
  const dispatcher = new DispatcherService(
    jobs,
    devices,
    campaigns,
    mqtt,
    new EventRepository(logger),
    clock,
    { leaseGraceMs: 60_000 },
    logger,
  );
  const events = new EventRepository(logger);
  const ingest = new IngestService(
    devices,
    new HardwareClassRepository(db.prisma),
    jobs,
    new ResultRepository(db.prisma),
    dispatcher,
    events,
    clock,
    logger,
  );
  const auth = new AuthService(tokens, devices, clock, { hubBrokerPassword: 'x' }, logger);
  return { name, db, jobs, devices, campaigns, ingest, dispatcher, auth, published };
}

/** `devices` devices, a model and a running campaign of `n` queued jobs spread over them (oldest first). */
async function seed(n: number, opts: { online?: boolean; devices?: number } = {}) {
  const p = a.db.prisma;
  const id = `${++seq}${Date.now().toString(16)}`;
  await p.hardwareClass.upsert({
    where: { id: 'hc-replicas' },
    create: { id: 'hc-replicas', key: 'k', name: 'n' },
    update: {},
  });
  const devices = [];
  for (let d = 0; d < (opts.devices ?? 1); d++) {
    devices.push(
      await p.device.create({
        data: {
          id: `agent-${`${id}${d}`.padStart(16, '0')}`,
          name: `dev ${id}/${d}`,
          passwordHash: 'x',
          hardware: hardware() as never,
          software: software as never,
          hardwareClassId: 'hc-replicas',
          online: opts.online ?? true,
        },
      }),
    );
  }
  const model = await p.model.create({
    data: { sha256: id.padStart(64, '0'), sizeBytes: 10n, name: `m${id}`, source: 'path', inputs: [], outputs: [] },
  });
  const campaign = await p.campaign.create({ data: { name: `c${id}`, request: {} } });
  const jobs = [];
  for (let i = 0; i < n; i++) {
    jobs.push(
      await p.job.create({
        data: {
          campaignId: campaign.id,
          deviceId: devices[i % devices.length].id,
          modelId: model.id,
          settings: { mode: 'latency' },
          settingsKey: 'k',
          maxAttempts: 3,
          timeoutMs: 60_000,
          createdAt: new Date(Date.now() + i),
        },
      }),
    );
  }
  return { device: devices[0], devices, campaign, jobs };
}

const activeJobs = (deviceId: string) =>
  a.db.prisma.job.findMany({ where: { deviceId, state: { in: ['assigned', 'running'] } } });

const assigns = (r: Replica, deviceId: string) =>
  r.published.filter((m) => m.topic === topics.jobs(deviceId) && m.payload.kind === 'assign');

beforeAll(async () => {
  testDb = await createTestDatabase();
  a = await replica('A', testDb.url);
  b = await replica('B', testDb.url);
});

afterAll(async () => {
  await a?.db.close();
  await b?.db.close();
  await testDb?.drop();
});

describe('job claims across replicas', () => {
  it('two replicas claiming the same queued job: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const { jobs } = await seed(1);
      const claims = await Promise.all(
        [a, b].map((r) => r.jobs.transition(jobs[0].id, ['queued'], { state: 'assigned', attempts: 1 })),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    }
  });

  it('two replicas assigning two different jobs to one device at once: the database keeps one active job', async () => {
    for (let round = 0; round < 5; round++) {
      const { device, jobs } = await seed(2);
      const claims = await Promise.all([
        a.jobs.transition(jobs[0].id, ['queued'], { state: 'assigned', attempts: 1 }),
        b.jobs.transition(jobs[1].id, ['queued'], { state: 'running', attempts: 1 }),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await activeJobs(device.id)).toHaveLength(1);
    }
  });

  it('the stale-read interleaving: A sees the device idle, B assigns, then A picks the next job — A loses', async () => {
    const { device, jobs } = await seed(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const original = a.jobs.findNextQueued.bind(a.jobs);
    const spy = jest.spyOn(a.jobs, 'findNextQueued').mockImplementation(async (id) => {
      await gate; // A has already checked "no active job"; B now assigns the oldest job before A reads on
      return original(id);
    });
    try {
      const fromA = a.dispatcher.dispatch(device.id);
      const fromB = await b.dispatcher.dispatch(device.id);
      expect(fromB?.id).toBe(jobs[0].id);
      release();
      expect(await fromA).toBeNull(); // A tried jobs[1]; the one-active-job index refused it
    } finally {
      spy.mockRestore();
    }
    expect((await activeJobs(device.id)).map((j) => j.id)).toEqual([jobs[0].id]);
    expect(assigns(a, device.id)).toHaveLength(0);
  });

  it('two dispatchers racing on every trigger run each job exactly once, one at a time per device', async () => {
    const { device, campaign, jobs } = await seed(6);
    const kick = () => Promise.all([a.dispatcher.dispatch(device.id), b.dispatcher.dispatch(device.id)]);
    await Promise.all([
      kick(),
      a.dispatcher.onDeviceOnline(device.id, null),
      b.dispatcher.onDeviceOnline(device.id, null),
    ]);
    for (let done = 0; done < jobs.length; done++) {
      const active = await activeJobs(device.id);
      expect(active).toHaveLength(1);
      // The result reaches one replica (shared subscription) while the other reacts to something else at once.
      const [finisher, other] = done % 2 ? [a, b] : [b, a];
      await Promise.all([finisher.dispatcher.onResult(device.id, active[0].id), other.dispatcher.dispatch(device.id)]);
    }
    const final = await a.db.prisma.job.findMany({ where: { campaignId: campaign.id } });
    expect(final.map((j) => [j.state, j.attempts])).toEqual(jobs.map(() => ['succeeded', 1]));
    const sent = [...assigns(a, device.id), ...assigns(b, device.id)].map((m) => m.payload.jobId).sort();
    expect(sent).toEqual(jobs.map((j) => j.id).sort()); // each job assigned once, by one replica or the other
    expect((await a.db.prisma.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).state).toBe('completed');
  });

  it('an expired lease is swept by exactly one replica: one cancel, one re-queue, one new assignment', async () => {
    const { device, jobs } = await seed(1);
    await a.dispatcher.dispatch(device.id);
    await a.db.prisma.job.update({ where: { id: jobs[0].id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    const before = { a: a.published.length, b: b.published.length };
    const swept = await Promise.all([a.dispatcher.sweepLeases(), b.dispatcher.sweepLeases()]);
    expect(swept.sort()).toEqual([0, 1]);
    const after = [...a.published.slice(before.a), ...b.published.slice(before.b)].filter(
      (m) => m.topic === topics.jobs(device.id),
    );
    expect(after.map((m) => [m.payload.kind, m.payload.attempt ?? null])).toEqual([
      ['cancel', null],
      ['assign', 2],
    ]);
    const job = await a.db.prisma.job.findUniqueOrThrow({ where: { id: jobs[0].id } });
    expect([job.state, job.attempts]).toEqual(['assigned', 2]);
  });

  it("a restarted agent's status, read by both replicas before either applied it, re-queues its job once", async () => {
    const { device, jobs } = await seed(2);
    await a.dispatcher.dispatch(device.id); // jobs[0] assigned, attempt 1, on session 0
    const before = { a: a.published.length, b: b.published.length };
    // B read the device (online, session 0) before A applied the new session, and goes on only after A is done.
    const stale = await b.devices.findById(device.id);
    let aDone!: () => void;
    const afterA = new Promise<void>((r) => (aDone = r));
    const spy = jest.spyOn(b.devices, 'findById').mockImplementationOnce(async () => {
      await afterA;
      return stale;
    });
    const restart = JSON.stringify({ v: PROTOCOL_MAJOR, online: true, session: 1, ts: new Date().toISOString() });
    try {
      const fromB = b.ingest.handle(topics.status(device.id), restart);
      await a.ingest.handle(topics.status(device.id), restart);
      aDone();
      await fromB;
    } finally {
      spy.mockRestore();
    }
    const sent = [...a.published.slice(before.a), ...b.published.slice(before.b)].filter(
      (m) => m.topic === topics.jobs(device.id) && m.payload.kind === 'assign',
    );
    expect(sent.map((m) => [m.payload.jobId, m.payload.attempt])).toEqual([[jobs[0].id, 2]]);
    const job = await a.db.prisma.job.findUniqueOrThrow({ where: { id: jobs[0].id } });
    expect([job.state, job.attempts]).toEqual(['assigned', 2]);
    expect((await a.db.prisma.device.findUniqueOrThrow({ where: { id: device.id } })).session).toBe(1);
  });

  it('concurrent roll-ups of the last two jobs, finished on two replicas, leave the campaign completed', async () => {
    for (let round = 0; round < 5; round++) {
      const { campaign, jobs } = await seed(2, { online: false, devices: 2 });
      await a.db.prisma.job.updateMany({ where: { campaignId: campaign.id }, data: { state: 'running' } });
      const finish = async (r: Replica, jobId: string) => {
        await r.jobs.transition(jobId, ['running'], { state: 'succeeded' as JobState });
        await r.dispatcher.rollup(campaign.id);
      };
      await Promise.all([finish(a, jobs[0].id), finish(b, jobs[1].id)]);
      expect((await a.db.prisma.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).state).toBe('completed');
    }
  });
});

describe('socket.io tickets across replicas', () => {
  it('a ticket issued by one replica is redeemed once, by whichever replica gets it first', async () => {
    const token = await a.db.prisma.apiToken.create({ data: { tokenHash: `h-${Date.now()}`, label: 'ui' } });
    const principal = { tokenId: token.id, admin: false };
    const t1 = await a.auth.issueSocketTicket(principal);
    expect(await b.auth.redeemSocketTicket(t1.ticket)).toEqual(principal);
    expect(await a.auth.redeemSocketTicket(t1.ticket)).toBeNull();
    expect(await b.auth.redeemSocketTicket(t1.ticket)).toBeNull();

    for (let round = 0; round < 5; round++) {
      const t = await b.auth.issueSocketTicket(principal);
      const redeemed = await Promise.all([a.auth.redeemSocketTicket(t.ticket), b.auth.redeemSocketTicket(t.ticket)]);
      expect(redeemed.filter(Boolean)).toEqual([principal]);
    }

    // Deleting the API token (on either replica) takes its unused tickets with it.
    const t2 = await a.auth.issueSocketTicket(principal);
    await b.db.prisma.apiToken.delete({ where: { id: token.id } });
    expect(await a.db.prisma.socketTicket.count({ where: { tokenId: token.id } })).toBe(0);
    expect(await a.auth.redeemSocketTicket(t2.ticket)).toBeNull();
  });
});
