/**
 * Small helpers for tests that drive a real MQTT broker with real mqtt.js clients.
 * Every client made here has automatic reconnects off, so a refused or dropped connection stays down and no timer
 * outlives the test.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...options });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  client.removeAllListeners('error');
  client.on('error', () => undefined); // errors after connect surface through the test's assertions
  return client;
}

/** Resolves with the connection error (e.g. CONNACK refusal); rejects if the connection is accepted. */
export async function connectRefused(url: string, options: IClientOptions = {}): Promise<Error & { code?: number }> {
  let client: MqttClient | undefined;
  try {
    client = await connectClient(url, options);
  } catch (err) {
    return err as Error & { code?: number };
  }
  await closeClients(client);
  throw new Error(`expected the broker to refuse the connection of ${options.clientId ?? options.username}`);
}

export async function closeClients(...clients: (MqttClient | undefined)[]): Promise<void> {
  await Promise.all(
    clients.map((client) =>
      client ? new Promise<void>((resolve) => client.end(true, {}, () => resolve())) : undefined,
    ),
  );
}

/** Collects every message a client receives and lets a test wait for one. */
export class MessageCollector {
  readonly messages: ReceivedMessage[] = [];
  private waiters: { match: (m: ReceivedMessage) => boolean; resolve: (m: ReceivedMessage) => void }[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const message = { topic, payload: payload.toString('utf8'), retain: packet.retain };
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  received(topic: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  waitFor(match: (m: ReceivedMessage) => boolean, timeoutMs = 3000, what = 'message'): Promise<ReceivedMessage> {
    const already = this.messages.find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (m: ReceivedMessage) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  waitForTopic(topic: string, timeoutMs = 3000): Promise<ReceivedMessage> {
    return this.waitFor((m) => m.topic === topic, timeoutMs, `a message on ${topic}`);
  }
}

/**
 * Subscribes and returns the SUBACK return/reason code of the filter: the granted QoS (0-2) on success, 128
 * (MQTT 3.1.1 failure) or an MQTT 5 reason code such as 135 (not authorized) on refusal. mqtt.js rejects a refused
 * subscription with the SUBACK packet attached; this unwraps it.
 */
export async function subscribe(client: MqttClient, filter: string, qos: 0 | 1 = 1): Promise<number> {
  try {
    const grants = await client.subscribeAsync(filter, { qos });
    return grants[0].qos;
  } catch (err) {
    const granted = (err as { packet?: { granted?: (number | { qos: number })[] } }).packet?.granted;
    if (!granted || granted.length === 0) throw err;
    const first = granted[0];
    return typeof first === 'number' ? first : first.qos;
  }
}
