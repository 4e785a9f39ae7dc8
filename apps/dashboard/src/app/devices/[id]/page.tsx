import type { Metadata } from 'next';
import Link from 'next/link';
import { HubErrorNotice } from '../../../components/hub-error';
import { toDeviceResultRow } from '../../../features/devices/device-result-row';
import { DeviceResults } from '../../../features/devices/device-results';
import { TelemetryCharts } from '../../../features/devices/telemetry-charts';
import { LiveRefresh } from '../../../features/live/live-refresh';
import { formatBytes, formatTimestamp } from '../../../lib/format';
import { hubApi } from '../../../lib/hub/api';
import { load } from '../../../lib/hub/load';
import { requireToken } from '../../../lib/session';

export const metadata: Metadata = { title: 'Device · Fleetbench' };

export default async function DevicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const here = `/devices/${encodeURIComponent(id)}`;
  const token = await requireToken(here);
  const [device, telemetry, results] = await Promise.all([
    load(hubApi.device(token, id), here),
    load(hubApi.deviceTelemetry(token, id), here),
    load(hubApi.results(token, { deviceId: id }), here),
  ]);
  if (!device.ok) {
    return (
      <section>
        <h1>Device</h1>
        <HubErrorNotice problem={device.problem} />
      </section>
    );
  }
  const d = device.data;
  const hw = d.hardware;
  return (
    <section data-testid="device-page">
      <LiveRefresh event="results.created" delayMs={2000} />
      <p className="small">
        <Link href="/">← Fleet</Link>
      </p>
      <h1>
        {d.name}{' '}
        <span className={`badge ${d.online ? 'badge-ok' : 'badge-off'}`} data-testid="device-online">
          {d.online ? 'online' : 'offline'}
        </span>
      </h1>
      <div className="grid-2">
        <div className="card">
          <h2>Hardware</h2>
          <dl className="kv">
            <dt>Class</dt>
            <dd>
              <Link href={`/leaderboard?class=${encodeURIComponent(d.hardwareClassId)}`}>{d.hardwareClassName}</Link>
            </dd>
            <dt>CPU</dt>
            <dd>
              {hw.cpu.vendor} {hw.cpu.model} · {hw.cpu.arch} · {hw.cpu.physicalCores}/{hw.cpu.logicalCores} cores
              {hw.cpu.maxFrequencyMHz ? ` · ${hw.cpu.maxFrequencyMHz} MHz max` : ''}
            </dd>
            <dt>Memory</dt>
            <dd>{formatBytes(hw.memoryBytes)}</dd>
            <dt>Accelerators</dt>
            <dd>{hw.accelerators.length ? hw.accelerators.map((a) => `${a.kind} ${a.model}`).join(', ') : 'none'}</dd>
            <dt>OS</dt>
            <dd>
              {hw.os.distro} {hw.os.release} ({hw.os.platform}, kernel {hw.os.kernel})
            </dd>
            <dt>GEMM peak</dt>
            <dd>{hw.peakGflops ? `${hw.peakGflops.toFixed(1)} GFLOP/s` : '—'}</dd>
          </dl>
        </div>
        <div className="card">
          <h2>Software</h2>
          <dl className="kv">
            <dt>Agent</dt>
            <dd className="mono">{d.software.agentVersion}</dd>
            <dt>Node</dt>
            <dd className="mono">{d.software.nodeVersion}</dd>
            <dt>ONNX Runtime</dt>
            <dd className="mono">{d.software.onnxruntimeVersion}</dd>
            <dt>Providers</dt>
            <dd>{d.software.executionProviders.join(', ')}</dd>
            <dt>Tags</dt>
            <dd>{d.tags.length ? d.tags.join(', ') : '—'}</dd>
            <dt>Enrolled / last seen</dt>
            <dd>
              {formatTimestamp(d.enrolledAt)} / {formatTimestamp(d.lastSeenAt)}
            </dd>
          </dl>
        </div>
      </div>
      <h2>Telemetry</h2>
      {telemetry.ok ? (
        <TelemetryCharts deviceId={d.id} initial={telemetry.data} />
      ) : (
        <HubErrorNotice problem={telemetry.problem} />
      )}
      <h2>Results</h2>
      {results.ok ? (
        <DeviceResults rows={results.data.map(toDeviceResultRow)} name={d.name} />
      ) : (
        <HubErrorNotice problem={results.problem} />
      )}
    </section>
  );
}
