/**
 * Medium fuzz test (real PostgreSQL, embedded broker, in-process hub): an enrolled hostile device publishes more than
 * 10,000 malformed, oversized, forged and replayed MQTT messages on every channel it may use (and on other devices'
 * topics, which the broker refuses). The hub must not crash, must store no result and change no job from them, must
 * count every schema-valid forged result as rejected, and its memory must stay bounded; the device's one honest result
 * is stored once however often it is replayed. Seeded, so a failure reproduces.
 */
import {
  apiPaths,
  PROTOCOL_MAJOR,
  topics,
  type Campaign,
  type Device,
  type HardwareClass,
  type Job,
  type JobAssignMessage,
  type Model,
  type Result,
  type ResultMessage,
} from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { sharedPath } from '../../../test/support/shared-data';
import { hardware, resultMessage, software } from './test-support/fixtures';
import { connectFakeAgent, enrollFakeAgent } from './test-support/fake-agent';
import { mediumHub, until } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-mqtt-fuzz-0123456789';
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

/** mulberry32 */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(7);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const int = (n: number) => Math.floor(random() * n);

const CHANNELS = ['status', 'hardware', 'telemetry', 'events', 'results'] as const;
type Channel = (typeof CHANNELS)[number];

interface Hostile {
  kind: string;
  channel: Channel;
  payload: Buffer | string;
  /** Schema-valid results the hub must reject (each counted once in /health). */
  forgedResult?: boolean;
  /** Publish on another device's topic (the broker must refuse it). */
  foreign?: boolean;
}

/** Replaces the value at a random path of a JSON object with a hostile one. */
function mutate(value: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const paths: string[][] = [];
  const walk = (v: unknown, p: string[]) => {
    if (v && typeof v === 'object')
      for (const [k, c] of Object.entries(v as Record<string, unknown>)) {
        paths.push([...p, k]);
        walk(c, [...p, k]);
      }
  };
  walk(copy, []);
  const target = pick(paths);
  let obj = copy as Record<string, unknown>;
  for (const k of target.slice(0, -1)) obj = obj[k] as Record<string, unknown>;
  obj[target.at(-1)!] = pick<unknown>([
    -1,
    1e308,
    -1e308,
    'x'.repeat(300_000),
    '',
    null,
    true,
    [],
    {},
    Array.from({ length: 2000 }, () => 'a'),
    '2026-13-45T99:99:99Z',
    { $gt: 0 },
    0.5,
    'NaN',
  ]);
  return copy;
}

it('survives 10,000+ hostile MQTT messages: nothing stored, no job moved, forged results counted', async () => {
  const model = await api<Model>('POST', apiPaths.models, { path: sharedPath('models/mnist.onnx'), name: 'mnist' });
  expect(model.status).toBe(201);
  const eH = await enrollFakeAgent(medium, 'hostile');
  const eV = await enrollFakeAgent(medium, 'victim');
  const hostile = await connectFakeAgent(eH, clients);
  const victim = await connectFakeAgent(eV, clients);
  const campaign = async (name: string, ids: string[], batches: number[]) =>
    (
      await api<Campaign>('POST', apiPaths.campaigns, {
        name,
        modelIds: [model.body.id],
        devices: { ids },
        settings: batches.map((batchSize) => ({ mode: 'latency', batchSize })),
      })
    ).body;
  await campaign('hostile', [eH.agentId], [1, 2, 4]);
  await campaign('victim', [eV.agentId], [1]);
  const own = await until(async () => hostile.jobs[0], 'hostile job');
  const victims = await until(async () => victim.jobs[0], 'victim job');
  const jobs = async () => (await api<Job[]>('GET', apiPaths.jobs)).body.map((j) => `${j.id}:${j.state}`).sort();
  const jobsBefore = await jobs();
  const queued = (await api<Job[]>('GET', `${apiPaths.jobs}?state=queued`)).body;
  const classesBefore = (await api<HardwareClass[]>('GET', apiPaths.hardwareClasses)).body.length;
  const rejectedBefore = (await api('GET', apiPaths.health)).body.resultRejections.total as number;

  const valid: Record<Channel, () => unknown> = {
    status: () => ({ v: PROTOCOL_MAJOR, online: true, session: 0, ts: new Date().toISOString() }),
    hardware: () => ({ v: PROTOCOL_MAJOR, ts: new Date().toISOString(), hardware: hardware(), software }),
    telemetry: () => ({ v: PROTOCOL_MAJOR, ts: new Date().toISOString(), load1: 0.1, memoryFreeBytes: 1e9 }),
    events: () => ({ v: PROTOCOL_MAJOR, ts: new Date().toISOString(), jobId: victims.jobId, kind: 'failed' }),
    // For a queued job: however a mutation leaves it, it can never be an acceptable result.
    results: () => ({ ...resultMessage(own), jobId: queued[0].id }),
  };
  /** Schema-valid results the hub must refuse: wrong job, wrong device's job, implausible figures, stale attempt. */
  const forged = (): ResultMessage => {
    const m = resultMessage(own);
    switch (int(7)) {
      case 0:
        m.jobId = pick(queued).id;
        break;
      case 1:
        m.jobId = victims.jobId;
        break;
      case 2:
        m.jobId = `no-such-job-${int(1e6)}`;
        break;
      case 3:
        m.metrics.latencyMs = { ...m.metrics.latencyMs, min: 1e-6, p50: 1e-6 };
        break;
      case 4:
        m.metrics.throughputIps = 1e12;
        break;
      case 5:
        m.metrics.latencyMs = { ...m.metrics.latencyMs, p90: m.metrics.latencyMs.p50 / 3 };
        break;
      default:
        m.attempt = own.attempt + 1 + int(5);
    }
    return m;
  };

  const replayed = forged();
  /** One hostile message, made when sent (10,000 of them held at once would blur the memory figure). */
  const next = (): Hostile => {
    const channel = pick(CHANNELS);
    const r = random();
    if (r < 0.15) {
      const bytes = Buffer.alloc(int(3000));
      for (let k = 0; k < bytes.length; k++) bytes[k] = int(256);
      return { kind: 'garbage', channel, payload: bytes };
    } else if (r < 0.25) {
      const text = JSON.stringify(valid[channel]());
      return { kind: 'truncated', channel, payload: text.slice(0, int(text.length)) };
    } else if (r < 0.3) {
      return { kind: 'version', channel, payload: JSON.stringify({ ...(valid[channel]() as object), v: 2 }) };
    } else if (r < 0.55) {
      return { kind: 'schema', channel, payload: JSON.stringify(mutate(valid[channel]())) };
    } else if (r < 0.6) {
      const text = JSON.stringify(valid[channel]());
      return { kind: 'nul', channel, payload: text.replace(/"ts":"/, '"ts":"\\u0000') };
    } else if (r < 0.85) {
      return {
        kind: 'forged-result',
        channel: 'results',
        payload: JSON.stringify(forged()),
        forgedResult: true,
      };
    } else if (r < 0.9) {
      return { kind: 'replayed', channel: 'results', payload: JSON.stringify(replayed), forgedResult: true };
    } else if (r < 0.95) {
      // Valid in shape but stale or foreign: an old session's status, the victim's job's failure.
      const stale = channel === 'events' || channel === 'status' ? channel : pick(['events', 'status'] as const);
      return { kind: 'stale-or-foreign', channel: stale, payload: JSON.stringify(valid[stale]()) };
    } else {
      return { kind: 'foreign-topic', channel, payload: JSON.stringify(valid[channel]()), foreign: true };
    }
  };

  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  const COUNT = 10_200;
  const byKind: Record<string, number> = {};
  let forgedCount = 0;
  let mutatedResults = 0;
  for (let i = 0; i < COUNT; i++) {
    const m = next();
    byKind[m.kind] = (byKind[m.kind] ?? 0) + 1;
    if (m.forgedResult) forgedCount++;
    if (m.kind === 'schema' && m.channel === 'results') mutatedResults++;
    const topic = m.foreign ? topics[m.channel](eV.agentId) : topics[m.channel](eH.agentId);
    // Mostly QoS 0 (a flood); every 16th QoS 1, which also paces the flood to what the broker acknowledges.
    if (i % 16 === 0) await hostile.client.publishAsync(topic, m.payload, { qos: 1 });
    else hostile.client.publish(topic, m.payload, { qos: 0 });
  }
  // Messages of one device are ingested in order: once this marker is in, everything before it is.
  const marker = 123_456_789;
  await hostile.client.publishAsync(
    topics.telemetry(eH.agentId),
    JSON.stringify({ v: PROTOCOL_MAJOR, ts: new Date().toISOString(), load1: 0, memoryFreeBytes: marker }),
    { qos: 1 },
  );
  await until(
    async () => (await api<Device>('GET', apiPaths.device(eH.agentId))).body.telemetry?.memoryFreeBytes === marker,
    'every hostile message ingested',
    120_000,
  );
  // Results are ingested in batches apart from the device's other channels: wait for the forged ones too.
  await until(
    async () => (await api('GET', apiPaths.health)).body.resultRejections.total - rejectedBefore >= forgedCount,
    'every forged result refused',
    120_000,
  );
  const seconds = (Date.now() - started) / 1000;
  const rssAfter = process.memoryUsage().rss;

  const health = (await api('GET', apiPaths.health)).body;
  expect(health.status).toBe('ok');
  // Every forged result is rejected; so is a mutated result that stayed schema-valid (e.g. a p50 of 0.5 ms).
  const rejected = health.resultRejections.total - rejectedBefore;
  expect(rejected).toBeGreaterThanOrEqual(forgedCount);
  expect(rejected).toBeLessThanOrEqual(forgedCount + mutatedResults);
  expect((await api<Result[]>('GET', apiPaths.results)).body).toEqual([]);
  expect(await jobs()).toEqual(jobsBefore);
  expect((await api<HardwareClass[]>('GET', apiPaths.hardwareClasses)).body.length).toBe(classesBefore);
  expect(rssAfter - rssBefore).toBeLessThan(200 * 2 ** 20);
  if (process.env.FUZZ_REPORT)
    console.log(
      JSON.stringify({
        messages: COUNT + 1 + 200 + 1,
        byKind,
        forgedResults: forgedCount,
        resultsRejected: rejected,
        seconds,
        rssMB: [Math.round(rssBefore / 2 ** 20), Math.round(rssAfter / 2 ** 20)],
      }),
    );

  // The honest result, replayed 200 times: stored once.
  const honest: ResultMessage = { ...resultMessage(own as JobAssignMessage), msgId: ulid() };
  for (let i = 0; i < 200; i++)
    hostile.client.publish(topics.results(eH.agentId), JSON.stringify(honest), { qos: i % 10 === 0 ? 1 : 0 });
  await until(
    async () => (await api<Result[]>('GET', apiPaths.results)).body.length === 1,
    'honest result stored',
    30_000,
  );
  await new Promise((r) => setTimeout(r, 500));
  expect((await api<Result[]>('GET', apiPaths.results)).body.map((r) => r.msgId)).toEqual([honest.msgId]);

  // Last, oversized: the broker closes the connection before the packet's body arrives; the hub stays up.
  const closed = new Promise((resolve) => hostile.client.once('close', resolve));
  hostile.client.publish(topics.results(eH.agentId), Buffer.alloc(2 * 2 ** 20, 'x'), { qos: 0 });
  await closed;
  expect((await api('GET', apiPaths.health)).status).toBe(200);
  expect((await api<Result[]>('GET', apiPaths.results)).body).toHaveLength(1);
}, 240_000);
