import { apiPaths } from '@fleetbench/protocol';
import { getConfig } from '../../../../config';
import { hubUrl } from '../../../../lib/hub/client';
import { getToken } from '../../../../lib/session';
import { plainTextResponse } from '../../../../lib/plain-response';

export const dynamic = 'force-dynamic';

/**
 * Browser → dashboard: the campaign's report file (GET /api/v1/campaigns/:id/report.html), fetched with the session
 * cookie's token so a plain download link works; the token stays on the server. The hub's headers (attachment file
 * name, a CSP that lets the file load nothing) are passed on.
 */
export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const token = await getToken();
  if (!token) return plainTextResponse(401, 'Sign in first.');
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
    return plainTextResponse(502, 'The hub is unreachable.');
  }
  if (!res.ok) {
    await res.body?.cancel();
    const why = res.status === 404 ? 'No such campaign.' : res.status === 401 ? 'Sign in again.' : 'The hub refused.';
    return plainTextResponse(res.status, why);
  }
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const h of ['content-type', 'content-disposition', 'content-security-policy']) {
    const v = res.headers.get(h);
    if (v) headers.set(h, v);
  }
  return new Response(res.body, { status: 200, headers });
}
