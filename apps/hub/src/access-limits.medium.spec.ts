/**
 * Medium test (real PostgreSQL, embedded broker, HTTP): what a hostile API client or device meets at the door —
 * rate limits with 429 + Retry-After on enrollment, wrong API tokens, wrong agent passwords (REST Basic and MQTT),
 * CORS only for the configured dashboard origin, and registration by path only for the admin, only under
 * FLEETBENCH_REGISTER_DIRS, with one answer for existing and missing files outside it.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiPaths, type CreatedApiToken, type EnrollResponse, type Model } from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import { sharedPath } from '../../../test/support/shared-data';
import { closeClients, connectClient, connectRefused } from '../../../test/support/mqtt-helpers';
import { enrollFakeAgent } from './test-support/fake-agent';
import { mediumHub } from './test-support/medium-hub';
import { RATE_LIMITS } from './services/rate-limit.service';

const ADMIN = 'test-admin-token-access-limits-0123456789';
const DASHBOARD = 'https://dashboard.example.com';
const medium = mediumHub(ADMIN, { env: { FLEETBENCH_CORS_ORIGINS: DASHBOARD } });
const api = medium.api;
const clients: MqttClient[] = [];
let work = '';
let limited: EnrollResponse;
let fine: MqttClient;

beforeAll(async () => {
  await medium.start();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-limits-'));
  // Enrolled and connected before the tests below use up this address's limits.
  limited = await enrollFakeAgent(medium, 'limited');
  const e = await enrollFakeAgent(medium, 'fine');
  fine = await connectClient(e.mqtt.url, { clientId: e.agentId, username: e.agentId, password: e.mqtt.password });
  clients.push(fine);
});

afterAll(async () => {
  await closeClients(...clients);
  await medium.stop();
  await fs.rm(work, { recursive: true, force: true });
});

const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(medium.hub.url + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

it('enrollment attempts per address: 429 with Retry-After past the limit', async () => {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i <= RATE_LIMITS.enroll.limit; i++) {
    const res = await post(apiPaths.enroll, { token: `wrong-${i}` });
    statuses.push(res.status);
    if (res.status === 429) retryAfter = res.headers.get('retry-after');
  }
  // Two enrollments of beforeAll counted too: 400 (malformed) until the limit, then 429.
  const first429 = statuses.indexOf(429);
  expect(first429).toBe(RATE_LIMITS.enroll.limit - 2);
  expect(statuses.slice(0, first429).every((s) => s === 400)).toBe(true);
  expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
  expect(Number(retryAfter)).toBeGreaterThan(0);
});

it('wrong API tokens per address: 429 with Retry-After; the valid token keeps working', async () => {
  let last: Response | undefined;
  for (let i = 0; i <= RATE_LIMITS.authFailureByIp.limit; i++)
    last = await fetch(medium.hub.url + apiPaths.devices, { headers: { authorization: `Bearer wrong-${i}` } });
  expect(last!.status).toBe(429);
  expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await last!.json()).toMatchObject({ statusCode: 429, code: 'too-many-requests' });
  expect((await api('GET', apiPaths.devices)).status).toBe(200);
});

it('wrong agent passwords are limited per agent over MQTT (no scrypt once over the limit) and over REST', async () => {
  const e = limited;
  const wrong = { clientId: e.agentId, username: e.agentId, password: 'wrong-password' };
  for (let i = 0; i < RATE_LIMITS.authFailureByAgent.limit; i++) await connectRefused(e.mqtt.url, wrong);
  // Over the limit: refused at once, without an scrypt per attempt.
  const started = Date.now();
  for (let i = 0; i < 20; i++) await connectRefused(e.mqtt.url, wrong);
  expect(Date.now() - started).toBeLessThan(2000);
  const basic = `Basic ${Buffer.from(`${e.agentId}:still-wrong`).toString('base64')}`;
  const res = await fetch(medium.hub.url + apiPaths.artifact('0'.repeat(64)), { headers: { authorization: basic } });
  expect(res.status).toBe(429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
});

it('answers CORS only for the configured dashboard origin', async () => {
  const preflight = (origin: string) =>
    fetch(medium.hub.url + apiPaths.devices, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
  const ok = await preflight(DASHBOARD);
  expect(ok.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
  const evil = await preflight('https://evil.example.com');
  expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  const get = await fetch(medium.hub.url + apiPaths.health, { headers: { origin: 'https://evil.example.com' } });
  expect(get.headers.get('access-control-allow-origin')).toBeNull();
});

it('registration by path: admin only, under FLEETBENCH_REGISTER_DIRS, no probing of other files', async () => {
  const named = await api<CreatedApiToken>('POST', apiPaths.apiTokens, { label: 'ci' });
  expect(named.status).toBe(201);
  const asNamed = await post(
    apiPaths.models,
    { name: 'x', path: sharedPath('models/mnist.onnx') },
    { authorization: `Bearer ${named.body.token}` },
  );
  expect(asNamed.status).toBe(403);

  // Outside the folders: one answer, whether the file exists or not.
  const shadow = await api('POST', apiPaths.models, { name: 'x', path: '/etc/shadow' });
  const missing = await api('POST', apiPaths.models, { name: 'x', path: '/etc/no-such-file' });
  expect(shadow.status).toBe(403);
  expect(missing.body).toEqual(shadow.body);
  // A symbolic link inside that points outside is outside too.
  await fs.symlink('/etc/passwd', path.join(work, 'escape.onnx'));
  expect((await api('POST', apiPaths.models, { name: 'x', path: path.join(work, 'escape.onnx') })).status).toBe(403);
  expect((await api('POST', apiPaths.datasets, { name: 'x', path: '/etc' })).status).toBe(403);

  const ok = await api<Model>('POST', apiPaths.models, { name: 'mnist', path: sharedPath('models/mnist.onnx') });
  expect(ok.status).toBe(201);
});

it('with FLEETBENCH_REGISTER_DIRS unset, registration by path is off', async () => {
  const off = mediumHub(ADMIN, { env: { FLEETBENCH_REGISTER_DIRS: '' } });
  await off.start();
  try {
    const res = await off.api('POST', apiPaths.models, { name: 'x', path: sharedPath('models/mnist.onnx') });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/FLEETBENCH_REGISTER_DIRS/);
  } finally {
    await off.stop();
  }
});

it('a connected agent is not affected by the limits others ran into', () => {
  expect(fine.connected).toBe(true);
});
