import { NextResponse, type NextRequest } from 'next/server';
import { apiPaths, ModelSchema } from '@fleetbench/protocol';
import { getConfig } from '../../../../config';
import { hubUrl, readBody } from '../../../../lib/hub/client';
import { describeHubProblem, HubError, isHubError, problemFromFetchError } from '../../../../lib/hub/errors';
import { getToken } from '../../../../lib/session';

const FIELDS = [
  'name',
  'family',
  'flops',
  'expectedSha256',
  'referenceMetrics',
  'preprocessing',
  'useProposedPreset',
] as const;

/**
 * Browser → dashboard → hub upload of an .onnx file: the body is streamed through unchanged as
 * application/octet-stream to POST /api/v1/models with the registration fields as query parameters.
 */
export async function POST(req: NextRequest) {
  const token = await getToken();
  if (!token) return NextResponse.json({ message: 'Sign in first.' }, { status: 401 });
  if (!req.body) return NextResponse.json({ message: 'Empty upload.' }, { status: 400 });
  const q: Record<string, string> = {};
  for (const f of FIELDS) {
    const v = req.nextUrl.searchParams.get(f);
    if (v) q[f] = v;
  }
  const url = hubUrl(getConfig().hubUrl, apiPaths.models, q);
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/octet-stream',
          ...(req.headers.get('content-length') ? { 'content-length': req.headers.get('content-length')! } : {}),
        },
        body: req.body,
        // @ts-expect-error Node's fetch needs duplex for a streamed request body (not in the DOM typings).
        duplex: 'half',
        cache: 'no-store',
      });
    } catch (err) {
      throw new HubError(problemFromFetchError(url, err));
    }
    const model = await readBody(url, res, ModelSchema);
    return NextResponse.json(model, { status: res.status });
  } catch (err) {
    if (!isHubError(err)) throw err;
    const d = describeHubProblem(err.problem);
    return NextResponse.json(
      { message: err.problem.detail && err.problem.kind === 'http' ? err.problem.detail : `${d.title} ${d.hint}` },
      { status: err.problem.status ?? 502 },
    );
  }
}
