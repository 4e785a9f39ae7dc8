'use client';

import Link from 'next/link';
import { useActionState, useEffect, useMemo, useState } from 'react';
import { JobStateSchema, type Campaign, type Job, type JobState } from '@fleetbench/protocol';
import { cancelCampaignAction, rerunCampaignAction, type ActionState } from '../../app/campaigns/actions';
import { ExportButtons } from '../../components/export-buttons';
import { formatMs, formatThroughput, formatTimestamp } from '../../lib/format';
import { pathWith } from '../../lib/params';
import { describeSettingsKey } from '../leaderboard/settings-key';
import { useHubEvent } from '../live/live-provider';
import { jobResultFromSummary, type JobResult } from './matrix';
import { jobExportColumns } from './job-export';
import { finishedShare, jobsMatching, type JobPager } from './pager';

const OPEN: readonly JobState[] = ['queued', 'assigned', 'running'];

/**
 * One campaign, live, one page of its jobs at a time: job.updated and results.created patch the rows shown,
 * campaign.updated (sent when jobs end, with the campaign's job counts) the state, counts and progress, without a
 * reload.
 */
export function CampaignLive({
  initial,
  initialJobs,
  view,
  initialResults,
  deviceNames,
  canOperate = true,
}: {
  /** The campaign with its job counts (its job list is not read: `initialJobs` are the rows shown). */
  initial: Campaign;
  /** The page's jobs, in the hub's page order (model name, device id, settings key, id). */
  initialJobs: Job[];
  /** The page's path, state filter and place among the pages. */
  view: { path: string; state: JobState | undefined; pager: JobPager };
  /** Only what the job table needs (no histograms), of the page's jobs: the result page loads the full result. */
  initialResults: JobResult[];
  deviceNames: Record<string, string>;
  /** Offer cancel and re-run (the signed-in token is an operator or admin). */
  canOperate?: boolean;
}) {
  const [campaign, setCampaign] = useState(initial);
  const [jobs, setJobs] = useState(() => new Map(initialJobs.map((j) => [j.id, j])));
  const [results, setResults] = useState(initialResults);
  useEffect(() => setCampaign(initial), [initial]);
  useEffect(() => setJobs(new Map(initialJobs.map((j) => [j.id, j]))), [initialJobs]);
  useEffect(() => setResults(initialResults), [initialResults]);

  useHubEvent('job.updated', (j) => {
    if (j.campaignId !== campaign.id) return;
    setJobs((m) => {
      const cur = m.get(j.id);
      // Only the rows shown: other pages are read when the user goes there.
      if (!cur || cur.updatedAt > j.updatedAt) return m;
      const next = new Map(m);
      next.set(j.id, j);
      return next;
    });
  });
  useHubEvent('campaign.updated', (c) => {
    if (c.id === campaign.id) setCampaign((cur) => ({ ...cur, ...c, jobs: undefined }));
  });
  useHubEvent('results.created', ({ results: batch }) => {
    const mine = batch.filter((s) => s.campaignId === campaign.id && jobs.has(s.jobId)).map(jobResultFromSummary);
    if (mine.length === 0) return;
    setResults((rs) => {
      const fresh = mine.filter((r) => !rs.some((x) => x.id === r.id));
      // Newest first, as the list from the hub.
      return fresh.length === 0 ? rs : [...fresh.reverse(), ...rs];
    });
  });

  // The hub's page order, kept as it sent it (Map keeps insertion order; updates replace in place).
  const list = useMemo(() => [...jobs.values()], [jobs]);
  const resultByJob = useMemo(() => {
    const m = new Map<string, JobResult>();
    for (const r of results) if (!m.has(r.jobId)) m.set(r.jobId, r);
    return m;
  }, [results]);
  const counts = campaign.jobCounts;
  const total = jobsMatching(counts, undefined);
  const progress = finishedShare(counts);
  const allFinal = total > 0 && OPEN.every((s) => !counts[s]);
  const state = campaign.state === 'running' && allFinal ? (counts.failed ? 'failed' : 'completed') : campaign.state;
  const { path, state: filter, pager } = view;
  const link = (page: number, st: JobState | undefined = filter) =>
    pathWith(path, { state: st, page: page > 1 ? String(page) : undefined });

  const [cancelState, cancel, cancelling] = useActionState<ActionState>(() => cancelCampaignAction(campaign.id), {
    error: null,
  });
  const [rerunState, rerun, rerunning] = useActionState<ActionState>(() => rerunCampaignAction(campaign.id), {
    error: null,
  });

  return (
    <div data-testid="campaign-live" data-campaign-id={campaign.id} data-state={state}>
      <div className="card">
        <div className="row-actions">
          <span className={`state state-${state}`} data-testid="campaign-state">
            {state}
          </span>
          <span className="muted small">created {formatTimestamp(campaign.createdAt)}</span>
          <span className="spacer" style={{ flex: 1 }} />
          {canOperate && state === 'running' ? (
            <form action={cancel}>
              <button type="submit" className="btn btn-danger" disabled={cancelling} data-testid="campaign-cancel">
                {cancelling ? 'Cancelling…' : 'Cancel campaign'}
              </button>
            </form>
          ) : null}
          {canOperate ? (
            <form action={rerun}>
              <button type="submit" className="btn" disabled={rerunning || !total} data-testid="campaign-rerun">
                {rerunning ? 'Starting…' : 'Re-run'}
              </button>
            </form>
          ) : null}
        </div>
        <div
          className="progress"
          style={{ marginTop: '0.75rem', height: '0.7rem' }}
          data-testid="campaign-progress"
          data-progress={progress.toFixed(3)}
        >
          <span style={{ width: `${(progress * 100).toFixed(1)}%` }} />
        </div>
        <p className="small" data-testid="campaign-counts" data-total={total}>
          {total.toLocaleString('en-US')} jobs ·{' '}
          {Object.entries(counts)
            .filter(([, v]) => v)
            .map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`)
            .join(' · ')}
        </p>
        {cancelState.error || rerunState.error ? (
          <div className="notice notice-error" role="alert">
            {cancelState.error ?? rerunState.error}
          </div>
        ) : null}
      </div>

      <div className="toolbar">
        <h2 style={{ margin: 0 }}>Jobs</h2>
        <nav className="small" aria-label="Job state" data-testid="job-state-filter">
          <StateLink href={link(1, undefined)} current={filter === undefined}>
            all ({total.toLocaleString('en-US')})
          </StateLink>
          {JobStateSchema.options
            .filter((s) => counts[s] || s === filter)
            .map((s) => (
              <StateLink key={s} href={link(1, s)} current={filter === s}>
                {s} ({(counts[s] ?? 0).toLocaleString('en-US')})
              </StateLink>
            ))}
        </nav>
        <span className="spacer" />
        <a href={`${path}/jobs.csv`} download className="small" data-testid="jobs-export-all">
          all {total.toLocaleString('en-US')} jobs (CSV)
        </a>
        <span className="muted small">this page:</span>
        <ExportButtons
          rows={list}
          name={`campaign-${campaign.name}-jobs-${pager.first}-${pager.last}${filter ? `-${filter}` : ''}`}
          testId="jobs-export"
          columns={jobExportColumns(deviceNames, (id) => resultByJob.get(id))}
        />
      </div>
      <nav className="row-actions small" aria-label="Job pages" data-testid="job-pager" data-page={pager.page}>
        {pager.previous !== null ? (
          <Link href={link(pager.previous)} prefetch={false} data-testid="job-page-previous">
            ← previous
          </Link>
        ) : (
          <span className="muted">← previous</span>
        )}
        <span data-testid="job-page-range">
          {pager.total === 0
            ? `no ${filter ?? ''} jobs`.replace('  ', ' ')
            : `jobs ${pager.first.toLocaleString('en-US')}–${pager.last.toLocaleString('en-US')} of ${pager.total.toLocaleString('en-US')}${filter ? ` ${filter}` : ''} (page ${pager.page} of ${pager.pages})`}
        </span>
        {pager.next !== null ? (
          <Link href={link(pager.next)} prefetch={false} data-testid="job-page-next">
            next →
          </Link>
        ) : (
          <span className="muted">next →</span>
        )}
      </nav>
      <div className="table-wrap">
        <table className="table" data-testid="job-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Device</th>
              <th scope="col" className="col-opt">
                Settings
              </th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col" className="num">
                p50 ms
              </th>
              <th scope="col" className="num col-opt">
                img/s
              </th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {list.map((j) => {
              const r = resultByJob.get(j.id);
              const pct = j.state === 'succeeded' ? 1 : (j.progress ?? 0);
              return (
                <tr key={j.id} data-testid="job-row" data-job-id={j.id} data-state={j.state}>
                  <th scope="row" className="cell-name">
                    {j.modelName}
                  </th>
                  <td>{deviceNames[j.deviceId] ?? j.deviceId}</td>
                  <td className="col-opt small">{describeSettingsKey(j.settingsKey)}</td>
                  <td>
                    <span className={`state state-${j.state}`} data-testid="job-state">
                      {j.state}
                    </span>
                    {j.attempts > 1 ? <span className="muted small"> attempt {j.attempts}</span> : null}
                    {j.error ? (
                      <div className="small" style={{ color: 'var(--bad)' }}>
                        {j.error.message}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <div className="progress" data-testid="job-progress" data-progress={pct.toFixed(2)}>
                      <span style={{ width: `${(pct * 100).toFixed(0)}%` }} />
                    </div>
                  </td>
                  <td className="num">{r ? formatMs(r.p50Ms) : '—'}</td>
                  <td className="num col-opt">{r ? formatThroughput(r.throughputIps) : '—'}</td>
                  <td>
                    {r ? (
                      <Link href={`/results/${encodeURIComponent(r.id)}`} data-testid="job-result-link">
                        {r.valid ? 'view' : 'view (flagged)'}
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function StateLink({ href, current, children }: { href: string; current: boolean; children: React.ReactNode }) {
  return current ? (
    <strong aria-current="page" style={{ marginRight: '0.75rem' }}>
      {children}
    </strong>
  ) : (
    <Link href={href} prefetch={false} style={{ marginRight: '0.75rem' }}>
      {children}
    </Link>
  );
}
