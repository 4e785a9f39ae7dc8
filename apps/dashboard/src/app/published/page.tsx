import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState } from '../../components/empty-state';
import { HubErrorNotice } from '../../components/hub-error';
import { catalogue, referenceHardware } from '../../features/chart/reference-data';
import { indexClasses, selectIndex } from '../../features/leaderboard/leaderboard-index';
import { describeSettingsKey } from '../../features/leaderboard/settings-key';
import { compareWithPublished, describePublishedRatio } from '../../features/published/published-compare';
import { PublishedRatioChart } from '../../features/published/published-ratio-chart';
import { formatMs } from '../../lib/format';
import { hubApi } from '../../lib/hub/api';
import { load } from '../../lib/hub/load';
import { one, pathWith, type SearchParams } from '../../lib/params';
import { requireToken } from '../../lib/session';
import { parseComparabilityKey } from '@fleetbench/protocol';

export const metadata: Metadata = { title: 'Against published hardware · Fleetbench' };

/** One fleet hardware class (one settings key) against one of PaddleClas's published hardware tables. */
export default async function PublishedPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  // The picker form sends `pick=<class id>|<settings key>` (class ids never hold "|"); links send class and settings.
  const pick = one(sp.pick) ?? '';
  const bar = pick.indexOf('|');
  const want = {
    classId: bar > 0 ? pick.slice(0, bar) : one(sp.class),
    settingsKey: bar > 0 ? pick.slice(bar + 1) : one(sp.settings),
    ref: one(sp.ref),
  };
  const here = pathWith('/published', { class: want.classId, settings: want.settingsKey, ref: want.ref });
  const token = await requireToken(here);
  const [index, hwClasses] = await Promise.all([
    load(hubApi.leaderboardIndex(token), here),
    load(hubApi.hardwareClasses(token), here),
  ]);
  if (!index.ok)
    return (
      <section>
        <h1>Against published hardware</h1>
        <HubErrorNotice problem={index.problem} />
      </section>
    );
  const classes = indexClasses(index.data, hwClasses.ok ? hwClasses.data : []);
  const sel = selectIndex(classes, want);
  const ref = referenceHardware.find((r) => r.id === want.ref) ?? referenceHardware[0]!;
  const rows = sel
    ? await load(hubApi.leaderboard(token, { hardwareClassId: sel.cls.id, settingsKey: sel.settingsKey }), here)
    : null;
  const fleetBatch = sel ? parseComparabilityKey(sel.settingsKey).batchSize : null;
  const comparison =
    rows?.ok && sel
      ? compareWithPublished(
          rows.data.filter((r) => r.rank !== null),
          catalogue,
          ref.id,
        )
      : null;

  return (
    <section>
      <h1>Against published hardware</h1>
      <p className="muted">
        A measured hardware class of this fleet beside one of PaddleClas&apos;s published latency tables, model by
        model. The published side is PaddleClas&apos;s own figure, copied from its documentation — not measured here and
        never mixed into fleet figures.
      </p>
      {!sel ? (
        <EmptyState title="No measured results yet.">
          <p>
            Register zoo models (<Link href="/models">Models</Link>) and run a <Link href="/campaigns">campaign</Link>;
            models are matched to PaddleClas&apos;s table by their catalogue name.
          </p>
        </EmptyState>
      ) : (
        <>
          <form className="toolbar" method="get" action="/published" data-testid="published-picker">
            <label className="field">
              Fleet class · settings
              <select name="pick" defaultValue={`${sel.cls.id}|${sel.settingsKey}`} data-testid="published-class">
                {classes.flatMap((c) =>
                  c.settings.map((s) => (
                    <option key={`${c.id}|${s.key}`} value={`${c.id}|${s.key}`}>
                      {c.name} · {s.label}
                    </option>
                  )),
                )}
              </select>
            </label>
            <label className="field">
              Published hardware
              <select name="ref" defaultValue={ref.id} data-testid="published-ref">
                {referenceHardware.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="btn">
              Compare
            </button>
          </form>
          <div className="notice notice-info" data-testid="published-notice">
            <strong>{ref.name}</strong>: {ref.device}, {ref.engine}, {ref.precision.toUpperCase()}, batch {ref.batch}
            {ref.threads ? `, ${ref.threads} thread${ref.threads === 1 ? '' : 's'}` : ''} — PaddleClas {ref.release}:{' '}
            {ref.method}. Fleet: median p50 of valid results on <strong>{sel.cls.name}</strong>,{' '}
            {describeSettingsKey(sel.settingsKey)}.
            {fleetBatch !== ref.batch ? (
              <>
                {' '}
                <strong>Batch sizes differ</strong> (fleet {fleetBatch}, published {ref.batch}): the ratios compare
                latency per batch as measured.
              </>
            ) : null}
          </div>
          {!rows?.ok ? (
            <HubErrorNotice problem={rows!.problem} />
          ) : comparison && comparison.rows.length ? (
            <>
              <p className="caption" data-testid="published-summary">
                {comparison.rows.length} model{comparison.rows.length === 1 ? '' : 's'} with a published figure ·
                geometric mean: <strong>{describePublishedRatio(comparison.geomeanRatio)}</strong>
              </p>
              <PublishedRatioChart
                rows={comparison.rows}
                reference={ref.name.replace(/ — published by PaddleClas$/, '')}
              />
              <div className="table-wrap">
                <table className="table" data-testid="published-table">
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col" className="num">
                        Fleet p50, ms (measured)
                      </th>
                      <th scope="col" className="num">
                        <span className="published-badge">published</span> PaddleClas, ms
                      </th>
                      <th scope="col" className="num">
                        Fleet ÷ published
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {comparison.rows.map((r) => (
                      <tr key={r.modelId} data-testid="published-row">
                        <td className="cell-name">
                          {r.modelName}
                          <div className="muted small">
                            {r.family ?? ''} · {r.results} result{r.results === 1 ? '' : 's'}
                          </div>
                        </td>
                        <td className="num">{formatMs(r.fleetP50Ms)}</td>
                        <td className="num">{formatMs(r.publishedMs)}</td>
                        <td className="num">{describePublishedRatio(r.ratio)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          ) : (
            <p className="muted" data-testid="published-none">
              None of this class&apos;s ranked models has a figure published for {ref.name}.
            </p>
          )}
          {comparison?.unmatched.length ? (
            <p className="muted small" data-testid="published-unmatched">
              Without a published figure here: {comparison.unmatched.join(', ')}.
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
