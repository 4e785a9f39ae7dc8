import { Inject, Injectable } from '@nestjs/common';
import type { DeviceLeaderboardIndexEntry, DeviceLeaderboardRow, ResultSummary } from '@fleetbench/protocol';
import type { Db } from '../db/database';
import { DB } from '../repositories/tokens';
import { computeDeviceLeaderboard } from '../utils/device-leaderboard';

/** Read-only aggregates for the dashboard (compare by device, campaign job table); no histograms are read. */
@Injectable()
export class DashboardViewsService {
  constructor(@Inject(DB) private readonly db: Db) {}

  async deviceLeaderboard(deviceIds: string[], settingsKey: string): Promise<DeviceLeaderboardRow[]> {
    const samples = await this.db.result.findMany({
      where: { deviceId: { in: deviceIds }, settingsKey, verdictStatus: 'valid' },
      select: {
        deviceId: true,
        modelId: true,
        settingsKey: true,
        hardwareClassId: true,
        p50Ms: true,
        throughputIps: true,
      },
    });
    const modelIds = [...new Set(samples.map((s) => s.modelId))];
    const [devices, models] = await Promise.all([
      this.db.device.findMany({ where: { id: { in: deviceIds } }, select: { id: true, name: true } }),
      this.db.model.findMany({ where: { id: { in: modelIds } }, select: { id: true, name: true, family: true } }),
    ]);
    return computeDeviceLeaderboard(
      samples,
      new Map(devices.map((d) => [d.id, d.name])),
      new Map(models.map((m) => [m.id, { name: m.name, family: m.family }])),
    );
  }

  async deviceLeaderboardIndex(): Promise<DeviceLeaderboardIndexEntry[]> {
    const groups = await this.db.result.groupBy({
      by: ['deviceId', 'settingsKey', 'modelId'],
      where: { verdictStatus: 'valid' },
    });
    const counts = new Map<string, DeviceLeaderboardIndexEntry>();
    for (const g of groups) {
      const k = `${g.deviceId}\u0000${g.settingsKey}`;
      const e = counts.get(k);
      if (e) e.models++;
      else counts.set(k, { deviceId: g.deviceId, settingsKey: g.settingsKey, models: 1 });
    }
    return [...counts.values()].sort(
      (a, b) => a.deviceId.localeCompare(b.deviceId) || a.settingsKey.localeCompare(b.settingsKey),
    );
  }

  async resultSummaries(campaignId: string): Promise<ResultSummary[]> {
    const rows = await this.db.result.findMany({
      where: { job: { campaignId } },
      select: {
        id: true,
        jobId: true,
        deviceId: true,
        modelId: true,
        settingsKey: true,
        p50Ms: true,
        throughputIps: true,
        verdictStatus: true,
        createdAt: true,
      },
      orderBy: { createdAt: 'desc' },
      take: 20_000,
    });
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  }
}
