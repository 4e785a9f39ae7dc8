import type { Metadata } from 'next';
import { HubErrorNotice } from '../components/hub-error';
import { getConfig } from '../config';
import { FleetView } from '../features/fleet/fleet-view';
import { RolloutsPanel } from '../features/fleet/rollouts';
import { hubApi } from '../lib/hub/api';
import { load } from '../lib/hub/load';
import { getAbilities, requireToken } from '../lib/session';

export const metadata: Metadata = { title: 'Fleet · Fleetbench' };

export default async function FleetPage() {
  const token = await requireToken('/');
  const [devices, running, assigned, packages, rollouts, can] = await Promise.all([
    load(hubApi.devices(token), '/'),
    load(hubApi.jobs(token, { state: 'running' }), '/'),
    load(hubApi.jobs(token, { state: 'assigned' }), '/'),
    load(hubApi.agentPackages(token), '/'),
    load(hubApi.rollouts(token), '/'),
    getAbilities(token),
  ]);
  return (
    <section>
      <h1>Fleet</h1>
      {devices.ok ? (
        <FleetView
          initialDevices={devices.data}
          // Jobs only label the "current job" column: without them the column shows job ids.
          initialJobs={[...(running.ok ? running.data : []), ...(assigned.ok ? assigned.data : [])]}
          renderedAt={Date.now()}
          hubUrl={getConfig().hubPublicUrl}
          canAddDevices={can.administer}
        />
      ) : (
        <HubErrorNotice problem={devices.problem} />
      )}
      {/* Enrollment tokens and agent upgrades are device administration: admin only (the hub enforces it too). */}
      {can.administer && devices.ok && devices.data.length > 0 && packages.ok && rollouts.ok ? (
        <RolloutsPanel
          packages={packages.data}
          rollouts={rollouts.data}
          tags={[...new Set(devices.data.flatMap((d) => d.tags))].sort()}
        />
      ) : null}
    </section>
  );
}
