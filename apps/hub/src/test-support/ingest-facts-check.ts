import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../db/database';
import { DeviceRepository } from '../repositories/device.repository';
import { JobRepository } from '../repositories/job.repository';

/**
 * Ingest's batch look-ups (raw SQL on the database driver) against what Prisma reads for the same rows, for PostgreSQL
 * (job.repository.medium.spec.ts) and PGlite (pglite-smoke.ts): a revoked and a live device; jobs with and without a
 * dataset, with and without model FLOPs. Every field equal (Dates as Dates), unknown ids left out.
 */
export async function ingestFactsCheck(p: Db) {
  await p.hardwareClass.create({ data: { id: 'if-hc', key: 'if-k', name: 'n' } });
  const revokedAt = new Date('2026-03-04T05:06:07.089Z');
  for (const [id, revoked] of [
    ['if-d1', null],
    ['if-d2', revokedAt],
  ] as const)
    await p.device.create({
      data: {
        id,
        name: `name ${id}`,
        passwordHash: 'x',
        hardware: {},
        software: {},
        hardwareClassId: 'if-hc',
        revokedAt: revoked,
      },
    });
  for (const [id, flops] of [
    ['if-m1', null],
    ['if-m2', 1.5e9],
  ] as const)
    await p.model.create({
      data: {
        id,
        sha256: id.padEnd(64, '0'),
        sizeBytes: 1n,
        name: `model ${id}`,
        source: 'path',
        inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 224, 224] }],
        outputs: [],
        flops,
      },
    });
  await p.dataset.create({
    data: { id: 'if-ds', sha256: 'd'.repeat(64), name: 'ds', labels: [], sizeBytes: 1n },
  });
  await p.campaign.create({ data: { id: 'if-c', name: 'c', request: {} } });
  const job = (id: string, modelId: string, datasetId: string | null, state: 'running' | 'succeeded') =>
    p.job.create({
      data: {
        id,
        campaignId: 'if-c',
        deviceId: 'if-d1',
        modelId,
        datasetId,
        settings: { mode: 'latency', batchSize: 1, nested: { a: [1, 2] } },
        settingsKey: `key ${id}`,
        state,
        attempts: 3,
        maxAttempts: 4,
        timeoutMs: 12345,
      },
    });
  await job('if-j1', 'if-m1', null, 'running');
  await job('if-j2', 'if-m2', 'if-ds', 'succeeded');

  const deviceIds = ['if-d1', 'if-d2', 'if-none'];
  const jobIds = ['if-j1', 'if-j2', 'if-none'];
  const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
  const devices = byId(await new DeviceRepository(p).factsByIds(deviceIds));
  const jobs = byId(await new JobRepository(p).factsByIds(jobIds));
  // The reference: the Prisma queries these replaced.
  const refDevices = byId(
    await p.device.findMany({
      where: { id: { in: deviceIds } },
      select: { id: true, name: true, hardwareClassId: true, revokedAt: true },
    }),
  );
  const refJobs = byId(
    await p.job.findMany({
      where: { id: { in: jobIds } },
      select: {
        id: true,
        campaignId: true,
        deviceId: true,
        modelId: true,
        settingsKey: true,
        settings: true,
        state: true,
        attempts: true,
        timeoutMs: true,
        model: { select: { name: true, sha256: true, flops: true, inputs: true } },
        dataset: { select: { sha256: true } },
      },
    }),
  );
  return {
    devicesEqual: isDeepStrictEqual(devices, refDevices),
    jobsEqual: isDeepStrictEqual(jobs, refJobs),
    revokedIsDate: devices[1]?.revokedAt instanceof Date && devices[1].revokedAt.getTime() === revokedAt.getTime(),
    counts: [devices.length, jobs.length],
    devices,
    refDevices,
    jobs,
    refJobs,
    empty: [await new DeviceRepository(p).factsByIds([]), await new JobRepository(p).factsByIds([])],
  };
}

export const INGEST_FACTS_EXPECTED = {
  devicesEqual: true,
  jobsEqual: true,
  revokedIsDate: true,
  counts: [2, 2],
  empty: [[], []],
};
