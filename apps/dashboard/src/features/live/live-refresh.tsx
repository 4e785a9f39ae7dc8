'use client';

import type { HubEvent } from '@fleetbench/protocol';
import { useDebouncedRefresh, useHubEvent } from './live-provider';

/** Re-render the server components of the page when one of these hub events arrives (debounced). */
export function LiveRefresh({ event, delayMs }: { event: HubEvent; delayMs?: number }) {
  const refresh = useDebouncedRefresh(delayMs);
  useHubEvent(event, refresh);
  return null;
}
