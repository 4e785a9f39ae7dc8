/**
 * The hub's MQTT client against a real Mosquitto 2 with persistence on, as deployed: what the broker holds for the
 * hub's persistent session reaches the handler (handler in place before CONNACK), the shared subscription survives a
 * broker restart (renewed on every connect), and a message is acknowledged only after its handler resolved — a
 * failing handler is retried and its message redelivered after a reconnect, never acknowledged.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@fleetbench/protocol';
import { startMosquitto, type MosquittoInstance } from '../../../../test/support/mosquitto';
import { connectHubClient, SHARED_GROUP } from './hub-mqtt-client';
import { mockLogger } from '../test-support/mocks';
import { until } from '../test-support/medium-hub';

jest.setTimeout(60_000);

let broker: MosquittoInstance;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startMosquitto({ persistence: true, autosaveInterval: 1 });
});

/**
 * Ends every client and deletes the hub sessions: Mosquitto goes on handing an offline member of a share group its
 * share of the messages, so a session left behind would swallow part of the next test's messages.
 */
afterEach(async () => {
  const ids = new Set<string>();
  for (const c of clients.splice(0)) {
    if (c.options.clean === false && c.options.clientId) ids.add(c.options.clientId);
    await c.endAsync(true).catch(() => undefined);
  }
  for (const clientId of ids) {
    const c = await mqtt.connectAsync(broker.url, {
      username: broker.admin.username,
      password: broker.admin.password,
      clientId,
      clean: true,
      reconnectPeriod: 0,
    });
    await c.endAsync();
  }
});

afterAll(async () => {
  await broker?.stop();
});

let instance = 0;
/** A hub client with its own persistent session (one instance name per test). */
function hubClient(onMessage: (topic: string, payload: Buffer) => Promise<void>, name: string) {
  return connectHubClient({
    url: broker.url,
    username: broker.admin.username,
    password: broker.admin.password,
    external: true,
    instance: name,
    logger: mockLogger(),
    onMessage,
    retry: { initialMs: 20, maxMs: 200 },
  }).then((c) => {
    clients.push(c.client);
    return c.client;
  });
}

async function publisher(): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, {
    username: broker.admin.username,
    password: broker.admin.password,
    clientId: `publisher-${++instance}`,
    reconnectPeriod: 0,
  });
  clients.push(c);
  return c;
}

async function publishResults(agent: string, n: number, from = 0): Promise<void> {
  const pub = await publisher();
  for (let i = from; i < from + n; i++)
    await pub.publishAsync(topics.results(agent), JSON.stringify({ n: i }), { qos: 1 });
  await pub.endAsync();
}

const received = () => {
  const seen: number[] = [];
  return {
    seen,
    handler: async (_topic: string, payload: Buffer) => {
      seen.push((JSON.parse(payload.toString()) as { n: number }).n);
    },
  };
};

it('delivers what the broker queued for the session while the hub was away (handler set before CONNACK)', async () => {
  const first = await hubClient(async () => undefined, 'queued');
  await first.endAsync();
  await publishResults('agent-q', 5);
  const r = received();
  await hubClient(r.handler, 'queued');
  await until(async () => r.seen.length === 5, 'r.seen.length === 5', 10_000);
  expect(r.seen.sort()).toEqual([0, 1, 2, 3, 4]);
});

it.each(['SIGTERM', 'SIGKILL'] as const)(
  'keeps receiving through the shared subscription after a broker restart (%s)',
  async (signal) => {
    const r = received();
    await hubClient(r.handler, `restart-${signal}`);
    await publishResults(`agent-r-${signal}`, 3);
    await until(async () => r.seen.length === 3, 'r.seen.length === 3', 10_000);
    // Let an autosave write the session to disk, so the restarted broker reports it present.
    await new Promise((res) => setTimeout(res, 1500));
    await broker.restart(signal);
    // Publish until something arrives: the renewed subscription is in place a moment after the reconnect; without
    // the renewal nothing ever would (a shared subscription has no queue while it does not exist).
    let n = 3;
    const deadline = Date.now() + 20_000;
    while (!r.seen.some((x) => x >= 3) && Date.now() < deadline) {
      await publishResults(`agent-r-${signal}`, 1, n++).catch(() => undefined);
      await new Promise((res) => setTimeout(res, 200));
    }
    await until(async () => r.seen.includes(n - 1), 'the last message', 5_000);
    // QoS 1 is at least once: a broker killed between its last save and a PUBACK redelivers (ingest dedups on msgId).
    expect([...new Set(r.seen.filter((x) => x < 3))].sort()).toEqual([0, 1, 2]);
  },
);

it('acknowledges only after the handler resolved: failures are retried, and redelivered after a reconnect', async () => {
  let failing = true;
  let attempts = 0;
  const stored: number[] = [];
  const handler = async (_t: string, payload: Buffer) => {
    attempts++;
    if (failing) throw new Error('database is down');
    stored.push((JSON.parse(payload.toString()) as { n: number }).n);
  };
  const hub = await hubClient(handler, 'held');
  await publishResults('agent-h', 2);
  await until(async () => attempts >= 6, 'attempts >= 6', 10_000); // retried with backoff, not acknowledged
  expect(stored).toEqual([]);
  // The hub goes away with both messages unacknowledged: the broker keeps them for the session.
  await hub.endAsync(true);
  failing = false;
  const again = received();
  await hubClient(again.handler, 'held');
  await until(async () => again.seen.length === 2, 'again.seen.length === 2', 10_000);
  expect(again.seen.sort()).toEqual([0, 1]);

  // And once stored, acknowledged: a further reconnect redelivers nothing.
  await clients[clients.length - 1].endAsync();
  const third = received();
  await hubClient(third.handler, 'held');
  await new Promise((res) => setTimeout(res, 1000));
  expect(third.seen).toEqual([]);
});

it('a failing handler recovers on the same connection once the write succeeds', async () => {
  let fail = 3;
  const r = received();
  await hubClient(async (t, p) => {
    if (fail-- > 0) throw new Error('transient');
    await r.handler(t, p);
  }, 'recover');
  await publishResults('agent-rec', 1);
  await until(async () => r.seen.length === 1, 'r.seen.length === 1', 10_000);
  expect(SHARED_GROUP).toBe('fleetbench-hub');
});
