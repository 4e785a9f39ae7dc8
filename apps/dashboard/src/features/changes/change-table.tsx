import type { Change } from '@fleetbench/protocol';
import Link from 'next/link';
import { formatTimestamp } from '../../lib/format';
import { pathWith } from '../../lib/params';
import { describeSettingsKey } from '../leaderboard/settings-key';
import { formatMetric, formatRelative } from './change-format';

/** Marked changes, newest first: what moved, by how much (with its interval) and which software changed. */
export function ChangeTable({ changes }: { changes: Change[] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="changes-table">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Model</th>
            <th scope="col" className="col-opt">
              Hardware · settings
            </th>
            <th scope="col" className="num">
              Before → after
            </th>
            <th scope="col">What changed</th>
            <th scope="col" className="col-opt">
              When
            </th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.id} data-testid="change-row" data-kind={c.kind}>
              <td>
                <span className={`badge ${c.kind === 'regression' ? 'badge-bad' : 'badge-ok'}`}>{c.kind}</span>
              </td>
              <td className="cell-name">
                <Link
                  href={pathWith('/changes/history', {
                    model: c.modelId,
                    class: c.hardwareClassId,
                    settings: c.settingsKey,
                  })}
                  data-testid="change-history-link"
                >
                  {c.modelName}
                </Link>
                <div className="muted small">on {c.deviceName}</div>
              </td>
              <td className="col-opt small">
                {c.hardwareClassName}
                <div className="muted">{describeSettingsKey(c.settingsKey)}</div>
              </td>
              <td className="num nowrap">
                {formatMetric(c.metric, c.before)} → {formatMetric(c.metric, c.after)}
                <div className="small" style={{ color: c.kind === 'regression' ? 'var(--bad)' : 'var(--ok)' }}>
                  {formatRelative(c.relative)}
                </div>
              </td>
              <td className="small" data-testid="change-summary">
                {c.summary}{' '}
                <Link href={`/results/${encodeURIComponent(c.resultId)}`} className="muted">
                  result
                </Link>{' '}
                ·{' '}
                <Link href={`/results/${encodeURIComponent(c.baselineResultId)}`} className="muted">
                  baseline
                </Link>
              </td>
              <td className="col-opt nowrap small">
                {formatTimestamp(c.measuredAt)}
                {c.kind === 'regression' && c.notifiedAt ? <div className="muted">webhook called</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
