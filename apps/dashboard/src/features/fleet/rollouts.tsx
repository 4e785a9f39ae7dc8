'use client';

import { useActionState, useEffect } from 'react';
import { useRouter } from 'next/navigation';
import type { AgentPackage, Rollout, RolloutTargetState } from '@fleetbench/protocol';
import { rolloutAction, type RolloutState } from '../../app/devices/actions';
import { formatTimestamp } from '../../lib/format';

const TONE: Record<RolloutTargetState, string> = {
  pending: 'badge-off',
  sent: 'badge-off',
  succeeded: 'badge-ok',
  'rolled-back': 'badge-warn',
  failed: 'badge-bad',
};

/**
 * Agent versions: roll one out (to all devices or a tag) and follow recent rollouts per device. While a rollout is
 * active the page refreshes itself every few seconds (devices report over REST; there is no push event for it).
 */
export function RolloutsPanel({
  packages,
  rollouts,
  tags,
}: {
  packages: AgentPackage[];
  rollouts: Rollout[];
  tags: string[];
}) {
  const router = useRouter();
  const [state, action, pending] = useActionState<RolloutState, FormData>(rolloutAction, { error: null });
  const active = rollouts.some((r) => r.state === 'active');
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), 3000);
    return () => clearInterval(t);
  }, [active, router]);

  return (
    <details className="card" data-testid="rollouts" open={active || undefined}>
      <summary>
        <strong>Agent versions</strong>{' '}
        <span className="muted">
          {packages.length} on the hub
          {rollouts.length ? ` · ${active ? 'a rollout is running' : 'no rollout running'}` : ''}
        </span>
      </summary>
      <form action={action} className="toolbar" style={{ marginTop: '0.6rem' }} data-testid="rollout-form">
        <label className="field">
          <span>Version</span>
          <select name="version" data-testid="rollout-version" defaultValue={packages.find((p) => p.latest)?.version}>
            {packages.map((p) => (
              <option key={p.version} value={p.version}>
                {p.version}
                {p.latest ? ' (newest build)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Devices</span>
          <select name="tag" data-testid="rollout-tag" defaultValue="">
            <option value="">all devices</option>
            {tags.map((t) => (
              <option key={t} value={t}>
                tag {t}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Roll back if not online within (min)</span>
          <input name="confirmMinutes" type="number" min={0.1} max={60} step={0.1} defaultValue={5} />
        </label>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={pending || !packages.length}
          data-testid="rollout-submit"
        >
          {pending ? 'Starting…' : 'Roll out'}
        </button>
      </form>
      {state.error ? (
        <div className="notice notice-error" role="alert" data-testid="rollout-error">
          {state.error}
        </div>
      ) : null}
      {rollouts.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="rollout-table">
            <thead>
              <tr>
                <th>Version</th>
                <th>Started</th>
                <th>Devices</th>
              </tr>
            </thead>
            <tbody>
              {rollouts.slice(0, 5).map((r) => (
                <tr key={r.id} data-testid="rollout-row" data-state={r.state}>
                  <td>
                    <code>{r.version}</code>
                  </td>
                  <td>{formatTimestamp(r.createdAt)}</td>
                  <td>
                    {r.targets.map((t) => (
                      <span key={t.deviceId} style={{ marginRight: '0.6rem' }} title={t.message ?? undefined}>
                        {t.deviceName}{' '}
                        <span className={`badge ${TONE[t.state]}`} data-testid="rollout-target-state">
                          {t.state}
                        </span>
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </details>
  );
}
