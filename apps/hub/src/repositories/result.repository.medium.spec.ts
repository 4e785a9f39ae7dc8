/** Medium test: the batched result insert on a real PostgreSQL (the same check runs on PGlite in db/pglite.medium.spec.ts). */
import { useHubTestDatabase } from '../test-support/hub-database';
import { RESULT_BATCH_EXPECTED, resultBatchCheck } from '../test-support/result-batch-check';

const t = useHubTestDatabase();

it('inserts many results in one statement, skips repeats by msgId, and stores values as Prisma reads them', async () => {
  const p = t.db.prisma;
  await p.hardwareClass.create({ data: { id: 'hc-1', key: 'k', name: 'n' } });
  const device = await p.device.create({
    data: { id: 'agent-1', name: 'd', passwordHash: 'x', hardware: {}, software: {}, hardwareClassId: 'hc-1' },
  });
  const model = await p.model.create({
    data: { sha256: '0'.repeat(64), sizeBytes: 1n, name: 'm', source: 'path', inputs: [], outputs: [] },
  });
  const campaign = await p.campaign.create({ data: { name: 'c', request: {} } });
  const job = await p.job.create({
    data: {
      campaignId: campaign.id,
      deviceId: device.id,
      modelId: model.id,
      settings: {},
      settingsKey: 'k',
      maxAttempts: 1,
      timeoutMs: 1000,
    },
  });
  const r = await resultBatchCheck(p, { deviceId: device.id, jobId: job.id, modelId: model.id });
  expect(r).toMatchObject(RESULT_BATCH_EXPECTED);
  expect(r.first).toEqual(r.expectedFirst);
  expect(r.second).toEqual(r.expectedSecond);
  expect(r.attempt).toEqual(r.expectedAttempt);
  expect(r.sameAttempt).toEqual(r.expectedSameAttempt);
  expect(r.storedOfAskedFor).toEqual(r.expectedStoredOfAskedFor);
});
