'use client';

import { useMemo, useState } from 'react';
import type { LeaderboardRow } from '@fleetbench/protocol';
import { formatMs, formatPercent, formatThroughput } from '../../lib/format';
import { ariaSort, DEFAULT_SORT, nextSort, rankRows, sortRows, type SortKey, type SortState } from './leaderboard';

interface Column {
  key: SortKey;
  label: string;
  numeric?: boolean;
  optional?: boolean;
  title?: string;
}

const COLUMNS: Column[] = [
  { key: 'rank', label: '#', numeric: true, title: 'Rank by median latency (p50) among models with valid results' },
  { key: 'model', label: 'Model' },
  { key: 'family', label: 'Family', optional: true },
  { key: 'p50', label: 'p50 ms', numeric: true, title: 'Median latency over the class’s valid results' },
  { key: 'p90', label: 'p90 ms', numeric: true, optional: true },
  { key: 'p99', label: 'p99 ms', numeric: true, optional: true },
  { key: 'throughput', label: 'img/s', numeric: true, title: 'Throughput, images per second' },
  { key: 'top1', label: 'Top-1', numeric: true, title: 'Measured on this fleet where an accuracy job ran, else the published figure' },
  { key: 'results', label: 'Results / devices', numeric: true, optional: true },
  { key: 'flagged', label: 'Flagged', numeric: true, optional: true, title: 'Flagged results (busy, throttled, …): listed, not ranked' },
];

export function LeaderboardTable({ rows }: { rows: LeaderboardRow[] }) {
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT);
  const ranked = useMemo(() => rankRows(rows), [rows]);
  const sorted = useMemo(() => sortRows(ranked, sort), [ranked, sort]);

  return (
    <div className="table-wrap">
      <table className="table" data-testid="leaderboard-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                scope="col"
                aria-sort={ariaSort(sort, c.key)}
                className={`${c.numeric ? 'num' : ''} ${c.optional ? 'col-opt' : ''}`}
              >
                <button type="button" className="sort" onClick={() => setSort((s) => nextSort(s, c.key))} title={c.title} data-testid={`sort-${c.key}`}>
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
          {sorted.map((r) => (
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
                {r.modelName}
              </th>
              <td className="col-opt">{r.family ?? <span className="muted">—</span>}</td>
              <td className="num strong" data-testid="p50">
                {formatMs(r.p50Ms)}
              </td>
              <td className="num col-opt">{formatMs(r.p90Ms)}</td>
              <td className="num col-opt">{formatMs(r.p99Ms)}</td>
              <td className="num" data-testid="throughput">
                {formatThroughput(r.throughputIps)}
              </td>
              <td className="num nowrap" data-testid="top1">
                {formatPercent(r.top1)}
                {r.top1 !== null && r.top1Source ? (
                  <span className={`src src-${r.top1Source}`} data-testid="top1-source">
                    {r.top1Source}
                  </span>
                ) : null}
              </td>
              <td className="num col-opt">
                {r.results} / {r.devices}
              </td>
              <td className="num col-opt" data-testid="flagged">
                {r.flaggedResults > 0 ? <span className="badge badge-warn">{r.flaggedResults}</span> : <span className="muted">0</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
