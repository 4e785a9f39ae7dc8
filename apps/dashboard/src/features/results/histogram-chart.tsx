'use client';

import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMs } from '../../lib/format';
import type { HistogramBucket } from './result-maths';
import { FILL_CHART_BOX } from '../../components/chart-fill';

/**
 * Latency distribution of one result (decoded HDR histogram, equal-width ms buckets). When the range is trimmed
 * the last bar (hatched colour) holds every iteration beyond the cut, up to the maximum.
 */
export function HistogramChart({ buckets }: { buckets: HistogramBucket[] }) {
  const data = buckets.map((b) => ({
    label: b.overflow
      ? `> ${formatMs(b.fromMs)} (up to ${formatMs(b.toMs)})`
      : `${formatMs(b.fromMs)}–${formatMs(b.toMs)}`,
    tick: b.overflow ? `>${formatMs(b.fromMs)}` : formatMs((b.fromMs + b.toMs) / 2),
    count: b.count,
    overflow: !!b.overflow,
  }));
  const trimmed = buckets.some((b) => b.overflow);
  return (
    <div
      className="chart-box short"
      data-testid="latency-histogram"
      data-buckets={buckets.length}
      data-trimmed={trimmed ? 'true' : 'false'}
    >
      <BarChart {...FILL_CHART_BOX} data={data} margin={{ top: 8, right: 16, bottom: 20, left: 8 }} barCategoryGap={1}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="tick"
          stroke="var(--muted)"
          label={{ value: 'latency, ms', position: 'insideBottom', offset: -12, fill: 'var(--muted)' }}
        />
        <YAxis stroke="var(--muted)" width={48} allowDecimals={false} />
        <Tooltip
          isAnimationActive={false}
          contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--fg)' }}
          labelFormatter={(_, p) => `${p?.[0]?.payload?.label ?? ''} ms`}
          formatter={(v) => [v, 'iterations']}
        />
        <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false}>
          {data.map((d, i) => (
            <Cell key={i} fill={d.overflow ? 'var(--warn)' : 'var(--accent)'} />
          ))}
        </Bar>
      </BarChart>
    </div>
  );
}
