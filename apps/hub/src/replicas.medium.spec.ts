/**
 * Medium test: two hub "replicas" — two Prisma clients (two connection pools) on one real PostgreSQL, each with its
 * own repositories and services, as two hub processes have — racing for the same work. Exactly one must win each
 * claim: a queued job, a device's single active slot, an expired lease, a socket.io ticket; and concurrent campaign
 * roll-ups must end in the state the jobs say. What one replica stores — telemetry history, zoo registration tasks —
 * the other answers the same.
 */
import { PROTOCOL_MAJOR, topics, type TelemetrySample, type ZooRegistrationTask } from '@fleetbench/protocol';
import { RECIPE_FORMAT, type BuiltModelSummary } from '@fleetbench/zoo';
import type { JobState } from '../generated/prisma/client';
import { openDatabase, type Database } from './db/database';
import { CampaignRepository } from './repositories/campaign.repository';
import { ClockRepository } from './repositories/clock.repository';
import { DeviceRepository } from './repositories/device.repository';
import { EventRepository } from './repositories/event.repository';
import { HardwareClassRepository } from './repositories/hardware-class.repository';
import { JobRepository } from './repositories/job.repository';
import { ModelRepository } from './repositories/model.repository';
import type { MqttRepository } from './repositories/mqtt.repository';
import { ResultRepository } from './repositories/result.repository';
import { TelemetryRepository } from './repositories/telemetry.repository';
import { TokenRepository } from './repositories/token.repository';
import type { ZooBuildRepository } from './repositories/zoo-build.repository';
import { ZooTaskRepository } from './repositories/zoo-task.repository';
import { AuthService } from './services/auth.service';
import { DispatcherService } from './services/dispatcher.service';
import { IngestService } from './services/ingest.service';
import { TelemetryHistoryService, type TelemetryRetention } from './services/telemetry-history.service';
import { TelemetryIngestService } from './services/telemetry-ingest.service';
import { ZOO_TASK_STALE_MS, ZooService } from './services/zoo.service';
import { createTestDatabase } from './test-support/database';
import { hardware, software } from './test-support/fixtures';
import { until } from './test-support/medium-hub';
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
  clock: ClockRepository;
  logger: ReturnType<typeof mockLogger>;
  telemetry: TelemetryHistoryService;
  telemetryIngest: TelemetryIngestService;
  zoo: ZooService;
  /** The zoo builds this replica ran; each waits until the test releases it. */
  builds: GatedBuilds;
  /** What this replica published on MQTT. */
  published: { topic: string; payload: { kind: string; jobId: string; attempt?: number } }[];
}

/** A zoo builder whose builds finish only when the test says so (`release(name)`), with made-up hashes. */
class GatedBuilds {
  readonly started: string[] = [];
  private readonly gates = new Map<string, () => void>();
  private readonly opened = new Set<string>();

  readonly builder = {
    hash: async (recipe: { name: string; seed: number; variant: string }): Promise<BuiltModelSummary> => {
      this.started.push(recipe.name);
      if (!this.all && !this.opened.has(recipe.name)) await new Promise<void>((r) => this.gates.set(recipe.name, r));
      const sha = `${recipe.name}|${recipe.seed}`;
      return {
        sha256: Buffer.from(sha).toString('hex').padEnd(64, '0').slice(0, 64),
        sizeBytes: 1000 + recipe.seed,
        inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 224, 224] }],
        outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 1000] }],
        externalData: [],
        recipe: { ...recipe, variant: recipe.variant as 'fp32', format: RECIPE_FORMAT },
        buildMs: 1,
      };
    },
  } as unknown as ZooBuildRepository;

  private all = false;

  release(name: string): void {
    this.opened.add(name);
    this.gates.get(name)?.();
  }

  /** Lets every build, now and later, finish. */
  releaseAll(): void {
    this.all = true;
    for (const open of this.gates.values()) open();
  }
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
  const samples = new TelemetryRepository(db.prisma);
  const telemetry = new TelemetryHistoryService(samples, logger);
  const telemetryIngest = new TelemetryIngestService(
    samples,
    telemetry,
    events,
    clock,
    { telemetrySampleS: 0 },
    logger,
  );
  const ingest = new IngestService(
    devices,
    new HardwareClassRepository(db.prisma),
    jobs,
    new ResultRepository(db.prisma),
    dispatcher,
    events,
    clock,
    logger,
    mqtt,
    telemetryIngest,
  );
  const auth = new AuthService(tokens, devices, clock, { hubBrokerPassword: 'x' }, logger);
  const builds = new GatedBuilds();
  const zoo = zooService(db, builds, clock, logger);
  return {
    name,
    db,
    jobs,
    devices,
    campaigns,
    ingest,
    dispatcher,
    auth,
    clock,
    logger,
    telemetry,
    telemetryIngest,
    zoo,
    builds,
    published,
  };
}

function zooService(db: Database, builds: GatedBuilds, clock: ClockRepository, logger = mockLogger()) {
  return new ZooService(
    new ModelRepository(db.prisma),
    builds.builder,
    new EventRepository(logger),
    clock,
    new ZooTaskRepository(db.prisma),
    logger,
  );
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
  for (const r of [a, b]) {
    r?.builds.releaseAll();
    await r?.zoo.idle();
    await r?.telemetryIngest.onModuleDestroy();
  }
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
    const principal = { tokenId: token.id, admin: false, role: 'operator' as const };
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

describe('telemetry history across replicas', () => {
  const sample = (minute: number, load1: number, offset = 'Z'): TelemetrySample => {
    const hh = offset === 'Z' ? 10 : 11; // 11:mm+01:00 is 10:mm UTC
    return {
      ts: `2026-03-01T${hh}:${String(minute).padStart(2, '0')}:00.000${offset}`,
      load1,
      cpuPercent: 10 + minute,
      temperatureC: minute % 2 ? null : 40.5,
      cpuFrequencyMHz: 1800,
      memoryFreeBytes: 2 ** 33 + minute,
    };
  };
  const publish = (r: Replica, deviceId: string, s: TelemetrySample) =>
    r.ingest.handle(topics.telemetry(deviceId), JSON.stringify({ v: PROTOCOL_MAJOR, ...s }));

  it("samples ingested by either replica make one history, the same on both, in the samples' order", async () => {
    const { device } = await seed(0);
    const samples = [sample(1, 0.5), sample(2, 0.75, '+01:00'), sample(3, 1), sample(4, 1.25)];
    // The shared subscription hands each message to one replica; B happens to store its share first.
    await publish(b, device.id, samples[1]);
    await publish(b, device.id, samples[3]);
    await publish(a, device.id, samples[0]);
    await publish(a, device.id, samples[2]);

    const [fromA, fromB] = await Promise.all([a.telemetry.history(device.id), b.telemetry.history(device.id)]);
    expect(fromA).toEqual(samples); // as ingested (the `ts` strings too), oldest first
    expect(fromB).toEqual(samples);
    // The latest on the device row is whatever was ingested last.
    expect((await b.devices.findById(device.id))!.telemetry).toEqual(samples[2]);
  });

  it('a device without stored samples answers its latest one, an unknown device 404', async () => {
    const { device } = await seed(0);
    expect(await b.telemetry.history(device.id)).toEqual([]);
    await a.db.prisma.device.update({ where: { id: device.id }, data: { telemetry: sample(9, 2) } });
    expect(await b.telemetry.history(device.id)).toEqual([sample(9, 2)]);
    await expect(b.telemetry.history('agent-none')).rejects.toMatchObject({ status: 404 });
  });

  it('retention: each replica prunes a device back to its newest samples every few samples it stores', async () => {
    const { device } = await seed(0);
    const retention: TelemetryRetention = { perDevice: 5, pruneEvery: 4 };
    const [ra, rb] = [a, b].map(
      (r) => new TelemetryHistoryService(new TelemetryRepository(r.db.prisma), r.logger, retention),
    );
    const stored = () => a.db.prisma.telemetrySample.count({ where: { deviceId: device.id } });
    const samples = Array.from({ length: 12 }, (_, i) => sample(i + 1, i));
    const counts: number[] = [];
    for (const [i, s] of samples.entries()) {
      await (i % 2 ? rb : ra).record(device.id, s); // A stores samples 1, 3, 5…; B 2, 4, 6…
      counts.push(await stored());
    }
    // A prunes at its 1st and 5th sample (samples 1 and 9), B at its 1st and 5th (samples 2 and 10): back to 5 rows.
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 5, 5, 6, 7]);
    expect(await rb.history(device.id)).toEqual(samples.slice(-5));
    expect(await ra.history(device.id)).toEqual(samples.slice(-5));
  });
});

describe('zoo registration tasks across replicas', () => {
  let zooSeed = 100;
  const register = (r: Replica, names: string[]) =>
    r.zoo.register({ names, seed: ++zooSeed, variant: 'fp32' } as Parameters<ZooService['register']>[0]);
  const poll = (r: Replica, id: string, ok: (t: ZooRegistrationTask) => boolean, what: string) =>
    until(async () => {
      const t = await r.zoo.getTask(id);
      return ok(t) && t;
    }, what);

  it('a task accepted by A is polled on B: its progress, then its final state', async () => {
    const task = await register(a, ['SqueezeNet1_0', 'SqueezeNet1_1']);
    expect(task).toMatchObject({ state: 'running', done: 0, total: 2 });
    await expect(b.zoo.getTask('no-such-task')).rejects.toMatchObject({ status: 404 });

    const building = await poll(b, task.id, (t) => t.current === 'SqueezeNet1_0', 'B to see the first build');
    expect(building).toMatchObject({ state: 'running', done: 0, models: [], errors: [], finishedAt: null });
    a.builds.release('SqueezeNet1_0');
    const half = await poll(b, task.id, (t) => t.current === 'SqueezeNet1_1', 'B to see the second build');
    expect(half).toMatchObject({ state: 'running', done: 1 });
    expect(half.models.map((m) => [m.name, m.recipe?.seed])).toEqual([['SqueezeNet1_0', zooSeed]]);

    a.builds.release('SqueezeNet1_1');
    const done = await poll(b, task.id, (t) => t.state !== 'running', 'B to see the task finish');
    expect(done).toMatchObject({ state: 'completed', done: 2, current: null, errors: [] });
    expect(done.models.map((m) => m.name)).toEqual(['SqueezeNet1_0', 'SqueezeNet1_1']);
    expect(done.finishedAt).not.toBeNull();
    expect(done).toEqual(await a.zoo.getTask(task.id));
    expect(b.builds.started).toEqual([]); // B only answered
  });

  it('a running task whose replica stopped answering is reported failed, for good', async () => {
    // A replica that died for good: its last heartbeat is older than the timeout.
    const gone = await a.db.prisma.zooTask.create({
      data: {
        id: `gone-${Date.now()}`,
        names: ['SqueezeNet1_0', 'SqueezeNet1_1'],
        seed: 0,
        variant: 'fp32',
        total: 2,
        done: 0,
        current: 'SqueezeNet1_0',
        owner: 'hub-that-died:1:x',
        heartbeatAt: new Date(Date.now() - ZOO_TASK_STALE_MS - 5000),
        createdAt: new Date(Date.now() - ZOO_TASK_STALE_MS - 6000),
      },
    });
    const failed = await b.zoo.getTask(gone.id);
    expect(failed).toMatchObject({ state: 'failed', current: null, done: 0 });
    expect(failed.finishedAt).not.toBeNull();
    expect(failed.errors.map((e) => e.name)).toEqual(['SqueezeNet1_0', 'SqueezeNet1_1']);
    expect(failed.errors[0].message).toMatch(
      /^not registered: the hub replica running this task \(hub-that-died:1:x\) stopped answering: no heartbeat since /,
    );
    expect((await a.db.prisma.zooTask.findUniqueOrThrow({ where: { id: gone.id } })).state).toBe('failed');

    // A live replica: its heartbeat keeps a long build running; once it stops, the task fails, and A — back, or
    // merely slow — cannot revive it.
    const task = await register(a, ['ShuffleNetV2_x0_25', 'ShuffleNetV2_x0_5']);
    await poll(b, task.id, (t) => t.current === 'ShuffleNetV2_x0_25', 'the build to start');
    let skew = 0;
    const clocks = [a, b].map((r) => jest.spyOn(r.clock, 'now').mockImplementation(() => new Date(Date.now() + skew)));
    try {
      skew = ZOO_TASK_STALE_MS + 1000;
      await a.zoo.heartbeat(); // what A's timer does while it builds
      expect((await b.zoo.getTask(task.id)).state).toBe('running');
      skew += ZOO_TASK_STALE_MS + 1000; // and then no heartbeat from A (it hangs, or died) for as long again
      const stale = await b.zoo.getTask(task.id);
      expect(stale).toMatchObject({ state: 'failed', current: null, done: 0 });
      expect(stale.errors.map((e) => e.name)).toEqual(['ShuffleNetV2_x0_25', 'ShuffleNetV2_x0_5']);
      expect(stale.errors[0].message).toContain(`(${a.zoo.replicaId}) stopped answering`);
    } finally {
      for (const c of clocks) c.mockRestore();
    }
    a.builds.release('ShuffleNetV2_x0_25');
    await a.zoo.idle();
    expect(a.builds.started).not.toContain('ShuffleNetV2_x0_5'); // A gave the task up
    const final = await b.zoo.getTask(task.id);
    expect(final.state).toBe('failed');
    expect(final.errors.map((e) => e.name)).toEqual(['ShuffleNetV2_x0_25', 'ShuffleNetV2_x0_5']);
    expect(a.logger.warn).toHaveBeenCalledWith({ taskId: task.id }, expect.stringMatching(/failed meanwhile/));
  });

  it('a replica that shuts down fails the tasks it was running', async () => {
    const builds = new GatedBuilds();
    const c = zooService(a.db, builds, new ClockRepository());
    const task = await c.register({ names: ['MobileNetV1_x0_25'], seed: ++zooSeed, variant: 'fp32' } as never);
    await poll(b, task.id, (t) => t.current === 'MobileNetV1_x0_25', 'the build to start');
    await c.onModuleDestroy();
    const failed = await b.zoo.getTask(task.id);
    expect(failed).toMatchObject({ state: 'failed', errors: [{ name: 'MobileNetV1_x0_25' }] });
    expect(failed.errors[0].message).toMatch(/shut down before building it/);
    builds.release('MobileNetV1_x0_25');
    await c.idle();
    expect((await b.zoo.getTask(task.id)).state).toBe('failed');
  });
});
