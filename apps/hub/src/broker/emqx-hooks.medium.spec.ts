/**
 * Medium test (real PostgreSQL, HTTP): the EMQX HTTP authentication/authorization hooks. The hub runs with
 * `MQTT_URL` pointing at a stand-in external broker (an aedes instance that admits only the hub's account), and the
 * tests call the hooks as EMQX would. A stand-in for EMQX's REST API records the kicks of revoked devices. The hub's
 * log is captured at debug level and checked for every secret.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  apiPaths,
  BROKER_HOOK_SECRET_HEADER,
  brokerHookPaths,
  topics,
  type EmqxAuthnRequest,
  type EmqxAuthzRequest,
  type EnrollResponse,
} from '@fleetbench/protocol';
import pg from 'pg';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { enrollFakeAgent } from '../test-support/fake-agent';
import { mediumHub } from '../test-support/medium-hub';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker';

const ADMIN = 'test-admin-token-emqx-hooks-0123456789';
const HOOK_SECRET = 'test-hook-secret-emqx-0123456789abcdef';
/** Not `fleetbench-hub`: the hub's account is whatever MQTT_URL names. */
const HUB_USER = 'hub-on-emqx';
const HUB_PASSWORD = 'hub-password-on-emqx-0123456789';
const EMQX_API_KEY = 'emqx-api-key-test';
const EMQX_API_SECRET = 'emqx-api-secret-test-0123456789';
const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** Every secret this file sees; none may appear in the captured log. */
const secrets = new Set<string>([ADMIN, HOOK_SECRET, HUB_PASSWORD, EMQX_API_SECRET]);
const logLines: string[] = [];
/** Filled in before start (the stand-in broker's port is known only then). */
const env: Record<string, string> = { FLEETBENCH_BROKER_HOOK_SECRET: HOOK_SECRET };
const medium = mediumHub(ADMIN, {
  env,
  logger: createLogger('debug', { write: (line: string) => logLines.push(line) }),
});
let broker: EmbeddedBroker;

/** The stand-in for EMQX's REST API: records each request and answers `emqxApi.status` (404 = client not connected). */
const emqxApi = {
  status: 404,
  requests: [] as { method: string; url: string; authorization: string | undefined }[],
  server: http.createServer((req, res) => {
    emqxApi.requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(emqxApi.status).end();
  }),
};

beforeAll(async () => {
  await new Promise<void>((resolve) => emqxApi.server.listen(0, '127.0.0.1', resolve));
  env.FLEETBENCH_EMQX_API_URL = `http://127.0.0.1:${(emqxApi.server.address() as AddressInfo).port}`;
  env.FLEETBENCH_EMQX_API_KEY = EMQX_API_KEY;
  env.FLEETBENCH_EMQX_API_SECRET = EMQX_API_SECRET;
  broker = await startEmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    verifier: {
      verify: async (username, password) =>
        username === HUB_USER && password === HUB_PASSWORD ? { kind: 'hub' } : null,
    },
  });
  env.MQTT_URL = `mqtt://${HUB_USER}:${HUB_PASSWORD}@127.0.0.1:${broker.port}`;
  await medium.start();
});

afterAll(async () => {
  await medium.stop();
  await broker?.close();
  await new Promise((resolve) => emqxApi.server.close(resolve));
});

interface HookResponse {
  status: number;
  contentType: string | null;
  body: any;
}

const withSecret = { [BROKER_HOOK_SECRET_HEADER]: HOOK_SECRET };

/** POSTs like EMQX: JSON body from its placeholders, the secret header, no bearer token. */
async function hook(
  url: string,
  p: string,
  body: unknown,
  headers: Record<string, string> = withSecret,
): Promise<HookResponse> {
  const res = await fetch(url + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: parsed };
}

/** Authentication as EMQX renders it (peerhost included, as in deploy/emqx/emqx.conf). */
async function authn(req: EmqxAuthnRequest & Record<string, unknown>): Promise<string> {
  const r = await hook(medium.hub.url, brokerHookPaths.emqxAuthenticate, { peerhost: '10.0.0.7', ...req });
  expect(r.status).toBe(200);
  expect(r.contentType).toMatch(/^application\/json/);
  expect(r.body).toEqual({ result: expect.stringMatching(/^(allow|deny)$/), is_superuser: false });
  return r.body.result;
}

/** Authorization as EMQX renders it (qos and retain as strings). */
async function authz(clientid: string, username: string | null, action: 'publish' | 'subscribe', topic: string) {
  const req: EmqxAuthzRequest & Record<string, unknown> = {
    clientid,
    username,
    action,
    topic,
    qos: '1',
    retain: 'false',
  };
  const r = await hook(medium.hub.url, brokerHookPaths.emqxAuthorize, req);
  expect(r.status).toBe(200);
  expect(r.contentType).toMatch(/^application\/json/);
  expect(Object.keys(r.body)).toEqual(['result']);
  return r.body.result as string;
}

const agentLogin = (e: EnrollResponse, password = e.mqtt.password) =>
  authn({ clientid: e.agentId, username: e.agentId, password });

async function enroll(name: string): Promise<EnrollResponse> {
  const e = await enrollFakeAgent(medium, name);
  secrets.add(e.mqtt.password);
  return e;
}

async function sql(query: string, params: unknown[]): Promise<void> {
  const c = new pg.Client({ connectionString: medium.db.url });
  await c.connect();
  try {
    await c.query(query, params);
  } finally {
    await c.end();
  }
}

describe('EMQX authentication hook', () => {
  it('allows an enrolled agent with its own password and client id, never as superuser', async () => {
    const e = await enroll('emqx-a');
    expect(await agentLogin(e)).toBe('allow');
  });

  it('denies a wrong password, another client id, unknown users and missing credentials', async () => {
    const e = await enroll('emqx-b');
    expect(await agentLogin(e, `${e.mqtt.password}x`)).toBe('deny');
    expect(await agentLogin(e, '')).toBe('deny');
    expect(await authn({ clientid: 'someone-else', username: e.agentId, password: e.mqtt.password })).toBe('deny');
    // Unknown users are denied, not ignored: no later authenticator in EMQX's chain may admit them.
    expect(await authn({ clientid: 'agent-ffffffffffffffff', username: 'agent-ffffffffffffffff', password: 'x' })).toBe(
      'deny',
    );
    expect(await authn({ clientid: 'x', username: 'not an agent id!', password: 'x' })).toBe('deny');
    // EMQX renders placeholders the client did not send as "" (or null); those are missing credentials.
    expect(await authn({ clientid: e.agentId, username: '', password: '' })).toBe('deny');
    expect(await authn({ clientid: e.agentId, username: e.agentId, password: null })).toBe('deny');
    expect(await authn({ clientid: e.agentId })).toBe('deny');
  });

  it('allows the hub account of MQTT_URL only, with any client id, and not as superuser', async () => {
    expect(await authn({ clientid: 'fleetbench-hub-replica-1', username: HUB_USER, password: HUB_PASSWORD })).toBe(
      'allow',
    );
    expect(await authn({ clientid: 'x', username: HUB_USER, password: `${HUB_PASSWORD}x` })).toBe('deny');
    // The embedded broker's account name is not the hub on an external broker.
    expect(await authn({ clientid: 'x', username: 'fleetbench-hub', password: HUB_PASSWORD })).toBe('deny');
  });

  it('denies a revoked device, also when this hub still has its credentials cached (another replica revoked it)', async () => {
    const revokedHere = await enroll('emqx-revoked-here');
    expect(await agentLogin(revokedHere)).toBe('allow');
    expect((await medium.api('DELETE', apiPaths.device(revokedHere.agentId))).status).toBe(200);
    expect(await agentLogin(revokedHere)).toBe('deny');

    const revokedElsewhere = await enroll('emqx-revoked-elsewhere');
    expect(await agentLogin(revokedElsewhere)).toBe('allow'); // now in this hub's credential cache
    // What another hub replica's DELETE writes (device.repository revoke), without this replica hearing of it.
    await sql(`UPDATE "Device" SET "revokedAt" = now(), "passwordHash" = '' WHERE id = $1`, [revokedElsewhere.agentId]);
    expect(await agentLogin(revokedElsewhere)).toBe('deny');
    expect(
      await authz(
        revokedElsewhere.agentId,
        revokedElsewhere.agentId,
        'subscribe',
        topics.jobs(revokedElsewhere.agentId),
      ),
    ).toBe('deny');
  });

  it('denies a deleted device', async () => {
    const e = await enroll('emqx-deleted');
    expect(await agentLogin(e)).toBe('allow');
    expect(await authz(e.agentId, e.agentId, 'publish', topics.results(e.agentId))).toBe('allow');
    await sql(`DELETE FROM "Device" WHERE id = $1`, [e.agentId]);
    expect(await agentLogin(e)).toBe('deny');
    expect(await authz(e.agentId, e.agentId, 'publish', topics.results(e.agentId))).toBe('deny');
  });
});

describe("EMQX's REST API on revocation", () => {
  const kicks = (agentId: string) => emqxApi.requests.filter((r) => r.url === `/api/v5/clients/${agentId}`);

  it('kicks the live session of a revoked device, with the API key as HTTP Basic auth', async () => {
    const e = await enroll('emqx-kicked');
    emqxApi.status = 204;
    try {
      expect((await medium.api('DELETE', apiPaths.device(e.agentId))).status).toBe(200);
    } finally {
      emqxApi.status = 404;
    }
    const basic = `Basic ${Buffer.from(`${EMQX_API_KEY}:${EMQX_API_SECRET}`).toString('base64')}`;
    expect(kicks(e.agentId)).toEqual([{ method: 'DELETE', url: `/api/v5/clients/${e.agentId}`, authorization: basic }]);
    expect(await agentLogin(e)).toBe('deny');
  });

  it('reports an unconfirmed kick as 503 (the device stays revoked) and succeeds on retry', async () => {
    const e = await enroll('emqx-kick-fails');
    emqxApi.status = 500;
    try {
      const r = await medium.api('DELETE', apiPaths.device(e.agentId));
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.body)).toMatch(/retry the DELETE/);
      expect(await agentLogin(e)).toBe('deny');
    } finally {
      emqxApi.status = 404;
    }
    // 404 from EMQX: not connected (any more) — what revocation wants.
    expect((await medium.api('DELETE', apiPaths.device(e.agentId))).status).toBe(200);
    expect(kicks(e.agentId)).toHaveLength(2);
  });

  it('needs all three EMQX API variables, MQTT_URL, and no dynsec', () => {
    const base = { MQTT_URL: 'mqtt://hub:pw@emqx:1883' };
    const api = {
      FLEETBENCH_EMQX_API_URL: 'http://emqx:18083',
      FLEETBENCH_EMQX_API_KEY: 'k',
      FLEETBENCH_EMQX_API_SECRET: 's',
    };
    expect(loadConfig({ ...base, ...api }).emqxApi).toEqual({ url: 'http://emqx:18083', key: 'k', secret: 's' });
    expect(loadConfig(base).emqxApi).toBeNull();
    expect(() => loadConfig({ ...base, FLEETBENCH_EMQX_API_URL: api.FLEETBENCH_EMQX_API_URL })).toThrow(/all three/);
    expect(() => loadConfig(api)).toThrow(/needs MQTT_URL/);
    expect(() => loadConfig({ ...base, ...api, FLEETBENCH_MQTT_DYNSEC: '1' })).toThrow(/not both/);
  });
});

describe('EMQX authorization hook', () => {
  let a: EnrollResponse;
  let b: EnrollResponse;
  beforeAll(async () => {
    a = await enroll('emqx-authz-a');
    b = await enroll('emqx-authz-b');
  });

  it('lets an agent publish its own status, hardware, telemetry, events and results, and nothing else', async () => {
    for (const t of ['status', 'hardware', 'telemetry', 'events', 'results'] as const)
      expect({ t, r: await authz(a.agentId, a.agentId, 'publish', topics[t](a.agentId)) }).toEqual({ t, r: 'allow' });
    expect(await authz(a.agentId, a.agentId, 'publish', topics.results(b.agentId))).toBe('deny');
    expect(await authz(a.agentId, a.agentId, 'publish', topics.status(b.agentId))).toBe('deny');
    expect(await authz(a.agentId, a.agentId, 'publish', topics.jobs(a.agentId))).toBe('deny');
    expect(await authz(a.agentId, a.agentId, 'publish', topics.jobs(b.agentId))).toBe('deny');
    expect(await authz(a.agentId, a.agentId, 'publish', 'elsewhere/topic')).toBe('deny');
  });

  it('lets an agent subscribe to its own jobs only', async () => {
    expect(await authz(a.agentId, a.agentId, 'subscribe', topics.jobs(a.agentId))).toBe('allow');
    for (const filter of [
      topics.jobs(b.agentId),
      '#',
      'fleetbench/#',
      topics.allAgents('jobs'),
      topics.results(a.agentId),
      topics.shared('g', 'results'),
      '$SYS/#',
    ])
      expect({ filter, r: await authz(a.agentId, a.agentId, 'subscribe', filter) }).toEqual({ filter, r: 'deny' });
  });

  it('denies an agent whose client id is not its username, and unknown or missing usernames', async () => {
    expect(await authz('other-client', a.agentId, 'subscribe', topics.jobs(a.agentId))).toBe('deny');
    expect(
      await authz(
        'agent-ffffffffffffffff',
        'agent-ffffffffffffffff',
        'subscribe',
        topics.jobs('agent-ffffffffffffffff'),
      ),
    ).toBe('deny');
    expect(await authz(a.agentId, null, 'subscribe', topics.jobs(a.agentId))).toBe('deny');
    expect(await authz(a.agentId, '', 'publish', topics.results(a.agentId))).toBe('deny');
  });

  it('lets the hub account read every agent (shared subscriptions too) and publish jobs, within fleetbench/v1/', async () => {
    const hub = (action: 'publish' | 'subscribe', topic: string) =>
      authz('fleetbench-hub-host', HUB_USER, action, topic);
    expect(await hub('subscribe', topics.allAgents('results'))).toBe('allow');
    expect(await hub('subscribe', topics.allAgents('status'))).toBe('allow');
    expect(await hub('subscribe', topics.shared('fleetbench-hub', 'results'))).toBe('allow');
    expect(await hub('publish', topics.jobs(a.agentId))).toBe('allow');
    expect(await hub('subscribe', '#')).toBe('deny');
    expect(await hub('subscribe', '$SYS/#')).toBe('deny');
    expect(await hub('subscribe', '$share/g/#')).toBe('deny');
    expect(await hub('publish', 'elsewhere/topic')).toBe('deny');
    // The embedded broker's hub name is nobody here.
    expect(await authz('x', 'fleetbench-hub', 'subscribe', topics.allAgents('results'))).toBe('deny');
  });
});

describe('hook secret and request validation', () => {
  const good: EmqxAuthzRequest = { clientid: 'c', username: 'u', topic: 't', action: 'publish' };

  it('answers 401, and nothing else, without the right secret', async () => {
    const e = await enroll('emqx-secret');
    const valid = { clientid: e.agentId, username: e.agentId, password: e.mqtt.password };
    const wrong: Record<string, string>[] = [
      {},
      { [BROKER_HOOK_SECRET_HEADER]: '' },
      { [BROKER_HOOK_SECRET_HEADER]: 'wrong-secret-of-some-length' },
      { [BROKER_HOOK_SECRET_HEADER]: `${HOOK_SECRET.slice(0, -1)}X` }, // same length, last character differs
      { [BROKER_HOOK_SECRET_HEADER]: `${HOOK_SECRET}${HOOK_SECRET}` },
      { authorization: `Bearer ${ADMIN}` }, // the admin token is no hook secret
      { authorization: `Bearer ${HOOK_SECRET}` }, // nor is the secret accepted in another header
    ];
    for (const headers of wrong) {
      for (const [p, body] of [
        [brokerHookPaths.emqxAuthenticate, valid],
        [brokerHookPaths.emqxAuthorize, { ...good, clientid: e.agentId, username: e.agentId }],
        [brokerHookPaths.emqxAuthorize, { nonsense: true }], // the secret is checked before the body
      ] as const) {
        const r = await hook(medium.hub.url, p, body, headers);
        expect({ headers, p, status: r.status, code: r.body.code }).toEqual({
          headers,
          p,
          status: 401,
          code: 'unauthorized',
        });
        expect(r.body.result).toBeUndefined();
        expect(JSON.stringify(r.body)).not.toMatch(/allow|deny|agent-/);
      }
    }
    secrets.add('wrong-secret-of-some-length');
    secrets.add(`${HOOK_SECRET.slice(0, -1)}X`);
    // The right secret alone (no bearer token) is enough.
    expect((await hook(medium.hub.url, brokerHookPaths.emqxAuthenticate, valid)).body.result).toBe('allow');
  });

  it('answers 400 with the bad fields for malformed bodies', async () => {
    const cases: [string, unknown, string][] = [
      [brokerHookPaths.emqxAuthenticate, '{"clientid": "x", ', '(not JSON)'],
      [brokerHookPaths.emqxAuthenticate, { username: 'u', password: 'p' }, 'clientid'],
      [brokerHookPaths.emqxAuthenticate, { clientid: 'c', username: 42, password: 'p' }, 'username'],
      [brokerHookPaths.emqxAuthorize, { clientid: 'c', username: 'u', topic: 't' }, 'action'],
      [brokerHookPaths.emqxAuthorize, { ...good, action: 'delete' }, 'action'],
      [brokerHookPaths.emqxAuthorize, { ...good, topic: '' }, 'topic'],
      [brokerHookPaths.emqxAuthorize, [good], '(root)'],
    ];
    for (const [p, body, field] of cases) {
      const r = await hook(medium.hub.url, p, body);
      expect({ p, body, status: r.status }).toEqual({ p, body, status: 400 });
      expect(r.body.message).toEqual(expect.any(String));
      if (field !== '(not JSON)') expect(r.body.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      else expect(r.body.code).toBe('bad-request');
    }
  });
});

describe('hooks disabled', () => {
  // A second hub, on embedded defaults: no FLEETBENCH_BROKER_HOOK_SECRET.
  const plain = mediumHub(ADMIN);
  beforeAll(async () => {
    await plain.start();
  });
  afterAll(async () => {
    await plain.stop();
  });

  it('answers 404 with a clear message when FLEETBENCH_BROKER_HOOK_SECRET is unset, whatever the header', async () => {
    for (const p of [brokerHookPaths.emqxAuthenticate, brokerHookPaths.emqxAuthorize])
      for (const headers of [{}, withSecret]) {
        const r = await hook(plain.hub.url, p, { clientid: 'c', username: 'u', password: 'p' }, headers);
        expect(r.status).toBe(404);
        expect(r.body.code).toBe('not-found');
        expect(r.body.message).toMatch(/disabled.*FLEETBENCH_BROKER_HOOK_SECRET/);
      }
  });

  it('refuses a secret shorter than 16 characters at start', () => {
    expect(() => loadConfig({ FLEETBENCH_BROKER_HOOK_SECRET: 'too-short' })).toThrow(ConfigError);
    try {
      loadConfig({ FLEETBENCH_BROKER_HOOK_SECRET: 'too-short' });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toContain('FLEETBENCH_BROKER_HOOK_SECRET');
    }
    expect(loadConfig({ FLEETBENCH_BROKER_HOOK_SECRET: HOOK_SECRET }).brokerHookSecret).toBe(HOOK_SECRET);
    expect(loadConfig({ FLEETBENCH_BROKER_HOOK_SECRET: '' }).brokerHookSecret).toBeNull();
  });
});

describe('deploy/emqx/emqx.conf', () => {
  const conf = readFileSync(path.join(REPO_ROOT, 'deploy/emqx/emqx.conf'), 'utf8');
  const readme = readFileSync(path.join(REPO_ROOT, 'deploy/emqx/README.md'), 'utf8');
  /** The `{ ... }` block that follows `key` (balanced braces; HOCON comments stripped). */
  const block = (text: string, start: number): string => {
    const open = text.indexOf('{', start);
    let depth = 0;
    for (let i = open; i < text.length; i++) {
      if (text[i] === '{') depth++;
      if (text[i] === '}' && --depth === 0) return text.slice(open, i + 1);
    }
    throw new Error('unbalanced braces in emqx.conf');
  };
  const code = conf
    .split('\n')
    .map((l) => l.replace(/^\s*##.*$/, ''))
    .join('\n');
  const authentication = block(code, code.search(/^authentication\s*=\s*\[/m));
  const authorization = block(code, code.search(/^authorization\s*\{/m));
  const bodyKeys = (b: string) => [...block(b, b.search(/\bbody\s*\{/)).matchAll(/^\s*(\w+)\s*=\s*"\$\{(\w+)\}"/gm)];

  it('calls the hub routes of the code, with its secret header, by POST', () => {
    expect(authentication).toMatch(/mechanism\s*=\s*password_based/);
    expect(authentication).toMatch(/backend\s*=\s*http/);
    expect(authentication).toMatch(/method\s*=\s*post/);
    expect(authentication).toContain(`url = "__FLEETBENCH_HUB_URL__${brokerHookPaths.emqxAuthenticate}"`);
    expect(authentication).toContain(`"${BROKER_HOOK_SECRET_HEADER}" = "__FLEETBENCH_BROKER_HOOK_SECRET__"`);
    expect(authorization).toMatch(/type\s*=\s*http/);
    expect(authorization).toMatch(/method\s*=\s*post/);
    expect(authorization).toMatch(/no_match\s*=\s*deny/);
    expect(authorization).toContain(`url = "__FLEETBENCH_HUB_URL__${brokerHookPaths.emqxAuthorize}"`);
    expect(authorization).toContain(`"${BROKER_HOOK_SECRET_HEADER}" = "__FLEETBENCH_BROKER_HOOK_SECRET__"`);
    expect(authorization).not.toContain(brokerHookPaths.emqxAuthenticate);
    expect(readme).toContain(BROKER_HOOK_SECRET_HEADER);
    expect(readme).toContain('FLEETBENCH_BROKER_HOOK_SECRET');
    expect(readme).toContain(brokerHookPaths.emqxAuthenticate);
    expect(readme).toContain(brokerHookPaths.emqxAuthorize);
  });

  it('sends each field the hooks read, from the EMQX placeholder of the same name', () => {
    const authnBody = Object.fromEntries(bodyKeys(authentication).map((m) => [m[1], m[2]]));
    const authzBody = Object.fromEntries(bodyKeys(authorization).map((m) => [m[1], m[2]]));
    expect(authnBody).toMatchObject({ clientid: 'clientid', username: 'username', password: 'password' });
    expect(authzBody).toMatchObject({ clientid: 'clientid', username: 'username', topic: 'topic', action: 'action' });
    expect(authzBody).not.toHaveProperty('password');
  });

  it('is accepted by the hooks as rendered by EMQX (every body key parses)', async () => {
    const render = (b: string, values: Record<string, string>) =>
      Object.fromEntries(bodyKeys(b).map((m) => [m[1], values[m[2]] ?? '']));
    const e = await enroll('emqx-conf');
    const values = {
      clientid: e.agentId,
      username: e.agentId,
      password: e.mqtt.password,
      peerhost: '10.1.2.3',
      topic: topics.results(e.agentId),
      action: 'publish',
      qos: '1',
      retain: 'false',
    };
    const a = await hook(medium.hub.url, brokerHookPaths.emqxAuthenticate, render(authentication, values));
    expect(a).toMatchObject({ status: 200, body: { result: 'allow', is_superuser: false } });
    const z = await hook(medium.hub.url, brokerHookPaths.emqxAuthorize, render(authorization, values));
    expect(z).toMatchObject({ status: 200, body: { result: 'allow' } });
  });
});

describe('secrets in logs', () => {
  it('never logs the hook secret, agent passwords or the hub password; logs decisions', () => {
    const log = logLines.join('');
    expect(log).toContain('"level":20'); // debug lines were captured
    expect(log).toContain('EMQX connect allowed');
    expect(log).toContain('MQTT connect refused: bad username or password');
    expect(log).toContain('MQTT publish refused by ACL');
    for (const s of secrets) expect({ secret: s, found: log.includes(s) }).toEqual({ secret: s, found: false });
  });
});
