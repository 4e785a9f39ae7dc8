'use client';

import { startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartDownloads } from '../../components/chart-downloads';
import { ExportButtons } from '../../components/export-buttons';
import { FilterSelect } from '../../components/filter-select';
import { PlainTick } from '../../components/plain-tick';
import type { ExportColumn } from '../../lib/export';
import { formatMs, formatPercent } from '../../lib/format';
import { logTicks, PALETTE } from '../chart/pareto';
import {
  compareClasses,
  describeRatio,
  heatColour,
  spreadLines,
  type CompareBy,
  type CompareModel,
  type CompareRowLike,
  type SpreadLine,
} from './compare';
import { FILL_CHART_BOX } from '../../components/chart-fill';

export interface CompareClass {
  id: string;
  name: string;
  devices: number | null;
}

/** Spread lines shown before "show all" (widest first; the export always has every line). */
const SPREAD_SHOWN = 20;

const CLASS_COLOURS = [PALETTE[0], PALETTE[1], PALETTE[4], PALETTE[2], PALETTE[6], PALETTE[3], PALETTE[8], PALETTE[5]];

export function CompareView({
  by = 'classes',
  classes,
  rows,
  settingsKey,
}: {
  by?: CompareBy;
  classes: CompareClass[];
  rows: CompareRowLike[];
  settingsKey: string;
}) {
  const subject = by === 'devices' ? 'device' : 'hardware_class';
  const ids = useMemo(() => classes.map((c) => c.id), [classes]);
  const { models, summary } = useMemo(() => compareClasses(rows, ids), [rows, ids]);
  const spread = useMemo(() => spreadLines(rows, ids), [rows, ids]);
  const families = useMemo(() => [...new Set(models.map((m) => m.family ?? 'other'))].sort(), [models]);
  const [family, setFamily] = useState('');
  const [allSpread, setAllSpread] = useState(false);
  // The bar chart sits below two tables of every model: draw it once the page is interactive, in a transition React
  // can interrupt, rather than inside hydration, where it was the largest single cost of the page.
  const [drawBars, setDrawBars] = useState(false);
  useEffect(() => {
    startTransition(() => setDrawBars(true));
  }, []);
  const bars = useRef<HTMLDivElement>(null);
  const shown = useMemo(
    () => (family ? models.filter((m) => (m.family ?? 'other') === family) : models),
    [models, family],
  );
  const name = (id: string) => classes.find((c) => c.id === id)?.name ?? id;
  const short = (i: number) => `${String.fromCharCode(65 + i)}`;

  const exportCols: ExportColumn<CompareModel>[] = useMemo(
    () => [
      { key: 'model', value: (m) => m.modelName },
      { key: 'family', value: (m) => m.family },
      ...classes.flatMap((c, i): ExportColumn<CompareModel>[] => [
        { key: `p50_ms_${c.name}`, value: (m) => m.p50[i] },
        ...(i > 0 ? [{ key: `ratio_${c.name}_vs_${classes[0]!.name}`, value: (m: CompareModel) => m.ratio[i] }] : []),
      ]),
    ],
    [classes],
  );
  const spreadCols: ExportColumn<SpreadLine>[] = [
    { key: subject, value: (l) => name(l.classId) },
    { key: 'model', value: (l) => l.modelName },
    { key: 'devices', value: (l) => l.devices },
    { key: 'min_p50_ms', value: (l) => l.minP50Ms },
    { key: 'max_p50_ms', value: (l) => l.maxP50Ms },
    { key: 'range', value: (l) => l.range },
    { key: 'cv', value: (l) => l.cv },
  ];
  const [lo, hi] = useMemo(() => {
    const v = shown.flatMap((m) => m.p50.filter((x): x is number => x !== null));
    return v.length ? [Math.min(...v) / 1.3, Math.max(...v) * 1.3] : [0.1, 1];
  }, [shown]);
  const barData = useMemo(
    () => shown.map((m) => Object.fromEntries([['model', m.modelName], ...m.p50.map((v, i) => [short(i), v])])),
    [shown],
  );

  return (
    <div data-testid="compare-view" data-models={models.length} data-by={by}>
      <div className="grid-2" data-testid="compare-summary">
        {summary.map((s, i) => (
          <div className="card" key={s.classId}>
            <h2>
              <span className="swatch-inline" style={{ color: CLASS_COLOURS[i % CLASS_COLOURS.length] }}>
                ■
              </span>{' '}
              {short(i)} · {name(s.classId)}
            </h2>
            {i === 0 ? (
              <p className="muted small">Baseline. Fastest on {s.wins} model(s).</p>
            ) : (
              <p data-testid="compare-geomean">
                <strong>{describeRatio(s.geomeanRatio)}</strong> than {short(0)}{' '}
                <span className="muted small">
                  (geometric mean over {s.common} common models; fastest on {s.wins})
                </span>
              </p>
            )}
          </div>
        ))}
      </div>

      <div className="toolbar">
        <FilterSelect
          label="Family"
          value={family}
          onChange={setFamily}
          allLabel="All families"
          options={families}
          testId="compare-family"
        />
        <span className="spacer" />
        <span className="muted small">
          {shown.length} models · {settingsKey}
        </span>
        <ExportButtons rows={shown} columns={exportCols} name={`compare-${settingsKey}`} testId="compare-export" />
      </div>

      <h2>Latency ratio per model</h2>
      <div className="table-wrap">
        <table className="table" data-testid="ratio-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="col-opt">
                Family
              </th>
              {classes.map((c, i) => (
                <th scope="col" className="num" key={c.id} title={c.name}>
                  {short(i)} p50 ms
                </th>
              ))}
              {classes.slice(1).map((c, j) => (
                <th scope="col" className="num" key={`r-${c.id}`} title={`${c.name} ÷ ${classes[0]!.name}`}>
                  {short(j + 1)} ÷ {short(0)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((m) => (
              <tr key={m.modelId} data-testid="ratio-row">
                <th scope="row" className="cell-name">
                  {m.modelName}
                </th>
                <td className="col-opt">{m.family ?? '—'}</td>
                {m.p50.map((v, i) => (
                  <td className={`num ${m.fastest === i ? 'strong' : ''}`} key={i}>
                    {formatMs(v)}
                  </td>
                ))}
                {m.ratio.slice(1).map((r, i) => (
                  <td className="num nowrap" key={`r${i}`} title={describeRatio(r)}>
                    {r === null ? '—' : `${r.toFixed(2)}×`}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="toolbar">
        <h2>p50 latency per model</h2>
        <span className="spacer" />
        <ChartDownloads target={bars} name={`compare-${settingsKey}`} testId="compare-download" />
      </div>
      <div
        ref={bars}
        className="chart-box"
        style={{ height: Math.max(320, shown.length * classes.length * 9 + 80) }}
        data-testid="compare-bars"
      >
        {drawBars ? (
          <BarChart
            {...FILL_CHART_BOX}
            data={barData}
            layout="vertical"
            margin={{ top: 8, right: 24, bottom: 8, left: 8 }}
            barGap={1}
          >
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" horizontal={false} />
            <XAxis
              type="number"
              scale="log"
              domain={[lo, hi]}
              ticks={logTicks(lo, hi)}
              allowDataOverflow
              stroke="var(--muted)"
              tickFormatter={(v: number) => formatMs(v)}
            />
            <YAxis
              type="category"
              dataKey="model"
              width={150}
              stroke="var(--muted)"
              tick={<PlainTick fontSize={11} />}
              interval={0}
            />
            <Tooltip
              isAnimationActive={false}
              contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--fg)' }}
              formatter={(v, k) => [`${formatMs(Number(v))} ms`, name(ids[String(k).charCodeAt(0) - 65] ?? '')]}
            />
            <Legend formatter={(k: string) => `${k} · ${name(ids[k.charCodeAt(0) - 65] ?? '')}`} />
            {classes.map((c, i) => (
              <Bar
                key={c.id}
                dataKey={short(i)}
                fill={CLASS_COLOURS[i % CLASS_COLOURS.length]}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        ) : null}
      </div>

      <h2>Heatmap: models × {by === 'devices' ? 'devices' : 'hardware'}</h2>
      <p className="muted small">
        Cell: p50 ms; colour: how much slower than the model’s fastest selected{' '}
        {by === 'devices' ? 'device' : 'hardware'} (green = fastest, red ≥ 10×).
      </p>
      <div className="table-wrap">
        <table className="table heatmap" data-testid="heatmap">
          <thead>
            <tr>
              <th scope="col">Model</th>
              {classes.map((c, i) => (
                <th scope="col" className="num" key={c.id} title={c.name}>
                  {short(i)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((m) => (
              <tr key={m.modelId}>
                <th scope="row" className="cell-name">
                  {m.modelName}
                </th>
                {m.p50.map((v, i) =>
                  v === null ? (
                    <td key={i} className="heat-missing">
                      —
                    </td>
                  ) : (
                    <td
                      key={i}
                      className="heat"
                      style={{ background: heatColour(m.relative[i] ?? null) }}
                      title={`${name(ids[i]!)}: ${formatMs(v)} ms, ${(m.relative[i] ?? 1).toFixed(2)}× the fastest`}
                    >
                      {formatMs(v)}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Unit-to-unit spread</h2>
      {by === 'devices' ? (
        <p className="muted" data-testid="spread-empty">
          Comparing single devices: the ratio table above is the unit-to-unit comparison. Compare by hardware class for
          the spread of every class with several devices.
        </p>
      ) : spread.length ? (
        <>
          <div className="toolbar">
            <span className="muted small">
              Per-device median p50 of classes with several devices; widest spread first.
            </span>
            <span className="spacer" />
            <ExportButtons
              rows={spread}
              columns={spreadCols}
              name={`unit-spread-${settingsKey}`}
              testId="spread-export"
            />
          </div>
          <div className="table-wrap">
            <table className="table" data-testid="spread-table">
              <thead>
                <tr>
                  <th scope="col">Hardware</th>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Devices
                  </th>
                  <th scope="col" className="num">
                    Fastest unit
                  </th>
                  <th scope="col" className="num">
                    Slowest unit
                  </th>
                  <th scope="col" className="num">
                    Range
                  </th>
                  <th scope="col" className="num">
                    CV
                  </th>
                </tr>
              </thead>
              <tbody>
                {(allSpread ? spread : spread.slice(0, SPREAD_SHOWN)).map((l) => (
                  <tr key={`${l.classId}/${l.modelId}`}>
                    <td>{name(l.classId)}</td>
                    <th scope="row" className="cell-name">
                      {l.modelName}
                    </th>
                    <td className="num">{l.devices}</td>
                    <td className="num">{formatMs(l.minP50Ms)}</td>
                    <td className="num">{formatMs(l.maxP50Ms)}</td>
                    <td className="num">{formatPercent(l.range)}</td>
                    <td className="num">{formatPercent(l.cv)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {spread.length > SPREAD_SHOWN ? (
            <p>
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() => setAllSpread((v) => !v)}
                data-testid="spread-toggle"
              >
                {allSpread ? `Show the widest ${SPREAD_SHOWN}` : `Show all ${spread.length}`}
              </button>
            </p>
          ) : null}
        </>
      ) : (
        <p className="muted" data-testid="spread-empty">
          No selected class has results from two or more devices yet.
        </p>
      )}
    </div>
  );
}
