import { apiPaths } from '@fleetbench/protocol';
import { getConfig } from '../../../../config';
import { hubUrl } from '../../../../lib/hub/client';
import { getToken } from '../../../../lib/session';

export const dynamic = 'force-dynamic';

/**
 * Browser → dashboard: the campaign's report file (GET /api/v1/campaigns/:id/report.html), fetched with the session
 * cookie's token so a plain download link works; the token stays on the server. The hub's headers (attachment file
 * name, a CSP that lets the file load nothing) are passed on.
 */
export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const token = await getToken();
  const text = (status: number, message: string) =>
    new Response(message, {
      status,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  if (!token) return text(401, 'Sign in first.');
  const { hubUrl: base, hubTimeoutMs } = getConfig();
  let res: Response;
  try {
    res = await fetch(hubUrl(base, apiPaths.campaignReport(id)), {
      headers: { authorization: `Bearer ${token}`, accept: 'text/html' },
      cache: 'no-store',
      // A large campaign takes longer to render than an ordinary read.
      signal: AbortSignal.timeout(hubTimeoutMs * 4),
    });
  } catch {
    return text(502, 'The hub is unreachable.');
  }
  if (!res.ok) {
    await res.body?.cancel();
    const why = res.status === 404 ? 'No such campaign.' : res.status === 401 ? 'Sign in again.' : 'The hub refused.';
    return text(res.status, why);
  }
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const h of ['content-type', 'content-disposition', 'content-security-policy']) {
    const v = res.headers.get(h);
    if (v) headers.set(h, v);
  }
  return new Response(res.body, { status: 200, headers });
}
