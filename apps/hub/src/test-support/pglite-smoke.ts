// Run by db/pglite.medium.spec.ts in a child process: open an in-memory PGlite, migrate, query through Prisma.
import { openDatabase } from '../db/database';
import { CampaignRepository } from '../repositories/campaign.repository';
import { isUniqueViolation, JobRepository } from '../repositories/job.repository';
import { TelemetryRepository } from '../repositories/telemetry.repository';
import { TokenRepository } from '../repositories/token.repository';
import { ZooTaskRepository } from '../repositories/zoo-task.repository';
import { rolledUpState } from '../services/dispatcher.service';
import { resultBatchCheck } from './result-batch-check';
import { seriesPointsCheck } from './series-points-check';
import { ingestFactsCheck } from './ingest-facts-check';

async function main(): Promise<void> {
  const db = await openDatabase({ databaseUrl: null, dataDir: process.argv[2] ?? null });
  try {
    await db.prisma.hardwareClass.upsert({
      where: { id: 'hc-1' },
      create: { id: 'hc-1', key: 'k', name: 'n' },
      update: {},
    });
    await db.prisma.apiToken.create({ data: { tokenHash: `h-${Date.now()}`, label: 'l' } });
    const classes = await db.prisma.hardwareClass.findMany();
    const tokens = await db.prisma.apiToken.count();
    const replicaSafety = await claims(db.prisma);
    process.stdout.write(
      JSON.stringify({
        kind: db.kind,
        applied: db.applied,
        classes: classes.map((c) => c.id),
        tokens,
        ...replicaSafety,
      }) + '\n',
    );
  } finally {
    await db.close();
  }
}
/** What keeps several PostgreSQL hubs apart must work on the single-connection PGlite too. */
async function claims(p: Awaited<ReturnType<typeof openDatabase>>['prisma']) {
  const id = Date.now().toString(16).padStart(16, '0');
  const device = await p.device.create({
    data: { id: `agent-${id}`, name: 'd', passwordHash: 'x', hardware: {}, software: {}, hardwareClassId: 'hc-1' },
  });
  const model = await p.model.create({
    data: { sha256: id.padStart(64, '0'), sizeBytes: 1n, name: 'm', source: 'path', inputs: [], outputs: [] },
  });
  const campaign = await p.campaign.create({ data: { name: 'c', request: {} } });
  const job = (n: number) =>
    p.job.create({
      data: {
        campaignId: campaign.id,
        deviceId: device.id,
        modelId: model.id,
        settings: {},
        settingsKey: `k${n}`,
        maxAttempts: 1,
        timeoutMs: 1000,
      },
    });
  const [j1, j2] = [await job(1), await job(2)];
  const jobs = new JobRepository(p);
  // The second active job of one device is refused by the partial unique index (reported as a lost claim).
  const assigned = [
    !!(await jobs.transition(j1.id, ['queued'], { state: 'assigned' })),
    !!(await jobs.transition(j2.id, ['queued'], { state: 'assigned' })),
  ];
  await jobs.transition(j1.id, ['assigned'], { state: 'succeeded' });
  await jobs.transition(j2.id, ['queued'], { state: 'failed' });
  const rolled = await new CampaignRepository(p).rollUp(campaign.id, rolledUpState);
  const token = await p.apiToken.create({ data: { tokenHash: `t-${id}`, label: 'ui' } });
  const tickets = new TokenRepository(p);
  const now = new Date();
  await tickets.createSocketTicket(
    { ticketHash: `s-${id}`, tokenId: token.id, expiresAt: new Date(+now + 60_000) },
    now,
    10,
  );
  const redeemed = [
    await tickets.consumeSocketTicket(`s-${id}`, now),
    await tickets.consumeSocketTicket(`s-${id}`, now),
  ];
  await p.apiToken.delete({ where: { id: token.id } }); // the caller counts tokens across runs
  const resultBatch = await resultBatchCheck(p, { deviceId: device.id, jobId: j1.id, modelId: model.id });
  // Batched job events: one UPDATE for several jobs; a second active job of the device refuses the whole statement.
  const [j3, j4] = [await job(3), await job(4)];
  const lease = new Date(Date.now() + 60_000);
  const updated = await jobs.applyEventTransitions(
    [{ id: j3.id, state: 'running', leaseExpiresAt: lease, progress: 0.5 }],
    new Date(),
  );
  const refused = await jobs
    .applyEventTransitions([{ id: j4.id, state: 'running', leaseExpiresAt: lease }], new Date())
    .then(() => false, isUniqueViolation);
  const eventBatch = {
    updated: updated.length === 1 && updated[0] === j3.id,
    progress: (await jobs.findById(j3.id))?.progress,
    refused,
  };
  // The regression watch's batch statements (its rows use ids of their own; a reopened data dir has them already).
  const seriesPoints = (await p.seriesPoint.count({ where: { resultId: 'r0' } })) ? null : await seriesPointsCheck(p);
  const ingestFacts = (await p.device.count({ where: { id: 'if-d1' } }))
    ? null
    : (({ devicesEqual, jobsEqual, revokedIsDate, counts, empty }) => ({
        devicesEqual,
        jobsEqual,
        revokedIsDate,
        counts,
        empty,
      }))(await ingestFactsCheck(p));
  return {
    resultBatch,
    eventBatch,
    seriesPoints,
    ingestFacts,
    assigned,
    rolledUp: rolled?.campaign.state,
    redeemed: redeemed.map((t) => t === token.id),
    ...(await shared(p, device.id)),
  };
}

/** What every replica reads from the database: telemetry history (pruned) and zoo tasks (a stale one ends). */
async function shared(p: Awaited<ReturnType<typeof openDatabase>>['prisma'], deviceId: string) {
  const telemetry = new TelemetryRepository(p);
  for (const minute of [3, 1, 2, 4]) {
    await telemetry.insert(deviceId, {
      ts: `2026-03-01T10:0${minute}:00.000Z`,
      load1: minute,
      cpuPercent: null,
      temperatureC: null,
      cpuFrequencyMHz: null,
      memoryFreeBytes: 1,
    });
  }
  const pruned = await telemetry.prune(deviceId, 3);
  const history = (await telemetry.recent(deviceId, 10)).map((s) => s.load1);
  const tasks = new ZooTaskRepository(p);
  const old = new Date(Date.now() - 3_600_000);
  const task = await tasks.create({
    id: `task-${deviceId}`,
    names: ['a', 'b'],
    seed: 0,
    variant: 'fp32',
    total: 2,
    owner: 'gone',
    heartbeatAt: old,
    createdAt: old,
  });
  const progressed = await tasks.updateRunning(task.id, { done: 1, registered: [{ name: 'a', modelId: 'm' }] }, old);
  const ended = await tasks.endIfStale(task.id, new Date(), { state: 'failed', finishedAt: new Date() });
  const zooTask = await tasks.findById(task.id);
  return { telemetry: { pruned, history }, zooTask: { progressed, ended, state: zooTask?.state, done: zooTask?.done } };
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
