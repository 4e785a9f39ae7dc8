/**
 * Short-lived socket.io tickets in the browser (pure; no React). The hub's API token never reaches client code:
 * the server renders one single-use ticket (getLiveCredentials), and every later (re)connect asks the dashboard's
 * cookie-authenticated route for a fresh one.
 */

/** Same-origin route handler that mints a ticket with the session cookie (src/app/api/live-ticket/route.ts). */
export const LIVE_TICKET_PATH = '/api/live-ticket';

export type SocketAuth = Record<string, string>;

/**
 * socket.io-client `auth` callback: the first connect uses `initial` (the server-rendered ticket) when it has one;
 * each later attempt calls `fetchTicket`. A failed fetch sends empty auth: the hub refuses it and the provider's
 * retry asks again.
 */
export function ticketAuth(
  initial: SocketAuth,
  fetchTicket: () => Promise<string | null>,
): (cb: (data: SocketAuth) => void) => void {
  let pending: SocketAuth | null = initial.ticket ? initial : null;
  return (cb) => {
    const use = pending;
    pending = null; // a ticket works once
    if (use) {
      cb(use);
      return;
    }
    fetchTicket().then(
      (ticket) => cb(ticket ? { ticket } : {}),
      () => cb({}),
    );
  };
}

/** POSTs to the ticket route; the ticket, or null when signed out / the hub is unreachable. */
export async function fetchLiveTicket(
  path: string = LIVE_TICKET_PATH,
  fetchImpl: typeof fetch = fetch,
): Promise<string | null> {
  const res = await fetchImpl(path, { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) return null;
  const body = (await res.json().catch(() => null)) as { ticket?: unknown } | null;
  return typeof body?.ticket === 'string' && body.ticket ? body.ticket : null;
}
