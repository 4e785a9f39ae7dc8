/**
 * Medium test (real PostgreSQL, embedded broker, HTTP): the regression watch end to end. A scripted agent runs the
 * same model four times, publishing results with real HDR histograms over MQTT; the third run is on a newer
 * onnxruntime and 14 % slower. The hub marks exactly that one, names the version change, serves the series and the
 * change over REST, and calls a local webhook receiver (which fails the first call: retried after the backoff, read
 * from a faked clock).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  apiPaths,
  changePaths,
  topics,
  type Campaign,
  type Change,
  type Model,
  type RegressionWebhookPayload,
  type Series,
  type WebhookSetting,
} from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { sharedPath } from '../../../../test/support/shared-data';
import { createLogger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { connectFakeAgent, enrollFakeAgent } from '../test-support/fake-agent';
import { measuredResult, seededLatencies } from '../test-support/measured-result';
import { mediumHub, until } from '../test-support/medium-hub';
import { ChangeWatchService } from './change-watch.service';
import { RegressionWebhookService, WEBHOOK_RETRY_DELAYS_MS } from './regression-webhook.service';

const ADMIN = 'test-admin-token-changes-0123456789';
const SECRET = 'webhook-secret-0123456789';
/** Every line the hub logs, to check that neither the webhook's secret nor its URL's query is ever written. */
const logLines: string[] = [];
const medium = mediumHub(ADMIN, {
  logger: createLogger('debug', { write: (line: string) => void logLines.push(line) } as DestinationStream),
});
const api = medium.api;
const agents: MqttClient[] = [];

/** A receiver that answers 500 to its first call and 200 after, recording every call. */
let receiver: Server;
let receiverUrl = '';
const calls: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];

beforeAll(async () => {
  await medium.start();
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = calls.length === 0 ? 500 : 200;
      calls.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/fleetbench?key=do-not-log`;
});

afterAll(async () => {
  for (const a of agents) await a.endAsync(true).catch(() => undefined);
  await new Promise((r) => receiver?.close(r));
  await medium.stop();
});

it('marks the slower run on a newer onnxruntime as a regression, serves it, and calls the webhook with a retry', async () => {
  const model = await api<Model>('POST', apiPaths.models, { name: 'mnist', path: sharedPath('models/mnist.onnx') });
  expect(model.status).toBe(201);

  // The webhook: admin only, the secret never returned.
  const put = await api<WebhookSetting>('PUT', changePaths.webhook, { url: receiverUrl, secret: SECRET });
  expect(put.status).toBe(200);
  expect(put.body).toEqual({ url: receiverUrl, secretSet: true, updatedAt: expect.any(String) });
  expect(JSON.stringify(put.body)).not.toContain(SECRET);
  // Stored sealed: the database never holds the signing secret in plain text.
  const stored = new pg.Client({ connectionString: medium.db.url });
  await stored.connect();
  const rows = (await stored.query(`SELECT value::text AS v FROM "HubSetting"`)).rows as { v: string }[];
  await stored.end();
  expect(rows.map((r) => r.v).join()).toContain('"secret": "v1:');
  expect(rows.map((r) => r.v).join()).not.toContain(SECRET);
  expect((await api('PUT', changePaths.webhook, { url: 'ftp://example.com/x' })).status).toBe(400);

  const e = await enrollFakeAgent(medium, 'board-1');
  const agent = await connectFakeAgent(e, agents);
  await until(async () => (await api('GET', apiPaths.device(e.agentId))).body.online, 'agent online');

  // Four runs of one series: 1.29, 1.29 (same speed), 1.30 (+14 %), 1.30 (same speed as the third).
  const runs: [version: string, medianMs: number][] = [
    ['1.29.0', 5],
    ['1.29.0', 5],
    ['1.30.0', 5.7],
    ['1.30.0', 5.7],
  ];
  const resultIds: string[] = [];
  for (const [i, [version, medianMs]] of runs.entries()) {
    const c = await api<Campaign>('POST', apiPaths.campaigns, {
      name: `run ${i}`,
      modelIds: [model.body.id],
      devices: { ids: [e.agentId] },
      settings: [{ mode: 'latency' }],
    });
    expect(c.status).toBe(201);
    await until(async () => agent.jobs.length === i + 1, `assignment ${i}`);
    const job = agent.jobs[i]!;
    const ts = () => new Date().toISOString();
    await agent.client.publishAsync(
      topics.events(e.agentId),
      JSON.stringify({ v: 1, ts: ts(), jobId: job.jobId, kind: 'accepted' }),
      { qos: 1 },
    );
    const msg = measuredResult(job, seededLatencies(100 + i, 400, medianMs), version);
    await agent.client.publishAsync(topics.results(e.agentId), JSON.stringify(msg), { qos: 1 });
    const done = await until(async () => {
      const cc = await api<Campaign>('GET', apiPaths.campaign(c.body.id));
      return cc.body.state === 'completed' && cc.body;
    }, `run ${i} completed`);
    expect(done.jobCounts.succeeded).toBe(1);
    const [r] = (await api<{ id: string }[]>('GET', `${apiPaths.results}?campaignId=${c.body.id}`)).body;
    resultIds.push(r!.id);
    // The watch runs after ingest committed; wait for this point before the next run so each has its baseline.
    await medium.hub.app.get(ChangeWatchService).watch(r!.id);
  }

  const changes = await api<Change[]>('GET', changePaths.changes);
  expect(changes.status).toBe(200);
  expect(changes.body).toHaveLength(1);
  const [change] = changes.body;
  expect(change).toMatchObject({
    kind: 'regression',
    metric: 'p50Ms',
    resultId: resultIds[2],
    baselineResultId: resultIds[1],
    modelName: 'mnist',
    deviceName: 'board-1',
    changedParts: [{ part: 'onnxruntime', from: '1.29.0', to: '1.30.0' }],
  });
  expect(change!.relative).toBeGreaterThan(0.1);
  expect(change!.relative).toBeLessThan(0.18);
  expect(change!.relativeLow!).toBeGreaterThan(0.05);
  expect(change!.summary).toMatch(/^onnxruntime 1\.29\.0 → 1\.30\.0: p50 \+1\d\.\d % \[CI \+\d+\.\d %, \+\d+\.\d %\]$/);
  expect((await api<Change[]>('GET', `${changePaths.changes}?kind=improvement`)).body).toEqual([]);

  const series = await api<Series>(
    'GET',
    `${changePaths.series}?modelId=${model.body.id}&hardwareClassId=${change!.hardwareClassId}&settingsKey=${encodeURIComponent(change!.settingsKey)}`,
  );
  expect(series.status).toBe(200);
  expect(series.body.metric).toBe('p50Ms');
  expect(series.body.points.map((p) => p.resultId)).toEqual(resultIds);
  expect(series.body.points.map((p) => p.fingerprint.onnxruntime)).toEqual(['1.29.0', '1.29.0', '1.30.0', '1.30.0']);
  for (const p of series.body.points) {
    expect(p.low!).toBeLessThan(p.value);
    expect(p.high!).toBeGreaterThan(p.value);
  }
  expect(series.body.changes.map((c) => c.id)).toEqual([change!.id]);
  expect((await api('GET', `${changePaths.series}?modelId=nope&hardwareClassId=x&settingsKey=y`)).status).toBe(404);

  // The webhook: the first call (sent at once) failed with 500 …
  const webhook = medium.hub.app.get(RegressionWebhookService);
  await until(async () => calls.length === 1, 'first webhook call');
  await webhook.sweep();
  expect(calls).toHaveLength(1);
  // … and is retried once the backoff has passed (the clock moved on, not the test's wall time).
  const clock = medium.hub.app.get(ClockRepository);
  const later = new Date(Date.now() + WEBHOOK_RETRY_DELAYS_MS[0]! + 1000);
  const spy = jest.spyOn(clock, 'now').mockReturnValue(later);
  try {
    expect(await webhook.sweep()).toBe(1);
  } finally {
    spy.mockRestore();
  }
  expect(calls.map((c) => c.status)).toEqual([500, 200]);
  for (const call of calls) {
    const payload = JSON.parse(call.body) as RegressionWebhookPayload;
    expect(payload).toMatchObject({ event: 'regression', change: { id: change!.id, summary: change!.summary } });
    expect(call.headers['x-fleetbench-delivery']).toBe(change!.id);
    expect(call.headers['x-fleetbench-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(call.body).digest('hex')}`,
    );
  }
  await webhook.sweep();
  expect(calls).toHaveLength(2);
  const after = (await api<Change[]>('GET', changePaths.changes)).body[0]!;
  expect(after.notifiedAt).toBe(later.toISOString());

  // The hub logged the calls (origin only), never the secret or the URL's path and query.
  expect(logLines.some((l) => l.includes('regression webhook call failed; will retry'))).toBe(true);
  expect(logLines.filter((l) => l.includes(SECRET) || l.includes('do-not-log'))).toEqual([]);

  // Clearing it: GET says so.
  expect((await api('DELETE', changePaths.webhook)).status).toBe(204);
  expect((await api<WebhookSetting>('GET', changePaths.webhook)).body).toEqual({
    url: null,
    secretSet: false,
    updatedAt: null,
  });
});
