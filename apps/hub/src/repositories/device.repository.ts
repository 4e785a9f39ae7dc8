import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

export const deviceInclude = { hardwareClass: { select: { name: true } } } as const;
export type DeviceRow = Prisma.DeviceGetPayload<{ include: typeof deviceInclude }>;

@Injectable()
export class DeviceRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  create(data: Prisma.DeviceUncheckedCreateInput): Promise<DeviceRow> {
    return this.db.device.create({ data, include: deviceInclude });
  }

  findById(id: string): Promise<DeviceRow | null> {
    return this.db.device.findUnique({ where: { id }, include: deviceInclude });
  }

  /** Only the password hash, for broker and artifact authentication. */
  async getPasswordHash(id: string): Promise<string | null> {
    const d = await this.db.device.findUnique({ where: { id }, select: { passwordHash: true } });
    return d?.passwordHash ?? null;
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
      ? {}
      : {
          OR: [
            ...(sel.ids.length ? [{ id: { in: sel.ids } }] : []),
            ...(sel.tags.length ? [{ tags: { hasSome: sel.tags } }] : []),
            ...(sel.hardwareClassIds.length ? [{ hardwareClassId: { in: sel.hardwareClassIds } }] : []),
          ],
        };
    return this.db.device.findMany({ where, select: { id: true, online: true }, orderBy: { id: 'asc' } });
  }

  listOnlineIds(): Promise<string[]> {
    return this.db.device.findMany({ where: { online: true }, select: { id: true } }).then((r) => r.map((d) => d.id));
  }

  update(id: string, data: Prisma.DeviceUncheckedUpdateInput): Promise<DeviceRow> {
    return this.db.device.update({ where: { id }, data, include: deviceInclude });
  }
}
