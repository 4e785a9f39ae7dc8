import { csvField, fileStem, toCsv } from '../../../../lib/export';
import { jobExportColumns } from '../../../../features/campaigns/job-export';
import { hubApi } from '../../../../lib/hub/api';
import { isHubError } from '../../../../lib/hub/errors';
import { getToken } from '../../../../lib/session';
import { plainTextResponse } from '../../../../lib/plain-response';

export const dynamic = 'force-dynamic';

/** Jobs read from the hub per request (GET /jobs?limit, then their result summaries). */
const CHUNK = 200;

/**
 * Browser → dashboard: every job of the campaign as CSV (the columns of the page's export), streamed a page of
 * GET /jobs at a time in the hub's page order (model name, device id, settings key, id), with the session cookie's
 * token; the campaign page itself shows one page of jobs. A hub failure after the first rows ends the file early
 * with an error line (the status is already sent).
 */
export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const token = await getToken();
  if (!token) return plainTextResponse(401, 'Sign in first.');
  let name: string;
  let deviceNames: Record<string, string>;
  try {
    const [campaign, devices] = await Promise.all([hubApi.campaignWithoutJobs(token, id), hubApi.devices(token)]);
    name = campaign.name;
    deviceNames = Object.fromEntries(devices.map((d) => [d.id, d.name]));
  } catch (err) {
    if (!isHubError(err)) throw err;
    const p = err.problem;
    const status = p.kind === 'unauthorized' ? 401 : p.kind === 'http' && p.status === 404 ? 404 : 502;
    return plainTextResponse(
      status,
      status === 404 ? 'No such campaign.' : status === 401 ? 'Sign in again.' : 'The hub refused.',
    );
  }
  const enc = new TextEncoder();
  let offset = 0;
  let header = true;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const jobs = await hubApi.jobsPage(token, { campaignId: id, limit: CHUNK, offset });
        const summaries = await hubApi.jobResultSummaries(
          token,
          jobs.map((j) => j.id),
        );
        // Newest first: the first of a job is its newest result.
        const byJob = new Map<string, (typeof summaries)[number]>();
        for (const s of summaries) if (!byJob.has(s.jobId)) byJob.set(s.jobId, s);
        let csv = toCsv(
          jobs,
          jobExportColumns(deviceNames, (jobId) => byJob.get(jobId)),
        );
        if (!header) csv = csv.slice(csv.indexOf('\r\n') + 2);
        header = false;
        controller.enqueue(enc.encode(csv));
        offset += jobs.length;
        if (jobs.length < CHUNK) controller.close();
      } catch (err) {
        controller.enqueue(enc.encode(`${csvField(`export stopped: ${(err as Error).message}`)}\r\n`));
        controller.close();
      }
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${fileStem(`campaign-${name}-jobs`)}.csv"`,
      'cache-control': 'no-store',
    },
  });
}
