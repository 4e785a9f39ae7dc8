import { Inject, Injectable } from '@nestjs/common';
import type { LeaderboardIndexEntry } from '@fleetbench/protocol';
import type { Db } from '../db/database';
import { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { DB } from '../repositories/tokens';

/** Which leaderboards exist (class × settings) and how many models each has: one GROUP BY, no metrics read. */
@Injectable()
export class LeaderboardIndexService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly classes: HardwareClassRepository,
  ) {}

  async index(): Promise<LeaderboardIndexEntry[]> {
    const groups = await this.db.result.groupBy({ by: ['hardwareClassId', 'settingsKey', 'modelId'] });
    const counts = new Map<string, { hardwareClassId: string; settingsKey: string; models: number }>();
    for (const g of groups) {
      const k = `${g.hardwareClassId}\u0000${g.settingsKey}`;
      const e = counts.get(k);
      if (e) e.models++;
      else counts.set(k, { hardwareClassId: g.hardwareClassId, settingsKey: g.settingsKey, models: 1 });
    }
    const names = await this.classes.names([...new Set([...counts.values()].map((c) => c.hardwareClassId))]);
    return [...counts.values()]
      .map((c) => ({ ...c, hardwareClassName: names.get(c.hardwareClassId) ?? c.hardwareClassId }))
      .sort(
        (a, b) => a.hardwareClassName.localeCompare(b.hardwareClassName) || a.settingsKey.localeCompare(b.settingsKey),
      );
  }
}
