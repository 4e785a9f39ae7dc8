import { redirectToLogin } from '../session';
import { isHubError, type HubProblem } from './errors';

export type Loaded<T> = { ok: true; data: T } | { ok: false; problem: HubProblem };

/**
 * Await a hub call for a page: HubErrors become data the page renders as a message; a 401 (stale/revoked token)
 * sends the user back to /login. Anything else is a bug and goes to the error boundary.
 */
export async function load<T>(call: Promise<T>, pagePath: string): Promise<Loaded<T>> {
  try {
    return { ok: true, data: await call };
  } catch (err) {
    if (!isHubError(err)) throw err;
    if (err.problem.kind === 'unauthorized') redirectToLogin('expired', pagePath);
    return { ok: false, problem: err.problem };
  }
}
