import type { Metadata } from 'next';
import Link from 'next/link';
import { HubErrorNotice } from '../../../components/hub-error';
import { CampaignLive } from '../../../features/campaigns/campaign-live';
import { jobResultFromSummary } from '../../../features/campaigns/matrix';
import { hubApi } from '../../../lib/hub/api';
import { load } from '../../../lib/hub/load';
import { getAbilities, requireToken } from '../../../lib/session';

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
          <CampaignLive
            initial={campaign.data}
            initialResults={results.ok ? results.data.map(jobResultFromSummary) : []}
            deviceNames={Object.fromEntries((devices.ok ? devices.data : []).map((d) => [d.id, d.name]))}
            canOperate={can.operate}
          />
        </>
      ) : (
        <HubErrorNotice problem={campaign.problem} />
      )}
    </section>
  );
}
