/**
 * Medium test (real PostgreSQL, embedded broker, HTTP): device revocation, named API tokens, socket.io tickets, and
 * that no secret reaches the hub's log (pino at debug level captured in memory for the whole file).
 */
import {
  apiPaths,
  topics,
  type ApiToken,
  type Campaign,
  type CreatedApiToken,
  type Device,
  type EnrollResponse,
  type Model,
  type Result,
  type SocketTicket,
} from '@fleetbench/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { sharedPath } from '../../../test/support/shared-data';
import { createLogger } from './logger';
import { hardware, resultMessage, software } from './test-support/fixtures';
import { connectFakeAgent, fakeAgentOptions } from './test-support/fake-agent';
import { mediumHub, until } from './test-support/medium-hub';
import { AuthService } from './services/auth.service';
import { sha256Hex } from './utils/crypto';

const MNIST = sharedPath('models/mnist.onnx');
const ADMIN = 'test-admin-token-security-0123456789';

/** Every secret this file sees; none may appear in the captured log. */
const secrets = new Set<string>([ADMIN]);
const logLines: string[] = [];
const medium = mediumHub(ADMIN, { logger: createLogger('debug', { write: (line: string) => logLines.push(line) }) });
const api = medium.api;
const clients: MqttClient[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  await medium.start();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await medium.stop();
});

async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: medium.db.url });
  await c.connect();
  try {
    return (await c.query(query, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function enroll(name: string): Promise<EnrollResponse> {
  const tok = await api('POST', apiPaths.enrollmentTokens, { maxUses: 1 });
  expect(tok.status).toBe(201);
  secrets.add(tok.body.token);
  const res = await fetch(medium.hub.url + apiPaths.enroll, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: tok.body.token, name, hardware: hardware(), software }),
  });
  expect(res.status).toBe(201);
  const e = (await res.json()) as EnrollResponse;
  secrets.add(e.mqtt.password);
  return e;
}

const connectOptions = (e: EnrollResponse, session = 1): mqtt.IClientOptions => ({
  ...fakeAgentOptions(e, session),
  reconnectPeriod: 0,
});

const connectAgent = (e: EnrollResponse) => connectFakeAgent(e, clients, { reconnectPeriod: 0 });

const basic = (e: EnrollResponse) => `Basic ${Buffer.from(`${e.agentId}:${e.mqtt.password}`).toString('base64')}`;

/** Resolves with 'ready' or 'disconnect' (whichever the hub answers first). */
function openSocket(auth: Record<string, string>): Promise<{ socket: Socket; outcome: 'ready' | 'disconnect' }> {
  const socket = io(medium.hub.url, { auth, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('ready', () => resolve({ socket, outcome: 'ready' }));
    socket.once('disconnect', () => resolve({ socket, outcome: 'disconnect' }));
  });
}

async function ticket(bearer = ADMIN): Promise<SocketTicket> {
  const r = await api<SocketTicket>('POST', apiPaths.socketTicket, undefined, { authorization: `Bearer ${bearer}` });
  expect(r.status).toBe(201);
  secrets.add(r.body.ticket);
  return r.body;
}

async function createApiToken(label: string, expiresInDays?: number): Promise<CreatedApiToken> {
  const r = await api<CreatedApiToken>('POST', apiPaths.apiTokens, { label, expiresInDays });
  expect(r.status).toBe(201);
  secrets.add(r.body.token);
  return r.body;
}

describe('named API tokens', () => {
  it('creates a token shown once, stores only its sha256, lists it without secrets, and revokes it', async () => {
    const created = await createApiToken('ci', 30);
    expect(created).toMatchObject({ label: 'ci', admin: false, lastUsedAt: null });
    expect(created.token).toMatch(/^fbt_/);
    const days = (Date.parse(created.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    const [row] = await sql<{ tokenHash: string }>('SELECT "tokenHash" FROM "ApiToken" WHERE id = $1', [created.id]);
    expect(row.tokenHash).toBe(sha256Hex(created.token));
    const all = await sql<Record<string, unknown>>('SELECT * FROM "ApiToken"');
    expect(JSON.stringify(all)).not.toContain(created.token);
    expect(JSON.stringify(all)).not.toContain(ADMIN);

    const bearer = { authorization: `Bearer ${created.token}` };
    expect((await api('GET', apiPaths.devices, undefined, bearer)).status).toBe(200);
    await until(
      async () => (await api<ApiToken[]>('GET', apiPaths.apiTokens)).body.find((t) => t.id === created.id)?.lastUsedAt,
      'lastUsedAt recorded',
    );

    const list = await api<ApiToken[]>('GET', apiPaths.apiTokens);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.token);
    expect(list.body.map((t) => Object.keys(t).sort())).toContainEqual(
      ['admin', 'createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'role'].sort(),
    );
    const admin = list.body.find((t) => t.admin)!;
    expect(admin).toBeDefined();

    // Named tokens use the API but may not manage tokens or revoke devices.
    const forbidden = await api('POST', apiPaths.apiTokens, { label: 'x' }, bearer);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
    expect((await api('GET', apiPaths.apiTokens, undefined, bearer)).status).toBe(403);
    expect((await api('DELETE', apiPaths.device('agent-0000000000000000'), undefined, bearer)).status).toBe(403);

    // The admin token cannot be deleted through the API; unknown ids are 404.
    const adminDelete = await api('DELETE', apiPaths.apiToken(admin.id));
    expect(adminDelete.status).toBe(409);
    expect(adminDelete.body.code).toBe('conflict');

    const del = await api('DELETE', apiPaths.apiToken(created.id));
    expect(del.status).toBe(204);
    const after = await api('GET', apiPaths.devices, undefined, bearer);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthorized');
    expect((await api('DELETE', apiPaths.apiToken(created.id))).status).toBe(404);
  });

  it('refuses an expired token and answers bad input with 400', async () => {
    const t = await createApiToken('short-lived', 1);
    const bearer = { authorization: `Bearer ${t.token}` };
    expect((await api('GET', apiPaths.devices, undefined, bearer)).status).toBe(200);
    await sql(`UPDATE "ApiToken" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [t.id]);
    expect((await api('GET', apiPaths.devices, undefined, bearer)).status).toBe(401);

    const never = await createApiToken('forever');
    expect(never.expiresAt).toBeNull();

    for (const body of [{}, { label: '' }, { label: 'x', expiresInDays: 0 }, { label: 'x', expiresInDays: 1.5 }]) {
      const r = await api('POST', apiPaths.apiTokens, body);
      expect(r.status).toBe(400);
      expect(r.body.message).toBeTruthy();
    }
  });
});

describe('admin token rotation', () => {
  it('a new FLEETBENCH_ADMIN_TOKEN replaces the previous admin token at start and keeps named tokens', async () => {
    const named = await createApiToken('kept across rotation');
    const rotated = 'test-admin-token-rotated-9876543210';
    secrets.add(rotated);
    const auth = medium.hub.app.get(AuthService);
    const as = (bearer: string) =>
      api('GET', apiPaths.devices, undefined, { authorization: `Bearer ${bearer}` }).then((r) => r.status);
    try {
      await expect(auth.ensureAdminToken(rotated)).resolves.toEqual({ generated: false, token: null });
      expect(await as(ADMIN)).toBe(401);
      expect(await as(rotated)).toBe(200);
      expect(await as(named.token)).toBe(200);
      const admins = await sql<{ tokenHash: string }>('SELECT "tokenHash" FROM "ApiToken" WHERE admin');
      expect(admins).toEqual([{ tokenHash: sha256Hex(rotated) }]);
      // The same token again (a restart, or a second replica) changes nothing.
      await auth.ensureAdminToken(rotated);
      expect(await as(rotated)).toBe(200);
    } finally {
      await auth.ensureAdminToken(ADMIN); // the rest of this file uses ADMIN
    }
    expect(await as(ADMIN)).toBe(200);
    expect(await as(rotated)).toBe(401);
  });
});

describe('socket.io tickets', () => {
  it('accepts a ticket once, refuses reuse, unknown tickets and calls without a token', async () => {
    const t = await ticket();
    const ttl = Date.parse(t.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const first = await openSocket({ ticket: t.ticket });
    expect(first.outcome).toBe('ready');
    const again = await openSocket({ ticket: t.ticket });
    expect(again.outcome).toBe('disconnect');
    const wrong = await openSocket({ ticket: 'fbs_not-a-ticket' });
    expect(wrong.outcome).toBe('disconnect');
    // API clients may still use the token itself.
    expect((await openSocket({ token: ADMIN })).outcome).toBe('ready');

    const noBearer = await fetch(medium.hub.url + apiPaths.socketTicket, { method: 'POST' });
    expect(noBearer.status).toBe(401);
  });

  it('closes the sockets of a revoked API token and refuses its unused tickets', async () => {
    const named = await createApiToken('dashboard-viewer');
    const t1 = await ticket(named.token);
    const t2 = await ticket(named.token);
    const live = await openSocket({ ticket: t1.ticket });
    expect(live.outcome).toBe('ready');
    const closed = new Promise<void>((resolve) => live.socket.once('disconnect', () => resolve()));
    expect((await api('DELETE', apiPaths.apiToken(named.id))).status).toBe(204);
    await closed;
    expect((await openSocket({ ticket: t2.ticket })).outcome).toBe('disconnect');
  });
});

describe('device revocation', () => {
  it('kicks the live agent, refuses it afterwards, cancels its open jobs and keeps its results', async () => {
    const events: { event: string; payload: unknown }[] = [];
    const watcher = await openSocket({ ticket: (await ticket()).ticket });
    expect(watcher.outcome).toBe('ready');
    watcher.socket.onAny((event, payload) => events.push({ event, payload }));

    const model = await api<Model>('POST', apiPaths.models, { path: MNIST, name: 'mnist' });
    expect([200, 201]).toContain(model.status);
    const e = await enroll('doomed');
    const agent = await connectAgent(e);
    await until(async () => (await api<Device>('GET', apiPaths.device(e.agentId))).body.online, 'agent online');

    const c = await api<Campaign>('POST', apiPaths.campaigns, {
      name: 'revocation',
      modelIds: [model.body.id],
      devices: { ids: [e.agentId] },
      settings: [{ mode: 'latency' }, { mode: 'latency', batchSize: 2 }, { mode: 'latency', batchSize: 4 }],
    });
    expect(c.status).toBe(201);
    await until(async () => agent.jobs.length === 1, 'first assignment');
    const first = agent.jobs[0];

    // The agent may download with its credentials, and its first result is stored.
    const download = await fetch(medium.hub.url + first.model.downloadPath, { headers: { authorization: basic(e) } });
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    await agent.client.publishAsync(topics.results(e.agentId), JSON.stringify(resultMessage(first)), { qos: 1 });
    await until(async () => agent.jobs.length === 2, 'second assignment');

    const closed = new Promise<void>((resolve) => agent.client.once('close', () => resolve()));
    const revoked = await api<Device>('DELETE', apiPaths.device(e.agentId));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect(revoked.body.online).toBe(false);
    await closed; // the broker closed the live connection

    // Reconnecting with the old credentials is refused; so are downloads.
    await expect(mqtt.connectAsync(e.mqtt.url, connectOptions(e, 2))).rejects.toThrow(/bad username or password/i);
    const denied = await fetch(medium.hub.url + first.model.downloadPath, { headers: { authorization: basic(e) } });
    expect(denied.status).toBe(401);

    // Open jobs cancelled, the result kept, the campaign finished.
    const jobs = await api<{ state: string; error: { code: string } | null }[]>(
      'GET',
      `${apiPaths.jobs}?campaignId=${c.body.id}`,
    );
    expect(jobs.body.map((j) => j.state).sort()).toEqual(['cancelled', 'cancelled', 'succeeded']);
    expect(jobs.body.filter((j) => j.state === 'cancelled').every((j) => j.error?.code === 'device-revoked')).toBe(
      true,
    );
    const results = await api<Result[]>('GET', `${apiPaths.results}?deviceId=${e.agentId}`);
    expect(results.body).toHaveLength(1);
    expect((await api<Campaign>('GET', apiPaths.campaign(c.body.id))).body.state).toBe('completed');

    // Still listed (history), marked revoked; not selectable for new campaigns; revoking again is harmless.
    const listed = (await api<Device[]>('GET', apiPaths.devices)).body.find((d) => d.id === e.agentId);
    expect(listed?.revokedAt).toBe(revoked.body.revokedAt);
    const none = await api('POST', apiPaths.campaigns, {
      name: 'nope',
      modelIds: [model.body.id],
      devices: { ids: [e.agentId] },
    });
    expect(none.body.code).toBe('no-matching-devices');
    expect((await api('DELETE', apiPaths.device(e.agentId))).status).toBe(200);
    expect((await api('DELETE', apiPaths.device('agent-ffffffffffffffff'))).status).toBe(404);

    await until(async () => events.some((x) => x.event === 'device.revoked'), 'device.revoked event');
    const revokedEvent = events.find((x) => x.event === 'device.revoked')!.payload as Device;
    expect(revokedEvent.id).toBe(e.agentId);
    expect(events.some((x) => x.event === 'device.updated' && (x.payload as Device).revokedAt)).toBe(true);

    // The same machine may enroll again with a new token: a new identity that works.
    const again = await enroll('doomed');
    expect(again.agentId).not.toBe(e.agentId);
    const back = await connectAgent(again);
    expect(back.client.connected).toBe(true);
  });
});

describe('secrets in logs', () => {
  it('never logs the admin token, enrollment tokens, agent passwords, API tokens or tickets', async () => {
    // A few refused attempts that carry secrets, on top of everything above.
    await fetch(medium.hub.url + apiPaths.devices, { headers: { authorization: 'Bearer fbt_wrong-secret-value' } });
    secrets.add('fbt_wrong-secret-value');
    await openSocket({ token: 'fbt_wrong-socket-secret' });
    secrets.add('fbt_wrong-socket-secret');

    const log = logLines.join('');
    expect(logLines.length).toBeGreaterThan(20);
    expect(log).toContain('"level":20'); // debug lines were captured
    expect(log).toContain('agent enrolled');
    for (const s of secrets) expect({ secret: s, found: log.includes(s) }).toEqual({ secret: s, found: false });
  });
});
