import type { Metadata } from 'next';
import Link from 'next/link';
import { FINGERPRINT_PARTS } from '@fleetbench/protocol';
import { HubErrorNotice } from '../../../components/hub-error';
import { formatMetric, METRIC_LABEL } from '../../../features/changes/change-format';
import { ChangeTable } from '../../../features/changes/change-table';
import { SeriesChart } from '../../../features/changes/series-chart';
import { describeSettingsKey } from '../../../features/leaderboard/settings-key';
import { LiveRefresh } from '../../../features/live/live-refresh';
import { formatTimestamp } from '../../../lib/format';
import { hubChanges } from '../../../lib/hub/changes';
import { load } from '../../../lib/hub/load';
import { one, pathWith, type SearchParams } from '../../../lib/params';
import { requireToken } from '../../../lib/session';

export const metadata: Metadata = { title: 'History · Fleetbench' };

const short = (part: string, v: string | null | undefined) =>
  v == null ? '—' : part === 'model' || part === 'dataset' ? v.slice(0, 12) : v;

/** One model on one hardware class with one comparability key: every result over time and the changes marked. */
export default async function HistoryPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const q = { modelId: one(sp.model) ?? '', hardwareClassId: one(sp.class) ?? '', settingsKey: one(sp.settings) ?? '' };
  const here = pathWith('/changes/history', { model: q.modelId, class: q.hardwareClassId, settings: q.settingsKey });
  const token = await requireToken(here);
  if (!q.modelId || !q.hardwareClassId || !q.settingsKey) {
    return (
      <section>
        <h1>History</h1>
        <p className="muted">
          Open a history from the <Link href="/changes">Changes</Link> page (it needs a model, a hardware class and
          settings).
        </p>
      </section>
    );
  }
  const series = await load(hubChanges.series(token, q), here);
  if (!series.ok) {
    return (
      <section>
        <h1>History</h1>
        <HubErrorNotice problem={series.problem} />
      </section>
    );
  }
  const s = series.data;
  // Only the parts that vary along the series are worth a column.
  const varying = FINGERPRINT_PARTS.filter(
    (part) => new Set(s.points.map((p) => p.fingerprint[part] ?? null)).size > 1,
  );
  return (
    <section>
      <LiveRefresh event="results.created" />
      <h1 data-testid="history-title">
        {s.modelName} <span className="muted">on</span> {s.hardwareClassName}
      </h1>
      <p className="caption">
        {describeSettingsKey(s.settingsKey)} · {METRIC_LABEL[s.metric]} · {s.points.length} results · {s.changes.length}{' '}
        change{s.changes.length === 1 ? '' : 's'} ·{' '}
        <Link href={pathWith('/leaderboard', { class: q.hardwareClassId, settings: q.settingsKey })}>leaderboard</Link>
      </p>
      {s.points.length ? (
        <SeriesChart series={s} />
      ) : (
        <p className="muted">No results of this series have been watched yet.</p>
      )}
      {s.changes.length ? (
        <>
          <h2>Changes</h2>
          <ChangeTable changes={[...s.changes].reverse()} />
        </>
      ) : null}
      <h2>Results</h2>
      <div className="table-wrap">
        <table className="table" data-testid="history-points">
          <thead>
            <tr>
              <th scope="col">Measured</th>
              <th scope="col">Device</th>
              <th scope="col" className="num">
                {METRIC_LABEL[s.metric]}
              </th>
              <th scope="col" className="num col-opt">
                Interval
              </th>
              {varying.map((part) => (
                <th key={part} scope="col">
                  {part}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...s.points].reverse().map((p) => (
              <tr key={p.resultId} className={p.valid ? undefined : 'row-unranked'}>
                <td className="nowrap small">
                  <Link href={`/results/${encodeURIComponent(p.resultId)}`}>{formatTimestamp(p.measuredAt)}</Link>
                  {p.valid ? null : <span className="badge badge-warn"> flagged</span>}
                </td>
                <td>{p.deviceName}</td>
                <td className="num">{formatMetric(s.metric, p.value)}</td>
                <td className="num col-opt small">
                  {p.low !== null && p.high !== null
                    ? `${formatMetric(s.metric, p.low)} – ${formatMetric(s.metric, p.high)}`
                    : '—'}
                </td>
                {varying.map((part) => (
                  <td key={part} className="mono small">
                    {short(part, p.fingerprint[part])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
