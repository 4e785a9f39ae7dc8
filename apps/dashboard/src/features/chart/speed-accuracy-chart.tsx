'use client';

import { useMemo, useRef, useState } from 'react';
import { CartesianGrid, Cell, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { ChartDownloads } from '../../components/chart-downloads';
import { ExportButtons } from '../../components/export-buttons';
import type { ExportColumn } from '../../lib/export';
import { formatMs, formatPercent, formatPerWatt, formatThroughput } from '../../lib/format';
import { byFamily, familyColour, logTicks, paretoFront, stepTicks, type ChartPoint, type XMetric } from './pareto';
import { PointLabels } from './point-labels';
import { FILL_CHART_BOX } from '../../components/chart-fill';

/** A published reference series drawn beside measured points: own marker, own dashed front, never merged. */
export interface ChartOverlay {
  id: string;
  name: string;
  points: ChartPoint[];
}

/** Marker per overlay (measured points are circles). */
const OVERLAY_SHAPES = ['diamond', 'triangle', 'square', 'star', 'wye', 'cross'] as const;
const OVERLAY_GLYPHS = ['◆', '▲', '■', '★', 'Y', '✚'];
const OVERLAY_DASHES = ['6 4', '2 3', '10 4 2 4', '1 4', '8 2', '4 4 1 4'];

function PointTooltip({
  active,
  payload,
}: {
  active?: boolean;
  payload?: { payload?: ChartPoint & { series?: string } }[];
}) {
  const p = payload?.[0]?.payload;
  if (!active || !p) return null;
  return (
    <div className="chart-tooltip" data-testid="chart-tooltip">
      <strong>{p.model}</strong>
      <span className="muted">{p.family}</span>
      {p.series ? <span className="muted">{p.series}</span> : null}
      <div>
        top-1 {formatPercent(p.y)}{' '}
        <span className="muted">({p.published || p.top1Source === 'reference' ? 'published' : 'measured'})</span>
      </div>
      <div>
        p50 {formatMs(p.p50Ms)} ms{p.published ? ' (published, per batch)' : ''}
      </div>
      <div>{formatThroughput(p.throughputIps)} img/s</div>
      {p.ipsPerWatt != null ? <div>{formatPerWatt(p.ipsPerWatt)} img/s per W</div> : null}
    </div>
  );
}

const EXPORT: ExportColumn<ChartPoint & { pareto: boolean; series?: string }>[] = [
  { key: 'model', value: (p) => p.model },
  { key: 'family', value: (p) => p.family },
  { key: 'top1', value: (p) => p.y },
  {
    key: 'top1_source',
    value: (p) => (p.published ? 'published' : p.top1Source === 'reference' ? 'published' : 'measured'),
  },
  { key: 'p50_ms', value: (p) => p.p50Ms },
  { key: 'throughput_ips', value: (p) => p.throughputIps },
  { key: 'ips_per_watt', value: (p) => p.ipsPerWatt ?? null },
  {
    key: 'hardware',
    value: (p) => (p.series ? `${p.series} (published)` : p.published ? 'published reference' : 'measured'),
  },
  { key: 'pareto', value: (p) => p.pareto },
];

/** Speed vs accuracy scatter: one colour per family, Pareto front as a line; x on a log scale. */
export function SpeedAccuracyChart({
  points,
  metric,
  title,
  overlays = [],
}: {
  points: ChartPoint[];
  metric: XMetric;
  title: string;
  /** Published series beside the main (measured) one; each keeps its own points and front. */
  overlays?: ChartOverlay[];
}) {
  const families = useMemo(() => byFamily(points), [points]);
  const front = useMemo(() => paretoFront(points, metric), [points, metric]);
  const frontIds = useMemo(() => new Set(front.map((p) => p.modelId)), [front]);
  const [showNames, setShowNames] = useState(true);
  const [familyLines, setFamilyLines] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  // The front's names first (they matter most), then the most accurate models: the greedy placement keeps those.
  const labels = useMemo(
    () =>
      [...points]
        .sort((a, b) => Number(frontIds.has(b.modelId)) - Number(frontIds.has(a.modelId)) || b.y - a.y)
        .map((p) => ({ id: p.modelId, text: p.model, x: p.x, y: p.y })),
    [points, frontIds],
  );
  const series = useMemo(
    () =>
      overlays.map((o, i) => {
        const label = /PaddleClas/.test(o.name) ? o.name : `${o.name} — published by PaddleClas`;
        const pts = o.points.map((p) => ({ ...p, series: label }));
        return {
          ...o,
          label,
          points: pts,
          front: paretoFront(pts, metric),
          shape: OVERLAY_SHAPES[i % OVERLAY_SHAPES.length]!,
          glyph: OVERLAY_GLYPHS[i % OVERLAY_GLYPHS.length]!,
          dash: OVERLAY_DASHES[i % OVERLAY_DASHES.length]!,
        };
      }),
    [overlays, metric],
  );
  const exportRows = useMemo(
    () => [
      ...points.map((p) => ({ ...p, pareto: frontIds.has(p.modelId) })),
      ...series.flatMap((o) => {
        const ids = new Set(o.front.map((p) => p.modelId));
        return o.points.map((p) => ({ ...p, pareto: ids.has(p.modelId) }));
      }),
    ],
    [points, frontIds, series],
  );
  const published = points.some((p) => p.published);
  const everything = useMemo(() => [...points, ...series.flatMap((o) => o.points)], [points, series]);
  const [minX, maxX] = useMemo(() => {
    const xs = everything.map((p) => p.x);
    return [Math.min(...xs), Math.max(...xs)];
  }, [everything]);
  const ys = everything.map((p) => p.y);
  const yMin = Math.max(0, Math.floor((Math.min(...ys) - 0.02) * 20) / 20);
  const yMax = Math.min(1, Math.ceil((Math.max(...ys) + 0.01) * 20) / 20);

  return (
    <>
      <div className="toolbar" data-testid="chart-options">
        <label>
          <input type="checkbox" checked={showNames} onChange={(e) => setShowNames(e.target.checked)} /> model names
        </label>
        <label>
          <input
            type="checkbox"
            checked={familyLines}
            onChange={(e) => setFamilyLines(e.target.checked)}
            data-testid="family-lines"
          />{' '}
          one line per family
        </label>
        <span className="spacer" />
        <ChartDownloads target={box} name={`speed-accuracy-${title}`} testId="chart-download" />
      </div>
      <div
        ref={box}
        className="chart-box"
        data-testid="speed-accuracy-chart"
        data-points={points.length}
        data-pareto={front.length}
        data-published={published ? 'true' : 'false'}
        data-overlays={series.length}
        data-overlay-points={series.reduce((a, o) => a + o.points.length, 0)}
      >
        <ScatterChart {...FILL_CHART_BOX} margin={{ top: 12, right: 20, bottom: 28, left: 8 }}>
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            scale="log"
            domain={[minX / 1.15, maxX * 1.15]}
            ticks={logTicks(minX / 1.15, maxX * 1.15)}
            allowDataOverflow
            tickFormatter={(v: number) =>
              metric === 'latency' ? formatMs(v) : metric === 'efficiency' ? formatPerWatt(v) : formatThroughput(v)
            }
            stroke="var(--muted)"
            label={{
              value:
                metric === 'latency'
                  ? `p50 latency, ms${published ? ' per batch (published)' : ''} — log scale`
                  : metric === 'efficiency'
                    ? 'speed per watt, img/s per W — log scale'
                    : 'throughput, img/s — log scale',
              position: 'insideBottom',
              offset: -16,
              fill: 'var(--muted)',
            }}
          />
          <YAxis
            type="number"
            dataKey="y"
            domain={[yMin, yMax]}
            ticks={stepTicks(yMin, yMax, yMax - yMin > 0.3 ? 0.1 : 0.05)}
            tickFormatter={(v: number) => formatPercent(v, 0)}
            stroke="var(--muted)"
            width={48}
            label={{ value: 'top-1', angle: -90, position: 'insideLeft', fill: 'var(--muted)' }}
          />
          <ZAxis range={[48, 48]} />
          <Tooltip content={<PointTooltip />} cursor={{ strokeDasharray: '3 3' }} isAnimationActive={false} />
          <Scatter
            name="Pareto front"
            data={front}
            line={{ stroke: 'var(--fg)', strokeWidth: 1.5, strokeDasharray: published ? '6 4' : undefined }}
            shape={() => <g />}
            isAnimationActive={false}
            legendType="none"
          />
          {series.map((o) => (
            <Scatter
              key={`front:${o.id}`}
              name={`${o.name} Pareto front (published)`}
              data={o.front}
              line={{ stroke: 'var(--muted)', strokeWidth: 1.5, strokeDasharray: o.dash }}
              shape={() => <g />}
              isAnimationActive={false}
              legendType="none"
            />
          ))}
          {/* One series per overlay and one for the measured points, each point coloured by its family (a cell):
              recharts' cost grows with the number of series, and one per family made ~25 of them. */}
          {series.map((o) => (
            <Scatter
              key={o.id}
              name={`${o.name} (published)`}
              data={o.points}
              fillOpacity={0.55}
              stroke="var(--fg)"
              strokeWidth={0.6}
              shape={o.shape}
              className="overlay-point"
              isAnimationActive={false}
            >
              {o.points.map((p) => (
                <Cell key={p.modelId} fill={familyColour(p.family)} />
              ))}
            </Scatter>
          ))}
          {familyLines
            ? families
                .filter((f) => f.points.length > 1)
                .map((f) => (
                  <Scatter
                    key={`line:${f.family}`}
                    name={`${f.family} line`}
                    data={[...f.points].sort((a, b) => a.x - b.x)}
                    line={{ stroke: familyColour(f.family), strokeWidth: 1.5 }}
                    shape={() => <g />}
                    isAnimationActive={false}
                    legendType="none"
                    className="family-line"
                  />
                ))
            : null}
          <Scatter name="models" data={points} shape={published ? 'diamond' : 'circle'} isAnimationActive={false}>
            {points.map((p) => (
              <Cell key={p.modelId} fill={familyColour(p.family)} />
            ))}
          </Scatter>
          {showNames ? <PointLabels points={labels} /> : null}
        </ScatterChart>
      </div>
      <ul className="legend-families" aria-label="Families">
        {families.map((f) => (
          <li key={f.family}>
            <span className="swatch" style={{ background: familyColour(f.family) }} />
            {f.family} ({f.points.length})
          </li>
        ))}
        <li>
          <span className="swatch" style={{ background: 'var(--fg)', borderRadius: 0, height: 2, verticalAlign: 3 }} />{' '}
          {series.length ? (published ? 'Pareto front (published)' : 'Pareto front (measured)') : 'Pareto front'}
        </li>
      </ul>
      {series.length ? (
        <ul className="legend-families legend-overlays" aria-label="Published series" data-testid="overlay-legend">
          {series.map((o) => (
            <li key={o.id} data-testid="overlay-legend-item">
              <span aria-hidden="true" className="overlay-glyph">
                {o.glyph}
              </span>{' '}
              <strong>{o.label}</strong> ({o.points.length} models){' '}
              <svg width="28" height="8" aria-hidden="true" style={{ verticalAlign: 1 }}>
                <line x1="0" y1="4" x2="28" y2="4" stroke="currentColor" strokeWidth="1.5" strokeDasharray={o.dash} />
              </svg>{' '}
              its own front
            </li>
          ))}
          <li>
            <span aria-hidden="true" className="overlay-glyph">
              ●
            </span>{' '}
            measured on this fleet
          </li>
        </ul>
      ) : null}
      <h2>
        Pareto front{' '}
        <span className="muted small">
          ({front.length} models: no other model is both faster and more accurate
          {series.length ? '; measured points only — the published fronts are in the export' : ''})
        </span>
      </h2>
      <div className="toolbar">
        <span className="spacer" />
        <ExportButtons rows={exportRows} columns={EXPORT} name={`speed-accuracy-${title}`} testId="chart-export" />
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="pareto-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Family</th>
              <th scope="col" className="num">
                Top-1
              </th>
              <th scope="col" className="num">
                p50 ms
              </th>
              <th scope="col" className="num">
                img/s
              </th>
              {metric === 'efficiency' ? (
                <th scope="col" className="num">
                  img/s per W
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {front
              .slice()
              .sort((a, b) => b.y - a.y)
              .map((p) => (
                <tr key={p.modelId} data-testid="pareto-row">
                  <th scope="row" className="cell-name">
                    {p.model}
                  </th>
                  <td>{p.family}</td>
                  <td className="num">
                    {formatPercent(p.y)}
                    {p.published || p.top1Source === 'reference' ? (
                      <span className="src src-reference">published</span>
                    ) : (
                      <span className="src src-measured">measured</span>
                    )}
                  </td>
                  <td className="num">{formatMs(p.p50Ms)}</td>
                  <td className="num">{formatThroughput(p.throughputIps)}</td>
                  {metric === 'efficiency' ? <td className="num">{formatPerWatt(p.ipsPerWatt)}</td> : null}
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
