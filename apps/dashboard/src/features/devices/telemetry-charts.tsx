'use client';

import { useEffect, useState } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { TelemetrySample } from '@fleetbench/protocol';
import { formatTimestamp } from '../../lib/format';
import { useHubEvent } from '../live/live-provider';
import { FILL_CHART_BOX } from '../../components/chart-fill';

const MAX = 720;

function Series({
  data,
  dataKey,
  label,
  unit,
  colour,
}: {
  data: TelemetrySample[];
  dataKey: keyof TelemetrySample;
  label: string;
  unit: string;
  colour: string;
}) {
  const has = data.some((d) => typeof d[dataKey] === 'number');
  return (
    <div className="card">
      <h2>{label}</h2>
      {has ? (
        <div
          className="chart-box short"
          style={{ height: 200, border: 0 }}
          data-testid={`telemetry-${String(dataKey)}`}
        >
          <LineChart {...FILL_CHART_BOX} data={data} margin={{ top: 6, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
            <XAxis dataKey="ts" tickFormatter={(v: string) => v.slice(11, 16)} stroke="var(--muted)" minTickGap={40} />
            <YAxis stroke="var(--muted)" width={44} domain={['auto', 'auto']} />
            <Tooltip
              isAnimationActive={false}
              contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--fg)' }}
              labelFormatter={(v) => formatTimestamp(String(v))}
              formatter={(v) => [`${typeof v === 'number' ? v.toFixed(2) : v} ${unit}`, label]}
            />
            <Line
              type="monotone"
              dataKey={dataKey}
              stroke={colour}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
          </LineChart>
        </div>
      ) : (
        <p className="muted small">Not reported by this device.</p>
      )}
    </div>
  );
}

/** Load, temperature and CPU frequency over time; new samples arrive live (device.telemetry). */
export function TelemetryCharts({ deviceId, initial }: { deviceId: string; initial: TelemetrySample[] }) {
  const [data, setData] = useState(initial);
  useEffect(() => setData(initial), [initial]);
  useHubEvent('device.telemetry', (p) => {
    if (p.id !== deviceId) return;
    setData((d) => (d.at(-1)?.ts === p.telemetry.ts ? d : [...d, p.telemetry].slice(-MAX)));
  });
  return (
    <>
      <p className="muted small" data-testid="telemetry-count">
        {data.length} sample(s){data.length ? ` since ${formatTimestamp(data[0]!.ts)}` : ''} — the hub keeps the last{' '}
        {MAX} per device.
      </p>
      <div className="grid-2">
        <Series data={data} dataKey="load1" label="Load (1 min)" unit="" colour="#4e79a7" />
        <Series data={data} dataKey="temperatureC" label="Temperature" unit="°C" colour="#e15759" />
        <Series data={data} dataKey="cpuFrequencyMHz" label="CPU frequency" unit="MHz" colour="#59a14f" />
        <Series data={data} dataKey="cpuPercent" label="CPU use" unit="%" colour="#f28e2b" />
      </div>
    </>
  );
}
