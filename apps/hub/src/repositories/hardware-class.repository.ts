import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '../db/database';
import { DB } from './tokens';

@Injectable()
export class HardwareClassRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * Creates the class on first sight; the key is the identity, so an existing one is kept as is. One
   * `INSERT … ON CONFLICT DO NOTHING`: two enrollments of a new class at once both succeed (an upsert's
   * select-then-insert let the second fail with P2002, an HTTP 500).
   */
  async ensure(cls: { id: string; key: string; name: string }): Promise<void> {
    await this.db.hardwareClass.createMany({ data: [cls], skipDuplicates: true });
  }

  async list(): Promise<{ id: string; name: string; key: string; devices: number }[]> {
    const rows = await this.db.hardwareClass.findMany({
      include: { _count: { select: { devices: true } } },
      orderBy: { name: 'asc' },
    });
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      key: r.key,
      devices: r._count.devices,
    }));
  }

  async names(ids: string[]): Promise<Map<string, string>> {
    const rows = await this.db.hardwareClass.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
