import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState } from '../../components/empty-state';
import { HubErrorNotice } from '../../components/hub-error';
import {
  classCompareRow,
  deviceCompareRows,
  type CompareBy,
  type CompareRowLike,
} from '../../features/compare/compare';
import { ComparePicker } from '../../features/compare/compare-picker';
import { CompareView } from '../../features/compare/compare-view';
import { commonSettings, indexClasses } from '../../features/leaderboard/leaderboard-index';
import { compareComparabilityKeys } from '@fleetbench/protocol';
import { describeSettingsKey } from '../../features/leaderboard/settings-key';
import { LiveRefresh } from '../../features/live/live-refresh';
import { hubApi } from '../../lib/hub/api';
import type { HubProblem } from '../../lib/hub/errors';
import { load } from '../../lib/hub/load';
import { many, one, pathWith, type SearchParams } from '../../lib/params';
import { requireToken } from '../../lib/session';

export const metadata: Metadata = { title: 'Compare hardware · Fleetbench' };

/** A compared subject: a hardware class or one device, with the settings it has results for. */
interface Subject {
  id: string;
  name: string;
  detail: string;
  devices: number | null;
  models: number;
  settings: { key: string; label: string; models: number }[];
}

export default async function ComparePage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const by: CompareBy = one(sp.by) === 'devices' ? 'devices' : 'classes';
  const wantIds = many(by === 'devices' ? sp.devices : sp.classes);
  const wantKey = one(sp.settings);
  const here = pathWith('/compare', {
    by: by === 'devices' ? 'devices' : undefined,
    [by]: wantIds.join(','),
    settings: wantKey,
  });
  const token = await requireToken(here);

  let all: Subject[] = [];
  let problem: HubProblem | null = null;
  if (by === 'classes') {
    const [index, hwClasses] = await Promise.all([
      load(hubApi.leaderboardIndex(token), here),
      load(hubApi.hardwareClasses(token), here),
    ]);
    if (index.ok)
      all = indexClasses(index.data, hwClasses.ok ? hwClasses.data : []).map((c) => ({
        ...c,
        detail: `${c.models} models`,
      }));
    else problem = index.problem;
  } else {
    const [index, devices] = await Promise.all([
      load(hubApi.deviceLeaderboardIndex(token), here),
      load(hubApi.devices(token), here),
    ]);
    if (index.ok && devices.ok) {
      const byDevice = new Map<string, Subject>();
      for (const d of devices.data)
        byDevice.set(d.id, {
          id: d.id,
          name: d.name,
          detail: d.hardwareClassName,
          devices: 1,
          models: 0,
          settings: [],
        });
      for (const e of index.data) {
        const s = byDevice.get(e.deviceId);
        if (!s) continue;
        s.models = Math.max(s.models, e.models);
        s.settings.push({ key: e.settingsKey, label: describeSettingsKey(e.settingsKey), models: e.models });
      }
      all = [...byDevice.values()]
        .filter((s) => s.settings.length)
        .map((s) => ({ ...s, detail: `${s.detail} · ${s.models} models` }))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const s of all) s.settings.sort((a, b) => compareComparabilityKeys(a.key, b.key));
    } else problem = index.ok ? (devices.ok ? null : devices.problem) : index.problem;
  }

  if (problem) {
    return (
      <section>
        <h1>Compare hardware</h1>
        <HubErrorNotice problem={problem} />
      </section>
    );
  }

  let picked = wantIds.map((id) => all.find((c) => c.id === id)).filter((c): c is Subject => !!c);
  if (picked.length < 2)
    picked = all
      .slice()
      .sort((a, b) => b.models - a.models)
      .slice(0, 2);
  const common = commonSettings(picked);
  const settingsKey = wantKey && common.includes(wantKey) ? wantKey : common[0];
  const allKeys = [...new Set(all.flatMap((c) => c.settings.map((s) => s.key)))].sort(compareComparabilityKeys);

  let rows: CompareRowLike[] = [];
  const problems: HubProblem[] = [];
  if (picked.length >= 2 && settingsKey) {
    if (by === 'classes') {
      const loaded = await Promise.all(
        picked.map((c) => load(hubApi.leaderboard(token, { hardwareClassId: c.id, settingsKey }), here)),
      );
      for (const l of loaded) {
        if (l.ok) rows = rows.concat(l.data.map(classCompareRow));
        else problems.push(l.problem);
      }
    } else {
      const l = await load(
        hubApi.deviceLeaderboard(
          token,
          picked.map((c) => c.id),
          settingsKey,
        ),
        here,
      );
      if (l.ok) rows = deviceCompareRows(l.data);
      else problems.push(l.problem);
    }
  }
  const noun = by === 'devices' ? 'devices' : 'hardware classes';

  return (
    <section>
      <LiveRefresh event="results.created" delayMs={2000} />
      <h1>Compare hardware</h1>
      {all.length < 2 ? (
        <>
          <ComparePicker key={by} by={by} options={[]} selected={[]} settings={[]} settingsKey="" />
          <EmptyState title={`Comparisons need valid results from two ${noun}`}>
            <p>
              Enroll devices and run a <Link href="/campaigns">campaign</Link> on them. Published reference hardware is
              on the <Link href="/chart">speed vs accuracy</Link> page (never mixed with measured results).
            </p>
          </EmptyState>
        </>
      ) : (
        <>
          <ComparePicker
            key={`${by}:${picked.map((c) => c.id).join(',')}:${settingsKey ?? ''}`}
            by={by}
            options={all.map((c) => ({ id: c.id, name: c.name, detail: c.detail }))}
            selected={picked.map((c) => c.id)}
            settings={allKeys.map((k) => ({ key: k, label: describeSettingsKey(k) }))}
            settingsKey={settingsKey ?? allKeys[0] ?? ''}
          />
          {problems.map((p, i) => (
            <HubErrorNotice key={i} problem={p} />
          ))}
          {!settingsKey ? (
            <div className="notice notice-warn" data-testid="compare-no-common">
              These {noun} have no settings in common; pick others or run the same settings on them.
            </div>
          ) : (
            <>
              <p className="caption" data-testid="compare-caption">
                {describeSettingsKey(settingsKey)} · measured medians (p50) per model
                {by === 'devices' ? ' over each device’s own valid results' : ''}; ratios against{' '}
                <strong>{picked[0]!.name}</strong>.
              </p>
              <CompareView
                by={by}
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
