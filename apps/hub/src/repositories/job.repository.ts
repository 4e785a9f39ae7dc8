import { Inject, Injectable } from '@nestjs/common';
import { ACTIVE_JOB_STATES } from '@fleetbench/protocol';
import { Prisma, type JobState } from '../../generated/prisma/client';
import { sqlOf, type Db } from '../db/database';
import { DB } from './tokens';

export const jobInclude = {
  model: {
    select: { name: true, sha256: true, sizeBytes: true, preprocessing: true, flops: true, recipe: true, inputs: true },
  },
  dataset: { select: { name: true, sha256: true, sizeBytes: true } },
} as const;
export type JobRow = Prisma.JobGetPayload<{ include: typeof jobInclude }>;
/** A row of {@link JobRepository.page}: the job and its model's name. */
export type JobPageRow = Prisma.JobGetPayload<{ include: { model: { select: { name: true } } } }>;

/** What ingest needs of a job a result names (JobRepository.factsByIds). */
export interface JobFacts {
  id: string;
  campaignId: string;
  deviceId: string;
  modelId: string;
  settingsKey: string;
  settings: Prisma.JsonValue;
  state: JobState;
  attempts: number;
  timeoutMs: number;
  model: { name: string; sha256: string; flops: number | null; inputs: Prisma.JsonValue };
  dataset: { sha256: string } | null;
}

/** A job update; `error: null` clears the stored error. */
export type JobUpdate = Omit<Prisma.JobUncheckedUpdateManyInput, 'error'> & { error?: Prisma.InputJsonValue | null };

@Injectable()
export class JobRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  findById(id: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { id }, include: jobInclude });
  }

  /**
   * What ingest needs of several jobs at once (one query per batch): identity, state and what acceptance checks. On
   * the database driver ({@link sqlOf}), like the batch's insert: Prisma's reading of the rows and their relations was
   * a visible share of the hub's CPU per batch.
   */
  async factsByIds(ids: string[]): Promise<JobFacts[]> {
    if (!ids.length) return [];
    const rows = await sqlOf(this.db).query<
      Omit<JobFacts, 'model' | 'dataset'> & {
        modelName: string;
        modelSha256: string;
        modelFlops: number | null;
        modelInputs: Prisma.JsonValue;
        datasetSha256: string | null;
      }
    >(
      `SELECT j."id", j."campaignId", j."deviceId", j."modelId", j."settingsKey", j."settings",
              j."state"::text AS "state", j."attempts", j."timeoutMs",
              m."name" AS "modelName", m."sha256" AS "modelSha256", m."flops" AS "modelFlops",
              m."inputs" AS "modelInputs", d."sha256" AS "datasetSha256"
         FROM "Job" j
         JOIN "Model" m ON m."id" = j."modelId"
         LEFT JOIN "Dataset" d ON d."id" = j."datasetId"
        WHERE j."id" = ANY($1::text[])`,
      [ids],
    );
    return rows.map(({ modelName, modelSha256, modelFlops, modelInputs, datasetSha256, ...j }) => ({
      ...j,
      model: { name: modelName, sha256: modelSha256, flops: modelFlops, inputs: modelInputs },
      dataset: datasetSha256 === null ? null : { sha256: datasetSha256 },
    }));
  }

  /** What a batch of agent events needs of their jobs (one query): owner, state, campaign and time limit. */
  eventFactsByIds(ids: string[]): Promise<
    {
      id: string;
      deviceId: string;
      campaignId: string;
      state: JobState;
      timeoutMs: number;
      attempts: number;
      maxAttempts: number;
    }[]
  > {
    return this.db.job.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        deviceId: true,
        campaignId: true,
        state: true,
        timeoutMs: true,
        attempts: true,
        maxAttempts: true,
      },
    });
  }

  findManyByIds(ids: string[]): Promise<JobRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.job.findMany({ where: { id: { in: ids } }, include: jobInclude });
  }

  /**
   * The transitions of a batch of agent events in one statement: each job moves to its new state only while it is
   * still open (queued, assigned or running; a compare-and-set, as {@link transition}). `progress` and `error` are
   * left as they are where undefined. Returns the ids of the jobs updated. Throws (nothing updated) when a job would
   * become active beside another active job of its device (the one-active-job-per-device index).
   */
  async applyEventTransitions(rows: EventTransition[], now: Date): Promise<string[]> {
    if (!rows.length) return [];
    const records = rows.map((r) => ({
      id: r.id,
      state: r.state,
      leaseExpiresAt: r.leaseExpiresAt?.toISOString() ?? null,
      setProgress: r.progress !== undefined,
      progress: r.progress ?? null,
      setError: r.error !== undefined,
      error: r.error ?? null,
    }));
    const updated = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Job" AS j SET
        "state" = v."state"::"JobState",
        "leaseExpiresAt" = (v."leaseExpiresAt" AT TIME ZONE 'UTC'),
        "progress" = CASE WHEN v."setProgress" THEN v."progress" ELSE j."progress" END,
        "error" = CASE WHEN v."setError" THEN v."error" ELSE j."error" END,
        "updatedAt" = (${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')
      FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS v("id" text, "state" text,
        "leaseExpiresAt" timestamptz, "setProgress" boolean, "progress" float8, "setError" boolean, "error" jsonb)
      WHERE j."id" = v."id" AND j."state" IN ('queued', 'assigned', 'running')
      RETURNING j."id"`;
    return updated.map((r) => r.id);
  }

  list(filter: { campaignId?: string; deviceId?: string; state?: JobState }): Promise<JobRow[]> {
    return this.db.job.findMany({ where: filter, include: jobInclude, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /**
   * One page of the jobs matching `filter` in a stable order (model name, device id, settings key, id) and how many
   * match in all. The campaign's jobs are found by the (campaignId, state) index and sorted (a campaign has thousands
   * of jobs, not millions); the sort carries only the ids and keys (sorting whole rows, settings JSON included, cost
   * ~1.7× on 7,020 jobs), then the page's rows are read by id with their model's name.
   */
  async page(
    filter: { campaignId?: string; deviceId?: string; state?: JobState },
    limit: number,
    offset: number,
  ): Promise<{ rows: JobPageRow[]; total: number }> {
    const where = { campaignId: filter.campaignId, deviceId: filter.deviceId, state: filter.state };
    const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
    if (filter.campaignId !== undefined) conditions.push(Prisma.sql`j."campaignId" = ${filter.campaignId}`);
    if (filter.deviceId !== undefined) conditions.push(Prisma.sql`j."deviceId" = ${filter.deviceId}`);
    if (filter.state !== undefined) conditions.push(Prisma.sql`j."state" = ${filter.state}::"JobState"`);
    const [ids, total] = await Promise.all([
      this.db.$queryRaw<{ id: string }[]>`
        SELECT j.id FROM "Job" j JOIN "Model" m ON m.id = j."modelId"
         WHERE ${Prisma.join(conditions, ' AND ')}
         ORDER BY m.name, j."deviceId", j."settingsKey", j.id
         LIMIT ${limit} OFFSET ${offset}`,
      this.db.job.count({ where }),
    ]);
    if (!ids.length) return { rows: [], total };
    const byId = new Map(
      (
        await this.db.job.findMany({
          where: { id: { in: ids.map((r) => r.id) } },
          include: { model: { select: { name: true } } },
        })
      ).map((j) => [j.id, j]),
    );
    return { rows: ids.flatMap((r) => byId.get(r.id) ?? []), total };
  }

  /** The device's assigned or running job, if any (one job per device at a time). */
  findActiveForDevice(deviceId: string): Promise<JobRow[]> {
    return this.db.job.findMany({ where: { deviceId, state: { in: [...ACTIVE_JOB_STATES] } }, include: jobInclude });
  }

  /**
   * Of these devices, those with work for the dispatcher: an assigned or running job (`active`), or a queued job of a
   * running campaign. One query for a batch of devices; devices with neither are absent.
   */
  async workOfDevices(deviceIds: string[]): Promise<Map<string, { active: boolean }>> {
    if (!deviceIds.length) return new Map();
    const rows = await this.db.$queryRaw<{ id: string; active: boolean }[]>`
      SELECT j."deviceId" AS id, bool_or(j."state" IN ('assigned', 'running')) AS active
      FROM "Job" j JOIN "Campaign" c ON c."id" = j."campaignId"
      WHERE j."deviceId" = ANY(${deviceIds}::text[])
        AND (j."state" IN ('assigned', 'running') OR (j."state" = 'queued' AND c."state" = 'running'))
      GROUP BY j."deviceId"`;
    return new Map(rows.map((r) => [r.id, { active: r.active }]));
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
    from: readonly JobState[],
    data: JobUpdate,
    where: Prisma.JobWhereInput = {},
  ): Promise<JobRow | null> {
    const { error, ...rest } = data;
    // `error: null` clears the JSON column (Prisma spells a JSON NULL `DbNull`).
    const update = error === undefined ? rest : { ...rest, error: error === null ? Prisma.DbNull : error };
    try {
      const r = await this.db.job.updateMany({ where: { ...where, id, state: { in: [...from] } }, data: update });
      return r.count === 1 ? this.findById(id) : null;
    } catch (err) {
      // The only unique key an update of a job can break is the one-active-job-per-device index.
      if ((err as { code?: string }).code === 'P2002') return null;
      throw err;
    }
  }

  findExpiredLeases(now: Date): Promise<JobRow[]> {
    return this.db.job.findMany({
      where: { state: { in: [...ACTIVE_JOB_STATES] }, leaseExpiresAt: { lt: now } },
      include: jobInclude,
    });
  }

  findByCampaign(campaignId: string, states?: readonly JobState[]): Promise<JobRow[]> {
    return this.db.job.findMany({
      where: { campaignId, ...(states ? { state: { in: [...states] } } : {}) },
      include: jobInclude,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }
}

/** One job's transition from a batch of agent events (see JobRepository.applyEventTransitions). */
export interface EventTransition {
  id: string;
  /** `queued`: a retryable failure with attempts left (RETRYABLE_JOB_FAILURES). */
  state: 'running' | 'queued' | 'failed' | 'cancelled';
  leaseExpiresAt: Date | null;
  /** null clears it. */
  progress?: number | null;
  error?: { code: string; message: string };
}

/** A unique violation, as Prisma reports it for model queries (P2002) and raw ones (the PostgreSQL code 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { code?: string }; message?: string };
  return e?.code === 'P2002' || e?.meta?.code === '23505' || /\b23505\b|unique constraint/i.test(e?.message ?? '');
}
