/**
 * Medium test: a whole hub (real PostgreSQL, embedded broker, HTTP) driven over REST and MQTT like an agent would.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  apiPaths,
  topics,
  type Campaign,
  type DeviceLeaderboardRow,
  type EnrollResponse,
  type LeaderboardRow,
  type Model,
} from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import { io } from 'socket.io-client';
import type { Hub } from './main';
import { connectFakeAgent, enrollFakeAgent } from './test-support/fake-agent';
import { mediumHub, until } from './test-support/medium-hub';
import { hardware, resultMessage, software } from './test-support/fixtures';
import { sharedPath } from '../../../test/support/shared-data';

const MNIST = sharedPath('models/mnist.onnx');
const ADMIN = 'test-admin-token-0123456789';

let hub: Hub;
const agents: MqttClient[] = [];

const medium = mediumHub(ADMIN);
const api = medium.api;

const enrollAgent = (name: string, tags: string[] = []) => enrollFakeAgent(medium, name, tags);

const connectAgent = (e: EnrollResponse, session = 1) => connectFakeAgent(e, agents, { session });

beforeAll(async () => {
  await medium.start();
  hub = medium.hub;
});

afterAll(async () => {
  for (const a of agents) await a.endAsync(true).catch(() => undefined);
  await medium.stop();
});

describe('REST basics', () => {
  it('serves health without a token and rejects other routes without one', async () => {
    const health = await fetch(hub.url + apiPaths.health);
    const body = await health.json();
    expect(body).toMatchObject({ status: 'ok', db: 'ok', mqtt: 'ok' });
    expect(body).not.toHaveProperty('redis'); // no REDIS_URL: a single hub, nothing to report
    const devices = await fetch(hub.url + apiPaths.devices);
    expect(devices.status).toBe(401);
    expect(await devices.json()).toMatchObject({ statusCode: 401, code: 'unauthorized' });
    expect((await api('GET', apiPaths.devices, undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('answers bad bodies with 400 and the field names', async () => {
    const r = await api('POST', apiPaths.campaigns, { name: '', modelIds: [], devices: {} });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation-failed');
    const fields = r.body.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'modelIds', 'devices']));
  });

  it('refuses enrollment with a bad token', async () => {
    const r = await api('POST', apiPaths.enroll, { token: 'nope', name: 'x', hardware: hardware(), software });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('invalid-enrollment-token');
  });

  it('serves the OpenAPI document', async () => {
    const r = await fetch(`${hub.url}/api/docs/openapi.json`);
    expect(r.status).toBe(200);
    const doc = await r.json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/campaigns', '/api/v1/agents/enroll']));
  });
});

describe('models', () => {
  it('rejects a corrupt ONNX upload and stores nothing', async () => {
    const r = await api(
      'POST',
      `${apiPaths.models}?name=junk`,
      new Uint8Array(Buffer.from('definitely not an onnx model '.repeat(50))),
      {
        'content-type': 'application/octet-stream',
      },
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid-model');
    expect((await api('GET', apiPaths.models)).body).toEqual([]);
    const stored = await fs.readdir(path.join(medium.dataDir, 'artifacts')).catch(() => []);
    expect(stored.filter((f) => f !== 'tmp')).toEqual([]);
    expect(await fs.readdir(path.join(medium.dataDir, 'artifacts', 'tmp')).catch(() => [])).toEqual([]);
  });

  it('rejects bytes that do not match expectedSha256', async () => {
    const bytes = await fs.readFile(MNIST);
    const r = await api(
      'POST',
      `${apiPaths.models}?name=mnist&expectedSha256=${'0'.repeat(64)}`,
      new Uint8Array(bytes),
      { 'content-type': 'application/octet-stream' },
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('checksum-mismatch');
  });

  it('registers by path, reads inputs/outputs, and returns the same model for the same bytes', async () => {
    const r = await api<Model>('POST', apiPaths.models, {
      name: 'mnist',
      family: 'lenet',
      path: MNIST,
      referenceMetrics: { top1: 0.98 },
    });
    expect(r.status).toBe(201);
    expect(r.body.inputs).toEqual([{ name: 'Input3', dtype: 'float32', shape: [1, 1, 28, 28] }]);
    expect(r.body.outputs[0].shape).toEqual([1, 10]);
    const again = await api<Model>(
      'POST',
      `${apiPaths.models}?name=mnist-upload`,
      new Uint8Array(await fs.readFile(MNIST)),
      { 'content-type': 'application/octet-stream' },
    );
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(r.body.id);
    expect(again.body.preprocessing).toBeNull();
    // The same bytes again with the proposed preset: the model gets its first preprocessing (never replaced later).
    const proposed = await api<Model>('POST', apiPaths.models, { name: 'mnist', path: MNIST, useProposedPreset: true });
    expect(proposed.status).toBe(200);
    expect(proposed.body.preprocessing).toEqual({ preset: 'mnist' });
    const other = await api<Model>('POST', apiPaths.models, {
      name: 'mnist',
      path: MNIST,
      preprocessing: { preset: 'caffe' },
    });
    expect(other.body.preprocessing).toEqual({ preset: 'mnist' });
  });

  it('records the input/output facts at registration and proposes a preset (uint8 NHWC, 1001 classes)', async () => {
    const r = await api<Model>(
      'POST',
      `${apiPaths.models}?name=mobilenet-v1-quant&useProposedPreset=true`,
      new Uint8Array(await fs.readFile(sharedPath('models/mobilenet_v1_0.25_128_quant_qlinear.onnx'))),
      { 'content-type': 'application/octet-stream' },
    );
    expect(r.status).toBe(201);
    expect(r.body.ioFacts).toMatchObject({
      input: { name: 'input', dtype: 'uint8', layout: 'NHWC', channels: 3, height: 128, width: 128 },
      outputs: [{ name: 'MobilenetV1/Predictions/Reshape_1', dtype: 'uint8', classAxis: 1, classes: 1001 }],
      scoredOutput: 'MobilenetV1/Predictions/Reshape_1',
      labelOffset: 1,
      proposedPreset: 'tf-uint8',
    });
    // useProposedPreset: the proposal becomes the model's preprocessing (the rest is read from the model by agents).
    expect(r.body.preprocessing).toEqual({ preset: 'tf-uint8' });
    const stored = await api<Model>('GET', `${apiPaths.models}/${r.body.id}`);
    expect(stored.body.ioFacts).toEqual(r.body.ioFacts);
  });
});

describe('enroll → campaign → dispatch → result → leaderboard', () => {
  it('runs the whole flow over MQTT', async () => {
    const model = (await api<Model[]>('GET', apiPaths.models)).body[0];
    const sock = io(hub.url, { auth: { token: ADMIN }, transports: ['websocket'] });
    const seen: string[] = [];
    sock.onAny((event) => seen.push(event));
    await new Promise<void>((resolve) => sock.once('ready', () => resolve()));

    const a = await enrollAgent('board-a', ['lab']);
    const b = await enrollAgent('board-b');
    expect(a.hardwareClassId).toBe(b.hardwareClassId);
    const agentA = await connectAgent(a);
    await until(async () => (await api('GET', apiPaths.device(a.agentId))).body.online, 'agent A online');

    // Selector by tag: only A. B stays offline; a second campaign for B waits.
    const settings = [{ mode: 'latency' }, { mode: 'latency', batchSize: 4 }];
    const c = await api<Campaign>('POST', apiPaths.campaigns, {
      name: 'c1',
      modelIds: [model.id],
      devices: { tags: ['lab'] },
      settings,
    });
    expect(c.status).toBe(201);
    expect(c.body.jobs).toHaveLength(2);
    expect(c.body.state).toBe('running');

    const none = await api('POST', apiPaths.campaigns, {
      name: 'c0',
      modelIds: [model.id],
      devices: { tags: ['nowhere'] },
    });
    expect(none.status).toBe(400);
    expect(none.body.code).toBe('no-matching-devices');
    const unknownModel = await api('POST', apiPaths.campaigns, {
      name: 'c0',
      modelIds: ['nope'],
      devices: { all: true },
    });
    expect(unknownModel.body.code).toBe('unknown-model');

    // One job at a time.
    await until(async () => agentA.jobs.length === 1, 'first assignment');
    await new Promise((r) => setTimeout(r, 200));
    expect(agentA.jobs).toHaveLength(1);
    const first = agentA.jobs[0];
    expect(first.model.sha256).toBe(model.sha256);

    // The agent downloads the model with its own credentials, resuming with Range.
    const basic = `Basic ${Buffer.from(`${a.agentId}:${a.mqtt.password}`).toString('base64')}`;
    const full = await fetch(hub.url + first.model.downloadPath, { headers: { authorization: basic } });
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBe(`"${model.sha256}"`);
    expect(Buffer.from(await full.arrayBuffer()).equals(await fs.readFile(MNIST))).toBe(true);
    const part = await fetch(hub.url + first.model.downloadPath, {
      headers: { authorization: basic, range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${model.sizeBytes}`);
    expect(Buffer.from(await part.arrayBuffer()).equals((await fs.readFile(MNIST)).subarray(100, 200))).toBe(true);
    const download = (headers: Record<string, string>) =>
      fetch(hub.url + first.model.downloadPath, { headers: { authorization: basic, ...headers } });
    expect((await download({ 'if-none-match': `"${model.sha256}"` })).status).toBe(304);
    // A stale If-Range gets the whole file; a range past the end is a 416 with the size.
    expect((await download({ range: 'bytes=0-9', 'if-range': '"other"' })).status).toBe(200);
    const outside = await download({ range: `bytes=${model.sizeBytes + 10}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${model.sizeBytes}`);
    expect(await outside.json()).toMatchObject({ code: 'range-not-satisfiable' });
    const denied = await fetch(hub.url + first.model.downloadPath, {
      headers: { authorization: `Basic ${Buffer.from(`${a.agentId}:wrong`).toString('base64')}` },
    });
    expect(denied.status).toBe(401);

    await agentA.client.publishAsync(
      topics.events(a.agentId),
      JSON.stringify({ v: 1, ts: new Date().toISOString(), jobId: first.jobId, kind: 'accepted' }),
      { qos: 1 },
    );
    await until(async () => (await api('GET', `${apiPaths.jobs}?state=running`)).body.length === 1, 'job running');

    // A result from another device for A's job is rejected.
    const agentB = await connectAgent(b);
    await agentB.client.publishAsync(topics.results(b.agentId), JSON.stringify(resultMessage(first, { p50: 1 })), {
      qos: 1,
    });
    // Then A's result, published twice (outbox replay).
    const res1 = resultMessage(first, { p50: 4 });
    await agentA.client.publishAsync(topics.results(a.agentId), JSON.stringify(res1), { qos: 1 });
    await agentA.client.publishAsync(topics.results(a.agentId), JSON.stringify(res1), { qos: 1 });
    await until(async () => agentA.jobs.length === 2, 'second assignment');
    const second = agentA.jobs[1];
    await agentA.client.publishAsync(
      topics.results(a.agentId),
      JSON.stringify(resultMessage(second, { p50: 9, flagged: true })),
      { qos: 1 },
    );

    const done = await until(async () => {
      const cc = await api<Campaign>('GET', apiPaths.campaign(c.body.id));
      return cc.body.state === 'completed' && cc.body;
    }, 'campaign completed');
    expect(done.jobCounts.succeeded).toBe(2);

    const results = await api('GET', `${apiPaths.results}?campaignId=${c.body.id}`);
    expect(results.body).toHaveLength(2);
    expect(results.body.every((r: { deviceId: string }) => r.deviceId === a.agentId)).toBe(true);
    expect(results.body.some((r: object) => 'histogram' in r)).toBe(false);
    expect(results.headers.get('x-next-before')).toBeNull();
    // Paged: a full page names where the next one starts; the two pages are the two results, newest first.
    const page1 = await api('GET', `${apiPaths.results}?campaignId=${c.body.id}&limit=1`);
    const before = page1.headers.get('x-next-before');
    expect(before).toBe(page1.body[0].id);
    const page2 = await api('GET', `${apiPaths.results}?campaignId=${c.body.id}&limit=1&before=${before}`);
    expect([...page1.body, ...page2.body].map((r: { id: string }) => r.id)).toEqual(
      results.body.map((r: { id: string }) => r.id),
    );
    expect((await api('GET', `${apiPaths.results}?limit=0`)).status).toBe(400);
    expect(Object.keys((await api('GET', `${apiPaths.results}/${results.body[0].id}`)).body)).toContain('histogram');

    const lb = await api<LeaderboardRow[]>('GET', `${apiPaths.leaderboard}?hardwareClassId=${a.hardwareClassId}`);
    // One class at a time: unfiltered, the leaderboard would aggregate every result (the index lists the classes).
    const unfiltered = await api('GET', apiPaths.leaderboard);
    expect(unfiltered.status).toBe(400);
    expect(JSON.stringify(unfiltered.body)).toContain('/api/v1/leaderboard/index');
    expect(lb.body).toHaveLength(2);
    const bs1 = lb.body.find((r) => r.settingsKey === 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all')!;
    expect(bs1).toMatchObject({
      modelId: model.id,
      results: 1,
      flaggedResults: 0,
      p50Ms: 4,
      top1: 0.98,
      top1Source: 'reference',
      devices: 1,
    });
    const bs4 = lb.body.find((r) => r.settingsKey === 'latency/bs4/t0x0/cpu/onnxruntime-node/opt-all')!;
    expect(bs4).toMatchObject({ results: 0, flaggedResults: 1 });

    // Dashboard views: the stored request (original selector), per-device medians of valid results, slim summaries.
    expect(done.request).toMatchObject({ name: 'c1', devices: { tags: ['lab'], all: false }, modelIds: [model.id] });
    const byDevice = await api<DeviceLeaderboardRow[]>(
      'GET',
      `${apiPaths.deviceLeaderboard}?deviceIds=${a.agentId},${b.agentId}&settingsKey=latency/bs1/t0x0/cpu/onnxruntime-node/opt-all`,
    );
    expect(byDevice.body).toEqual([
      expect.objectContaining({ deviceId: a.agentId, deviceName: 'board-a', modelId: model.id, results: 1, p50Ms: 4 }),
    ]);
    const flaggedOnly = await api(
      'GET',
      `${apiPaths.deviceLeaderboard}?deviceIds=${a.agentId}&settingsKey=latency/bs4/t0x0/cpu/onnxruntime-node/opt-all`,
    );
    expect(flaggedOnly.body).toEqual([]);
    expect((await api('GET', apiPaths.deviceLeaderboard)).status).toBe(400);
    const devIndex = await api('GET', apiPaths.deviceLeaderboardIndex);
    expect(devIndex.body).toEqual([
      { deviceId: a.agentId, settingsKey: 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all', models: 1 },
    ]);
    const summaries = await api('GET', `${apiPaths.resultSummaries}?campaignId=${c.body.id}`);
    expect(summaries.body).toHaveLength(2);
    expect(Object.keys(summaries.body[0]).sort()).toEqual(
      [
        'createdAt',
        'deviceId',
        'id',
        'jobId',
        'modelId',
        'p50Ms',
        'settingsKey',
        'throughputIps',
        'verdictStatus',
      ].sort(),
    );

    // B goes offline (its will), then a campaign for B waits until B is back.
    agentB.client.stream.destroy();
    await until(async () => !(await api('GET', apiPaths.device(b.agentId))).body.online, 'agent B offline');
    const c2 = await api<Campaign>('POST', apiPaths.campaigns, {
      name: 'c2',
      modelIds: [model.id],
      devices: { ids: [b.agentId] },
    });
    expect(c2.body.jobs![0].state).toBe('queued');
    const agentB2 = await connectAgent(b, 2);
    await until(async () => agentB2.jobs.length === 1, 'assignment after B came back');

    // A stale "offline" from session 1 does not knock B (session 2) offline.
    await agentA.client.publishAsync('fleetbench/v1/agents/' + b.agentId + '/status', 'x', { qos: 1 }); // forbidden topic for A: dropped by the broker
    const dev = await api('GET', apiPaths.device(b.agentId));
    expect(dev.body.online).toBe(true);
    expect(dev.body.currentJobId).toBe(agentB2.jobs[0].jobId);

    const cancelled = await api<Campaign>('POST', `${apiPaths.campaign(c2.body.id)}/cancel`);
    expect(cancelled.body.state).toBe('cancelled');
    expect(cancelled.body.jobCounts.cancelled).toBe(1);

    await until(
      async () => seen.includes('results.created') && seen.includes('job.updated') && seen.includes('device.updated'),
      'socket.io events',
    );
    sock.close();
  });

  it('disconnects socket.io clients without a valid token', async () => {
    const sock = io(hub.url, { auth: { token: 'bad' }, transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve) => sock.on('disconnect', () => resolve()));
    sock.close();
  });
});
