/** What went wrong talking to the hub, as plain data (safe to pass from server to client components). */
export type HubProblemKind = 'unreachable' | 'timeout' | 'unauthorized' | 'http' | 'invalid-response';

export interface HubProblem {
  kind: HubProblemKind;
  /** Full URL of the request that failed (no credentials in it). */
  url: string;
  status?: number;
  /** `code` of the hub's ErrorBody, or the network error code (ECONNREFUSED, ENOTFOUND, ...). */
  code?: string;
  /** The hub's own sentence (ErrorBody.message) or a short technical detail. */
  detail?: string;
}

export class HubError extends Error {
  constructor(readonly problem: HubProblem) {
    super(describeHubProblem(problem).title);
    this.name = 'HubError';
  }
}

export function isHubError(e: unknown): e is HubError {
  return e instanceof HubError || (e instanceof Error && e.name === 'HubError' && 'problem' in e);
}

/** The hub's base URL (scheme://host:port) of a request URL, for messages like "cannot reach the hub at ...". */
export function hubOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** A sentence the user can act on, plus the detail worth showing below it. */
export function describeHubProblem(p: HubProblem): { title: string; hint: string } {
  const origin = hubOrigin(p.url);
  switch (p.kind) {
    case 'unreachable':
      return {
        title: `Cannot reach the hub at ${origin}${p.code ? ` (${p.code})` : ''}.`,
        hint: 'Check that the hub is running, or point the dashboard at it with FLEETBENCH_HUB_URL.',
      };
    case 'timeout':
      return {
        title: `The hub at ${origin} did not answer in time.`,
        hint: 'It may be overloaded or starting up; reload in a moment. FLEETBENCH_HUB_TIMEOUT_MS sets the limit.',
      };
    case 'unauthorized':
      return {
        title: `The hub at ${origin} rejected the API token.`,
        hint: 'Sign in again with a valid token (FLEETBENCH_ADMIN_TOKEN on the hub, or the one it printed at first start).',
      };
    case 'http':
      return {
        title: `The hub at ${origin} answered ${p.status ?? 'an error'}${p.code ? ` (${p.code})` : ''}.`,
        hint: p.detail ?? `Request: ${p.url}`,
      };
    case 'invalid-response':
      return {
        title: `The hub at ${origin} sent data this dashboard does not understand.`,
        hint: `${p.detail ?? 'Unexpected response'} — are the hub and dashboard the same version? (${p.url})`,
      };
  }
}

/** Map a fetch() rejection to a HubProblem. */
export function problemFromFetchError(url: string, err: unknown): HubProblem {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { kind: 'timeout', url };
  const code = e?.cause?.code;
  return { kind: 'unreachable', url, code, detail: e?.cause?.message ?? e?.message };
}

/** One sentence for a form: the hub's own message when it sent one, else what the problem means and what to do. */
export function errorMessage(err: unknown): string {
  if (isHubError(err)) {
    const d = describeHubProblem(err.problem);
    return (
      `${d.title} ${err.problem.detail && err.problem.kind === 'http' ? '' : d.hint}`.trim() +
      (err.problem.kind === 'http' && err.problem.detail ? ` ${err.problem.detail}` : '')
    );
  }
  return err instanceof Error ? err.message : String(err);
}
