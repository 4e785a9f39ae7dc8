import type { LeaderboardRow } from '@fleetbench/protocol';
import type { LeaderboardSample } from '../repositories/result.repository';

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface LeaderboardModelInfo {
  name: string;
  family: string | null;
  referenceTop1: number | null;
}

/**
 * One row per (hardware class, settingsKey, model): medians of p50/p90/p99/throughput over valid results; flagged
 * results are counted but not ranked (a group with only flagged results is listed after the ranked ones, its medians
 * taken over the flagged results). top1: measured (median over valid accuracy results of the model on that class,
 * else on any class) or the model's reference figure.
 */
export function computeLeaderboard(
  samples: LeaderboardSample[],
  models: Map<string, LeaderboardModelInfo>,
  classNames: Map<string, string>,
  accuracy: { modelId: string; hardwareClassId: string; top1: number | null }[],
): LeaderboardRow[] {
  const groups = new Map<string, LeaderboardSample[]>();
  for (const s of samples) {
    const k = `${s.hardwareClassId}\u0000${s.settingsKey}\u0000${s.modelId}`;
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const rows: (LeaderboardRow & { ranked: boolean })[] = [];
  for (const g of groups.values()) {
    const { hardwareClassId, settingsKey, modelId } = g[0];
    const valid = g.filter((s) => s.verdictStatus === 'valid');
    const basis = valid.length ? valid : g;
    const model = models.get(modelId);
    const sameClass = accuracy.filter((a) => a.modelId === modelId && a.hardwareClassId === hardwareClassId && a.top1 !== null);
    const anyClass = sameClass.length ? sameClass : accuracy.filter((a) => a.modelId === modelId && a.top1 !== null);
    const measured = anyClass.length ? median(anyClass.map((a) => a.top1 as number)) : null;
    const reference = model?.referenceTop1 ?? null;
    rows.push({
      hardwareClassId,
      hardwareClassName: classNames.get(hardwareClassId) ?? hardwareClassId,
      settingsKey,
      modelId,
      modelName: model?.name ?? modelId,
      family: model?.family ?? null,
      devices: new Set(valid.map((s) => s.deviceId)).size,
      results: valid.length,
      p50Ms: median(basis.map((s) => s.p50Ms)),
      p90Ms: median(basis.map((s) => s.p90Ms)),
      p99Ms: median(basis.map((s) => s.p99Ms)),
      throughputIps: median(basis.map((s) => s.throughputIps)),
      top1: measured ?? reference,
      top1Source: measured !== null ? 'measured' : reference !== null ? 'reference' : null,
      flaggedResults: g.length - valid.length,
      ranked: valid.length > 0,
    });
  }
  rows.sort(
    (a, b) =>
      a.hardwareClassName.localeCompare(b.hardwareClassName) ||
      a.hardwareClassId.localeCompare(b.hardwareClassId) ||
      a.settingsKey.localeCompare(b.settingsKey) ||
      Number(b.ranked) - Number(a.ranked) ||
      a.p50Ms - b.p50Ms ||
      a.modelName.localeCompare(b.modelName),
  );
  return rows.map(({ ranked: _ranked, ...row }) => row);
}
