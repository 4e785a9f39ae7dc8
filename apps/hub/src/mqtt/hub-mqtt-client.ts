import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { topics } from '@fleetbench/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../logger';
import { HUB_MQTT_USERNAME } from '../repositories/runtime';
import { INGEST_CHANNELS } from '../services/ingest.service';

export const SHARED_GROUP = 'fleetbench-hub';

/** Retained channels must not use a shared subscription: brokers do not deliver retained messages to those. */
const RETAINED_CHANNELS = new Set(['status', 'hardware']);

export function subscriptionsFor(external: boolean): string[] {
  return INGEST_CHANNELS.map((ch) =>
    external && !RETAINED_CHANNELS.has(ch) ? topics.shared(SHARED_GROUP, ch) : topics.allAgents(ch),
  );
}

/**
 * Connects the hub's own client. Each message is acknowledged (PUBACK) only after `onMessage` resolves, so a crash
 * mid-ingest makes the broker redeliver instead of losing the message. With an external broker the session is
 * persistent, so results published while the hub restarts wait in the broker.
 */
export async function connectHubClient(opts: {
  url: string;
  username?: string;
  password?: string;
  external: boolean;
  /**
   * Tells hub replicas on one host apart (main passes the HTTP port): with an external broker the client id must be
   * unique per replica (a broker drops the older of two connections with one id) and stable across restarts (its
   * persistent session).
   */
  instance?: string;
  logger: Logger;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
}): Promise<MqttClient> {
  const u = new URL(opts.url);
  const username = opts.username ?? (decodeURIComponent(u.username) || HUB_MQTT_USERNAME);
  const password = opts.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  u.username = '';
  u.password = '';
  const client = await mqtt.connectAsync(u.toString(), {
    username,
    password,
    clientId: opts.external
      ? `${SHARED_GROUP}-${opts.instance ? `${opts.instance}-` : ''}${hostname()}`.slice(0, 64)
      : `${SHARED_GROUP}-${randomBytes(4).toString('hex')}`,
    clean: !opts.external,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  client.handleMessage = (packet, callback) => {
    opts.onMessage(packet.topic, packet.payload as Buffer).then(
      () => callback(),
      () => callback(),
    );
  };
  client.on('error', (err) => opts.logger.warn({ err: err.message }, 'mqtt client error'));
  client.on('offline', () => opts.logger.warn('mqtt client offline'));
  client.on('reconnect', () => opts.logger.debug('mqtt client reconnecting'));
  await client.subscribeAsync(subscriptionsFor(opts.external), { qos: 1 });
  return client;
}
