'use client';

import type { SustainedSummary } from '@fleetbench/protocol';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { FILL_CHART_BOX } from '../../components/chart-fill';

type Row = SustainedSummary['intervals'][number];
const TOOLTIP = { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--fg)' };

/** Two series of one sustained run on a shared time axis, one y axis each (left and right). */
function Pair({
  data,
  testId,
  left,
  right,
  throttledAtS,
}: {
  data: Row[];
  testId: string;
  left: { key: keyof Row; name: string; colour: string };
  right: { key: keyof Row; name: string; colour: string };
  throttledAtS: number | null;
}) {
  return (
    <div className="chart-box short" data-testid={testId} data-points={data.length}>
      <LineChart {...FILL_CHART_BOX} data={data} margin={{ top: 8, right: 8, bottom: 20, left: 8 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis
          dataKey="endS"
          type="number"
          domain={[0, 'dataMax']}
          stroke="var(--muted)"
          label={{ value: 'seconds', position: 'insideBottom', offset: -12, fill: 'var(--muted)' }}
        />
        <YAxis yAxisId="l" stroke={left.colour} width={52} domain={['auto', 'auto']} />
        <YAxis yAxisId="r" orientation="right" stroke={right.colour} width={52} domain={['auto', 'auto']} />
        <Tooltip isAnimationActive={false} contentStyle={TOOLTIP} labelFormatter={(v) => `${v} s`} />
        <Legend verticalAlign="top" height={24} />
        {throttledAtS !== null ? (
          <ReferenceLine yAxisId="l" x={throttledAtS} stroke="var(--warn)" strokeDasharray="4 4" />
        ) : null}
        {[
          { ...left, axis: 'l' },
          { ...right, axis: 'r' },
        ].map((s) => (
          <Line
            key={s.key}
            yAxisId={s.axis}
            type="linear"
            dataKey={s.key}
            name={s.name}
            stroke={s.colour}
            dot={data.length <= 60}
            isAnimationActive={false}
            connectNulls
          />
        ))}
      </LineChart>
    </div>
  );
}

/** p50 and throughput, then CPU frequency and temperature, per interval of a sustained run (issue 13). */
export function SustainedCharts({ summary }: { summary: SustainedSummary }) {
  const data = summary.intervals;
  const machine = data.some((d) => d.cpuFrequencyMHz !== null || d.temperatureC !== null);
  return (
    <>
      <Pair
        data={data}
        testId="sustained-latency"
        left={{ key: 'p50Ms', name: 'p50, ms', colour: '#4e79a7' }}
        right={{ key: 'throughputIps', name: 'images/s', colour: '#f28e2b' }}
        throttledAtS={summary.throttledAtS}
      />
      {machine ? (
        <Pair
          data={data}
          testId="sustained-machine"
          left={{ key: 'cpuFrequencyMHz', name: 'CPU frequency, MHz', colour: '#59a14f' }}
          right={{ key: 'temperatureC', name: 'temperature, °C', colour: '#e15759' }}
          throttledAtS={summary.throttledAtS}
        />
      ) : (
        <p className="muted small">This device exposes neither CPU frequency nor temperature.</p>
      )}
    </>
  );
}
