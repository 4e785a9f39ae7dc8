import { createHash } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import mqtt from 'mqtt';
import {
  apiPaths,
  decodePayload,
  HardwareMessageSchema,
  topics,
  type JobAssignMessage,
  type JobEventMessage,
  type StatusMessage,
} from '@fleetbench/protocol';
import { AgentDaemon } from './daemon';
import { loadAedes } from './test-support/aedes';
import { OnnxRunner } from './runner/onnx-runner';
import { sharedPath } from '../../../test/support/shared-data';

const MNIST = readFileSync(sharedPath('models/mnist.onnx'));
const SHA = createHash('sha256').update(MNIST).digest('hex');
const AGENT = 'agent-it-1';
const PASSWORD = 'pw-for-tests';

/** aedes in-process + a tiny hub serving the artifact; the real daemon with the real onnx runner. */
describe('agent daemon (integration)', () => {
  let broker: { handle: (s: net.Socket) => void; close: (cb: () => void) => void };
  let brokerServer: net.Server;
  let hub: http.Server;
  let dataDir: string;
  let brokerUrl: string;
  let hubUrl: string;
  const artifactRequests: Array<string | undefined> = [];

  beforeAll(async () => {
    const { Aedes } = loadAedes();
    broker = (await Aedes.createBroker()) as unknown as typeof broker;
    (
      broker as unknown as {
        authenticate: (c: unknown, u: string, p: Buffer, cb: (e: Error | null, ok: boolean) => void) => void;
      }
    ).authenticate = (_client, username, password, cb) =>
      cb(null, username === AGENT && password?.toString() === PASSWORD);
    brokerServer = net.createServer(broker.handle);
    await new Promise<void>((r) => brokerServer.listen(0, '127.0.0.1', r));
    brokerUrl = `mqtt://127.0.0.1:${(brokerServer.address() as AddressInfo).port}`;

    hub = http.createServer((req, res) => {
      artifactRequests.push(req.headers.authorization);
      const expected = `Basic ${Buffer.from(`${AGENT}:${PASSWORD}`).toString('base64')}`;
      if (req.url !== apiPaths.artifact(SHA)) return void res.writeHead(404).end();
      if (req.headers.authorization !== expected) return void res.writeHead(401).end();
      res.writeHead(200, { 'content-length': MNIST.length, etag: `"${SHA}"` });
      res.end(MNIST);
    });
    await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
    hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-agent-it-'));
  });

  afterAll(async () => {
    await new Promise((r) => hub.close(r));
    await new Promise((r) => brokerServer.close(r));
    await new Promise<void>((r) => broker.close(r));
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('runs an assigned mnist job and publishes events and a schema-valid result', async () => {
    const observer = await mqtt.connectAsync(brokerUrl, {
      clientId: 'observer',
      username: AGENT,
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    const received: Array<{ topic: string; payload: Buffer; retain: boolean }> = [];
    observer.on('message', (topic, payload, packet) => received.push({ topic, payload, retain: packet.retain }));
    await observer.subscribeAsync(
      [topics.status(AGENT), topics.hardware(AGENT), topics.events(AGENT), topics.results(AGENT)],
      { qos: 1 },
    );

    const daemon = new AgentDaemon({
      config: {
        hubUrl,
        agentId: AGENT,
        mqtt: { url: brokerUrl, username: AGENT, password: PASSWORD },
        dataDir,
        telemetryIntervalMs: 0,
      },
      sampler: null,
      runner: new OnnxRunner({ environment: null }),
      backoff: { initialMs: 50, maxMs: 200 },
    });
    await daemon.start();
    const waitFor = async (pred: () => boolean, ms = 20_000) => {
      const until = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > until) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const on = (channel: 'status' | 'hardware' | 'events' | 'results') =>
      received.filter((m) => m.topic === topics[channel](AGENT));

    try {
      await waitFor(() => on('status').length > 0 && on('hardware').length > 0);
      const online = decodePayload('status', on('status')[0].payload);
      expect(online.ok && online.value.online).toBe(true);
      expect(online.ok && online.value.session).toBe(1);
      expect(HardwareMessageSchema.safeParse(JSON.parse(on('hardware')[0].payload.toString())).success).toBe(true);

      const job: JobAssignMessage = {
        v: 1,
        kind: 'assign',
        ts: new Date().toISOString(),
        jobId: 'job-it-1',
        campaignId: 'camp-1',
        attempt: 1,
        model: {
          modelId: 'mnist',
          name: 'mnist',
          sha256: SHA,
          sizeBytes: MNIST.length,
          downloadPath: apiPaths.artifact(SHA),
        },
        settings: {
          mode: 'latency',
          batchSize: 1,
          intraOpThreads: 1,
          interOpThreads: 0,
          executionProvider: 'cpu',
          graphOptimizationLevel: 'all',
          warmupIterations: 3,
          minIterations: 50,
          minDurationMs: 0,
          maxDurationMs: 10_000,
          seed: 7,
        },
        timeoutMs: 30_000,
      };
      await observer.publishAsync(topics.jobs(AGENT), JSON.stringify(job), { qos: 1 });
      // A malformed job message is rejected and does not disturb the agent.
      await observer.publishAsync(topics.jobs(AGENT), '{"v":2,"kind":"assign"}', { qos: 1 });

      await waitFor(() => on('results').length > 0);
      const result = decodePayload('results', on('results')[0].payload);
      if (!result.ok) throw new Error(result.error);
      expect(result.value.jobId).toBe('job-it-1');
      expect(result.value.metrics.latencyMs.count).toBeGreaterThanOrEqual(50);
      expect(result.value.metrics.latencyMs.p50).toBeGreaterThan(0);
      expect(result.value.environment.modelSha256).toBe(SHA);
      expect(result.value.histogram).toEqual(expect.any(String));

      const events = on('events').map((m) => {
        const d = decodePayload('events', m.payload);
        if (!d.ok) throw new Error(d.error);
        return d.value as JobEventMessage;
      });
      expect(events[0].kind).toBe('accepted');
      expect(events.filter((e) => e.kind === 'progress').map((e) => e.phase)).toEqual(
        expect.arrayContaining(['download', 'load', 'measure']),
      );
      expect(events.some((e) => e.kind === 'failed')).toBe(false);
      expect(artifactRequests.length).toBeGreaterThanOrEqual(1);

      // The result stays in the outbox after the broker's PUBACK, until the hub's receipt.
      const outboxFiles = () => readdirSafe(path.join(dataDir, 'outbox')).filter((n) => n.endsWith('.json'));
      await new Promise((r) => setTimeout(r, 200));
      expect(outboxFiles()).toEqual([`${result.value.msgId}.json`]);
      const receipt = { v: 1, kind: 'receipt', ts: new Date().toISOString(), msgIds: [result.value.msgId] };
      await observer.publishAsync(topics.jobs(AGENT), JSON.stringify(receipt), { qos: 1 });
      await waitFor(() => outboxFiles().length === 0);
      expect(await fs.readdir(path.join(dataDir, 'cache', 'artifacts'))).toEqual([SHA]);
    } finally {
      await daemon.stop();
    }

    await waitFor(() => on('status').some((m) => (JSON.parse(m.payload.toString()) as StatusMessage).online === false));
    const offline = JSON.parse(on('status').at(-1)!.payload.toString()) as StatusMessage;
    expect(offline).toMatchObject({ online: false, session: 1 });
    await observer.endAsync();
  }, 40_000);
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
