import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { getConfig } from '../config';
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

/** Called when the hub answers 401 to a stored token (revoked/rotated): back to the login form with a reason. */
export function redirectToLogin(reason: 'expired', nextPath = '/'): never {
  redirect(`/login?reason=${reason}&next=${encodeURIComponent(nextPath)}`);
}

/**
 * What the browser needs to open the live (socket.io) connection: `io(url, { auth })`.
 *
 * THE one place where a credential leaves the server for client code. Today `auth` carries the user's own API token
 * (the hub accepts it on socket.io, see CONTRACTS.md); to move to short-lived tickets, mint one here (e.g. POST to a
 * hub ticket route) and return `{ ticket }` instead — the client passes `auth` through unchanged.
 */
export interface LiveCredentials {
  url: string;
  auth: Record<string, string>;
}

export async function getLiveCredentials(): Promise<LiveCredentials | null> {
  const token = await getToken();
  if (!token) return null;
  return { url: getConfig().hubPublicUrl, auth: { token } };
}
