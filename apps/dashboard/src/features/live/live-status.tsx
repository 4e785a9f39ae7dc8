'use client';

import { useLive } from './live-provider';

const LABEL = { 'signed-out': 'signed out', connecting: 'connecting', live: 'live', offline: 'offline' } as const;

/** `data-testid="live-status"`: text is exactly "live" while the socket.io connection is up. */
export function LiveStatus() {
  const { state, detail, url } = useLive();
  const title =
    state === 'live'
      ? `Live updates from ${url}`
      : state === 'offline'
        ? `No live connection to ${url}${detail ? ` (${detail})` : ''}; retrying`
        : state === 'connecting'
          ? `Connecting to ${url}`
          : 'Sign in for live updates';
  return (
    <span className={`live-status live-${state}`} title={title} aria-live="polite">
      <span className="live-dot" aria-hidden="true" />
      <span data-testid="live-status" data-state={state}>
        {LABEL[state]}
      </span>
    </span>
  );
}
