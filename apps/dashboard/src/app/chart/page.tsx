import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState } from '../../components/empty-state';
import { HubErrorNotice } from '../../components/hub-error';
import { ChartPicker, type ChartSource } from '../../features/chart/chart-picker';
import {
  measuredPoints,
  parseXMetric,
  referencePoints,
  type ChartPoint,
  type XMetric,
} from '../../features/chart/pareto';
import { catalogue, findReference, referenceSources } from '../../features/chart/reference-data';
import { SpeedAccuracyChart, type ChartOverlay } from '../../features/chart/speed-accuracy-chart';
import { indexClasses, selectIndex } from '../../features/leaderboard/leaderboard-index';
import { describeSettingsKey } from '../../features/leaderboard/settings-key';
import { LiveRefresh } from '../../features/live/live-refresh';
import { hubApi } from '../../lib/hub/api';
import { load } from '../../lib/hub/load';
import type { HubProblem } from '../../lib/hub/errors';
import { many, one, pathWith, type SearchParams } from '../../lib/params';
import { requireToken } from '../../lib/session';

export const metadata: Metadata = { title: 'Speed vs accuracy · Fleetbench' };

export default async function ChartPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const want = { classId: one(sp.class), settingsKey: one(sp.settings) };
  const metric: XMetric = parseXMetric(one(sp.x));
  const wantOverlays = many(sp.overlay);
  const here = pathWith('/chart', {
    class: want.classId,
    settings: want.settingsKey,
    x: one(sp.x),
    overlay: wantOverlays.join(','),
  });
  const token = await requireToken(here);
  const [index, hwClasses] = await Promise.all([
    load(hubApi.leaderboardIndex(token), here),
    load(hubApi.hardwareClasses(token), here),
  ]);
  const classes = index.ok ? indexClasses(index.data, hwClasses.ok ? hwClasses.data : []) : [];
  const refs = referenceSources();
  const sources: ChartSource[] = [
    ...classes.map((c) => ({
      id: c.id,
      name: c.name,
      published: false,
      settings: c.settings.map((s) => ({ key: s.key, label: s.label })),
    })),
    ...refs.map((r) => ({ id: r.id, name: r.name, published: true, settings: [] })),
  ];

  let ref = findReference(want.classId);
  const sel = ref ? null : selectIndex(classes, want);
  if (!ref && !sel) ref = findReference(refs[0]?.id);

  let points: ChartPoint[] = [];
  let withoutTop1 = 0;
  let withoutEnergy: string[] = [];
  let energySources: string[] = [];
  let problem: HubProblem | null = index.ok ? null : index.problem;
  let title = '';
  if (ref) {
    points = referencePoints(catalogue, ref, metric);
    title = ref.name;
  } else if (sel) {
    const rows = await load(
      hubApi.leaderboard(token, { hardwareClassId: sel.cls.id, settingsKey: sel.settingsKey }),
      here,
    );
    if (rows.ok) {
      ({ points, withoutTop1, withoutEnergy } = measuredPoints(rows.data, metric));
      const plotted = new Set(points.map((p) => p.modelId));
      energySources = [
        ...new Set(rows.data.filter((r) => plotted.has(r.modelId)).flatMap((r) => r.energySources ?? [])),
      ].sort();
    } else problem = rows.problem;
    title = `${sel.cls.name} ${sel.settingsKey}`;
  }
  const sourceId = ref ? `ref:${ref.id}` : (sel?.cls.id ?? '');
  // Published series drawn beside a measured class (never beside another published one, never merged).
  // PaddleClas publishes no power figures: nothing to draw beside a speed-per-watt view.
  const overlays: ChartOverlay[] =
    sel && metric !== 'efficiency'
      ? refs
          .filter((r) => wantOverlays.includes(r.id))
          .map((r) => ({ id: r.id, name: r.name, points: referencePoints(catalogue, r.hw, metric) }))
      : [];

  return (
    <section>
      {/* Live unless the user picked published hardware (those figures never change). */}
      {findReference(want.classId) ? null : <LiveRefresh event="results.created" />}
      <h1>Speed vs accuracy</h1>
      <ChartPicker
        sources={sources}
        sourceId={sourceId}
        settingsKey={sel?.settingsKey ?? ''}
        x={metric}
        overlays={overlays.map((o) => o.id)}
      />
      {ref ? (
        <div className="notice notice-warn" data-testid="published-notice">
          <span className="published-badge">Published</span> <strong>{ref.name}.</strong> Figures published by
          PaddleClas ({ref.engine}, {ref.precision.toUpperCase()}, batch {ref.batch}
          {ref.threads ? `, ${ref.threads} thread${ref.threads > 1 ? 's' : ''}` : ''}, release {ref.release}) — not
          measured by this fleet and never mixed with measured results.{' '}
          <span className="muted small">Method: {ref.method}.</span>
        </div>
      ) : sel ? (
        <p className="caption" data-testid="chart-caption">
          <strong>{sel.cls.name}</strong> · {describeSettingsKey(sel.settingsKey)} ·{' '}
          <span className="src src-measured">measured</span>{' '}
          {metric === 'efficiency' ? (
            <span data-testid="chart-energy-caption">
              speed per watt: median img/s ÷ median average power (W) of the results that measured energy
              {energySources.length ? <> · energy source: {energySources.join(', ')}</> : null}
            </span>
          ) : (
            'latency'
          )}
          {withoutTop1 ? <> · {withoutTop1} model(s) without a top-1 figure not shown</> : null}
          {overlays.length ? (
            <>
              {' '}
              · beside <span className="published-badge">Published</span> {overlays.map((o) => o.name).join(', ')}{' '}
              (PaddleClas figures, drawn separately with their own dashed front)
            </>
          ) : null}{' '}
          · <Link href={pathWith('/leaderboard', { class: sel.cls.id, settings: sel.settingsKey })}>leaderboard</Link>
        </p>
      ) : null}
      {problem ? <HubErrorNotice problem={problem} /> : null}
      {withoutEnergy.length ? (
        <p className="notice" data-testid="chart-no-energy">
          <strong>No energy reading</strong> (not plotted): {withoutEnergy.join(', ')}. Their devices exposed no power
          sensor the agent could read (see each result’s energy reasons).
        </p>
      ) : null}
      {points.length ? (
        <SpeedAccuracyChart points={points} metric={metric} title={title} overlays={overlays} />
      ) : (
        <EmptyState title="Nothing to plot yet">
          <p>
            Models need a latency result on this hardware and a top-1 figure (measured, or the published one registered
            with the model){metric === 'efficiency' ? ', and for speed per watt an energy reading' : ''}. Run a{' '}
            <Link href="/campaigns">campaign</Link>, or pick published reference hardware above.
          </p>
        </EmptyState>
      )}
      <p className="muted small">
        Measured points: the hub’s leaderboard medians (p50 or throughput) against top-1 — measured on this fleet where
        an accuracy job ran, else the published figure registered with the model (marked “published” in the hover).
        Published hardware: PaddleClas’s own latency tables and top-1, drawn as diamonds with a dashed front.
      </p>
    </section>
  );
}
