/**
 * Medium test (real PostgreSQL, private Mosquitto with persistence, whole hubs): an orderly shutdown loses nothing and
 * fails nothing. A hub holds a batch of results it cannot write yet (a test transaction locks the results table) when
 * it is closed, as on SIGTERM; more results keep arriving meanwhile. The hub stops taking messages, lets the ones in
 * hand be stored and acknowledged once the lock goes, and only then closes MQTT and the database pool: no handling
 * fails with "Cannot use a pool after calling end on the pool". A second hub with the same persistent session then
 * gets exactly the messages left unacknowledged (never one already stored), and every result is stored exactly once.
 */
import net from 'node:net';
import {
  apiPaths,
  topics,
  type BenchmarkSettings,
  type Campaign,
  type JobAssignMessage,
  type Model,
} from '@fleetbench/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { mosquittoUnavailableReason, startMosquitto, type MosquittoInstance } from '../../../test/support/mosquitto';
import { sharedPath } from '../../../test/support/shared-data';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { createHub, type Hub } from './main';
import { enrollFakeAgent, fakeAgentOptions } from './test-support/fake-agent';
import { measuredResult, seededLatencies } from './test-support/measured-result';
import { mediumHub, until, type MediumHub } from './test-support/medium-hub';

jest.setTimeout(90_000);

const ADMIN = 'test-admin-token-shutdown-0123456789';
const RESULTS = 60;
const unavailable = mosquittoUnavailableReason();
const describeWithMosquitto = unavailable ? describe.skip : describe;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Every line a hub logs (JSON), to look for failed handlings. */
function capturingLogger(lines: string[]) {
  return createLogger('info', { write: (line: string) => void lines.push(line) } as DestinationStream);
}
const messagesOf = (lines: string[]) => lines.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } });

/**
 * A device with one queued job per result, each as if assigned once (attempt 1, so its result is accepted: the device
 * stays offline, so nothing else moves them), and those results.
 */
async function jobsWithResults(medium: MediumHub, n: number) {
  const model = await medium.api<Model>('POST', apiPaths.models, {
    name: 'mnist',
    path: sharedPath('models/mnist.onnx'),
  });
  expect(model.status).toBe(201);
  const device = await enrollFakeAgent(medium, 'board-1');
  const campaign = await medium.api<Campaign>('POST', apiPaths.campaigns, {
    name: 'shutdown',
    modelIds: [model.body.id],
    devices: { ids: [device.agentId] },
    settings: Array.from({ length: n }, (_, i) => ({ mode: 'latency', seed: i + 1 })),
  });
  expect(campaign.status).toBe(201);
  const db = new pg.Client({ connectionString: medium.db.url });
  await db.connect();
  try {
    const jobs = (
      await db.query<{ id: string; settings: BenchmarkSettings }>(
        `UPDATE "Job" SET attempts = 1 WHERE "campaignId" = $1 RETURNING id, settings`,
        [campaign.body.id],
      )
    ).rows;
    expect(jobs).toHaveLength(n);
    const results = jobs.map((job, i) =>
      measuredResult(
        { jobId: job.id, attempt: 1, settings: job.settings, model: { sha256: model.body.sha256 } } as JobAssignMessage,
        seededLatencies(i + 1, 400, 5),
        '1.20.0',
      ),
    );
    return { device, results };
  } finally {
    await db.end();
  }
}

/** Locks the results table (the hub's inserts wait) until `release()`; resolves once the hub is waiting for it. */
async function lockResults(url: string) {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE "Result" IN EXCLUSIVE MODE');
  return {
    waiting: () =>
      until(async () => {
        // Inside a transaction PostgreSQL keeps its first snapshot of pg_stat_activity: drop it before each look.
        await lock.query('SELECT pg_stat_clear_snapshot()');
        return (
          await lock.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        ).rowCount;
      }, 'the hub waiting for the lock'),
    release: async () => {
      await lock.query('COMMIT');
      await lock.end();
    },
  };
}

async function storedMsgIds(url: string): Promise<string[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<{ msgId: string }>(`SELECT "msgId" FROM "Result"`)).rows.map((r) => r.msgId);
  } finally {
    await db.end();
  }
}

/** Handlings that failed: on a closed pool, or held and retried. */
const failuresIn = (lines: string[]) =>
  messagesOf(lines).filter(
    (l) =>
      /Cannot use a pool/.test(JSON.stringify(l)) || l.msg === 'message not stored; acknowledgement held, retrying',
  );

describeWithMosquitto('orderly shutdown with messages in flight (external broker)', () => {
  let broker: MosquittoInstance;
  let mqttUrl = '';
  let port = 0;
  const firstLines: string[] = [];
  let first: ReturnType<typeof mediumHub> | null = null;
  let second: Hub | null = null;
  let publisher: MqttClient | null = null;

  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true, autosaveInterval: 1 });
    const u = new URL(broker.url);
    u.username = broker.admin.username;
    u.password = broker.admin.password;
    mqttUrl = u.toString();
    // A fixed HTTP port: it names the hub's persistent session, which the second hub takes over.
    port = await freePort();
  });

  afterAll(async () => {
    await publisher?.endAsync(true).catch(() => undefined);
    await second?.close().catch(() => undefined);
    await first?.stop().catch(() => undefined);
    await broker?.stop();
  });

  it('stores and acknowledges what it holds, leaves the rest for redelivery, and never uses a closed pool', async () => {
    first = mediumHub(ADMIN, {
      logger: capturingLogger(firstLines),
      env: { MQTT_URL: mqttUrl, FLEETBENCH_HUB_PORT: String(port) },
    });
    await first.start();
    const { device, results } = await jobsWithResults(first, RESULTS);
    const lock = await lockResults(first.db.url);
    publisher = await mqtt.connectAsync(broker.url, {
      username: broker.admin.username,
      password: broker.admin.password,
      clientId: 'shutdown-publisher',
      reconnectPeriod: 0,
    });
    const pub = publisher;
    const half = RESULTS / 2;
    for (const r of results.slice(0, half))
      await pub.publishAsync(topics.results(device.agentId), JSON.stringify(r), { qos: 1 });
    await lock.waiting(); // the hub holds them: its insert waits for the lock

    // Shut down (what SIGTERM does), then release the lock while the rest arrives.
    const closing = first.hub.close();
    for (const r of results.slice(half))
      await pub.publishAsync(topics.results(device.agentId), JSON.stringify(r), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await lock.release();
    await closing;
    expect(failuresIn(firstLines)).toEqual([]);
    expect((await storedMsgIds(first.db.url)).length).toBeGreaterThanOrEqual(half);

    // The same session again: what the first hub did not acknowledge comes back, and only that.
    const secondLines: string[] = [];
    second = await createHub(
      loadConfig({
        DATABASE_URL: first.db.url,
        FLEETBENCH_DATA_DIR: first.dataDir,
        FLEETBENCH_HUB_PORT: String(port),
        FLEETBENCH_HUB_HOST: '127.0.0.1',
        FLEETBENCH_ADMIN_TOKEN: ADMIN,
        MQTT_URL: mqttUrl,
      }),
      { logger: capturingLogger(secondLines), leaseSweeper: false },
    );
    const url = first.db.url;
    await until(async () => (await storedMsgIds(url)).length === RESULTS, 'every result stored', 20_000);
    const all = await storedMsgIds(url);
    expect(new Set(all).size).toBe(RESULTS);
    expect(all.sort()).toEqual(results.map((r) => r.msgId).sort());
    const repeats = messagesOf(secondLines).filter(
      (l) => l.msg === 'duplicate result (same msgId or job attempt) ignored',
    );
    expect(repeats).toEqual([]); // everything the first hub stored, it acknowledged
  });
});

describe('orderly shutdown with messages in flight (embedded broker)', () => {
  const lines: string[] = [];
  const medium = mediumHub(ADMIN, { logger: capturingLogger(lines) });
  const agents: MqttClient[] = [];

  beforeAll(() => medium.start());
  afterAll(async () => {
    for (const a of agents) await a.endAsync(true).catch(() => undefined);
    await medium.stop();
  });

  it('acknowledges the result being stored to its agent, takes no new one, and never uses a closed pool', async () => {
    const { device, results } = await jobsWithResults(medium, 3);
    const lock = await lockResults(medium.db.url);
    const agent = await mqtt.connectAsync(device.mqtt.url, { ...fakeAgentOptions(device), reconnectPeriod: 0 });
    agents.push(agent);
    // The embedded broker stores an agent's result before it acknowledges it, one at a time per agent.
    const acked: string[] = [];
    const publish = (r: (typeof results)[number]) =>
      agent
        .publishAsync(topics.results(device.agentId), JSON.stringify(r), { qos: 1 })
        .then(() => void acked.push(r.msgId))
        .catch(() => undefined);
    const sent = [publish(results[0]!)];
    await lock.waiting();
    const closing = medium.hub.close();
    sent.push(publish(results[1]!), publish(results[2]!));
    await new Promise((r) => setTimeout(r, 300));
    await lock.release();
    await closing;
    await Promise.race([Promise.all(sent), new Promise((r) => setTimeout(r, 1000))]);
    expect(failuresIn(lines)).toEqual([]);
    // The one in hand: stored, and acknowledged to the agent (which deletes it from its outbox). The others: neither
    // (the agent sends them again when it reconnects).
    expect(acked).toEqual([results[0]!.msgId]);
    expect(await storedMsgIds(medium.db.url)).toEqual([results[0]!.msgId]);
  });
});
