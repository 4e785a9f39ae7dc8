'use client';

import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import type { LeaderboardRow } from '@fleetbench/protocol';
import { ExportButtons } from '../../components/export-buttons';
import { FilterSelect } from '../../components/filter-select';
import type { ExportColumn } from '../../lib/export';
import { formatBytes, formatMs, formatPercent, formatThroughput } from '../../lib/format';
import {
  ariaSort,
  DEFAULT_SORT,
  familiesOf,
  filterRows,
  nextSort,
  parseFilterNumber,
  sortRows,
  verdictOf,
  type SortKey,
  type SortState,
} from './leaderboard';

interface Column {
  key: SortKey;
  label: string;
  numeric?: boolean;
  optional?: boolean;
  title?: string;
}

const COLUMNS: Column[] = [
  {
    key: 'rank',
    label: '#',
    numeric: true,
    title:
      'Rank by median latency (p50) among models with valid results (ties: higher throughput, then name), as the hub ranks',
  },
  { key: 'model', label: 'Model' },
  { key: 'family', label: 'Family', optional: true },
  {
    key: 'top1',
    label: 'Top-1',
    numeric: true,
    title: 'Measured on this fleet where an accuracy job ran, else the published reference figure (marked)',
  },
  { key: 'p50', label: 'p50 ms', numeric: true, title: 'Median latency over the class’s valid results' },
  { key: 'p90', label: 'p90 ms', numeric: true, optional: true },
  { key: 'p99', label: 'p99 ms', numeric: true, optional: true },
  { key: 'throughput', label: 'img/s', numeric: true, title: 'Throughput, images per second' },
  {
    key: 'coldStart',
    label: 'Cold start',
    numeric: true,
    optional: true,
    title: 'Session creation + first inference (median)',
  },
  {
    key: 'peakRss',
    label: 'Peak mem',
    numeric: true,
    optional: true,
    title: 'Peak resident memory of the measuring process (median)',
  },
  { key: 'gflops', label: 'GFLOP/s', numeric: true, optional: true, title: 'Achieved GFLOP/s (median)' },
  {
    key: 'peakShare',
    label: '% peak',
    numeric: true,
    optional: true,
    title: 'Share of the device’s measured GEMM peak (median)',
  },
  {
    key: 'verdict',
    label: 'Verdict',
    title: 'valid: all results valid · mixed: some flagged · flagged: only flagged (not ranked)',
  },
  { key: 'results', label: 'Results / devices', numeric: true, optional: true },
];

/** Extra columns a user can switch on (the default set fits a 1280 px laptop screen without scrolling). */
const CHOOSABLE: SortKey[] = ['p90', 'p99', 'coldStart', 'peakRss', 'gflops', 'peakShare', 'results'];
const DEFAULT_SHOWN: SortKey[] = ['p90', 'coldStart'];
const COLUMNS_STORAGE = 'fleetbench.leaderboard.columns';

const num = (n: number | null | undefined) => (typeof n === 'number' && Number.isFinite(n) ? n : null);

const EXPORT_COLUMNS: ExportColumn<LeaderboardRow>[] = [
  { key: 'rank', value: (r) => r.rank },
  { key: 'model', value: (r) => r.modelName },
  { key: 'model_id', value: (r) => r.modelId },
  { key: 'family', value: (r) => r.family },
  { key: 'hardware_class', value: (r) => r.hardwareClassName },
  { key: 'settings', value: (r) => r.settingsKey },
  { key: 'top1', value: (r) => r.top1 },
  { key: 'top1_source', value: (r) => r.top1Source },
  { key: 'p50_ms', value: (r) => num(r.p50Ms) },
  { key: 'p90_ms', value: (r) => num(r.p90Ms) },
  { key: 'p99_ms', value: (r) => num(r.p99Ms) },
  { key: 'throughput_ips', value: (r) => num(r.throughputIps) },
  { key: 'cold_start_ms', value: (r) => num(r.coldStartMs) },
  { key: 'peak_rss_bytes', value: (r) => num(r.peakRssBytes) },
  { key: 'gflops', value: (r) => num(r.gflops) },
  { key: 'peak_share', value: (r) => num(r.peakShare) },
  { key: 'verdict', value: (r) => verdictOf(r) },
  { key: 'results', value: (r) => r.results },
  { key: 'flagged_results', value: (r) => r.flaggedResults },
  { key: 'devices', value: (r) => r.devices },
];

const VERDICT_CLASS = { valid: 'badge-ok', mixed: 'badge-warn', flagged: 'badge-bad' } as const;

export function LeaderboardTable({
  rows,
  exportName = 'leaderboard',
}: {
  rows: LeaderboardRow[];
  exportName?: string;
}) {
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT);
  const [family, setFamily] = useState('');
  const [minTop1, setMinTop1] = useState('');
  const [maxP50, setMaxP50] = useState('');
  const families = useMemo(() => familiesOf(rows), [rows]);
  const filtered = useMemo(
    () => filterRows(rows, { family, minTop1: parseFilterNumber(minTop1, true), maxP50Ms: parseFilterNumber(maxP50) }),
    [rows, family, minTop1, maxP50],
  );
  const sorted = useMemo(() => sortRows(filtered, sort), [filtered, sort]);
  const [shownExtras, setShownExtras] = useState<SortKey[]>(DEFAULT_SHOWN);
  useEffect(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(COLUMNS_STORAGE) ?? 'null') as unknown;
      if (Array.isArray(saved)) setShownExtras(saved.filter((k): k is SortKey => CHOOSABLE.includes(k as SortKey)));
    } catch {
      // unreadable preference: keep the defaults
    }
  }, []);
  const toggleColumn = (key: SortKey, on: boolean) =>
    setShownExtras((cur) => {
      const next = on ? [...cur.filter((k) => k !== key), key] : cur.filter((k) => k !== key);
      try {
        localStorage.setItem(COLUMNS_STORAGE, JSON.stringify(next));
      } catch {
        // storage unavailable: the choice lasts for this page only
      }
      return next;
    });
  const visible = (key: SortKey) => !CHOOSABLE.includes(key) || shownExtras.includes(key);
  const columns = COLUMNS.filter((c) => visible(c.key));

  return (
    <>
      <div className="toolbar" role="search">
        <FilterSelect
          label="Family"
          value={family}
          onChange={setFamily}
          allLabel="All families"
          options={families}
          testId="filter-family"
        />
        <label>
          <span>Min top-1 %</span>
          <input
            type="number"
            inputMode="decimal"
            min={0}
            max={100}
            step={0.1}
            placeholder="e.g. 75"
            value={minTop1}
            onChange={(e) => setMinTop1(e.target.value)}
            data-testid="filter-min-top1"
          />
        </label>
        <label>
          <span>Max p50 ms</span>
          <input
            type="number"
            inputMode="decimal"
            min={0}
            step="any"
            placeholder="e.g. 20"
            value={maxP50}
            onChange={(e) => setMaxP50(e.target.value)}
            data-testid="filter-max-p50"
          />
        </label>
        <span className="spacer" />
        <span className="muted small" data-testid="leaderboard-count">
          {sorted.length} of {rows.length} models
        </span>
        <details className="column-chooser" data-testid="column-chooser">
          <summary>Columns</summary>
          <div className="check-list">
            {COLUMNS.filter((c) => CHOOSABLE.includes(c.key)).map((c) => (
              <label key={c.key}>
                <input
                  type="checkbox"
                  checked={shownExtras.includes(c.key)}
                  onChange={(e) => toggleColumn(c.key, e.target.checked)}
                  data-testid={`column-${c.key}`}
                />
                {c.label}
              </label>
            ))}
          </div>
        </details>
        <ExportButtons rows={sorted} columns={EXPORT_COLUMNS} name={exportName} />
      </div>
      <div className="table-wrap">
        <table className="table table-compact" data-testid="leaderboard-table" data-columns={columns.length}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={ariaSort(sort, c.key)}
                  className={`${c.numeric ? 'num' : ''} ${c.optional ? 'col-opt' : ''}`}
                >
                  <button
                    type="button"
                    className="sort"
                    onClick={() => setSort((s) => nextSort(s, c.key))}
                    title={c.title}
                    data-testid={`sort-${c.key}`}
                  >
                    {c.label}
                    <span className="sort-mark" aria-hidden="true">
                      {sort.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => {
              const verdict = verdictOf(r);
              return (
                <tr
                  key={r.modelId}
                  data-testid="leaderboard-row"
                  data-model-id={r.modelId}
                  data-rank={r.rank ?? ''}
                  className={r.rank === null ? 'row-unranked' : undefined}
                  title={r.rank === null ? 'Only flagged results: shown, not ranked' : undefined}
                >
                  <td className="num" data-testid="rank">
                    {r.rank ?? '—'}
                  </td>
                  <th scope="row" className="cell-name" data-testid="model-name">
                    {/* No prefetch: 117 row links in view would each fetch a history page the user rarely opens. */}
                    <Link
                      prefetch={false}
                      href={`/changes/history?${new URLSearchParams({ model: r.modelId, class: r.hardwareClassId, settings: r.settingsKey }).toString()}`}
                      title="History of this model on this hardware: every result over time and the changes marked"
                    >
                      {r.modelName}
                    </Link>
                  </th>
                  <td className="col-opt">{r.family ?? <span className="muted">—</span>}</td>
                  <td className="num nowrap" data-testid="top1">
                    {formatPercent(r.top1)}
                    {r.top1 !== null && r.top1Source ? (
                      <span
                        className={`src src-${r.top1Source}`}
                        data-testid="top1-source"
                        title={
                          r.top1Source === 'reference'
                            ? 'Published reference top-1 (PaddleClas), not measured here'
                            : 'Measured on this fleet'
                        }
                      >
                        {r.top1Source === 'reference' ? 'published' : 'measured'}
                      </span>
                    ) : null}
                  </td>
                  <td className="num strong" data-testid="p50">
                    {formatMs(r.p50Ms)}
                  </td>
                  {visible('p90') ? <td className="num col-opt">{formatMs(r.p90Ms)}</td> : null}
                  {visible('p99') ? <td className="num col-opt">{formatMs(r.p99Ms)}</td> : null}
                  <td className="num" data-testid="throughput">
                    {formatThroughput(r.throughputIps)}
                  </td>
                  {visible('coldStart') ? (
                    <td className="num col-opt" data-testid="cold-start">
                      {r.coldStartMs != null ? `${formatMs(r.coldStartMs)} ms` : '—'}
                    </td>
                  ) : null}
                  {visible('peakRss') ? <td className="num col-opt">{formatBytes(r.peakRssBytes ?? null)}</td> : null}
                  {visible('gflops') ? (
                    <td className="num col-opt">{r.gflops != null ? formatThroughput(r.gflops) : '—'}</td>
                  ) : null}
                  {visible('peakShare') ? <td className="num col-opt">{formatPercent(r.peakShare ?? null)}</td> : null}
                  <td data-testid="verdict">
                    <span
                      className={`badge nowrap ${VERDICT_CLASS[verdict]}`}
                      data-testid="flagged"
                      data-verdict={verdict}
                      title={`${r.results} valid, ${r.flaggedResults} flagged result(s)`}
                    >
                      {verdict}
                      {r.flaggedResults > 0 && verdict === 'mixed' ? ` (${r.flaggedResults})` : ''}
                    </span>
                  </td>
                  {visible('results') ? (
                    <td className="num col-opt">
                      {r.results} / {r.devices}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
