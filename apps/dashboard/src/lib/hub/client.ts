import type { z } from 'zod';
import { ErrorBodySchema } from '@fleetbench/protocol';
import { getConfig } from '../../config';
import { HubError, problemFromFetchError } from './errors';

export type Query = Record<string, string | undefined>;

export function hubUrl(base: string, path: string, query: Query = {}): string {
  // Relative resolution keeps a path prefix of the base URL (a hub behind https://host/fleetbench).
  const url = new URL(path.replace(/^\/+/, ''), base.replace(/\/+$/, '') + '/');
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  return url.toString();
}

/**
 * GET a hub REST route with the user's bearer token and validate the body against the protocol schema.
 * Server-only (uses the server-side hub URL). Throws HubError for every failure.
 */
export async function hubGet<S extends z.ZodType>(
  path: string,
  token: string,
  schema: S,
  query?: Query,
): Promise<z.infer<S>> {
  const { hubUrl: base, hubTimeoutMs } = getConfig();
  const url = hubUrl(base, path, query);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(hubTimeoutMs),
    });
  } catch (err) {
    throw new HubError(problemFromFetchError(url, err));
  }
  return readBody(url, res, schema);
}

/** `ok` when the hub accepts the token, `rejected` when it answers 401/403; throws HubError otherwise. */
export async function checkToken(token: string, path: string): Promise<'ok' | 'rejected'> {
  const { hubUrl: base, hubTimeoutMs } = getConfig();
  const url = hubUrl(base, path);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(hubTimeoutMs),
    });
  } catch (err) {
    throw new HubError(problemFromFetchError(url, err));
  }
  await res.body?.cancel();
  if (res.ok) return 'ok';
  if (res.status === 401 || res.status === 403) return 'rejected';
  throw new HubError({ kind: 'http', url, status: res.status, detail: res.statusText });
}

/**
 * POST (or another write method) to the hub with the user's token; JSON body in, protocol-validated JSON out.
 * Throws HubError like hubGet (the hub's ErrorBody message becomes `detail`).
 */
export async function hubSend<S extends z.ZodType>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  token: string,
  schema: S,
  body?: unknown,
): Promise<z.infer<S>> {
  const { hubUrl: base, hubTimeoutMs } = getConfig();
  const url = hubUrl(base, path);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      cache: 'no-store',
      signal: AbortSignal.timeout(hubTimeoutMs * 4),
    });
  } catch (err) {
    throw new HubError(problemFromFetchError(url, err));
  }
  return readBody(url, res, schema);
}

/** Shared response handling of hubSend and uploads: 401 → unauthorized, ErrorBody → http, schema check. */
export async function readBody<S extends z.ZodType>(url: string, res: Response, schema: S): Promise<z.infer<S>> {
  if (res.status === 401 || res.status === 403) throw new HubError({ kind: 'unauthorized', url, status: res.status });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const eb = ErrorBodySchema.safeParse(body);
    throw new HubError({
      kind: 'http',
      url,
      status: res.status,
      code: eb.success ? eb.data.code : undefined,
      detail: eb.success ? eb.data.message : text.slice(0, 200) || res.statusText,
    });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HubError({
      kind: 'invalid-response',
      url,
      status: res.status,
      detail: first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'invalid body',
    });
  }
  return parsed.data;
}
