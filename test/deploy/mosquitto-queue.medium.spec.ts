/**
 * What "a result acknowledged to an agent is never lost" needs from the broker: Mosquitto acknowledges an agent's
 * QoS 1 result on receipt and queues it for the hub's persistent session, so a hub that falls behind or restarts
 * must not have its queue cut short. Mosquitto's default (1000 queued messages per client) dropped 960 of 2000
 * results in bench/hub-ingest.mjs; deploy/mosquitto/mosquitto.conf raises it, and this test runs a real Mosquitto
 * with that setting (test/support/mosquitto.ts reads it from the deploy file).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type IClientOptions } from 'mqtt';
import { topics } from '@fleetbench/protocol';
import {
  deployedMaxQueuedMessages,
  deployedSetting,
  startMosquitto,
  type MosquittoInstance,
} from '../support/mosquitto';
import { waitFor } from '../support/processes';

/** More than Mosquitto's default queue of 1000. */
const RESULTS = 1500;

let broker: MosquittoInstance;

beforeAll(async () => {
  broker = await startMosquitto();
});

afterAll(async () => {
  await broker?.stop();
});

it('deploys a queue limit well above Mosquitto’s default of 1000, the same in the compose stack', () => {
  expect(deployedMaxQueuedMessages()).toBeGreaterThanOrEqual(100_000);
  const compose = readFileSync(path.join(__dirname, '../../deploy/compose/mosquitto/mosquitto.conf'), 'utf8');
  expect(compose).toMatch(new RegExp(`^max_queued_messages ${deployedMaxQueuedMessages()}$`, 'm'));
  // Many unacknowledged results in flight to the hub (it acknowledges after its batched write), the same in compose.
  expect(deployedSetting('max_inflight_messages')).toBeGreaterThanOrEqual(500);
  expect(compose).toMatch(new RegExp(`^max_inflight_messages ${deployedSetting('max_inflight_messages')}$`, 'm'));
});

it('keeps every QoS 1 result for the hub’s session while the hub is away, beyond 1000', async () => {
  const hubOptions: IClientOptions = {
    username: broker.admin.username,
    password: broker.admin.password,
    clientId: 'fleetbench-hub-queue-test',
    clean: false,
    reconnectPeriod: 0,
  };
  // The hub subscribes (persistent session), then goes away: a restart, or a hub far behind its agents.
  const hub = await mqtt.connectAsync(broker.url, hubOptions);
  await hub.subscribeAsync(topics.shared('fleetbench-hub', 'results'), { qos: 1 });
  await hub.endAsync();

  const agent = await mqtt.connectAsync(broker.url, {
    username: broker.admin.username,
    password: broker.admin.password,
    clientId: 'queue-test-publisher',
    reconnectPeriod: 0,
  });
  for (let i = 0; i < RESULTS; i += 100)
    await Promise.all(
      Array.from({ length: Math.min(100, RESULTS - i) }, (_, k) =>
        agent.publishAsync(topics.results('agent-queue-test'), JSON.stringify({ n: i + k }), { qos: 1 }),
      ),
    );
  await agent.endAsync(); // every publish above was acknowledged by the broker (PUBACK)

  const received = new Set<number>();
  const back = mqtt.connect(broker.url, hubOptions);
  back.on('message', (_topic, payload) => received.add((JSON.parse(payload.toString()) as { n: number }).n));
  try {
    await waitFor('every queued result delivered', async () => received.size === RESULTS || null, 30_000).catch(() => {
      throw new Error(`the hub received ${received.size} of ${RESULTS} acknowledged results`);
    });
    expect(received.size).toBe(RESULTS);
  } finally {
    await back.endAsync();
  }
}, 60_000);
