import type { LeaderboardRow } from '@fleetbench/protocol';

/** The one ranking order of a leaderboard: median p50 ascending, ties by higher throughput, then model name. */
export function compareRankOrder(
  a: Pick<LeaderboardRow, 'p50Ms' | 'throughputIps' | 'modelName'>,
  b: Pick<LeaderboardRow, 'p50Ms' | 'throughputIps' | 'modelName'>,
): number {
  return a.p50Ms - b.p50Ms || b.throughputIps - a.throughputIps || a.modelName.localeCompare(b.modelName);
}

/**
 * Order rows by class name and key, ranked rows (those with valid results) first in rank order, and number them
 * 1.. within each (class, key); unranked rows get rank null.
 */
export function rankLeaderboard(rows: (Omit<LeaderboardRow, 'rank'> & { ranked: boolean })[]): LeaderboardRow[] {
  const sorted = [...rows].sort(
    (a, b) =>
      a.hardwareClassName.localeCompare(b.hardwareClassName) ||
      a.hardwareClassId.localeCompare(b.hardwareClassId) ||
      a.settingsKey.localeCompare(b.settingsKey) ||
      Number(b.ranked) - Number(a.ranked) ||
      compareRankOrder(a, b),
  );
  let group = '';
  let next = 1;
  return sorted.map(({ ranked, ...row }) => {
    const g = `${row.hardwareClassId}\u0000${row.settingsKey}`;
    if (g !== group) [group, next] = [g, 1];
    return { ...row, rank: ranked ? next++ : null };
  });
}
