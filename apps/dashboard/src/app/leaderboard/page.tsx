import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState } from '../../components/empty-state';
import { HubErrorNotice } from '../../components/hub-error';
import { getConfig } from '../../config';
import { indexClasses, selectIndex } from '../../features/leaderboard/leaderboard-index';
import { LeaderboardPicker } from '../../features/leaderboard/leaderboard-picker';
import { LeaderboardTable } from '../../features/leaderboard/leaderboard-table';
import { describeSettingsKey } from '../../features/leaderboard/settings-key';
import { LiveRefresh } from '../../features/live/live-refresh';
import { hubApi } from '../../lib/hub/api';
import { load } from '../../lib/hub/load';
import { one, pathWith, type SearchParams } from '../../lib/params';
import { requireToken } from '../../lib/session';

export const metadata: Metadata = { title: 'Leaderboard · Fleetbench' };

export default async function LeaderboardPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const want = { classId: one(sp.class), settingsKey: one(sp.settings) };
  const here = pathWith('/leaderboard', { class: want.classId, settings: want.settingsKey });
  const token = await requireToken(here);
  const [index, hwClasses] = await Promise.all([
    load(hubApi.leaderboardIndex(token), here),
    load(hubApi.hardwareClasses(token), here),
  ]);

  if (!index.ok) {
    return (
      <section>
        <h1>Leaderboard</h1>
        <HubErrorNotice problem={index.problem} />
      </section>
    );
  }
  const classes = indexClasses(index.data, hwClasses.ok ? hwClasses.data : []);
  const sel = selectIndex(classes, want);
  const rows = sel
    ? await load(hubApi.leaderboard(token, { hardwareClassId: sel.cls.id, settingsKey: sel.settingsKey }), here)
    : null;
  const hubUrl = getConfig().hubPublicUrl;

  return (
    <section>
      <LiveRefresh event="results.created" />
      <h1>Leaderboard</h1>
      {!sel ? (
        <EmptyState title="No results yet — create a campaign:">
          <p>
            Register a model (<Link href="/models">Models</Link>), then start a <Link href="/campaigns">campaign</Link>{' '}
            over your devices; results appear here as they arrive.
          </p>
          <pre className="code">{`curl -X POST ${hubUrl}/api/v1/campaigns \\
  -H "Authorization: Bearer $FLEETBENCH_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{"name": "first run", "modelIds": ["<model id>"], "devices": {"all": true}}'`}</pre>
        </EmptyState>
      ) : (
        <>
          <LeaderboardPicker
            classes={classes.map((c) => ({ id: c.id, name: c.name, settings: c.settings }))}
            classId={sel.cls.id}
            settingsKey={sel.settingsKey}
          />
          <p className="caption" data-testid="leaderboard-caption">
            <strong>{sel.cls.name}</strong>
            {sel.cls.devices !== null ? (
              <>
                {' '}
                · {sel.cls.devices} device{sel.cls.devices === 1 ? '' : 's'}
              </>
            ) : null}{' '}
            · {describeSettingsKey(sel.settingsKey)} ·{' '}
            <Link href={pathWith('/chart', { class: sel.cls.id, settings: sel.settingsKey })} data-testid="to-chart">
              speed vs accuracy
            </Link>
          </p>
          {rows && rows.ok ? (
            <LeaderboardTable rows={rows.data} exportName={`leaderboard-${sel.cls.name}-${sel.settingsKey}`} />
          ) : rows ? (
            <HubErrorNotice problem={rows.problem} />
          ) : null}
          <p className="muted small">
            Medians over each model’s valid results in this class; flagged results (busy, throttled, too few samples)
            are counted but not ranked. Top-1 is <em>measured</em> where an accuracy job ran on this hardware, otherwise
            the <em>published</em> PaddleClas reference figure.
          </p>
          {hwClasses.ok ? null : <HubErrorNotice problem={hwClasses.problem} />}
        </>
      )}
    </section>
  );
}
