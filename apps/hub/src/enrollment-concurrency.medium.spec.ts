/**
 * Medium test (real hub, real PostgreSQL, embedded broker): a fleet rollout — many devices of one hardware class the
 * hub has never seen enroll at the same moment, then all connect at once. Every enrollment succeeds (no HTTP 500 from
 * two first sightings of the class racing), exactly one class is created, and every device comes online.
 */
import http from 'node:http';
import { apiPaths, PROTOCOL_MAJOR, topics, type Device, type EnrollResponse } from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import { closeClients, connectClient } from '../../../test/support/mqtt-helpers';
import { RATE_LIMITS } from './services/rate-limit.service';
import { hardware, software } from './test-support/fixtures';
import { mediumHub, until } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-enrollment-concurrency-0123';
const medium = mediumHub(ADMIN);
const clients: MqttClient[] = [];
const DEVICES = 50;
/** Enrollments are limited per client address; the rollout comes from a few (loopback aliases on Linux). */
const SOURCES = ['127.0.0.1', '127.0.0.2'];

beforeAll(async () => {
  expect(DEVICES / SOURCES.length).toBeLessThanOrEqual(RATE_LIMITS.enroll.limit);
  await medium.start();
});

afterAll(async () => {
  await closeClients(...clients);
  await medium.stop();
});

/** POST agents/enroll from `localAddress`. */
function enroll(body: unknown, localAddress: string): Promise<{ status: number; body: unknown }> {
  const url = new URL(medium.hub.url + apiPaths.enroll);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || 'null') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

it(`${DEVICES} concurrent first enrollments of one new hardware class: all succeed, one class, all come online`, async () => {
  const tok = await medium.api('POST', apiPaths.enrollmentTokens, { maxUses: DEVICES });
  expect(tok.status).toBe(201);
  const hw = hardware({ model: `Rollout CPU ${Date.now()}` }); // a class no device had before
  const answers = await Promise.all(
    Array.from({ length: DEVICES }, (_, i) =>
      enroll({ token: tok.body.token, name: `rollout-${i}`, hardware: hw, software }, SOURCES[i % SOURCES.length]),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
  const enrolled = answers.map((a) => a.body as EnrollResponse);
  expect(new Set(enrolled.map((e) => e.agentId)).size).toBe(DEVICES);
  expect(new Set(enrolled.map((e) => e.hardwareClassId)).size).toBe(1);

  const listed = await medium.api<{ id: string; name: string; devices: number }[]>('GET', apiPaths.hardwareClasses);
  expect(listed.body.filter((c) => c.name.includes(hw.cpu.model))).toEqual([
    expect.objectContaining({ id: enrolled[0].hardwareClassId, devices: DEVICES }),
  ]);

  // First connect, all at once: each checks its new credentials, announces itself online.
  await Promise.all(
    enrolled.map(async (e) => {
      const c = await connectClient(e.mqtt.url, {
        clientId: e.agentId,
        username: e.mqtt.username,
        password: e.mqtt.password,
      });
      clients.push(c);
      await c.publishAsync(
        topics.status(e.agentId),
        JSON.stringify({ v: PROTOCOL_MAJOR, online: true, session: 1, ts: new Date().toISOString() }),
        { qos: 1, retain: true },
      );
    }),
  );
  const ids = new Set(enrolled.map((e) => e.agentId));
  await until(async () => {
    const res = await medium.api<Device[]>('GET', apiPaths.devices);
    return res.body.filter((d) => ids.has(d.id) && d.online).length === DEVICES;
  }, 'every enrolled device online');
});
