import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { copyLine, copyUtcTimestamp, isUniqueViolation } from '../db/copy-text';
import { sqlOf, type Db } from '../db/database';
import { DB } from './tokens';
import { monotonicFactory } from 'ulid';

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

/**
 * Result ids that sort by creation time (ULIDs, strictly increasing within this process): appended at the primary
 * key's right edge instead of landing on random pages, ≈ 8 % less PostgreSQL CPU per inserted row than random UUIDs
 * (bench/RESULTS.md, "Ingest per-row cost").
 */
const nextResultId = monotonicFactory();

/** The columns ingest writes, in the order of {@link resultCopyLine}'s fields. */
const COPY_RESULTS = `COPY "Result" ("id", "msgId", "jobId", "attempt", "deviceId", "modelId", "hardwareClassId",
  "settingsKey", "settings", "metrics", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "top1", "top5", "histogram",
  "environment", "verdictStatus", "verdictReasons", "measuredAt") FROM STDIN`;

/** A new result as ingest hands it over. */
type NewResultRow = Prisma.ResultCreateManyInput & { verdictStatus: 'valid' | 'flagged' };

const jsonOrNull = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Straight from ingest's row (no intermediate record per result: this runs for every result stored). */
function resultCopyLine(id: string, r: NewResultRow): string {
  return copyLine([
    id,
    r.msgId,
    r.jobId,
    r.attempt ?? null,
    r.deviceId,
    r.modelId,
    r.hardwareClassId,
    r.settingsKey,
    jsonOrNull(r.settings),
    jsonOrNull(r.metrics),
    r.p50Ms,
    r.p90Ms,
    r.p99Ms,
    r.throughputIps,
    r.top1 ?? null,
    r.top5 ?? null,
    r.histogram ?? null,
    jsonOrNull(r.environment),
    r.verdictStatus,
    jsonOrNull(r.verdictReasons),
    copyUtcTimestamp(r.measuredAt instanceof Date ? r.measuredAt : new Date(r.measuredAt)),
  ]);
}

@Injectable()
export class ResultRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** Which of these msgIds are stored already (repeats of a batch, one indexed query). */
  async storedMsgIds(msgIds: string[]): Promise<Set<string>> {
    if (!msgIds.length) return new Set();
    // One array parameter, not one per msgId (a batch holds hundreds).
    const rows = await sqlOf(this.db).query<{ msgId: string }>(
      'SELECT "msgId" FROM "Result" WHERE "msgId" = ANY($1::text[])',
      [msgIds],
    );
    return new Set(rows.map((r) => r.msgId));
  }

  /**
   * Many results at once. Returns the rows created now; a msgId already stored (a repeat), or a second result for the
   * same job attempt (unique jobId + attempt), is left out and not returned.
   *
   * On PostgreSQL first as one `COPY` (its bulk path: the least database CPU per row); the batch is new as a rule
   * (ingest leaves out msgIds it found stored), so a COPY refused for a duplicate key — a repeat racing its first
   * copy, another replica's, a second result of an attempt — is rare, and then the batch goes through the statement
   * that skips duplicates: `INSERT … SELECT FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING RETURNING` (also the
   * only way on PGlite, through Prisma's raw API). Its rows travel as one JSON parameter, not 21 parameters each.
   */
  async insertManyIfNew(rows: NewResultRow[]): Promise<{ id: string; msgId: string }[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id ?? nextResultId());
    const sql = sqlOf(this.db);
    if (sql.copyFrom) {
      try {
        await sql.copyFrom(COPY_RESULTS, rows.map((r, i) => resultCopyLine(ids[i]!, r)).join(''));
        return rows.map((r, i) => ({ id: ids[i]!, msgId: r.msgId }));
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    const records = rows.map((r, i) => ({
      id: ids[i],
      msgId: r.msgId,
      jobId: r.jobId,
      attempt: r.attempt ?? null,
      deviceId: r.deviceId,
      modelId: r.modelId,
      hardwareClassId: r.hardwareClassId,
      settingsKey: r.settingsKey,
      settings: r.settings ?? null,
      metrics: r.metrics ?? null,
      p50Ms: r.p50Ms,
      p90Ms: r.p90Ms,
      p99Ms: r.p99Ms,
      throughputIps: r.throughputIps,
      top1: r.top1 ?? null,
      top5: r.top5 ?? null,
      histogram: r.histogram ?? null,
      environment: r.environment ?? null,
      verdictStatus: r.verdictStatus,
      verdictReasons: r.verdictReasons ?? null,
      measuredAt: new Date(r.measuredAt).toISOString(),
    }));
    return sql.query<{ id: string; msgId: string }>(
      `
      INSERT INTO "Result" ("id", "msgId", "jobId", "attempt", "deviceId", "modelId", "hardwareClassId", "settingsKey",
        "settings", "metrics", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "top1", "top5", "histogram",
        "environment", "verdictStatus", "verdictReasons", "measuredAt")
      SELECT r."id", r."msgId", r."jobId", r."attempt", r."deviceId", r."modelId", r."hardwareClassId", r."settingsKey",
        r."settings", r."metrics", r."p50Ms", r."p90Ms", r."p99Ms", r."throughputIps", r."top1", r."top5", r."histogram",
        r."environment", r."verdictStatus"::"VerdictStatus", r."verdictReasons", (r."measuredAt" AT TIME ZONE 'UTC')
      FROM jsonb_to_recordset($1::jsonb) AS r("id" text, "msgId" text, "jobId" text,
        "attempt" int, "deviceId" text, "modelId" text, "hardwareClassId" text, "settingsKey" text, "settings" jsonb,
        "metrics" jsonb, "p50Ms" float8, "p90Ms" float8, "p99Ms" float8, "throughputIps" float8, "top1" float8,
        "top5" float8, "histogram" text, "environment" jsonb, "verdictStatus" text, "verdictReasons" jsonb,
        "measuredAt" timestamptz)
      ON CONFLICT DO NOTHING
      RETURNING "id", "msgId"`,
      [JSON.stringify(records)],
    );
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

  /**
   * The newest result of each of a campaign's jobs, or of the jobs named (one page of its job table): figures only, one backward probe of
   * `Result_job_table_idx` per job that reads a single entry (no sort of the campaign's results).
   */
  summaries(filter: { campaignId?: string; jobIds?: string[] }): Promise<ResultSummaryRow[]> {
    // Only the conditions given (no `$1 IS NULL OR …`: a generic plan of that would scan every job).
    const conditions: Prisma.Sql[] = [];
    if (filter.campaignId !== undefined) conditions.push(Prisma.sql`j."campaignId" = ${filter.campaignId}`);
    if (filter.jobIds !== undefined) conditions.push(Prisma.sql`j.id = ANY(${filter.jobIds}::text[])`);
    if (!conditions.length) return Promise.resolve([]);
    return this.db.$queryRaw`
      SELECT l.*
        FROM "Job" j
        CROSS JOIN LATERAL (
          SELECT r.id, r."jobId", r."deviceId", r."modelId", r."settingsKey", r."p50Ms", r."throughputIps",
                 r."verdictStatus"::text AS "verdictStatus", r."createdAt"
            FROM "Result" r
           WHERE r."jobId" = j.id
           ORDER BY r."createdAt" DESC, r.id DESC
           LIMIT 1) l
       WHERE ${Prisma.join(conditions, ' AND ')}`;
  }
}
