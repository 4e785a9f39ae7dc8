'use client';

import { useEffect, useMemo, useState } from 'react';
import type { Device, Job } from '@fleetbench/protocol';
import Link from 'next/link';
import { EmptyState } from '../../components/empty-state';
import { ExportButtons } from '../../components/export-buttons';
import { FilterSelect } from '../../components/filter-select';
import { formatAge, formatBytes, formatTimestamp } from '../../lib/format';
import { useHubEvent } from '../live/live-provider';
import { AddDevicePanel } from './add-device';
import {
  applyTelemetry,
  describeCurrentJob,
  filterDevices,
  sortDevices,
  summarizeFleet,
  upsertDevice,
  upsertJob,
} from './fleet';

function useNow(initial: number, everyMs: number): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export function FleetView({
  initialDevices,
  initialJobs,
  renderedAt,
  hubUrl,
  canAddDevices,
}: {
  initialDevices: Device[];
  initialJobs: Job[];
  renderedAt: number;
  hubUrl: string;
  /** Enrollment tokens are admin-only: other roles see no Add device panel. */
  canAddDevices: boolean;
}) {
  const [devices, setDevices] = useState(initialDevices);
  const [jobs, setJobs] = useState(() => new Map(initialJobs.map((j) => [j.id, j])));
  // A server refresh (e.g. after a reconnect) replaces the live-patched state.
  useEffect(() => setDevices(initialDevices), [initialDevices]);
  useEffect(() => setJobs(new Map(initialJobs.map((j) => [j.id, j]))), [initialJobs]);

  useHubEvent('device.updated', (device) => setDevices((ds) => upsertDevice(ds, device)));
  useHubEvent('device.telemetry', (ev) => setDevices((ds) => applyTelemetry(ds, ev)));
  useHubEvent('job.updated', (job) => setJobs((js) => upsertJob(js, job)));

  const now = useNow(renderedAt, 10_000);
  const [tag, setTag] = useState('');
  const [cls, setCls] = useState('');
  const [online, setOnline] = useState('');
  const tags = useMemo(() => [...new Set(devices.flatMap((d) => d.tags))].sort(), [devices]);
  const classes = useMemo(
    () =>
      [...new Map(devices.map((d) => [d.hardwareClassId, d.hardwareClassName])).entries()].sort((a, b) =>
        a[1].localeCompare(b[1]),
      ),
    [devices],
  );
  const sorted = useMemo(
    () =>
      filterDevices(sortDevices(devices), {
        tag,
        hardwareClassId: cls,
        online: online === '' ? undefined : online === 'online',
      }),
    [devices, tag, cls, online],
  );
  const summary = summarizeFleet(devices);

  // The panel stays mounted when the first device arrives, so its command is not lost.
  const addDevice = canAddDevices ? <AddDevicePanel initiallyOpen={initialDevices.length === 0} /> : null;
  if (devices.length === 0) {
    return (
      <>
        {addDevice}
        <EmptyState title="No devices enrolled yet">
          <p className="muted">
            {canAddDevices ? 'Add one above' : 'An admin adds one from this page'}: the command installs the agent from
            this hub ({hubUrl}/api/v1/agent/install.sh) and enrolls it. It appears here as soon as it connects.
          </p>
        </EmptyState>
      </>
    );
  }

  return (
    <>
      {addDevice}
      <p className="summary" data-testid="fleet-summary">
        <span>
          <strong>{summary.total}</strong> device{summary.total === 1 ? '' : 's'}
        </span>
        <span>
          <strong>{summary.online}</strong> online
        </span>
        <span>
          <strong>{summary.busy}</strong> busy
        </span>
      </p>
      <div className="toolbar">
        <FilterSelect
          label="Tag"
          value={tag}
          onChange={setTag}
          allLabel="All tags"
          options={tags}
          testId="fleet-filter-tag"
        />
        <FilterSelect
          label="Hardware class"
          value={cls}
          onChange={setCls}
          allLabel="All classes"
          options={classes}
          testId="fleet-filter-class"
        />
        <FilterSelect
          label="Status"
          value={online}
          onChange={setOnline}
          allLabel="Any"
          options={['online', 'offline']}
          testId="fleet-filter-online"
        />
        <span className="spacer" />
        <span className="muted small">
          {sorted.length} of {devices.length}
        </span>
        <ExportButtons
          rows={sorted}
          name="fleet"
          testId="fleet-export"
          columns={[
            { key: 'id', value: (d) => d.id },
            { key: 'name', value: (d) => d.name },
            { key: 'online', value: (d) => d.online },
            { key: 'tags', value: (d) => d.tags.join(' ') },
            { key: 'hardware_class', value: (d) => d.hardwareClassName },
            { key: 'agent_version', value: (d) => d.software.agentVersion },
            { key: 'onnxruntime_version', value: (d) => d.software.onnxruntimeVersion },
            { key: 'current_job', value: (d) => describeCurrentJob(d.currentJobId, jobs)?.label ?? null },
            { key: 'last_seen', value: (d) => d.lastSeenAt },
            { key: 'load1', value: (d) => d.telemetry?.load1 ?? null },
            { key: 'temperature_c', value: (d) => d.telemetry?.temperatureC ?? null },
          ]}
        />
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="device-table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Status</th>
              <th scope="col" className="col-opt">
                Hardware class
              </th>
              <th scope="col" className="col-opt">
                Agent
              </th>
              <th scope="col" className="col-opt">
                ONNX Runtime
              </th>
              <th scope="col">Current job</th>
              <th scope="col" className="col-opt">
                Telemetry
              </th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((d) => {
              const job = describeCurrentJob(d.currentJobId, jobs);
              const t = d.telemetry;
              return (
                <tr key={d.id} data-testid="device-row" data-device-id={d.id} data-online={d.online}>
                  <th scope="row" className="cell-name">
                    <Link href={`/devices/${encodeURIComponent(d.id)}`} data-testid="device-name">
                      {d.name}
                    </Link>
                    {d.tags.length ? (
                      <span className="tags">
                        {d.tags.map((tag) => (
                          <span key={tag} className="tag">
                            {tag}
                          </span>
                        ))}
                      </span>
                    ) : null}
                  </th>
                  <td>
                    <span className={`badge ${d.online ? 'badge-ok' : 'badge-off'}`} data-testid="device-online">
                      {d.online ? 'online' : 'offline'}
                    </span>
                  </td>
                  <td className="col-opt cell-class" title={d.hardwareClassId}>
                    {d.hardwareClassName}
                  </td>
                  <td className="col-opt mono">{d.software.agentVersion}</td>
                  <td className="col-opt mono">{d.software.onnxruntimeVersion}</td>
                  <td data-testid="device-job">
                    {job ? (
                      <span className={`job job-${job.state ?? 'unknown'}`} title={d.currentJobId ?? undefined}>
                        {job.label}
                      </span>
                    ) : (
                      <span className="muted">idle</span>
                    )}
                  </td>
                  <td className="col-opt small" data-testid="device-telemetry">
                    {t ? (
                      <span title={`sampled ${formatTimestamp(t.ts)}`}>
                        load {t.load1.toFixed(2)}
                        {t.temperatureC !== null ? ` · ${Math.round(t.temperatureC)} °C` : ''}
                        {t.cpuFrequencyMHz !== null ? ` · ${(t.cpuFrequencyMHz / 1000).toFixed(2)} GHz` : ''}
                        {` · ${formatBytes(t.memoryFreeBytes)} free`}
                      </span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td title={formatTimestamp(d.lastSeenAt)} className="nowrap">
                    {d.online && d.lastSeenAt && now - Date.parse(d.lastSeenAt) < 60_000
                      ? 'now'
                      : formatAge(d.lastSeenAt, now)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
