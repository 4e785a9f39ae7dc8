import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import { sqlOf, type Db } from '../db/database';
import { DB } from './tokens';

export const resultInclude = { device: { select: { name: true } }, model: { select: { name: true } } } as const;
export type ResultRow = Prisma.ResultGetPayload<{ include: typeof resultInclude }>;

export interface ResultFilter {
  campaignId?: string;
  deviceId?: string;
  modelId?: string;
  hardwareClassId?: string;
}

/** Columns the leaderboard aggregates. */
export interface LeaderboardSample {
  hardwareClassId: string;
  settingsKey: string;
  modelId: string;
  deviceId: string;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  throughputIps: number;
  top1: number | null;
  verdictStatus: 'valid' | 'flagged';
  measuredAt: Date;
  /** The stored ResultMetrics JSON (cold start, peak RSS, GFLOP/s, peak share); optional for callers that omit it. */
  metrics?: unknown;
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
   * Many results in one statement: `INSERT … SELECT FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING RETURNING`,
   * on the database driver ({@link sqlOf}: PostgreSQL's pool, or Prisma's raw API on the embedded PGlite). The rows
   * travel as one JSON parameter, not 21 parameters each: the hub serializes a batch in one call and PostgreSQL (on
   * its own core) parses it. Returns the rows created now; a msgId already stored (a repeat), or a second result for the same job
   * attempt (unique jobId + attempt), is left out and not returned.
   */
  async insertManyIfNew(
    rows: (Prisma.ResultCreateManyInput & { verdictStatus: 'valid' | 'flagged' })[],
  ): Promise<{ id: string; msgId: string; createdAt: Date }[]> {
    if (rows.length === 0) return [];
    const records = rows.map((r) => ({
      id: r.id ?? randomUUID(),
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
    return sqlOf(this.db).query<{ id: string; msgId: string; createdAt: Date }>(
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
      RETURNING "id", "msgId", ("createdAt" AT TIME ZONE 'UTC') AS "createdAt"`,
      [JSON.stringify(records)],
    );
  }

  findById(id: string): Promise<ResultRow | null> {
    return this.db.result.findUnique({ where: { id }, include: resultInclude });
  }

  list(f: ResultFilter): Promise<ResultRow[]> {
    return this.db.result.findMany({
      where: {
        deviceId: f.deviceId,
        modelId: f.modelId,
        hardwareClassId: f.hardwareClassId,
        ...(f.campaignId ? { job: { campaignId: f.campaignId } } : {}),
      },
      include: resultInclude,
      orderBy: { createdAt: 'desc' },
      take: 5000,
    });
  }

  leaderboardSamples(f: { hardwareClassId?: string; settingsKey?: string }): Promise<LeaderboardSample[]> {
    return this.db.result.findMany({
      where: { hardwareClassId: f.hardwareClassId, settingsKey: f.settingsKey },
      select: {
        hardwareClassId: true,
        settingsKey: true,
        modelId: true,
        deviceId: true,
        p50Ms: true,
        p90Ms: true,
        p99Ms: true,
        throughputIps: true,
        top1: true,
        verdictStatus: true,
        measuredAt: true,
        metrics: true,
      },
    });
  }

  /** Accuracy results (top1 set) per model, for measured top-1 beside speed. Flagged ones count too: every verdict
   *  reason (busy, throttled, high variance, too few latency samples) is about timing, not about the answers. */
  accuracySamples(modelIds: string[]): Promise<{ modelId: string; hardwareClassId: string; top1: number | null }[]> {
    return this.db.result.findMany({
      where: { modelId: { in: modelIds }, top1: { not: null } },
      select: { modelId: true, hardwareClassId: true, top1: true },
    });
  }
}
