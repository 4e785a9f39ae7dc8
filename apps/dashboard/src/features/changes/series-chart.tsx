'use client';

import type { Series } from '@fleetbench/protocol';
import { CartesianGrid, ErrorBar, ReferenceLine, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTimestamp } from '../../lib/format';
import { formatMetric, formatRelative, METRIC_LABEL } from './change-format';
import { FILL_CHART_BOX } from '../../components/chart-fill';

/** Tick text as precise as the span needs: seconds within an hour, minutes within days, else the date (UTC). */
function tickFormat(spanMs: number): (ms: number) => string {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (spanMs < 3_600_000) return (ms) => iso(ms).slice(11, 19);
  if (spanMs < 3 * 86_400_000) return (ms) => iso(ms).slice(5, 16).replace('T', ' ');
  return (ms) => iso(ms).slice(0, 10);
}

/**
 * One series over time: each result with its interval (the one the watch compares), flagged results hollow, and a
 * vertical line at every marked change (red: regression, green: improvement) labelled with its move.
 */
export function SeriesChart({ series }: { series: Series }) {
  const toPoint = (p: Series['points'][number]) => ({
    x: Date.parse(p.measuredAt),
    y: p.value,
    err: p.low !== null && p.high !== null ? [p.value - p.low, p.high - p.value] : [0, 0],
    device: p.deviceName,
    onnxruntime: p.fingerprint.onnxruntime ?? '—',
    agent: p.fingerprint.agent ?? '—',
  });
  const valid = series.points.filter((p) => p.valid).map(toPoint);
  const flagged = series.points.filter((p) => !p.valid).map(toPoint);
  const xs = series.points.map((p) => Date.parse(p.measuredAt));
  const span = xs.length ? Math.max(...xs) - Math.min(...xs) : 0;
  return (
    <div
      className="chart-box"
      data-testid="series-chart"
      data-points={series.points.length}
      data-changes={series.changes.length}
    >
      <ScatterChart {...FILL_CHART_BOX} margin={{ top: 28, right: 24, bottom: 28, left: 8 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="x"
          domain={['dataMin', 'dataMax']}
          padding={{ left: 24, right: 24 }}
          tickFormatter={tickFormat(span)}
          stroke="var(--muted)"
          label={{ value: 'measured at (UTC)', position: 'insideBottom', offset: -14, fill: 'var(--muted)' }}
        />
        <YAxis
          type="number"
          dataKey="y"
          stroke="var(--muted)"
          width={64}
          domain={['auto', 'auto']}
          tickFormatter={(v: number) => formatMetric(series.metric, v)}
          label={{ value: METRIC_LABEL[series.metric], angle: -90, position: 'insideLeft', fill: 'var(--muted)' }}
        />
        <Tooltip
          isAnimationActive={false}
          contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--fg)' }}
          content={({ payload }) => {
            const d = payload?.[0]?.payload as ReturnType<typeof toPoint> | undefined;
            if (!d) return null;
            return (
              <div className="card small">
                <div>{formatTimestamp(new Date(d.x).toISOString())}</div>
                <div>
                  <strong>{formatMetric(series.metric, d.y)}</strong> on {d.device}
                </div>
                <div className="muted">
                  onnxruntime {d.onnxruntime} · agent {d.agent}
                </div>
              </div>
            );
          }}
        />
        {series.changes.map((c) => (
          <ReferenceLine
            key={c.id}
            x={Date.parse(c.measuredAt)}
            stroke={c.kind === 'regression' ? 'var(--bad)' : 'var(--ok)'}
            strokeDasharray="5 3"
            label={{
              value: `${c.changedParts.map((p) => `${p.part} ${p.to ?? '—'}`).join(', ') || 'no software change'} ${formatRelative(c.relative)}`,
              position: 'insideTopRight',
              fill: c.kind === 'regression' ? 'var(--bad)' : 'var(--ok)',
              fontSize: 12,
            }}
          />
        ))}
        <Scatter name="valid" data={valid} fill="var(--accent)" isAnimationActive={false}>
          <ErrorBar dataKey="err" direction="y" stroke="var(--accent)" width={4} />
        </Scatter>
        <Scatter name="flagged" data={flagged} fill="none" stroke="var(--warn)" isAnimationActive={false} />
      </ScatterChart>
    </div>
  );
}
