import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { sqlOf, type Db } from '../db/database';
import { DB } from './tokens';

export const deviceInclude = { hardwareClass: { select: { name: true } } } as const;
export type DeviceRow = Prisma.DeviceGetPayload<{ include: typeof deviceInclude }>;

/** What ingest needs of a device; `hardware` only when asked for (the regression watch's fingerprint needs it). */
export interface DeviceFacts {
  id: string;
  name: string;
  hardwareClassId: string;
  revokedAt: Date | null;
  hardware?: Prisma.JsonValue;
}

@Injectable()
export class DeviceRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  create(data: Prisma.DeviceUncheckedCreateInput): Promise<DeviceRow> {
    return this.db.device.create({ data, include: deviceInclude });
  }

  findById(id: string): Promise<DeviceRow | null> {
    return this.db.device.findUnique({ where: { id }, include: deviceInclude });
  }

  /** Several devices in one query (those that exist). */
  findManyByIds(ids: string[]): Promise<DeviceRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.device.findMany({ where: { id: { in: ids } }, include: deviceInclude });
  }

  /** What ingest needs of several devices at once (one query per batch, on the database driver like the insert). */
  async factsByIds(ids: string[], o: { hardware?: boolean } = {}): Promise<DeviceFacts[]> {
    if (!ids.length) return [];
    // Columns are timestamp without time zone holding UTC (Prisma's default), as in ResultRepository.
    const rows = await sqlOf(this.db).query<{
      id: string;
      name: string;
      hardwareClassId: string;
      revokedAt: Date | string | null;
      hardware?: Prisma.JsonValue;
    }>(
      `SELECT "id", "name", "hardwareClassId", ("revokedAt" AT TIME ZONE 'UTC') AS "revokedAt"${o.hardware ? ', "hardware"' : ''}
         FROM "Device" WHERE "id" = ANY($1::text[])`,
      [ids],
    );
    return rows.map((d) => ({ ...d, revokedAt: d.revokedAt === null ? null : new Date(d.revokedAt) }));
  }

  /** Only the password hash, for broker and artifact authentication; null for unknown and revoked devices. */
  async getPasswordHash(id: string): Promise<string | null> {
    const d = await this.db.device.findUnique({ where: { id }, select: { passwordHash: true, revokedAt: true } });
    return d && !d.revokedAt ? d.passwordHash : null;
  }

  /** Sets a new password hash if the stored one is still `from` (and the device not revoked); whether it did. */
  async replacePasswordHash(id: string, from: string, to: string): Promise<boolean> {
    const r = await this.db.device.updateMany({
      where: { id, passwordHash: from, revokedAt: null },
      data: { passwordHash: to },
    });
    return r.count === 1;
  }

  /** Marks the device revoked (first time only) and drops its password hash; null when it does not exist. */
  async revoke(id: string, at: Date): Promise<{ device: DeviceRow; newlyRevoked: boolean } | null> {
    const r = await this.db.device.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: at, passwordHash: '', online: false, currentJobId: null },
    });
    const device = await this.findById(id);
    return device ? { device, newlyRevoked: r.count === 1 } : null;
  }

  list(): Promise<DeviceRow[]> {
    return this.db.device.findMany({ include: deviceInclude, orderBy: { enrolledAt: 'asc' } });
  }

  /** Devices matching any of the selector's parts (union), or all. */
  select(sel: {
    all: boolean;
    ids: string[];
    tags: string[];
    hardwareClassIds: string[];
  }): Promise<{ id: string; online: boolean }[]> {
    const where: Prisma.DeviceWhereInput = sel.all
      ? { revokedAt: null }
      : {
          revokedAt: null,
          OR: [
            ...(sel.ids.length ? [{ id: { in: sel.ids } }] : []),
            ...(sel.tags.length ? [{ tags: { hasSome: sel.tags } }] : []),
            ...(sel.hardwareClassIds.length ? [{ hardwareClassId: { in: sel.hardwareClassIds } }] : []),
          ],
        };
    return this.db.device.findMany({ where, select: { id: true, online: true }, orderBy: { id: 'asc' } });
  }

  listOnlineIds(): Promise<string[]> {
    return this.db.device
      .findMany({ where: { online: true, revokedAt: null }, select: { id: true } })
      .then((r) => r.map((d) => d.id));
  }

  /**
   * Applies status changes of many devices in one statement, each only if its device is still as the caller read it
   * (`seenOnline`, `seenSession`): every hub replica reads every retained status, and only the first to apply a
   * transition may act on it. Returns the ids of the devices updated; the others were changed meanwhile.
   */
  async updateStatuses(
    rows: { id: string; seenOnline: boolean; seenSession: number; online: boolean; session: number }[],
    lastSeenAt: Date,
  ): Promise<string[]> {
    if (!rows.length) return [];
    const updated = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Device" d
      SET "online" = v."online", "session" = v."session",
        "lastSeenAt" = (${lastSeenAt.toISOString()}::timestamptz AT TIME ZONE 'UTC'),
        "updatedAt" = (now() AT TIME ZONE 'UTC')
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS v("id" text, "seenOnline" boolean, "seenSession" int, "online" boolean, "session" int)
      WHERE d."id" = v."id" AND d."online" = v."seenOnline" AND d."session" = v."seenSession"
      RETURNING d."id"`;
    return updated.map((u) => u.id);
  }

  /**
   * Clears `currentJobId` unless the device has an assigned or running job (another hub replica may just have
   * assigned one).
   */
  async clearCurrentJobIfIdle(id: string): Promise<void> {
    await this.db.device.updateMany({
      where: { id, currentJobId: { not: null }, jobs: { none: { state: { in: ['assigned', 'running'] } } } },
      data: { currentJobId: null },
    });
  }

  update(id: string, data: Prisma.DeviceUncheckedUpdateInput): Promise<DeviceRow> {
    return this.db.device.update({ where: { id }, data, include: deviceInclude });
  }
}
