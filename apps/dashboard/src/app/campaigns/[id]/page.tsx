import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { HubErrorNotice } from '../../../components/hub-error';
import { CampaignLive } from '../../../features/campaigns/campaign-live';
import { jobResultFromSummary } from '../../../features/campaigns/matrix';
import { JOBS_PER_PAGE, jobPager, jobsMatching, parseJobState, parsePage } from '../../../features/campaigns/pager';
import { hubApi } from '../../../lib/hub/api';
import { load } from '../../../lib/hub/load';
import { one, pathWith, type SearchParams } from '../../../lib/params';
import { getAbilities, requireToken } from '../../../lib/session';
import { scheduleCampaignAction } from '../schedule-actions';

export const metadata: Metadata = { title: 'Campaign · Fleetbench' };

/**
 * One page of a campaign's jobs (JOBS_PER_PAGE, ?page= and ?state=): the campaign comes without its job list (counts
 * only), the page's jobs from GET /jobs, and the figures of those jobs only, so the page costs the same for 10 jobs
 * as for 7,000.
 */
export default async function CampaignPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: SearchParams;
}) {
  const [{ id }, sp] = await Promise.all([params, searchParams]);
  const state = parseJobState(one(sp.state));
  const requested = parsePage(one(sp.page));
  const path = `/campaigns/${encodeURIComponent(id)}`;
  const here = pathWith(path, { state, page: requested > 1 ? String(requested) : undefined });
  const token = await requireToken(here);
  const [campaign, jobs, devices, can] = await Promise.all([
    load(hubApi.campaignWithoutJobs(token, id), here),
    load(
      hubApi.jobsPage(token, {
        campaignId: id,
        state,
        limit: JOBS_PER_PAGE,
        offset: (requested - 1) * JOBS_PER_PAGE,
      }),
      here,
    ),
    load(hubApi.devices(token), here),
    getAbilities(token),
  ]);
  const pager = jobPager(campaign.ok ? jobsMatching(campaign.data.jobCounts, state) : 0, requested);
  // A page past the end (fewer jobs since, or a hand-made link) shows the last one.
  if (campaign.ok && pager.page !== requested)
    redirect(pathWith(path, { state, page: pager.page > 1 ? String(pager.page) : undefined }));
  const results = await load(hubApi.jobResultSummaries(token, jobs.ok ? jobs.data.map((j) => j.id) : []), here);
  return (
    <section>
      <p className="small">
        <Link href="/campaigns">← Campaigns</Link>
      </p>
      {campaign.ok ? (
        <>
          <h1 data-testid="campaign-name">{campaign.data.name}</h1>
          <p className="small">
            {/* A route handler of the dashboard (it adds the session's token); the file opens without the dashboard. */}
            <a href={`${path}/report`} download data-testid="campaign-report-download">
              Download report
            </a>{' '}
            (one HTML file: tables, charts, environments and reproduce commands, for sharing)
          </p>
          {jobs.ok ? null : <HubErrorNotice problem={jobs.problem} />}
          <CampaignLive
            initial={campaign.data}
            initialJobs={jobs.ok ? jobs.data : []}
            view={{ path, state, pager }}
            initialResults={results.ok ? results.data.map(jobResultFromSummary) : []}
            deviceNames={Object.fromEntries((devices.ok ? devices.data : []).map((d) => [d.id, d.name]))}
            canOperate={can.operate}
          />
          {can.operate ? (
            <form action={scheduleCampaignAction} className="card form-grid" data-testid="schedule-form">
              <h2>Repeat on a schedule</h2>
              <p className="muted small">
                Starts this campaign again (same models, device selector and settings) at every tick of a cron
                expression; a tick is skipped while the previous run is still going. Its results feed the{' '}
                <Link href="/changes">regression watch</Link>.
              </p>
              <input type="hidden" name="campaignId" value={campaign.data.id} />
              <label className="field">
                Name
                <input name="name" defaultValue={campaign.data.name} maxLength={200} />
              </label>
              <label className="field">
                Cron (minute hour day month weekday)
                <input name="cron" defaultValue="0 3 * * *" required className="mono" />
              </label>
              <label className="field">
                Time zone
                <input name="timezone" defaultValue="UTC" />
              </label>
              <div className="row-actions">
                <button type="submit" className="btn btn-primary">
                  Create schedule
                </button>
              </div>
            </form>
          ) : null}
        </>
      ) : (
        <HubErrorNotice problem={campaign.problem} />
      )}
    </section>
  );
}
