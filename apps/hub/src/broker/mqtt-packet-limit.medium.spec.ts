import { once } from 'node:events';
import mqttPacket from 'mqtt-packet';
import pino from 'pino';
import { topics } from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import { closeClients, connectClient, MessageCollector, subscribe } from '../../../../test/support/mqtt-helpers';
import type { BrokerCredentialVerifier } from './broker.types';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker';
import { MAX_MQTT_PACKET_BYTES, MqttPacketLimit, PacketTooLargeError } from './mqtt-packet-limit';

const publishPacket = (bytes: number) =>
  mqttPacket.generate({
    cmd: 'publish',
    topic: 't',
    payload: Buffer.alloc(bytes),
    qos: 0,
    dup: false,
    retain: false,
  });

/** Feeds `data` in chunks of `size` bytes; resolves with what came out, or rejects with the stream's error. */
async function feed(data: Buffer, size: number, max?: number): Promise<Buffer> {
  const limit = new MqttPacketLimit(max);
  const out: Buffer[] = [];
  limit.on('data', (c: Buffer) => out.push(c));
  const failed = once(limit, 'error');
  for (let i = 0; i < data.length; i += size) limit.write(data.subarray(i, i + size));
  limit.end();
  await Promise.race([once(limit, 'end'), failed.then(([err]) => Promise.reject(err))]);
  return Buffer.concat(out);
}

describe('MqttPacketLimit', () => {
  it('passes packets up to the limit through unchanged, however the bytes are split', async () => {
    const stream = Buffer.concat([publishPacket(0), publishPacket(100), publishPacket(200_000), publishPacket(5)]);
    for (const size of [1, 3, 7, 4096, stream.length]) expect((await feed(stream, size)).equals(stream)).toBe(true);
  });

  it('fails as soon as a header announces a packet over the limit, whatever came before', async () => {
    const big = publishPacket(MAX_MQTT_PACKET_BYTES);
    await expect(feed(Buffer.concat([publishPacket(10), big.subarray(0, 10)]), 3)).rejects.toBeInstanceOf(
      PacketTooLargeError,
    );
    await expect(feed(publishPacket(1000), 64, 500)).rejects.toBeInstanceOf(PacketTooLargeError);
    // A remaining length of more than 4 bytes is not MQTT.
    await expect(feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 1)).rejects.toThrow(/remaining length/);
  });
});

describe('embedded broker: max packet size', () => {
  const verifier: BrokerCredentialVerifier = {
    verify: async (u, p) =>
      u === 'fleetbench-hub' && p === 'hub'
        ? { kind: 'hub' }
        : u === 'agent-a' && p === 'a'
          ? { kind: 'agent', agentId: 'agent-a' }
          : null,
  };
  let broker: EmbeddedBroker;
  let hub: MqttClient;
  let agent: MqttClient;

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, verifier, logger: pino({ level: 'silent' }) });
    hub = await connectClient(broker.url, {
      clientId: 'fleetbench-hub-t',
      username: 'fleetbench-hub',
      password: 'hub',
    });
  });

  afterAll(async () => {
    await closeClients(hub, agent);
    await broker.close();
  });

  it('delivers a packet under 1 MiB and closes the connection of a client that sends more', async () => {
    const messages = new MessageCollector(hub);
    expect(await subscribe(hub, 'fleetbench/v1/#')).toBe(1);
    agent = await connectClient(broker.url, {
      clientId: 'agent-a',
      username: 'agent-a',
      password: 'a',
      reconnectPeriod: 0,
    });
    await agent.publishAsync(topics.telemetry('agent-a'), Buffer.alloc(900 * 1024, 'a'), { qos: 1 });
    await messages.waitFor((m) => m.payload.length === 900 * 1024, 15_000);
    // events.once would reject on the client's 'error' (the broker resets the connection).
    const closed = new Promise((resolve) => agent.once('close', resolve));
    agent.publish(topics.telemetry('agent-a'), Buffer.alloc(2 * MAX_MQTT_PACKET_BYTES, 'b'), { qos: 0 });
    await closed;
    await new Promise((r) => setTimeout(r, 200));
    expect(messages.messages.some((m) => m.payload.length > MAX_MQTT_PACKET_BYTES)).toBe(false);
  });
});
