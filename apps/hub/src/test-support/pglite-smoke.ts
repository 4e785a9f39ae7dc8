// Run by db/pglite.spec.ts in a child process: open an in-memory PGlite, migrate, query through Prisma.
import { openDatabase } from '../db/database';
import { CampaignRepository } from '../repositories/campaign.repository';
import { JobRepository } from '../repositories/job.repository';
import { TokenRepository } from '../repositories/token.repository';
import { rolledUpState } from '../services/dispatcher.service';

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
  return { assigned, rolledUp: rolled?.campaign.state, redeemed: redeemed.map((t) => t === token.id) };
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
