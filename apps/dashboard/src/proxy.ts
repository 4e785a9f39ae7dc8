import { NextResponse, type NextRequest } from 'next/server';
import { SESSION_COOKIE } from './lib/session-cookie';

/**
 * Optimistic auth check (Next 16 "proxy", formerly middleware): no session cookie → /login?next=<path>.
 * The hub is the real authority: pages that get a 401 with a stale cookie send the user to /login?reason=expired.
 */
export function proxy(req: NextRequest) {
  if (req.cookies.get(SESSION_COOKIE)?.value) return NextResponse.next();
  const url = req.nextUrl.clone();
  const next = req.nextUrl.pathname + req.nextUrl.search;
  url.pathname = '/login';
  url.search = '';
  if (next !== '/') url.searchParams.set('next', next);
  return NextResponse.redirect(url);
}

export const config = {
  // Everything except the login page, the health check, the model upload route (checks the cookie itself, and the
  // proxy would buffer large request bodies), the live-ticket route (checks the cookie itself; answers 401 as JSON)
  // and static assets.
  matcher: ['/((?!login|healthz|api/models/upload|api/live-ticket|_next/static|_next/image|favicon.ico|robots.txt).*)'],
};
