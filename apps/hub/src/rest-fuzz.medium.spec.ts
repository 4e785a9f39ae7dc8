/**
 * Medium fuzz test (real PostgreSQL, embedded broker, HTTP): thousands of hostile requests over every route of the
 * committed OpenAPI document — NUL bytes and broken escapes in ids and queries, overlong URLs, oversized, malformed,
 * deeply nested or mistyped bodies, wrong content types, missing or forged credentials. None may answer 5xx, every
 * error is an ErrorBody, nothing is stored, and the hub stays up with bounded memory. Seeded: a failure reproduces.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { apiPaths } from '@fleetbench/protocol';
import pg from 'pg';
import { mediumHub } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-rest-fuzz-0123456789';
const medium = mediumHub(ADMIN);

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
}

interface Operation {
  method: string;
  path: string;
  body: boolean;
  /** Top-level fields of the JSON body, from the OpenAPI document. */
  fields: Record<string, JsonSchema>;
}

const openapi = JSON.parse(readFileSync(path.join(__dirname, '../openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
};
const OPERATIONS: Operation[] = Object.entries(openapi.paths).flatMap(([p, ops]) =>
  Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(),
    path: p,
    body: !!op.requestBody,
    fields: op.requestBody?.content?.['application/json']?.schema?.properties ?? {},
  })),
);

/** mulberry32: the same sequence of requests on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(11);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

/** Hostile path segments and query values, already percent-encoded where they must be. */
const HOSTILE_SEGMENTS = [
  '%00',
  'a%00b',
  '%2500',
  'x'.repeat(3000),
  'x'.repeat(9000),
  '%E0%A4%A',
  '%',
  '%zz',
  '..%2F..%2Fetc%2Fpasswd',
  "'%20OR%201%3D1%20--",
  '%F0%9F%98%80',
  '%ED%A0%80',
  '-1',
  '1e309',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '%C0%AF',
  '0'.repeat(64),
  'f'.repeat(65),
];
const QUERY_NAMES = [
  'campaignId',
  'deviceId',
  'modelId',
  'hardwareClassId',
  'state',
  'settingsKey',
  'deviceIds',
  'name',
  'flops',
  'preprocessing',
  'referenceMetrics',
  'expectedSha256',
  'family',
];

/** Strings, numbers and shapes that no field of any request body accepts in every place. */
const HOSTILE_VALUES: unknown[] = [
  'a\u0000b',
  '\u0000',
  'x'.repeat(100_000),
  '\ud800',
  -1,
  0,
  1e308,
  -1e308,
  2 ** 53 + 1,
  0.5,
  true,
  null,
  [],
  {},
  [null],
  ['\u0000'],
  Array.from({ length: 5000 }, (_, i) => `id-${i}`),
  { __proto__: { admin: true } },
  { $gt: '' },
  '../../../../etc/shadow',
];

/** A value of another JSON type than the field's (a NUL string when the field has no single type). */
function wrongType(schema: JsonSchema | undefined): unknown {
  switch (schema?.type) {
    case 'string':
      return pick([123, true, [], {}, null, ['a']]);
    case 'number':
    case 'integer':
      return pick(['1', [], {}, true, null, '1e309']);
    case 'array':
      return pick(['x', 1, {}, null, true]);
    case 'object':
      return pick(['x', 1, [], null, false]);
    case 'boolean':
      return pick(['true', 1, [], null]);
    default:
      return 'a\u0000b';
  }
}

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

interface Hostile {
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Fills `{param}` segments: a hostile value for one of them, harmless ones for the rest. */
function fill(op: Operation, hostile: string | null): string {
  return op.path.replace(/\{[^}]+\}/g, () => hostile ?? 'no-such-id');
}

const auth = { authorization: `Bearer ${ADMIN}` };
const json = { 'content-type': 'application/json' };

/** Requests that carry the admin token keep their input invalid, so none of them may store anything. */
function hostileRequests(op: Operation, n: number): Hostile[] {
  const out: Hostile[] = [];
  const hasParam = op.path.includes('{');
  for (let i = 0; i < n; i++) {
    const r = random();
    // A POST with a valid token and no body (or one the handler never reads) may be a valid request — a socket ticket,
    // an enrollment token with defaults — so POSTs carry the token only with bodies that are invalid by construction.
    const withToken = random() < 0.8 && (op.method !== 'POST' || (op.body && r >= 0.55));
    const headers: Record<string, string> = withToken ? { ...auth } : {};
    if (r < 0.25 && hasParam) {
      out.push({ kind: 'path', method: op.method, url: fill(op, pick(HOSTILE_SEGMENTS)), headers });
    } else if (r < 0.45) {
      const q = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const name = pick(QUERY_NAMES);
        return `${random() < 0.2 ? `${name}[a]` : name}=${pick(HOSTILE_SEGMENTS)}`;
      }).join('&');
      out.push({ kind: 'query', method: op.method, url: `${fill(op, null)}?${q}`, headers });
    } else if (r < 0.55) {
      // Credentials a client might forge; the input itself is harmless.
      const forged = pick([
        {},
        { authorization: 'Bearer wrong-token-0123456789abcdef' },
        { authorization: `Bearer ${'x'.repeat(6000)}` },
        { authorization: 'Basic %%%' },
        { authorization: `Basic ${Buffer.from('agent:pw').toString('base64')}` },
        { authorization: 'Bearer' },
        { authorization: `bearer ${ADMIN.toUpperCase()}` },
        { 'x-fleetbench-hook-secret': 'nope' },
      ]);
      out.push({ kind: 'credentials', method: op.method, url: fill(op, null), headers: forged });
    } else if (op.body || random() < 0.3) {
      const b = random();
      if (b < 0.15) {
        out.push({
          kind: 'oversized-body',
          method: op.method,
          url: fill(op, null),
          headers: { ...headers, ...json },
          body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }),
        });
      } else if (b < 0.3) {
        out.push({
          kind: 'malformed-json',
          method: op.method,
          url: fill(op, null),
          headers: { ...headers, ...json },
          body: pick([
            '{',
            '{"a":',
            'nul',
            '[1,]',
            '\u0000',
            '{"a":"\\u0000"}',
            '"\\ud800"',
            '{"__proto__":{"x":1}',
            '',
          ]),
        });
      } else if (b < 0.4) {
        out.push({
          kind: 'nested-json',
          method: op.method,
          url: fill(op, null),
          headers: { ...headers, ...json },
          body: nested(pick([100, 5000, 60_000])),
        });
      } else if (b < 0.5) {
        out.push({
          kind: 'content-type',
          method: op.method,
          url: fill(op, null),
          headers: {
            ...(op.path.endsWith('/models') || op.path.endsWith('/datasets') ? {} : headers),
            'content-type': pick([
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/json; charset=utf-16',
              'multipart/form-data; boundary=x',
              'application/octet-stream',
              'application/x-tar',
            ]),
          },
          body: pick(['a=1&b=%00', '{"name":"x"}', 'garbage\u0000bytes']),
        });
      } else {
        // The endpoint's own fields, hostile: at least one of the wrong JSON type (so even with a valid token the
        // request is invalid), the others mistyped, NUL-bearing, huge or prototype keys.
        const keys = Object.keys(op.fields).length ? Object.keys(op.fields) : ['name', 'label', 'token', 'path'];
        const body: Record<string, unknown> = {};
        for (const k of keys)
          if (random() < 0.6) body[k] = random() < 0.5 ? wrongType(op.fields[k]) : pick(HOSTILE_VALUES);
        const forced = pick(keys);
        body[forced] = wrongType(op.fields[forced]);
        out.push({
          kind: 'hostile-fields',
          method: op.method,
          url: fill(op, null),
          headers: { ...headers, ...json },
          body: JSON.stringify(body),
        });
      }
    } else {
      out.push({
        kind: 'method',
        method: pick(['PUT', 'PATCH', 'OPTIONS', 'TRACE']),
        url: fill(op, pick(HOSTILE_SEGMENTS)),
        headers,
      });
    }
  }
  return out;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** node:http, not fetch: it sends any method, a body on GET, and the request target exactly as written. */
function send(base: string, r: Hostile): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  // Node's client sends no Content-Length for a GET body by itself: the body would be read as a next request.
  const headers =
    r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, method: r.method, path: r.url, headers, agent: keepAlive },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

async function rowCounts(): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: medium.db.url });
  await c.connect();
  try {
    const tables = await c.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const out: Record<string, number> = {};
    for (const { t } of tables.rows)
      out[t] = Number((await c.query(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0].n);
    return out;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await medium.start();
});

afterAll(async () => {
  keepAlive.destroy();
  await medium.stop();
});

it('answers thousands of hostile requests over every route without a 5xx, storing nothing', async () => {
  const PER_OPERATION = Math.ceil(3100 / OPERATIONS.length);
  const requests = OPERATIONS.flatMap((op) => hostileRequests(op, PER_OPERATION));
  expect(requests.length).toBeGreaterThanOrEqual(3000);
  expect(new Set(requests.map((r) => r.kind)).size).toBeGreaterThanOrEqual(8);

  const before = await rowCounts();
  const rssBefore = process.memoryUsage().rss;
  const byKind: Record<string, Record<number, number>> = {};
  const failures: string[] = [];
  const base = medium.hub.url;
  // A few in flight at once, as a client hammering the API would.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests.length) {
        const r = requests[next++];
        let status: number;
        let text: string;
        try {
          ({ status, text } = await send(base, r));
        } catch (err) {
          failures.push(`${r.kind} ${r.method} ${r.url.slice(0, 120)}: ${(err as Error).message}`);
          continue;
        }
        (byKind[r.kind] ??= {})[status] = ((byKind[r.kind] ??= {})[status] ?? 0) + 1;
        if (status >= 500)
          failures.push(`${status} ${r.kind} ${r.method} ${r.url.slice(0, 120)} ${text.slice(0, 200)}`);
        // 431 comes from Node's HTTP parser (headers over 16 kB) before the app sees the request.
        else if (status >= 400 && status !== 431) {
          let body: { statusCode?: number; code?: string; message?: string } = {};
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            // reported below
          }
          if (body.statusCode !== status || typeof body.code !== 'string' || typeof body.message !== 'string')
            failures.push(
              `not an ErrorBody: ${status} ${r.kind} ${r.method} ${r.url.slice(0, 120)} ${text.slice(0, 200)}`,
            );
        }
      }
    }),
  );
  const rssAfter = process.memoryUsage().rss;
  if (process.env.FUZZ_REPORT)
    console.log(
      JSON.stringify({ requests: requests.length, byKind, rssMB: [rssBefore / 2 ** 20, rssAfter / 2 ** 20] }, null, 1),
    );

  expect(failures).toEqual([]);
  expect(await rowCounts()).toEqual(before);
  expect((await fetch(base + apiPaths.health)).status).toBe(200);
  // In-process hub plus the test: a leak of the bodies sent (≈ 300 kB each) would show as hundreds of MB.
  expect(rssAfter - rssBefore).toBeLessThan(200 * 2 ** 20);
});

it('oversized and NUL-bearing input is refused before authentication: 413 and 400 without a token', async () => {
  const base = medium.hub.url;
  const big = await fetch(base + apiPaths.campaigns, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ name: 'x'.repeat(400 * 1024) }),
  });
  expect(big.status).toBe(413);
  expect(await big.json()).toMatchObject({ statusCode: 413, code: 'payload-too-large' });
  const nulBody = await fetch(base + apiPaths.enrollmentTokens, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ label: 'a\u0000b' }),
  });
  expect(nulBody.status).toBe(400);
  for (const url of [
    `${apiPaths.devices}/a%00b`,
    `${apiPaths.results}?campaignId=%00`,
    `${apiPaths.jobs}?state=%E0%A4%A`,
  ]) {
    const res = await fetch(base + url, { headers: auth });
    expect([url, res.status]).toEqual([url, 400]);
    const anonymous = await fetch(base + url);
    expect([url, anonymous.status]).toEqual([url, 400]);
  }
});
