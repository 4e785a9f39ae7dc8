import { Inject, Injectable } from '@nestjs/common';
import type { ChangeQuery } from '@fleetbench/protocol';
import { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
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

export const WEBHOOK_SETTING_KEY = 'regression-webhook';
export interface StoredWebhook {
  url: string;
  secret: string | null;
}

/** Series points, changes and the webhook setting of the regression watch (issue 13). */
@Injectable()
export class ChangeRepository {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  watchedResult(id: string): Promise<WatchedResult | null> {
    return this.db.result.findUnique({ where: { id }, select: watchedResultSelect });
  }

  /** Idempotent: a result is one point, whichever replica or retry writes it first. */
  async insertPoint(p: Prisma.SeriesPointUncheckedCreateInput): Promise<void> {
    await this.db.seriesPoint.createMany({ data: [p], skipDuplicates: true });
  }

  /** The previous valid point of the same device in the same series (the baseline of a new point). */
  previousPoint(p: {
    modelId: string;
    hardwareClassId: string;
    settingsKey: string;
    deviceId: string;
    measuredAt: Date;
    resultId: string;
  }) {
    return this.db.seriesPoint.findFirst({
      where: {
        modelId: p.modelId,
        hardwareClassId: p.hardwareClassId,
        settingsKey: p.settingsKey,
        deviceId: p.deviceId,
        valid: true,
        measuredAt: { lt: p.measuredAt },
        resultId: { not: p.resultId },
      },
      orderBy: { measuredAt: 'desc' },
    });
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
