/**
 * Every broker the hub runs with refuses MQTT packets over 1 MiB: the embedded broker (apps/hub, aedes has no such
 * option of its own), Mosquitto (deploy/mosquitto, the compose stack and the tests' private Mosquitto) and EMQX. A
 * real Mosquitto with the deployed setting closes a client that sends more, and the hub's subscription never sees it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { MAX_MQTT_PACKET_BYTES } from '../../apps/hub/src/broker/mqtt-packet-limit';
import { deployedMaxPacketSize, startMosquitto, type MosquittoInstance } from '../support/mosquitto';

const read = (p: string) => readFileSync(path.join(__dirname, '../../deploy', p), 'utf8');

it('one packet limit in every broker configuration', () => {
  expect(deployedMaxPacketSize()).toBe(MAX_MQTT_PACKET_BYTES);
  expect(read('compose/mosquitto/mosquitto.conf')).toMatch(
    new RegExp(`^max_packet_size ${MAX_MQTT_PACKET_BYTES}$`, 'm'),
  );
  expect(MAX_MQTT_PACKET_BYTES).toBe(2 ** 20);
  expect(read('emqx/emqx.conf')).toMatch(/^\s*max_packet_size = "1MB"$/m);
});

describe('Mosquitto as deployed', () => {
  let broker: MosquittoInstance;

  beforeAll(async () => {
    broker = await startMosquitto();
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('closes a client that publishes a packet over the limit; the subscriber gets nothing of it', async () => {
    const { username, password } = broker.admin;
    const sub = await mqtt.connectAsync(broker.url, { username, password, clientId: 'limits-sub', reconnectPeriod: 0 });
    const got: number[] = [];
    sub.on('message', (_t, p) => got.push(p.length));
    await sub.subscribeAsync('fleetbench/limits/#', { qos: 1 });
    const pub = await mqtt.connectAsync(broker.url, { username, password, clientId: 'limits-pub', reconnectPeriod: 0 });
    pub.on('error', () => undefined);
    await pub.publishAsync('fleetbench/limits/small', Buffer.alloc(512 * 1024), { qos: 1 });
    const closed = new Promise<void>((resolve) => pub.once('close', () => resolve()));
    pub.publish('fleetbench/limits/big', Buffer.alloc(2 * MAX_MQTT_PACKET_BYTES), { qos: 0 });
    await closed;
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([512 * 1024]);
    await sub.endAsync();
    await pub.endAsync(true);
  });
});
