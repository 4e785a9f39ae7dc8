import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

export const resultInclude = { device: { select: { name: true } }, model: { select: { name: true } } } as const;
export type ResultRow = Prisma.ResultGetPayload<{ include: typeof resultInclude }>;
/** Every column but the histogram (a few kB each): what lists read. */
const resultListSelect = {
  id: true,
  msgId: true,
  jobId: true,
  deviceId: true,
  hardwareClassId: true,
  modelId: true,
  settingsKey: true,
  settings: true,
  metrics: true,
  environment: true,
  verdictStatus: true,
  verdictReasons: true,
  createdAt: true,
  ...resultInclude,
} as const;
export interface ResultSummaryRow {
  id: string;
  jobId: string;
  deviceId: string;
  modelId: string;
  settingsKey: string;
  p50Ms: number;
  throughputIps: number;
  verdictStatus: 'valid' | 'flagged';
  createdAt: Date;
}
export type ResultListRow = Prisma.ResultGetPayload<{ select: typeof resultListSelect }>;

export interface ResultFilter {
  campaignId?: string;
  deviceId?: string;
  modelId?: string;
  hardwareClassId?: string;
}

@Injectable()
export class ResultRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** Which of these msgIds are stored already (repeats of a batch, one indexed query). */
  async storedMsgIds(msgIds: string[]): Promise<Set<string>> {
    if (!msgIds.length) return new Set();
    const rows = await this.db.result.findMany({ where: { msgId: { in: msgIds } }, select: { msgId: true } });
    return new Set(rows.map((r) => r.msgId));
  }

  /**
   * Many results in one statement: `INSERT … ON CONFLICT DO NOTHING RETURNING`, through Prisma's raw query API on the
   * hub's adapter (PostgreSQL or the embedded PGlite). Returns the rows created now; a msgId already stored (a
   * repeat), or a second result for the same job attempt (unique jobId + attempt), is left out and not returned.
   */
  async insertManyIfNew(
    rows: (Prisma.ResultCreateManyInput & { verdictStatus: 'valid' | 'flagged' })[],
  ): Promise<{ id: string; msgId: string; createdAt: Date }[]> {
    if (rows.length === 0) return [];
    const json = (v: unknown) => JSON.stringify(v ?? null);
    const values = rows.map(
      (
        r,
      ) => Prisma.sql`(${r.id ?? randomUUID()}, ${r.msgId}, ${r.jobId}, ${r.attempt ?? null}::int, ${r.deviceId}, ${r.modelId},
        ${r.hardwareClassId}, ${r.settingsKey}, ${json(r.settings)}::jsonb, ${json(r.metrics)}::jsonb, ${r.p50Ms},
        ${r.p90Ms}, ${r.p99Ms}, ${r.throughputIps}, ${r.top1 ?? null}::float8, ${r.top5 ?? null}::float8,
        ${r.histogram ?? null}::text, ${json(r.environment)}::jsonb, ${r.verdictStatus}::"VerdictStatus",
        ${json(r.verdictReasons)}::jsonb, (${new Date(r.measuredAt).toISOString()}::timestamptz AT TIME ZONE 'UTC'))`,
    );
    return this.db.$queryRaw<{ id: string; msgId: string; createdAt: Date }[]>`
      INSERT INTO "Result" ("id", "msgId", "jobId", "attempt", "deviceId", "modelId", "hardwareClassId", "settingsKey",
        "settings", "metrics", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "top1", "top5", "histogram",
        "environment", "verdictStatus", "verdictReasons", "measuredAt")
      VALUES ${Prisma.join(values)}
      ON CONFLICT DO NOTHING
      RETURNING "id", "msgId", "createdAt"`;
  }

  findById(id: string): Promise<ResultRow | null> {
    return this.db.result.findUnique({ where: { id }, include: resultInclude });
  }

  /** A page of results, newest first, without histograms (`before`: the id of the previous page's last row). */
  list(f: ResultFilter & { limit: number; before?: string }): Promise<ResultListRow[]> {
    return this.db.result.findMany({
      where: {
        deviceId: f.deviceId,
        modelId: f.modelId,
        hardwareClassId: f.hardwareClassId,
        ...(f.campaignId ? { job: { campaignId: f.campaignId } } : {}),
      },
      select: resultListSelect,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: f.limit,
      ...(f.before ? { cursor: { id: f.before }, skip: 1 } : {}),
    });
  }

  /** The newest result of each of a campaign's jobs (its job table): figures only, one indexed probe per job. */
  summaries(campaignId: string): Promise<ResultSummaryRow[]> {
    return this.db.$queryRaw`
      SELECT DISTINCT ON (r."jobId") r.id, r."jobId", r."deviceId", r."modelId", r."settingsKey", r."p50Ms",
             r."throughputIps", r."verdictStatus"::text AS "verdictStatus", r."createdAt"
        FROM "Job" j JOIN "Result" r ON r."jobId" = j.id
       WHERE j."campaignId" = ${campaignId}
       ORDER BY r."jobId", r."createdAt" DESC, r.id DESC`;
  }
}
