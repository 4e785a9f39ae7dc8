'use server';

import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getConfig } from '../../config';
import { hubApi } from '../../lib/hub/api';
import { describeHubProblem, isHubError } from '../../lib/hub/errors';
import { SESSION_COOKIE, SESSION_MAX_AGE_S, safeNextPath } from '../../lib/session-cookie';

export interface LoginState {
  error?: string;
  hint?: string;
}

/** Check the token against the hub (GET /api/v1/devices: 200 vs 401), then keep it in an httpOnly cookie. */
export async function login(_prev: LoginState, form: FormData): Promise<LoginState> {
  const token = String(form.get('token') ?? '').trim();
  const next = safeNextPath(form.get('next'));
  if (!token) return { error: 'Enter the hub API token.' };
  try {
    const verdict = await hubApi.checkToken(token);
    if (verdict === 'rejected') {
      return {
        error: 'The hub rejected this token.',
        hint: 'Use FLEETBENCH_ADMIN_TOKEN from the hub’s environment, or the token the hub printed at its first start.',
      };
    }
  } catch (err) {
    if (isHubError(err)) {
      const d = describeHubProblem(err.problem);
      return { error: d.title, hint: d.hint };
    }
    throw err;
  }
  const cfg = getConfig();
  const secure =
    cfg.cookieSecure === 'auto' ? (await headers()).get('x-forwarded-proto') === 'https' : cfg.cookieSecure;
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: SESSION_MAX_AGE_S,
  });
  redirect(next);
}

export async function logout(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
  redirect('/login');
}
