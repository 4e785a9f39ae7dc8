import type { Metadata } from 'next';
import { HubErrorNotice } from '../../components/hub-error';
import { CampaignList } from '../../features/campaigns/campaign-list';
import { CreateCampaignForm } from '../../features/campaigns/create-campaign-form';
import { ScheduleList } from '../../features/campaigns/schedule-list';
import { hubApi } from '../../lib/hub/api';
import { load } from '../../lib/hub/load';
import { hubSchedules } from '../../lib/hub/schedules';
import { one, type SearchParams } from '../../lib/params';
import { getAbilities, requireToken } from '../../lib/session';

export const metadata: Metadata = { title: 'Campaigns · Fleetbench' };

export default async function CampaignsPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const token = await requireToken('/campaigns');
  const [campaigns, models, devices, classes, can, schedules] = await Promise.all([
    load(hubApi.campaigns(token), '/campaigns'),
    load(hubApi.models(token), '/campaigns'),
    load(hubApi.devices(token), '/campaigns'),
    load(hubApi.hardwareClasses(token), '/campaigns'),
    getAbilities(token),
    load(hubSchedules.list(token), '/campaigns'),
  ]);
  const scheduleError = one(sp.scheduleError);
  const scheduleDone = one(sp.schedule);
  return (
    <section>
      <h1>Campaigns</h1>
      {!can.operate ? (
        <p className="muted" data-testid="campaign-create-hidden">
          This token is a {can.role}: it can look at campaigns but not start them.
        </p>
      ) : models.ok && devices.ok ? (
        <CreateCampaignForm models={models.data} devices={devices.data} classes={classes.ok ? classes.data : []} />
      ) : (
        <HubErrorNotice problem={!models.ok ? models.problem : (devices as { ok: false; problem: never }).problem} />
      )}
      <h2 id="schedules">Schedules</h2>
      {scheduleError ? <div className="notice notice-error">{scheduleError}</div> : null}
      {scheduleDone ? <div className="notice notice-info">Schedule {scheduleDone}.</div> : null}
      {schedules.ok ? (
        <ScheduleList schedules={schedules.data} canOperate={can.operate} />
      ) : (
        <HubErrorNotice problem={schedules.problem} />
      )}
      <h2>All campaigns</h2>
      {campaigns.ok ? <CampaignList initial={campaigns.data} /> : <HubErrorNotice problem={campaigns.problem} />}
    </section>
  );
}
