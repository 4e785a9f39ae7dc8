// Per-device aggregation in JavaScript (pure): the reference the SQL of the compare-by-device view
// (repositories/leaderboard.repository.ts deviceMedians) is checked against in leaderboard.repository.medium.spec.ts.
import { median, type DeviceLeaderboardRow } from '@fleetbench/protocol';

export interface DeviceSample {
  deviceId: string;
  modelId: string;
  settingsKey: string;
  hardwareClassId: string;
  p50Ms: number;
  throughputIps: number;
}

/** One row per device × model × settings: medians over the given (valid) samples; rows in device, model order. */
export function computeDeviceLeaderboard(
  samples: readonly DeviceSample[],
  devices: ReadonlyMap<string, string>,
  models: ReadonlyMap<string, { name: string; family: string | null }>,
): DeviceLeaderboardRow[] {
  const groups = new Map<string, DeviceSample[]>();
  for (const s of samples) {
    if (!(s.p50Ms > 0) || !Number.isFinite(s.p50Ms)) continue;
    const k = `${s.deviceId}\u0000${s.modelId}\u0000${s.settingsKey}`;
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const rows: DeviceLeaderboardRow[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const model = models.get(first.modelId);
    rows.push({
      deviceId: first.deviceId,
      deviceName: devices.get(first.deviceId) ?? first.deviceId,
      hardwareClassId: first.hardwareClassId,
      settingsKey: first.settingsKey,
      modelId: first.modelId,
      modelName: model?.name ?? first.modelId,
      family: model?.family ?? null,
      results: g.length,
      p50Ms: median(g.map((s) => s.p50Ms))!,
      throughputIps: median(g.map((s) => s.throughputIps)) ?? NaN,
    });
  }
  return rows.sort(
    (a, b) =>
      a.deviceName.localeCompare(b.deviceName) ||
      a.modelName.localeCompare(b.modelName, 'en', { numeric: true }) ||
      a.settingsKey.localeCompare(b.settingsKey),
  );
}
