'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import type { Campaign } from '@fleetbench/protocol';
import { ExportButtons } from '../../components/export-buttons';
import { formatTimestamp } from '../../lib/format';
import { useHubEvent } from '../live/live-provider';

const total = (c: Campaign) => Object.values(c.jobCounts).reduce((a, b) => a + b, 0);
const done = (c: Campaign) => (c.jobCounts.succeeded ?? 0) + (c.jobCounts.failed ?? 0) + (c.jobCounts.cancelled ?? 0);

/** Campaigns, newest first, live: created/updated events patch the list. */
export function CampaignList({ initial }: { initial: Campaign[] }) {
  const [list, setList] = useState(initial);
  useEffect(() => setList(initial), [initial]);
  const upsert = (c: Campaign) => {
    setList((l) => {
      const i = l.findIndex((x) => x.id === c.id);
      if (i === -1) return [c, ...l];
      const next = l.slice();
      next[i] = { ...l[i]!, ...c };
      return next;
    });
  };
  useHubEvent('campaign.created', upsert);
  useHubEvent('campaign.updated', upsert);
  const sorted = list.slice().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (!sorted.length) return <p className="muted">No campaigns yet.</p>;
  return (
    <>
      <div className="toolbar">
        <span className="spacer" />
        <ExportButtons
          rows={sorted}
          name="campaigns"
          testId="campaigns-export"
          columns={[
            { key: 'id', value: (c) => c.id },
            { key: 'name', value: (c) => c.name },
            { key: 'state', value: (c) => c.state },
            { key: 'created_at', value: (c) => c.createdAt },
            { key: 'jobs', value: (c) => total(c) },
            { key: 'succeeded', value: (c) => c.jobCounts.succeeded ?? 0 },
            { key: 'failed', value: (c) => c.jobCounts.failed ?? 0 },
            { key: 'cancelled', value: (c) => c.jobCounts.cancelled ?? 0 },
          ]}
        />
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="campaign-table">
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col" className="num">
                Jobs done
              </th>
              <th scope="col" className="col-opt">
                Created
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((c) => (
              <tr key={c.id} data-testid="campaign-row" data-campaign-id={c.id} data-state={c.state}>
                <th scope="row" className="cell-name">
                  <Link href={`/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                </th>
                <td>
                  <span className={`state state-${c.state}`}>{c.state}</span>
                </td>
                <td>
                  <div className="progress" aria-label={`${done(c)} of ${total(c)} jobs done`}>
                    <span style={{ width: `${total(c) ? (100 * done(c)) / total(c) : 0}%` }} />
                  </div>
                </td>
                <td className="num">
                  {done(c)} / {total(c)}
                  {c.jobCounts.failed ? <span className="badge badge-bad"> {c.jobCounts.failed} failed</span> : null}
                </td>
                <td className="col-opt nowrap">{formatTimestamp(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
