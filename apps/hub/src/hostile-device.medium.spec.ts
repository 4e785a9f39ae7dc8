/**
 * Medium test (real PostgreSQL, embedded broker, HTTP): a hostile enrolled device publishes forged results — for one
 * of its own queued jobs, for a failed job, with a 1 ns p50 and 1e12 img/s for its running job, for a stale attempt —
 * and none is stored, none advances its job, each is counted in /health; then its honest result is stored. It also
 * describes made-up hardware: no hardware class is minted, its class changes only when an admin reclassifies it.
 */
import {
  apiPaths,
  PROTOCOL_MAJOR,
  topics,
  type Campaign,
  type Device,
  type HardwareClass,
  type Job,
  type Model,
  type Result,
} from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import { sharedPath } from '../../../test/support/shared-data';
import { hardware, resultMessage, software } from './test-support/fixtures';
import { connectFakeAgent, enrollFakeAgent } from './test-support/fake-agent';
import { mediumHub, until } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-forgery-0123456789';
const medium = mediumHub(ADMIN);
const api = medium.api;
const clients: MqttClient[] = [];

beforeAll(async () => {
  await medium.start();
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await medium.stop();
});

const rejected = async (): Promise<number> => (await api('GET', apiPaths.health)).body.resultRejections.total;

it('forged results are not stored and do not advance any job; the honest one is', async () => {
  const model = await api<Model>('POST', apiPaths.models, { path: sharedPath('models/mnist.onnx'), name: 'mnist' });
  expect(model.status).toBe(201);
  const e = await enrollFakeAgent(medium, 'hostile');
  const agent = await connectFakeAgent(e, clients);
  const c = await api<Campaign>('POST', apiPaths.campaigns, {
    name: 'forgery',
    modelIds: [model.body.id],
    devices: { ids: [e.agentId] },
    settings: [{ mode: 'latency' }, { mode: 'latency', batchSize: 2 }, { mode: 'latency', batchSize: 4 }],
  });
  expect(c.status).toBe(201);
  const first = await until(async () => agent.jobs[0], 'first assignment');
  const jobs = async () => (await api<Job[]>('GET', `${apiPaths.jobs}?campaignId=${c.body.id}`)).body;
  const queued = (await jobs()).filter((j) => j.state === 'queued');
  expect(queued).toHaveLength(2);

  const publish = (msg: object) =>
    agent.client.publishAsync(topics.results(e.agentId), JSON.stringify(msg), { qos: 1 });
  const before = await rejected();

  // 1. Results for its own queued jobs, 20 each (the "51 rows for one job").
  for (const q of queued)
    for (let i = 0; i < 20; i++) {
      const forged = resultMessage(first, { p50: 0.5 });
      forged.jobId = q.id;
      forged.settings = { ...forged.settings, batchSize: q.settings.batchSize };
      await publish(forged);
    }
  // 2. Its running job: p50 of 1 ns, 1e12 img/s; and a stale attempt.
  const fast = resultMessage(first);
  fast.metrics.latencyMs = { ...fast.metrics.latencyMs, min: 1e-6, p50: 1e-6 };
  await publish(fast);
  await publish(resultMessage(first, { throughput: 1e12 }));
  await publish({ ...resultMessage(first), attempt: first.attempt + 1 });
  await until(async () => (await rejected()) === before + 43, 'forged results counted');

  expect((await api<Result[]>('GET', `${apiPaths.results}?campaignId=${c.body.id}`)).body).toEqual([]);
  const now = await jobs();
  expect(now.find((j) => j.id === first.jobId)?.state).toBe('assigned');
  expect(now.filter((j) => j.state === 'queued').map((j) => j.id)).toEqual(queued.map((j) => j.id));
  const health = (await api('GET', apiPaths.health)).body.resultRejections.byReason;
  expect(health).toMatchObject({
    'implausible-latency': expect.any(Number),
    'implausible-throughput': expect.any(Number),
    'stale-attempt': expect.any(Number),
  });

  // 3. A failed job: the agent reports failure, then a result for it.
  await agent.client.publishAsync(
    topics.events(e.agentId),
    JSON.stringify({
      v: 1,
      ts: new Date().toISOString(),
      jobId: first.jobId,
      kind: 'failed',
      error: { code: 'x', message: 'x' },
    }),
    { qos: 1 },
  );
  const second = await until(async () => agent.jobs[1], 'second assignment');
  await publish(resultMessage(first));
  await until(async () => (await rejected()) === before + 44, 'late result for the failed job counted');
  expect((await jobs()).find((j) => j.id === first.jobId)?.state).toBe('failed');

  // 4. The honest result for the job it now runs is stored and advances it.
  const honest = resultMessage(second);
  await publish(honest);
  const stored = await until(async () => {
    const rows = (await api<Result[]>('GET', `${apiPaths.results}?campaignId=${c.body.id}`)).body;
    return rows.length > 0 && rows;
  }, 'honest result stored');
  expect(stored.map((r) => r.msgId)).toEqual([honest.msgId]);
  await until(
    async () => (await jobs()).find((j) => j.id === second.jobId)?.state === 'succeeded',
    'second job succeeded',
  );
});

it('made-up hardware mints no hardware class; an admin reclassifies the device', async () => {
  const e = await enrollFakeAgent(medium, 'shape-shifter');
  const agent = await connectFakeAgent(e, clients);
  const classes = async () => (await api<HardwareClass[]>('GET', apiPaths.hardwareClasses)).body.length;
  const before = await classes();
  const device = async () => (await api<Device>('GET', apiPaths.device(e.agentId))).body;
  const enrolledClass = (await device()).hardwareClassId;
  for (let i = 0; i < 50; i++)
    await agent.client.publishAsync(
      topics.hardware(e.agentId),
      JSON.stringify({
        v: PROTOCOL_MAJOR,
        ts: new Date().toISOString(),
        hardware: hardware({ model: `Made-up CPU ${i}` }),
        software,
      }),
      { qos: 1, retain: true },
    );
  // A 300 kB hostname is refused by the schema (the last accepted description stays); a 5 MB one never passes the
  // broker, which closes the connection of a client that sends a packet over 1 MiB.
  const describe = (hostname: string) =>
    JSON.stringify({
      v: PROTOCOL_MAJOR,
      ts: new Date().toISOString(),
      hardware: { ...hardware(), hostname },
      software,
    });
  await agent.client.publishAsync(topics.hardware(e.agentId), describe('h'.repeat(300 * 1024)), { qos: 1 });
  const closed = new Promise((resolve) => agent.client.once('close', resolve));
  agent.client.publish(topics.hardware(e.agentId), describe('h'.repeat(5 * 2 ** 20)), { qos: 0 });
  await closed;
  await until(async () => (await device()).hardware.cpu.model === 'Made-up CPU 49', 'last hardware stored');
  expect(await classes()).toBe(before);
  expect((await device()).hardwareClassId).toBe(enrolledClass);
  expect((await device()).hardware.hostname).toBeUndefined();

  const moved = await api<Device>('POST', apiPaths.deviceReclassify(e.agentId));
  expect(moved.status).toBe(200);
  expect(moved.body.hardwareClassId).not.toBe(enrolledClass);
  expect(await classes()).toBe(before + 1);
  expect((await api('POST', apiPaths.deviceReclassify('no-such-device'))).status).toBe(404);
});
