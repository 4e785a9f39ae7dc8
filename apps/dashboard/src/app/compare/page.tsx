import type { Metadata } from 'next';
import Link from 'next/link';
import type { LeaderboardRow } from '@fleetbench/protocol';
import { EmptyState } from '../../components/empty-state';
import { HubErrorNotice } from '../../components/hub-error';
import { ComparePicker } from '../../features/compare/compare-picker';
import { CompareView } from '../../features/compare/compare-view';
import { commonSettings, indexClasses } from '../../features/leaderboard/leaderboard-index';
import { compareSettingsKeys, describeSettingsKey } from '../../features/leaderboard/settings-key';
import { LiveRefresh } from '../../features/live/live-refresh';
import { hubApi } from '../../lib/hub/api';
import { load } from '../../lib/hub/load';
import { many, one, pathWith, type SearchParams } from '../../lib/params';
import { requireToken } from '../../lib/session';

export const metadata: Metadata = { title: 'Compare hardware · Fleetbench' };

export default async function ComparePage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const wantIds = many(sp.classes);
  const wantKey = one(sp.settings);
  const here = pathWith('/compare', { classes: wantIds.join(','), settings: wantKey });
  const token = await requireToken(here);
  const [index, hwClasses] = await Promise.all([
    load(hubApi.leaderboardIndex(token), here),
    load(hubApi.hardwareClasses(token), here),
  ]);
  if (!index.ok) {
    return (
      <section>
        <h1>Compare hardware</h1>
        <HubErrorNotice problem={index.problem} />
      </section>
    );
  }
  const all = indexClasses(index.data, hwClasses.ok ? hwClasses.data : []).filter((c) => !c.isReference);
  let picked = wantIds.map((id) => all.find((c) => c.id === id)).filter((c): c is (typeof all)[number] => !!c);
  if (picked.length < 2)
    picked = all
      .slice()
      .sort((a, b) => b.models - a.models)
      .slice(0, 2);
  const common = commonSettings(picked);
  const settingsKey = wantKey && common.includes(wantKey) ? wantKey : common[0];
  const allKeys = [...new Set(all.flatMap((c) => c.settings.map((s) => s.key)))].sort(compareSettingsKeys);

  let rows: LeaderboardRow[] = [];
  const problems = [];
  if (picked.length >= 2 && settingsKey) {
    const loaded = await Promise.all(
      picked.map((c) => load(hubApi.leaderboard(token, { hardwareClassId: c.id, settingsKey }), here)),
    );
    for (const l of loaded) {
      if (l.ok) rows = rows.concat(l.data);
      else problems.push(l.problem);
    }
  }

  return (
    <section>
      <LiveRefresh event="result.created" delayMs={2000} />
      <h1>Compare hardware</h1>
      {all.length < 2 ? (
        <EmptyState title="Comparisons need results from two hardware classes">
          <p>
            Enroll devices of different hardware and run a <Link href="/campaigns">campaign</Link> on them. Published
            reference hardware is on the <Link href="/chart">speed vs accuracy</Link> page (never mixed with measured
            results).
          </p>
        </EmptyState>
      ) : (
        <>
          <ComparePicker
            classes={all.map((c) => ({ id: c.id, name: c.name, models: c.models }))}
            selected={picked.map((c) => c.id)}
            settings={allKeys.map((k) => ({ key: k, label: describeSettingsKey(k) }))}
            settingsKey={settingsKey ?? allKeys[0] ?? ''}
          />
          {problems.map((p, i) => (
            <HubErrorNotice key={i} problem={p} />
          ))}
          {!settingsKey ? (
            <div className="notice notice-warn" data-testid="compare-no-common">
              These classes have no settings in common; pick other classes or run the same settings on them.
            </div>
          ) : (
            <>
              <p className="caption" data-testid="compare-caption">
                {describeSettingsKey(settingsKey)} · measured medians (p50) per model; ratios against{' '}
                <strong>{picked[0]!.name}</strong>.
              </p>
              <CompareView
                classes={picked.map((c) => ({ id: c.id, name: c.name, devices: c.devices }))}
                rows={rows}
                settingsKey={settingsKey}
              />
            </>
          )}
        </>
      )}
    </section>
  );
}
