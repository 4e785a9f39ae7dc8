'use client';

import Link from 'next/link';
import { useActionState, useEffect, useMemo, useState } from 'react';
import type { Campaign } from '@fleetbench/protocol';
import { cancelCampaignAction, rerunCampaignAction, type ActionState } from '../../app/campaigns/actions';
import { ExportButtons } from '../../components/export-buttons';
import { formatMs, formatThroughput, formatTimestamp } from '../../lib/format';
import { describeSettingsKey } from '../leaderboard/settings-key';
import { useHubEvent } from '../live/live-provider';
import { campaignProgress, jobResultFromSummary, type JobResult } from './matrix';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** One campaign, live: job.updated / campaign.updated / results.created patch the page without a reload. */
export function CampaignLive({
  initial,
  initialResults,
  deviceNames,
  canOperate = true,
}: {
  initial: Campaign;
  /** Only what the job table needs (no histograms): the result page loads the full result itself. */
  initialResults: JobResult[];
  deviceNames: Record<string, string>;
  /** Offer cancel and re-run (the signed-in token is an operator or admin). */
  canOperate?: boolean;
}) {
  const [campaign, setCampaign] = useState(initial);
  const [jobs, setJobs] = useState(() => new Map((initial.jobs ?? []).map((j) => [j.id, j])));
  const [results, setResults] = useState(initialResults);
  useEffect(() => {
    setCampaign(initial);
    setJobs(new Map((initial.jobs ?? []).map((j) => [j.id, j])));
  }, [initial]);
  useEffect(() => setResults(initialResults), [initialResults]);

  useHubEvent('job.updated', (j) => {
    if (j.campaignId !== campaign.id) return;
    setJobs((m) => {
      const cur = m.get(j.id);
      if (cur && cur.updatedAt > j.updatedAt) return m;
      const next = new Map(m);
      next.set(j.id, j);
      return next;
    });
  });
  useHubEvent('campaign.updated', (c) => {
    if (c.id === campaign.id) setCampaign((cur) => ({ ...cur, ...c, jobs: cur.jobs }));
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

  const list = useMemo(
    () =>
      [...jobs.values()].sort(
        (a, b) =>
          a.modelName.localeCompare(b.modelName) ||
          a.deviceId.localeCompare(b.deviceId) ||
          a.settingsKey.localeCompare(b.settingsKey),
      ),
    [jobs],
  );
  const resultByJob = useMemo(() => {
    const m = new Map<string, JobResult>();
    for (const r of results) if (!m.has(r.jobId)) m.set(r.jobId, r);
    return m;
  }, [results]);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const j of list) c[j.state] = (c[j.state] ?? 0) + 1;
    return c;
  }, [list]);
  const progress = campaignProgress(list);
  const allFinal = list.length > 0 && list.every((j) => FINAL.has(j.state));
  const state = campaign.state === 'running' && allFinal ? (counts.failed ? 'failed' : 'completed') : campaign.state;

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
              <button type="submit" className="btn" disabled={rerunning || !list.length} data-testid="campaign-rerun">
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
        <p className="small" data-testid="campaign-counts">
          {list.length} jobs ·{' '}
          {Object.entries(counts)
            .map(([k, v]) => `${v} ${k}`)
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
        <span className="spacer" />
        <ExportButtons
          rows={list}
          name={`campaign-${campaign.name}-jobs`}
          testId="jobs-export"
          columns={[
            { key: 'job_id', value: (j) => j.id },
            { key: 'model', value: (j) => j.modelName },
            { key: 'device', value: (j) => deviceNames[j.deviceId] ?? j.deviceId },
            { key: 'settings', value: (j) => j.settingsKey },
            { key: 'state', value: (j) => j.state },
            { key: 'progress', value: (j) => j.progress },
            { key: 'attempts', value: (j) => j.attempts },
            { key: 'error', value: (j) => j.error?.message ?? null },
            { key: 'result_id', value: (j) => resultByJob.get(j.id)?.id ?? null },
            { key: 'p50_ms', value: (j) => resultByJob.get(j.id)?.p50Ms ?? null },
          ]}
        />
      </div>
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
