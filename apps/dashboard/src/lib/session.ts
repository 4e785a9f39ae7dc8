import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { apiPaths, SocketTicketSchema } from '@fleetbench/protocol';
import { getConfig } from '../config';
import { LIVE_TICKET_PATH } from '../features/live/live-ticket';
import { hubApi } from './hub/api';
import { hubSend } from './hub/client';
import { abilitiesOf, type Abilities } from './role';
import { isHubError } from './hub/errors';
import { SESSION_COOKIE } from './session-cookie';

/** The signed-in user's hub API token, from the httpOnly cookie; null when signed out. Server-only. */
export async function getToken(): Promise<string | null> {
  const store = await cookies();
  const v = store.get(SESSION_COOKIE)?.value;
  return v ? v : null;
}

/** Token or a redirect to /login (the proxy normally catches this first). */
export async function requireToken(nextPath = '/'): Promise<string> {
  const token = await getToken();
  if (!token) redirect(`/login?next=${encodeURIComponent(nextPath)}`);
  return token;
}

/**
 * What the signed-in token may do, from GET auth/whoami. When the hub cannot say, nothing beyond reading is offered
 * (the hub would refuse it anyway).
 */
export async function getAbilities(token: string): Promise<Abilities> {
  try {
    return abilitiesOf((await hubApi.whoami(token)).role);
  } catch {
    return abilitiesOf('viewer');
  }
}

/** Called when the hub answers 401 to a stored token (revoked/rotated): back to the login form with a reason. */
export function redirectToLogin(reason: 'expired', nextPath = '/'): never {
  redirect(`/login?reason=${reason}&next=${encodeURIComponent(nextPath)}`);
}

/**
 * What the browser needs to open the live (socket.io) connection: `io(url, { auth })`.
 *
 * THE one place where a credential leaves the server for client code, and it is never the API token: `auth` carries
 * a single-use ticket (60 s) minted here with POST /api/v1/auth/socket-ticket (empty when the hub could not be
 * reached; the client then asks `ticketPath`). Reconnects fetch a fresh ticket from `ticketPath`, a
 * cookie-authenticated route handler of the dashboard (src/app/api/live-ticket/route.ts).
 */
export interface LiveCredentials {
  url: string;
  auth: Record<string, string>;
  /** Same-origin route that mints a fresh ticket for each (re)connect. */
  ticketPath: string;
}

export async function getLiveCredentials(): Promise<LiveCredentials | null> {
  const token = await getToken();
  if (!token) return null;
  let auth: Record<string, string> = {};
  try {
    const { ticket } = await hubSend('POST', apiPaths.socketTicket, token, SocketTicketSchema);
    auth = { ticket };
  } catch (err) {
    if (!isHubError(err)) throw err; // hub down or token rejected: pages show that; the client retries the route
  }
  return { url: getConfig().hubPublicUrl, auth, ticketPath: LIVE_TICKET_PATH };
}
