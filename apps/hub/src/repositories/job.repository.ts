import { Inject, Injectable } from '@nestjs/common';
import { Prisma, type JobState } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

export const jobInclude = {
  model: {
    select: { name: true, sha256: true, sizeBytes: true, preprocessing: true, flops: true, recipe: true, inputs: true },
  },
  dataset: { select: { name: true, sha256: true, sizeBytes: true } },
} as const;
export type JobRow = Prisma.JobGetPayload<{ include: typeof jobInclude }>;

export const ACTIVE_STATES: JobState[] = ['assigned', 'running'];
export const TERMINAL_STATES: JobState[] = ['succeeded', 'failed', 'cancelled'];

/** A job update; `error: null` clears the stored error. */
export type JobUpdate = Omit<Prisma.JobUncheckedUpdateManyInput, 'error'> & { error?: Prisma.InputJsonValue | null };

@Injectable()
export class JobRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  findById(id: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { id }, include: jobInclude });
  }

  /** What ingest needs of several jobs at once (one query per batch): identity, state and what acceptance checks. */
  factsByIds(ids: string[]) {
    return this.db.job.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
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
    });
  }

  list(filter: { campaignId?: string; deviceId?: string; state?: JobState }): Promise<JobRow[]> {
    return this.db.job.findMany({ where: filter, include: jobInclude, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** The device's assigned or running job, if any (one job per device at a time). */
  findActiveForDevice(deviceId: string): Promise<JobRow[]> {
    return this.db.job.findMany({ where: { deviceId, state: { in: ACTIVE_STATES } }, include: jobInclude });
  }

  /** Oldest queued job of a running campaign for the device. */
  findNextQueued(deviceId: string): Promise<JobRow | null> {
    return this.db.job.findFirst({
      where: { deviceId, state: 'queued', campaign: { state: 'running' } },
      include: jobInclude,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /**
   * Compare-and-set on the state (and on `where`, e.g. the lease it saw): returns the updated job, or null when another
   * transition won. A job made assigned/running while its device already has such a job also loses: the partial
   * unique index `Job_one_active_per_device` refuses it, so two hub replicas can never give one device two jobs.
   */
  async transition(
    id: string,
    from: JobState[],
    data: JobUpdate,
    where: Prisma.JobWhereInput = {},
  ): Promise<JobRow | null> {
    const { error, ...rest } = data;
    // `error: null` clears the JSON column (Prisma spells a JSON NULL `DbNull`).
    const update = error === undefined ? rest : { ...rest, error: error === null ? Prisma.DbNull : error };
    try {
      const r = await this.db.job.updateMany({ where: { ...where, id, state: { in: from } }, data: update });
      return r.count === 1 ? this.findById(id) : null;
    } catch (err) {
      // The only unique key an update of a job can break is the one-active-job-per-device index.
      if ((err as { code?: string }).code === 'P2002') return null;
      throw err;
    }
  }

  findExpiredLeases(now: Date): Promise<JobRow[]> {
    return this.db.job.findMany({
      where: { state: { in: ACTIVE_STATES }, leaseExpiresAt: { lt: now } },
      include: jobInclude,
    });
  }

  findByCampaign(campaignId: string, states?: JobState[]): Promise<JobRow[]> {
    return this.db.job.findMany({
      where: { campaignId, ...(states ? { state: { in: states } } : {}) },
      include: jobInclude,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** Devices that have queued work (used to kick dispatch at start). */
  async devicesWithQueuedJobs(): Promise<string[]> {
    const rows = await this.db.job.findMany({
      where: { state: 'queued', campaign: { state: 'running' } },
      distinct: ['deviceId'],
      select: { deviceId: true },
    });
    return rows.map((r) => r.deviceId);
  }
}
