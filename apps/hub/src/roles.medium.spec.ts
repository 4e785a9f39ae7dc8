/**
 * Medium test (real PostgreSQL, HTTP): API token roles over every route of the committed OpenAPI document. Each
 * route's least role (viewer reads; operator runs campaigns and registers models, datasets and zoo models; admin
 * manages tokens, devices and enrollment) is tried with a token of each role: a weaker token gets 403, an equal or
 * stronger one gets past the role check (whatever its input then earns), so every boundary is crossed both ways.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiPaths, roleAtLeast, type ApiRole, type CreatedApiToken, type WhoAmI } from '@fleetbench/protocol';
import { mediumHub } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-roles-0123456789';
const medium = mediumHub(ADMIN);

const openapi = JSON.parse(readFileSync(path.join(__dirname, '../openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};

/** Routes anyone may call (no token): health, enrollment, and EMQX's hooks (their own shared secret). */
const PUBLIC = new Set(['GET /api/v1/health', 'POST /api/v1/agents/enroll']);
const isPublic = (key: string) => PUBLIC.has(key) || key.includes('/broker/emqx/');

/** The least role of each route that is not the default (GET viewer, any other method operator). */
const EXPECTED: Record<string, ApiRole> = {
  'POST /api/v1/enrollment-tokens': 'admin',
  'POST /api/v1/agent/packages': 'admin',
  'POST /api/v1/agent/rollouts': 'admin',
  'DELETE /api/v1/devices/{id}': 'admin',
  'POST /api/v1/devices/{id}/reclassify': 'admin',
  'POST /api/v1/api-tokens': 'admin',
  'GET /api/v1/api-tokens': 'admin',
  'DELETE /api/v1/api-tokens/{id}': 'admin',
  'POST /api/v1/auth/socket-ticket': 'viewer',
  'GET /api/v1/changes/webhook': 'admin',
  'PUT /api/v1/changes/webhook': 'admin',
  'DELETE /api/v1/changes/webhook': 'admin',
  // Listed although GET's default: a report holds every result of a campaign, and viewers may share it.
  'GET /api/v1/campaigns/{id}/report.html': 'viewer',
};
const leastRole = (method: string, key: string): ApiRole => EXPECTED[key] ?? (method === 'GET' ? 'viewer' : 'operator');

const operations = Object.entries(openapi.paths)
  .flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: p, key: `${m.toUpperCase()} ${p}` })),
  )
  .filter((o) => !isPublic(o.key));

const tokens: Record<ApiRole, string> = { viewer: '', operator: '', admin: ADMIN };

beforeAll(async () => {
  await medium.start();
  for (const role of ['viewer', 'operator'] as const) {
    const r = await medium.api<CreatedApiToken>('POST', apiPaths.apiTokens, { label: role, role });
    expect(r.status).toBe(201);
    expect(r.body.role).toBe(role);
    tokens[role] = r.body.token;
  }
});

afterAll(async () => {
  await medium.stop();
});

it('knows every route of the OpenAPI document', () => {
  expect(operations.length).toBeGreaterThanOrEqual(25);
  for (const key of Object.keys(EXPECTED)) expect(operations.map((o) => o.key)).toContain(key);
});

it.each(['viewer', 'operator', 'admin'] as const)(
  'a %s token: 403 exactly where its role is too weak',
  async (role) => {
    const wrong: string[] = [];
    for (const op of operations) {
      // Operators register models and datasets as uploads (by path is the admin's: access-limits.medium.spec.ts).
      const upload = op.key === 'POST /api/v1/models' || op.key === 'POST /api/v1/datasets';
      const url = medium.hub.url + op.path.replace(/\{[^}]+\}/g, 'no-such-id') + (upload ? '?name=x' : '');
      const res = await fetch(url, {
        method: op.method,
        headers: {
          authorization: `Bearer ${tokens[role]}`,
          'content-type': upload ? 'application/octet-stream' : 'application/json',
        },
        body: op.method === 'GET' ? undefined : '{}',
      });
      const allowed = roleAtLeast(role, leastRole(op.method, op.key));
      if ((res.status === 403) === allowed)
        wrong.push(`${op.key}: ${res.status}, expected ${allowed ? 'not ' : ''}403 ${await res.text()}`);
      if (res.status >= 500) wrong.push(`${op.key}: ${res.status}`);
    }
    expect(wrong).toEqual([]);
  },
);

it('GET auth/whoami tells each token its role', async () => {
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    const r = await fetch(medium.hub.url + apiPaths.whoami, { headers: { authorization: `Bearer ${tokens[role]}` } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as WhoAmI).role).toBe(role);
  }
});
