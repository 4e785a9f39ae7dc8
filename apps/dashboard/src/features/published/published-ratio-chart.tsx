'use client';

import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { describePublishedRatio, type PublishedComparisonRow } from './published-compare';
import { FILL_CHART_BOX } from '../../components/chart-fill';

/** Fleet ÷ published per model: bars past the 1× line are slower than PaddleClas's published figure. */
export function PublishedRatioChart({ rows, reference }: { rows: PublishedComparisonRow[]; reference: string }) {
  const data = rows.map((r) => ({ name: r.modelName, ratio: r.ratio }));
  const height = Math.max(160, 28 * data.length + 60);
  return (
    <div className="chart-box" style={{ height }} data-testid="published-ratio-chart" data-models={rows.length}>
      <BarChart {...FILL_CHART_BOX} data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" horizontal={false} />
        <XAxis
          type="number"
          domain={[0, Math.max(2, ...data.map((d) => d.ratio * 1.1))]}
          stroke="var(--muted)"
          tickFormatter={(v: number) => `${Number(v.toFixed(2))}×`}
          label={{
            value: `fleet p50 ÷ ${reference} (published)`,
            position: 'insideBottom',
            offset: -12,
            fill: 'var(--muted)',
          }}
        />
        <YAxis type="category" dataKey="name" width={220} stroke="var(--muted)" interval={0} />
        <Tooltip
          isAnimationActive={false}
          contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--fg)' }}
          formatter={(v) => [describePublishedRatio(Number(v)), 'fleet vs published']}
        />
        <ReferenceLine x={1} stroke="var(--fg)" strokeDasharray="4 3" />
        <Bar dataKey="ratio" fill="var(--accent)" isAnimationActive={false} />
      </BarChart>
    </div>
  );
}
