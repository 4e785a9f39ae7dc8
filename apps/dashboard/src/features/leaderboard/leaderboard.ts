import type { LeaderboardRow } from '@fleetbench/protocol';

// ---- ranking and sorting ------------------------------------------------------------------------------------------

// Ranks come from the hub (LeaderboardRow.rank, see DESIGN.md "Leaderboards"): rows with only flagged results have
// rank null and are shown but not ranked. The dashboard never ranks rows itself, so the two cannot disagree.

export type SortKey =
  | 'rank'
  | 'model'
  | 'family'
  | 'p50'
  | 'p90'
  | 'p99'
  | 'throughput'
  | 'top1'
  | 'coldStart'
  | 'peakRss'
  | 'gflops'
  | 'peakShare'
  | 'results'
  | 'flagged'
  | 'verdict';
export type SortDir = 'asc' | 'desc';
export interface SortState {
  key: SortKey;
  dir: SortDir;
}

export const DEFAULT_SORT: SortState = { key: 'rank', dir: 'asc' };

/** Direction of the first click on a header: smaller-is-better ascending, bigger-is-better descending. */
export function defaultDir(key: SortKey): SortDir {
  return key === 'throughput' ||
    key === 'top1' ||
    key === 'results' ||
    key === 'flagged' ||
    key === 'gflops' ||
    key === 'peakShare'
    ? 'desc'
    : 'asc';
}

/** Clicking the sorted column flips it; clicking another column sorts by it in its natural direction. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: defaultDir(key) };
}

function sortValue(r: LeaderboardRow, key: SortKey): number | string | null {
  switch (key) {
    case 'rank':
      return r.rank;
    case 'model':
      return r.modelName.toLowerCase();
    case 'family':
      return r.family?.toLowerCase() ?? null;
    case 'p50':
      return r.p50Ms;
    case 'p90':
      return r.p90Ms;
    case 'p99':
      return r.p99Ms;
    case 'throughput':
      return r.throughputIps;
    case 'top1':
      return r.top1;
    case 'results':
      return r.results;
    case 'flagged':
      return r.flaggedResults;
    case 'coldStart':
      return r.coldStartMs ?? null;
    case 'peakRss':
      return r.peakRssBytes ?? null;
    case 'gflops':
      return r.gflops ?? null;
    case 'peakShare':
      return r.peakShare ?? null;
    case 'verdict':
      return VERDICT_ORDER[verdictOf(r)];
  }
}

/** Stable sort; missing values (no rank, no family, no top-1) always go last, in either direction. */
export function sortRows<R extends LeaderboardRow>(rows: readonly R[], sort: SortState): R[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: sortValue(row, sort.key) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const c = typeof a.v === 'string' ? a.v.localeCompare(b.v as string) : a.v - (b.v as number);
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.row);
}

/** `aria-sort` value of a header. */
export function ariaSort(sort: SortState, key: SortKey): 'ascending' | 'descending' | 'none' {
  if (sort.key !== key) return 'none';
  return sort.dir === 'asc' ? 'ascending' : 'descending';
}

// ---- verdict badge and filters ---------------------------------------------------------------------------------------

export type RowVerdict = 'valid' | 'mixed' | 'flagged';
const VERDICT_ORDER: Record<RowVerdict, number> = { valid: 0, mixed: 1, flagged: 2 };

/** valid: every result valid; mixed: some flagged; flagged: only flagged results (not ranked). */
export function verdictOf(row: Pick<LeaderboardRow, 'results' | 'flaggedResults'>): RowVerdict {
  if (row.results === 0) return 'flagged';
  return row.flaggedResults > 0 ? 'mixed' : 'valid';
}

export interface RowFilter {
  /** Exact family; empty = all. */
  family?: string;
  /** Minimum top-1 as a fraction (rows without top-1 are hidden when set). */
  minTop1?: number | null;
  /** Maximum p50 in ms. */
  maxP50Ms?: number | null;
}

export function filterRows<R extends Pick<LeaderboardRow, 'family' | 'top1' | 'p50Ms'>>(
  rows: readonly R[],
  f: RowFilter,
): R[] {
  return rows.filter(
    (r) =>
      (!f.family || r.family === f.family) &&
      (f.minTop1 === null || f.minTop1 === undefined || (r.top1 !== null && r.top1 >= f.minTop1)) &&
      (f.maxP50Ms === null || f.maxP50Ms === undefined || r.p50Ms <= f.maxP50Ms),
  );
}

/** Distinct families, sorted; rows without a family are not listed. */
export function familiesOf(rows: readonly Pick<LeaderboardRow, 'family'>[]): string[] {
  return [...new Set(rows.map((r) => r.family).filter((f): f is string => !!f))].sort((a, b) => a.localeCompare(b));
}

/** Parse a filter input: "" → null, "71.5" (percent) → 0.715 when `percent`, else the number; invalid → null. */
export function parseFilterNumber(text: string, percent = false): number | null {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t.replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0) return null;
  return percent ? n / 100 : n;
}
