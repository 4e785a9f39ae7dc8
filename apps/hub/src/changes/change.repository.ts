import { Inject, Injectable } from '@nestjs/common';
import type { ChangeQuery } from '@fleetbench/protocol';
import { Prisma } from '../../generated/prisma/client';
import { copyLine, copyUtcTimestamp, isUniqueViolation } from '../db/copy-text';
import { sqlOf, type Db } from '../db/database';
import { SecretBox } from '../repositories/secret-box.repository';
import { DB } from '../repositories/tokens';

export const changeInclude = {
  result: {
    select: {
      device: { select: { name: true } },
      model: { select: { name: true } },
      hardwareClass: { select: { name: true } },
    },
  },
} as const;
export type ChangeRow = Prisma.ChangeGetPayload<{ include: typeof changeInclude }>;

/** What the watch reads of a newly stored result. */
export const watchedResultSelect = {
  id: true,
  deviceId: true,
  modelId: true,
  hardwareClassId: true,
  settingsKey: true,
  settings: true,
  metrics: true,
  histogram: true,
  environment: true,
  verdictStatus: true,
  measuredAt: true,
  device: { select: { hardware: true } },
} as const;
export type WatchedResult = Prisma.ResultGetPayload<{ select: typeof watchedResultSelect }>;

/** Which baseline a new point needs: its series, its device, when it was measured, and itself (never its own). */
export interface PreviousPointQuery {
  modelId: string;
  hardwareClassId: string;
  settingsKey: string;
  deviceId: string;
  measuredAt: Date;
  resultId: string;
}

/** A series point as the watch writes it. */
export interface SeriesPointRow {
  resultId: string;
  modelId: string;
  hardwareClassId: string;
  settingsKey: string;
  deviceId: string;
  measuredAt: Date;
  valid: boolean;
  metric: string;
  value: number;
  low: number | null;
  high: number | null;
  fingerprint: object;
}

/** What a comparison needs of a baseline point. */
export interface BaselinePoint {
  resultId: string;
  metric: string;
  value: number;
  low: number | null;
  high: number | null;
  fingerprint: unknown;
  measuredAt: Date;
}

export const WEBHOOK_SETTING_KEY = 'regression-webhook';
export interface StoredWebhook {
  url: string;
  secret: string | null;
}

/** The columns of a series point, in the order of {@link pointCopyLine}'s fields. */
const COPY_POINTS = `COPY "SeriesPoint" ("resultId", "modelId", "hardwareClassId", "settingsKey", "deviceId", "measuredAt",
  "valid", "metric", "value", "low", "high", "fingerprint") FROM STDIN`;

function pointCopyLine(p: SeriesPointRow): string {
  return copyLine([
    p.resultId,
    p.modelId,
    p.hardwareClassId,
    p.settingsKey,
    p.deviceId,
    copyUtcTimestamp(p.measuredAt),
    p.valid,
    p.metric,
    p.value,
    p.low,
    p.high,
    JSON.stringify(p.fingerprint),
  ]);
}

/** Series points, changes and the webhook setting of the regression watch (issue 13). */
@Injectable()
export class ChangeRepository {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * What the watch reads of newly stored results: one statement for a batch (rows in no particular order), on the
   * database driver ({@link sqlOf}): Prisma's own reading of a few hundred rows with JSON columns cost the watch more
   * than the rest of its work.
   */
  async watchedResults(ids: string[]): Promise<WatchedResult[]> {
    if (!ids.length) return [];
    // Columns are timestamp without time zone holding UTC (Prisma's default), as in ResultRepository.
    const rows = await sqlOf(this.db).query<Omit<WatchedResult, 'device'> & { hardware: Prisma.JsonValue }>(
      `SELECT r."id", r."deviceId", r."modelId", r."hardwareClassId", r."settingsKey", r."settings", r."metrics",
              r."histogram", r."environment", r."verdictStatus"::text AS "verdictStatus",
              (r."measuredAt" AT TIME ZONE 'UTC') AS "measuredAt", d."hardware"
         FROM "Result" r JOIN "Device" d ON d."id" = r."deviceId"
        WHERE r."id" = ANY($1::text[])`,
      [ids],
    );
    return rows.map(({ hardware, ...r }) => ({ ...r, measuredAt: new Date(r.measuredAt), device: { hardware } }));
  }

  /**
   * Idempotent: a result is one point, whichever replica or retry writes it first. One statement for a batch, as
   * ResultRepository.insertManyIfNew: a `COPY` on PostgreSQL (a batch's points are new as a rule), and where it meets
   * a point already stored (a retried batch, another replica) the statement that skips those, its rows as one JSON
   * parameter.
   */
  async insertPoints(points: SeriesPointRow[]): Promise<void> {
    if (!points.length) return;
    const sql = sqlOf(this.db);
    if (sql.copyFrom) {
      try {
        await sql.copyFrom(COPY_POINTS, points.map(pointCopyLine).join(''));
        return;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    // float8 takes 'NaN' and 'Infinity' as text; JSON would turn them into null.
    const num = (v: number | null) => (v === null || Number.isFinite(v) ? v : String(v));
    const records = points.map((p) => ({
      ...p,
      measuredAt: p.measuredAt.toISOString(),
      value: num(p.value),
      low: num(p.low),
      high: num(p.high),
    }));
    await sqlOf(this.db).query(
      `INSERT INTO "SeriesPoint" ("resultId", "modelId", "hardwareClassId", "settingsKey", "deviceId", "measuredAt",
              "valid", "metric", "value", "low", "high", "fingerprint")
       SELECT p."resultId", p."modelId", p."hardwareClassId", p."settingsKey", p."deviceId",
              (p."measuredAt" AT TIME ZONE 'UTC'), p."valid", p."metric", p."value", p."low", p."high", p."fingerprint"
         FROM jsonb_to_recordset($1::jsonb) AS p("resultId" text, "modelId" text, "hardwareClassId" text,
              "settingsKey" text, "deviceId" text, "measuredAt" timestamptz, "valid" boolean, "metric" text,
              "value" float8, "low" float8, "high" float8, "fingerprint" jsonb)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(records)],
    );
  }

  /**
   * For each point, the previous valid point of the same device in the same series (its baseline): measured before
   * it, not the point itself. One statement for a batch (a LATERAL probe per point); answer `i` is query `i`'s, null
   * when the device has none in the series.
   *
   * The probe is written so that only the (series, device, measuredAt) index can serve it, whatever the statistics:
   * the point's range as row comparisons on that index's columns (no equalities) and its full order. Written as
   * equalities with `measuredAt < $at ORDER BY measuredAt DESC`, PostgreSQL (no statistics yet: autovacuum had not
   * analyzed the table) took the (series, measuredAt) index and filtered out every other device's points, ≈ 460
   * index rows per point in the ingest bench (30 devices, one series): as much database time as inserting the
   * results. With equalities and ORDER BY (deviceId, measuredAt) it sorted the whole series instead, per point.
   */
  async previousPoints(qs: PreviousPointQuery[]): Promise<(BaselinePoint | null)[]> {
    if (!qs.length) return [];
    // Columns are timestamp without time zone holding UTC (Prisma's default), as in ResultRepository.
    const rows = await sqlOf(this.db).query<BaselinePoint & { i: number }>(
      `SELECT q.i::int AS i, p."resultId", p."metric", p."value", p."low", p."high", p."fingerprint",
              (p."measuredAt" AT TIME ZONE 'UTC') AS "measuredAt"
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
              WITH ORDINALITY AS q(m, h, s, d, at, rid, i)
         CROSS JOIN LATERAL (
           SELECT * FROM "SeriesPoint" sp
            WHERE (sp."modelId", sp."hardwareClassId", sp."settingsKey", sp."deviceId", sp."measuredAt")
                  < (q.m, q.h, q.s, q.d, (q.at::timestamptz AT TIME ZONE 'UTC'))
              AND (sp."modelId", sp."hardwareClassId", sp."settingsKey", sp."deviceId") >= (q.m, q.h, q.s, q.d)
              AND sp."valid" AND sp."resultId" <> q.rid
            ORDER BY sp."modelId" DESC, sp."hardwareClassId" DESC, sp."settingsKey" DESC, sp."deviceId" DESC,
                     sp."measuredAt" DESC
            LIMIT 1) p`,
      [
        qs.map((q) => q.modelId),
        qs.map((q) => q.hardwareClassId),
        qs.map((q) => q.settingsKey),
        qs.map((q) => q.deviceId),
        qs.map((q) => q.measuredAt.toISOString()),
        qs.map((q) => q.resultId),
      ],
    );
    const out: (BaselinePoint | null)[] = qs.map(() => null);
    for (const { i, ...point } of rows) out[i - 1] = { ...point, measuredAt: new Date(point.measuredAt) };
    return out;
  }

  /** Idempotent on (resultId, metric); returns the row only when this call created it. */
  async insertChange(c: Prisma.ChangeUncheckedCreateInput): Promise<ChangeRow | null> {
    const r = await this.db.change.createMany({ data: [c], skipDuplicates: true });
    if (r.count === 0) return null;
    return this.db.change.findUnique({
      where: { resultId_metric: { resultId: c.resultId, metric: c.metric } },
      include: changeInclude,
    });
  }

  list(q: ChangeQuery): Promise<ChangeRow[]> {
    return this.db.change.findMany({
      where: {
        kind: q.kind,
        modelId: q.modelId,
        hardwareClassId: q.hardwareClassId,
        settingsKey: q.settingsKey,
      },
      include: changeInclude,
      orderBy: [{ measuredAt: 'desc' }, { id: 'asc' }],
      take: q.limit,
    });
  }

  /** The newest `limit` points of a series, oldest first, with their device names. */
  async series(s: { modelId: string; hardwareClassId: string; settingsKey: string }, limit = 2000) {
    const rows = await this.db.seriesPoint.findMany({
      where: s,
      include: { result: { select: { device: { select: { name: true } } } } },
      orderBy: { measuredAt: 'desc' },
      take: limit,
    });
    return rows.reverse();
  }

  names(s: { modelId: string; hardwareClassId: string }) {
    return Promise.all([
      this.db.model.findUnique({ where: { id: s.modelId }, select: { name: true } }),
      this.db.hardwareClass.findUnique({ where: { id: s.hardwareClassId }, select: { name: true } }),
    ]);
  }

  // ---- webhook ---------------------------------------------------------------------------------------------------

  /** The webhook with its signing secret decrypted; throws SecretUnreadableError when this hub's key cannot open it. */
  async webhook(): Promise<(StoredWebhook & { updatedAt: Date }) | null> {
    const row = await this.db.hubSetting.findUnique({ where: { key: WEBHOOK_SETTING_KEY } });
    if (!row) return null;
    const stored = row.value as unknown as StoredWebhook;
    return {
      url: stored.url,
      secret: stored.secret ? this.secrets.open(stored.secret) : null,
      updatedAt: row.updatedAt,
    };
  }

  /** Whether a webhook is set and signs its calls, without opening the secret. */
  async webhookSummary(): Promise<{ url: string; secretSet: boolean; updatedAt: Date } | null> {
    const row = await this.db.hubSetting.findUnique({ where: { key: WEBHOOK_SETTING_KEY } });
    if (!row) return null;
    const stored = row.value as unknown as StoredWebhook;
    return { url: stored.url, secretSet: !!stored.secret, updatedAt: row.updatedAt };
  }

  async setWebhook(w: StoredWebhook | null): Promise<void> {
    if (!w) {
      await this.db.hubSetting.deleteMany({ where: { key: WEBHOOK_SETTING_KEY } });
      return;
    }
    // The signing secret is stored sealed (AES-256-GCM), never in plain text.
    const sealed: StoredWebhook = { url: w.url, secret: w.secret ? this.secrets.seal(w.secret) : null };
    const value = sealed as unknown as Prisma.InputJsonValue;
    await this.db.hubSetting.upsert({
      where: { key: WEBHOOK_SETTING_KEY },
      create: { key: WEBHOOK_SETTING_KEY, value },
      update: { value },
    });
  }

  /**
   * Claims regressions due for delivery: moves their next try `leaseMs` ahead in the same statement (SKIP LOCKED), so
   * of several hub replicas sweeping at once each row goes to one; a replica that dies mid-call leaves the row due
   * again when the lease runs out.
   */
  async claimDue(now: Date, leaseMs: number, limit: number): Promise<ChangeRow[]> {
    // Columns are timestamp without time zone holding UTC (Prisma's default), as in ResultRepository.
    const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
    const ids = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Change" SET "nextNotifyAt" = ${utc(new Date(now.getTime() + leaseMs))}
      WHERE "id" IN (
        SELECT "id" FROM "Change"
        WHERE "nextNotifyAt" IS NOT NULL AND "nextNotifyAt" <= ${utc(now)}
        ORDER BY "nextNotifyAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING "id"`;
    if (!ids.length) return [];
    return this.db.change.findMany({ where: { id: { in: ids.map((r) => r.id) } }, include: changeInclude });
  }

  async markDelivered(id: string, at: Date): Promise<void> {
    await this.db.change.update({
      where: { id },
      data: { notifiedAt: at, nextNotifyAt: null, notifyError: null, notifyAttempts: { increment: 1 } },
    });
  }

  /** A failed call: the next try at `retryAt`, or none (null) when the attempts are spent. */
  async markFailed(id: string, error: string, retryAt: Date | null): Promise<void> {
    await this.db.change.update({
      where: { id },
      data: { notifyError: error.slice(0, 500), nextNotifyAt: retryAt, notifyAttempts: { increment: 1 } },
    });
  }
}
