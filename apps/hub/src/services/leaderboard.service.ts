import { Injectable } from '@nestjs/common';
import type {
  DeviceLeaderboardIndexEntry,
  DeviceLeaderboardRow,
  EnergySource,
  LeaderboardIndexEntry,
  LeaderboardRow,
} from '@fleetbench/protocol';
import { LeaderboardRepository, type LeaderboardGroup } from '../repositories/leaderboard.repository';
import { rankLeaderboard } from '../utils/leaderboard-rank';

/** At most this many devices in one compare-by-device request. */
export const MAX_COMPARED_DEVICES = 50;

/**
 * The read model of the dashboard's leaderboard, chart and compare views: PostgreSQL aggregates (medians, counts,
 * accuracy roll-up), this service ranks and orders them, once, for every client.
 */
@Injectable()
export class LeaderboardService {
  constructor(private readonly repo: LeaderboardRepository) {}

  /** One row per (class, key, model); see LeaderboardRowSchema. */
  async leaderboard(q: { hardwareClassId?: string; settingsKey?: string }): Promise<LeaderboardRow[]> {
    return rankLeaderboard((await this.repo.groups(q)).map(toRow));
  }

  async index(): Promise<LeaderboardIndexEntry[]> {
    return (await this.repo.index()).sort(
      (a, b) => a.hardwareClassName.localeCompare(b.hardwareClassName) || a.settingsKey.localeCompare(b.settingsKey),
    );
  }

  /** Per device × model medians over each device's own valid results; rows in device name, model name order. */
  async deviceLeaderboard(deviceIds: string[], settingsKey: string): Promise<DeviceLeaderboardRow[]> {
    return (await this.repo.deviceMedians(deviceIds, settingsKey)).sort(
      (a, b) =>
        a.deviceName.localeCompare(b.deviceName) ||
        a.modelName.localeCompare(b.modelName, 'en', { numeric: true }) ||
        a.settingsKey.localeCompare(b.settingsKey),
    );
  }

  async deviceIndex(): Promise<DeviceLeaderboardIndexEntry[]> {
    return (await this.repo.deviceIndex()).sort(
      (a, b) => a.deviceId.localeCompare(b.deviceId) || a.settingsKey.localeCompare(b.settingsKey),
    );
  }
}

/** A group's figures as a leaderboard row: top-1 measured where an accuracy run exists, else the reference figure. */
function toRow(g: LeaderboardGroup): Omit<LeaderboardRow, 'rank'> & { ranked: boolean } {
  const { measuredTop1, referenceTop1, spread, energySources, ...figures } = g;
  return {
    ...figures,
    energySources: energySources as EnergySource[],
    top1: measuredTop1 ?? referenceTop1,
    top1Source: measuredTop1 !== null ? 'measured' : referenceTop1 !== null ? 'reference' : null,
    // Unit-to-unit spread needs two devices; cv is the sample sd of the per-device medians over their mean.
    unitSpread:
      spread && spread.devices >= 2
        ? {
            devices: spread.devices,
            minP50Ms: spread.min,
            maxP50Ms: spread.max,
            cv: spread.mean > 0 ? (spread.sd ?? 0) / spread.mean : 0,
          }
        : null,
    ranked: g.results > 0,
  };
}
