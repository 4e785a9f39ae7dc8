import { Inject, Injectable } from '@nestjs/common';
import type { TelemetrySample } from '@fleetbench/protocol';
import { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

/** Telemetry history rows (TelemetrySample): the samples as ingested, ordered by their own `ts`. */
@Injectable()
export class TelemetryRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(deviceId: string, sample: TelemetrySample): Promise<void> {
    await this.insertMany([{ deviceId, sample }], 0);
  }

  /**
   * The latest sample and "last seen" of several devices in one statement (one row per device: the caller passes the
   * newest). Unknown and revoked devices are left alone; returns the ids of the devices updated.
   */
  async updateLatest(rows: { deviceId: string; sample: TelemetrySample; seenAt: Date }[]): Promise<string[]> {
    if (!rows.length) return [];
    const values = rows.map(
      (r) => Prisma.sql`(${r.deviceId}, ${JSON.stringify(r.sample)}::jsonb, ${utc(r.seenAt)}::timestamptz)`,
    );
    const updated = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Device" d
      SET "telemetry" = v.sample, "lastSeenAt" = (v.seen AT TIME ZONE 'UTC'), "updatedAt" = (now() AT TIME ZONE 'UTC')
      FROM (VALUES ${Prisma.join(values)}) AS v(id, sample, seen)
      WHERE d."id" = v.id AND d."revokedAt" IS NULL
      RETURNING d."id"`;
    return updated.map((u) => u.id);
  }

  /**
   * History rows in one statement. With `minGapS` > 0 a sample is also skipped when its device has one stored less
   * than `minGapS` seconds before it — by another replica since the caller spaced the rows against
   * {@link latestTimes}. Samples of devices deleted meanwhile are skipped. Returns the devices of the rows stored.
   */
  async insertMany(rows: { deviceId: string; sample: TelemetrySample }[], minGapS: number): Promise<string[]> {
    if (!rows.length) return [];
    const values = rows.map(
      (r) => Prisma.sql`(${r.deviceId}, ${utc(sampleTime(r.sample))}::timestamptz, ${JSON.stringify(r.sample)}::jsonb)`,
    );
    const recent =
      minGapS > 0
        ? Prisma.sql`AND NOT EXISTS (SELECT 1 FROM "TelemetrySample" s WHERE s."deviceId" = v.id
            AND s."ts" > (v.ts AT TIME ZONE 'UTC') - make_interval(secs => ${minGapS}::float8)
            AND s."ts" <= (v.ts AT TIME ZONE 'UTC'))`
        : Prisma.empty;
    const stored = await this.db.$queryRaw<{ deviceId: string }[]>`
      INSERT INTO "TelemetrySample" ("deviceId", "ts", "sample")
      SELECT v.id, (v.ts AT TIME ZONE 'UTC'), v.sample
      FROM (VALUES ${Prisma.join(values)}) AS v(id, ts, sample)
      WHERE EXISTS (SELECT 1 FROM "Device" d WHERE d."id" = v.id) ${recent}
      RETURNING "deviceId"`;
    return stored.map((r) => r.deviceId);
  }

  /** The time of each device's newest stored sample (epoch ms; absent: none), one index probe per device. */
  async latestTimes(deviceIds: string[]): Promise<Map<string, number>> {
    if (!deviceIds.length) return new Map();
    const rows = await this.db.$queryRaw<{ id: string; ms: number | null }[]>`
      SELECT v.id, (SELECT extract(epoch FROM max(s."ts")) * 1000 FROM "TelemetrySample" s WHERE s."deviceId" = v.id)::float8 AS ms
      FROM unnest(${deviceIds}::text[]) AS v(id)`;
    return new Map(rows.filter((r) => r.ms !== null).map((r) => [r.id, Number(r.ms)]));
  }

  /** The newest `limit` samples of a device, oldest first. */
  async recent(deviceId: string, limit: number): Promise<TelemetrySample[]> {
    const rows = await this.db.telemetrySample.findMany({
      where: { deviceId },
      orderBy: [{ ts: 'desc' }, { id: 'desc' }],
      take: limit,
      select: { sample: true },
    });
    return rows.reverse().map((r) => r.sample as unknown as TelemetrySample);
  }

  /**
   * Deletes all but the newest `keep` samples of a device; returns how many went. Two index look-ups on
   * (deviceId, ts): the cut-off row (`keep` rows down from the newest), then the range below it.
   */
  async prune(deviceId: string, keep: number): Promise<number> {
    const cut = await this.db.telemetrySample.findFirst({
      where: { deviceId },
      orderBy: [{ ts: 'desc' }, { id: 'desc' }],
      skip: keep,
      select: { id: true, ts: true },
    });
    if (!cut) return 0;
    const r = await this.db.telemetrySample.deleteMany({
      where: { deviceId, OR: [{ ts: { lt: cut.ts } }, { ts: cut.ts, id: { lte: cut.id } }] },
    });
    return r.count;
  }

  /** The latest sample stored on the device row (Device.telemetry); undefined when there is no such device. */
  async latestOnDevice(deviceId: string): Promise<TelemetrySample | null | undefined> {
    const d = await this.db.device.findUnique({ where: { id: deviceId }, select: { telemetry: true } });
    if (!d) return undefined;
    return (d.telemetry as unknown as TelemetrySample | null) ?? null;
  }

  count(deviceId: string): Promise<number> {
    return this.db.telemetrySample.count({ where: { deviceId } });
  }
}

/** The sample's own time; now when an agent sent one that does not parse. */
export function sampleTime(sample: TelemetrySample): Date {
  const ts = new Date(sample.ts);
  return Number.isNaN(ts.getTime()) ? new Date() : ts;
}

const utc = (d: Date) => d.toISOString();
