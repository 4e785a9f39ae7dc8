import type { Metadata } from 'next';
import { EmptyState } from '../../components/empty-state';
import { HubErrorNotice } from '../../components/hub-error';
import { getConfig } from '../../config';
import { groupLeaderboard, selectLeaderboard } from '../../features/leaderboard/leaderboard';
import { LeaderboardPicker, type PickerClass } from '../../features/leaderboard/leaderboard-picker';
import { LeaderboardTable } from '../../features/leaderboard/leaderboard-table';
import { describeSettingsKey } from '../../features/leaderboard/settings-key';
import { LiveRefresh } from '../../features/live/live-refresh';
import { hubApi } from '../../lib/hub/api';
import { load } from '../../lib/hub/load';
import { requireToken } from '../../lib/session';

export const metadata: Metadata = { title: 'Leaderboard · Fleetbench' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function one(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export default async function LeaderboardPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const want = { classId: one(sp.class), settingsKey: one(sp.settings) };
  const qs = new URLSearchParams();
  if (want.classId) qs.set('class', want.classId);
  if (want.settingsKey) qs.set('settings', want.settingsKey);
  const here = `/leaderboard${qs.size ? `?${qs.toString()}` : ''}`;
  const token = await requireToken(here);
  const [rows, classes] = await Promise.all([load(hubApi.leaderboard(token), here), load(hubApi.hardwareClasses(token), here)]);

  if (!rows.ok) {
    return (
      <section>
        <h1>Leaderboard</h1>
        <HubErrorNotice problem={rows.problem} />
      </section>
    );
  }

  const groups = groupLeaderboard(rows.data, classes.ok ? classes.data : []);
  const sel = selectLeaderboard(groups, want);
  const hubUrl = getConfig().hubPublicUrl;

  return (
    <section>
      <LiveRefresh event="result.created" />
      <h1>Leaderboard</h1>
      {!sel ? (
        <EmptyState title="No results yet — create a campaign:">
          <p>Register a model, then start a campaign over your devices; results appear here as they arrive.</p>
          <pre className="code">{`curl -X POST ${hubUrl}/api/v1/campaigns \\
  -H "Authorization: Bearer $FLEETBENCH_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{"name": "first run", "modelIds": ["<model id>"], "devices": {"all": true}}'`}</pre>
          <p className="muted">
            Model ids: <span className="mono">GET {hubUrl}/api/v1/models</span>. Devices: see the Fleet page.
          </p>
        </EmptyState>
      ) : (
        <>
          <LeaderboardPicker
            classes={groups.map(
              (g): PickerClass => ({
                id: g.hardwareClassId,
                name: g.hardwareClassName,
                isReference: g.isReference,
                settings: g.settings.map((s) => ({ key: s.settingsKey, label: describeSettingsKey(s.settingsKey) })),
              }),
            )}
            classId={sel.group.hardwareClassId}
            settingsKey={sel.settings.settingsKey}
          />
          <p className="caption" data-testid="leaderboard-caption">
            <strong>{sel.group.hardwareClassName}</strong>
            {sel.group.devices !== null && !sel.group.isReference ? (
              <>
                {' '}
                · {sel.group.devices} device{sel.group.devices === 1 ? '' : 's'}
              </>
            ) : null}{' '}
            · {describeSettingsKey(sel.settings.settingsKey)}
          </p>
          {sel.group.isReference ? (
            <div className="notice notice-info" data-testid="reference-notice">
              Published reference figures, not measured by this fleet; they are never mixed into measured results.
            </div>
          ) : null}
          <LeaderboardTable rows={sel.settings.rows} />
          <p className="muted small">
            Medians over each model’s valid results in this class; flagged results (busy, throttled, too few samples) are
            counted but not ranked. Top-1 is <em>measured</em> where an accuracy job ran on this hardware, otherwise the
            published <em>reference</em> figure.
          </p>
          {classes.ok ? null : <HubErrorNotice problem={classes.problem} />}
        </>
      )}
    </section>
  );
}
