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
import { enrollFakeAgent } from './test-support/fake-agent';
import { measuredResult, seededLatencies } from './test-support/measured-result';
import { mediumHub, until } from './test-support/medium-hub';

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
    {
      const model = await first.api<Model>('POST', apiPaths.models, {
        name: 'mnist',
        path: sharedPath('models/mnist.onnx'),
      });
      expect(model.status).toBe(201);
      const device = await enrollFakeAgent(first, 'board-1');
      // One job per result: the device is offline, so they stay queued; as if each had been assigned once (attempt 1),
      // the result of each is accepted.
      const campaign = await first.api<Campaign>('POST', apiPaths.campaigns, {
        name: 'shutdown',
        modelIds: [model.body.id],
        devices: { ids: [device.agentId] },
        settings: Array.from({ length: RESULTS }, (_, i) => ({ mode: 'latency', seed: i + 1 })),
      });
      expect(campaign.status).toBe(201);
      const db = new pg.Client({ connectionString: first.db.url });
      await db.connect();
      try {
        const jobs = (
          await db.query<{ id: string; settings: BenchmarkSettings }>(
            `UPDATE "Job" SET attempts = 1 WHERE "campaignId" = $1 RETURNING id, settings`,
            [campaign.body.id],
          )
        ).rows;
        expect(jobs).toHaveLength(RESULTS);
        const results = jobs.map((job, i) =>
          measuredResult(
            {
              jobId: job.id,
              attempt: 1,
              settings: job.settings,
              model: { sha256: model.body.sha256 },
            } as JobAssignMessage,
            seededLatencies(i + 1, 400, 5),
            '1.20.0',
          ),
        );

        // The results table locked: the hub's first batch waits in the database.
        const lock = new pg.Client({ connectionString: first.db.url });
        await lock.connect();
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE "Result" IN EXCLUSIVE MODE');

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
        // The hub holds them: its insert waits for the lock.
        await until(
          async () =>
            (
              await db.query(
                `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
              )
            ).rowCount,
          'the hub waiting for the lock',
        );

        // Shut down (what SIGTERM does), then release the lock while the rest arrives.
        const closing = first.hub.close();
        for (const r of results.slice(half))
          await pub.publishAsync(topics.results(device.agentId), JSON.stringify(r), { qos: 1 });
        await new Promise((r) => setTimeout(r, 300));
        await lock.query('COMMIT');
        await lock.end();
        await closing;

        const stored = async () =>
          (await db.query<{ msgId: string }>(`SELECT "msgId" FROM "Result"`)).rows.map((r) => r.msgId);
        const failures = messagesOf(firstLines).filter(
          (l) =>
            /Cannot use a pool/.test(JSON.stringify(l)) ||
            l.msg === 'message not stored; acknowledgement held, retrying',
        );
        expect(failures).toEqual([]);
        const storedByFirst = await stored();
        expect(storedByFirst.length).toBeGreaterThanOrEqual(half);

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
        await until(async () => (await stored()).length === RESULTS, 'every result stored', 20_000);
        const all = await stored();
        expect(new Set(all).size).toBe(RESULTS);
        expect(all.sort()).toEqual(results.map((r) => r.msgId).sort());
        const repeats = messagesOf(secondLines).filter(
          (l) => l.msg === 'duplicate result (same msgId or job attempt) ignored',
        );
        expect(repeats).toEqual([]); // everything the first hub stored, it acknowledged
      } finally {
        await db.end();
      }
    }
  });
});
