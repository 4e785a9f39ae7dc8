import type { Metadata } from 'next';
import Link from 'next/link';
import { HubErrorNotice } from '../../../components/hub-error';
import { CampaignLive } from '../../../features/campaigns/campaign-live';
import { jobResultFromSummary } from '../../../features/campaigns/matrix';
import { hubApi } from '../../../lib/hub/api';
import { load } from '../../../lib/hub/load';
import { getAbilities, requireToken } from '../../../lib/session';
import { scheduleCampaignAction } from '../schedule-actions';

export const metadata: Metadata = { title: 'Campaign · Fleetbench' };

export default async function CampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const here = `/campaigns/${encodeURIComponent(id)}`;
  const token = await requireToken(here);
  const [campaign, results, devices, can] = await Promise.all([
    load(hubApi.campaign(token, id), here),
    load(hubApi.resultSummaries(token, id), here),
    load(hubApi.devices(token), here),
    getAbilities(token),
  ]);
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
            <a href={`${here}/report`} download data-testid="campaign-report-download">
              Download report
            </a>{' '}
            (one HTML file: tables, charts, environments and reproduce commands, for sharing)
          </p>
          <CampaignLive
            initial={campaign.data}
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
