'use client';

import Link from 'next/link';
import { ExportButtons } from '../../components/export-buttons';
import { formatBytes, formatMs, formatThroughput, formatTimestamp } from '../../lib/format';
import { describeSettingsKey } from '../leaderboard/settings-key';
import type { DeviceResultRow } from './device-result-row';

export function DeviceResults({ rows, name }: { rows: DeviceResultRow[]; name: string }) {
  if (!rows.length) return <p className="muted">No results from this device yet.</p>;
  return (
    <>
      <div className="toolbar">
        <span className="muted small">{rows.length} results, newest first</span>
        <span className="spacer" />
        <ExportButtons
          rows={rows}
          name={`results-${name}`}
          testId="device-results-export"
          columns={[
            { key: 'id', value: (r) => r.id },
            { key: 'model', value: (r) => r.modelName },
            { key: 'settings', value: (r) => r.settingsKey },
            { key: 'p50_ms', value: (r) => r.p50 },
            { key: 'p99_ms', value: (r) => r.p99 },
            { key: 'throughput_ips', value: (r) => r.throughputIps },
            { key: 'peak_rss_bytes', value: (r) => r.peakRssBytes },
            { key: 'verdict', value: (r) => r.verdict },
            { key: 'created_at', value: (r) => r.createdAt },
          ]}
        />
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="device-results">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="col-opt">
                Settings
              </th>
              <th scope="col" className="num">
                p50 ms
              </th>
              <th scope="col" className="num col-opt">
                p99 ms
              </th>
              <th scope="col" className="num">
                img/s
              </th>
              <th scope="col" className="num col-opt">
                Peak mem
              </th>
              <th scope="col">Verdict</th>
              <th scope="col" className="col-opt">
                When
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <th scope="row" className="cell-name">
                  <Link href={`/results/${encodeURIComponent(r.id)}`}>{r.modelName}</Link>
                </th>
                <td className="col-opt small">{describeSettingsKey(r.settingsKey)}</td>
                <td className="num">{formatMs(r.p50)}</td>
                <td className="num col-opt">{formatMs(r.p99)}</td>
                <td className="num">{formatThroughput(r.throughputIps)}</td>
                <td className="num col-opt">{formatBytes(r.peakRssBytes)}</td>
                <td>
                  <span className={`badge ${r.verdict === 'valid' ? 'badge-ok' : 'badge-warn'}`}>{r.verdict}</span>
                </td>
                <td className="col-opt nowrap small">{formatTimestamp(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
