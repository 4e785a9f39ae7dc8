import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { topics } from '@fleetbench/protocol';
import mqtt, { type IPublishPacket, type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { Logger } from '../logger';
import { HUB_MQTT_USERNAME } from '../repositories/runtime';
import { INGEST_CHANNELS } from '../services/ingest.service';

export const SHARED_GROUP = 'fleetbench-hub';

/** Retained channels must not use a shared subscription: brokers do not deliver retained messages to those. */
const RETAINED_CHANNELS = new Set(['status', 'hardware']);

/**
 * Channels the hub's client subscribes to. `channels` narrows them (the embedded broker hands results and events to
 * the hub in-process before acknowledging them to the agent, so its client takes only the rest).
 */
export function subscriptionsFor(external: boolean, channels = INGEST_CHANNELS): string[] {
  return channels.map((ch) =>
    external && !RETAINED_CHANNELS.has(ch) ? topics.shared(SHARED_GROUP, ch) : topics.allAgents(ch),
  );
}

/** Backoff of a message whose handler failed (e.g. the database is down): doubling from `initialMs` up to `maxMs`. */
export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 100, maxMs: 5_000 };

/**
 * Given to mqtt.js's publish handler instead of "done": it makes mqtt.js read the next packet without sending the
 * PUBACK (`handlePublish` passes an error straight to its packet loop, which ignores it), so several QoS 1 messages
 * are in flight and {@link AckWindow} acknowledges each after its handler committed.
 */
const HELD = new Error('PUBACK held until the message is stored');

interface Pending {
  messageId: number;
  /** Connection the message came on; a PUBACK never goes out on a later connection (ids are per connection). */
  conn: number;
  done: boolean;
}

/**
 * Acknowledges QoS 1 messages only after `handle` resolved, in the order they arrived (MQTT 3.1.1 §4.6), on the
 * connection they came on. A failed handler is retried with backoff while that connection lasts; when it drops, the
 * broker redelivers the unacknowledged messages to the next one (storage is idempotent on msgId). With `maxInFlight`
 * messages unacknowledged (e.g. the database is down) it stops reading from the socket until one completes.
 */
export class AckWindow {
  private conn = 0;
  private pending: Pending[] = [];
  private stalled: (() => void) | null = null;
  /** Set by {@link pause}: messages that arrive from then on are left unacknowledged for redelivery. */
  private paused = false;
  private refused = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly client: MqttClient,
    private readonly handle: (topic: string, payload: Buffer) => Promise<void>,
    private readonly logger: Logger,
    private readonly maxInFlight: number,
    private readonly retry: RetryPolicy,
  ) {}

  get inFlight(): number {
    return this.pending.length;
  }

  /**
   * Shutting down: messages that arrive from now on are neither handled nor acknowledged (the broker hands them out
   * again: to this session when the hub is back, or to another replica of the share group). The socket is still read,
   * so the broker's acknowledgements of the hub's own publishes (receipts, assignments) keep coming in.
   */
  pause(): void {
    this.paused = true;
    this.release();
  }

  /**
   * Pauses, then resolves once every message in hand is handled and acknowledged, or after `timeoutMs` (what is left
   * then stays unacknowledged and is redelivered). Resolves to the number left unacknowledged.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.pause();
    if (this.pending.length) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    const left = this.pending.length;
    this.logger.info(
      { unacknowledged: left, leftForRedelivery: this.refused },
      left ? 'drain timed out; the broker redelivers what is left' : 'messages in hand handled and acknowledged',
    );
    return left;
  }

  /** mqtt.js `handleMessage`: called for every PUBLISH, one at a time; `next` lets it read the next packet. */
  take(packet: IPublishPacket, next: (err?: Error) => void): void {
    const payload = packet.payload as Buffer;
    if (this.paused) {
      // Not handled, not acknowledged (QoS 1: redelivered; QoS 0: lost, as by design).
      this.refused++;
      next(HELD);
      return;
    }
    if (packet.qos === 0 || packet.messageId === undefined) {
      // Nothing to acknowledge (telemetry): handled in the background, losses are acceptable by design.
      this.handle(packet.topic, payload).catch((err: unknown) =>
        this.logger.warn({ err, topic: packet.topic }, 'QoS 0 message not ingested'),
      );
      next();
      return;
    }
    const entry: Pending = { messageId: packet.messageId, conn: this.conn, done: false };
    this.pending.push(entry);
    this.run(entry, packet.topic, payload, 0);
    if (this.pending.length >= this.maxInFlight) this.stalled = () => next(HELD);
    else next(HELD);
  }

  /**
   * The connection closed: nothing held can be acknowledged any more; the broker redelivers it on the next one. Only
   * `close` counts: mqtt.js emits `connect` only after it has resent its own unacknowledged publishes, and messages of
   * the new connection may already be in hand by then.
   */
  closed(): void {
    this.conn++;
    if (this.pending.length)
      this.logger.info(
        { unacknowledged: this.pending.length },
        'connection changed; the broker redelivers held messages',
      );
    this.pending = [];
    this.release();
    this.notifyIdle();
  }

  private run(entry: Pending, topic: string, payload: Buffer, attempt: number): void {
    this.handle(topic, payload).then(
      () => {
        entry.done = true;
        this.flush();
      },
      (err: unknown) => {
        if (entry.conn !== this.conn) return; // the broker redelivers it on the new connection
        const delay = Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** attempt);
        this.logger.warn(
          { err, topic, attempt: attempt + 1, retryInMs: delay },
          'message not stored; acknowledgement held, retrying',
        );
        setTimeout(() => {
          if (entry.conn === this.conn) this.run(entry, topic, payload, attempt + 1);
        }, delay).unref();
      },
    );
  }

  private flush(): void {
    while (this.pending.length && this.pending[0].done) {
      const entry = this.pending.shift() as Pending;
      if (entry.conn !== this.conn || !this.client.connected) continue;
      // mqtt.js has no public "acknowledge later"; its own sender queues the PUBACK like the one it would send.
      (this.client as unknown as { _sendPacket(p: object): void })._sendPacket({
        cmd: 'puback',
        messageId: entry.messageId,
      });
    }
    if (this.pending.length < this.maxInFlight) this.release();
    if (!this.pending.length) this.notifyIdle();
  }

  private notifyIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private release(): void {
    const resume = this.stalled;
    this.stalled = null;
    resume?.();
  }
}

export interface HubClientOptions {
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
  /** Resolves when the message is stored (or deliberately dropped); rejects to have it retried, unacknowledged. */
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  /** Channels to subscribe to (default all of INGEST_CHANNELS). */
  channels?: typeof INGEST_CHANNELS;
  /** QoS 1 messages held unacknowledged before the client stops reading (default 2000). */
  maxInFlight?: number;
  retry?: RetryPolicy;
}

/** The hub's connected client, and its orderly shutdown. */
export interface HubClient {
  client: MqttClient;
  /**
   * Stops handling new messages and waits (at most `timeoutMs`) until those in hand are handled and acknowledged
   * ({@link AckWindow.drain}); resolves to the number left unacknowledged.
   */
  drain(timeoutMs: number): Promise<number>;
  /**
   * Disconnects, waiting at most `timeoutMs` for the broker to acknowledge the hub's own QoS 1 publishes; after that
   * (e.g. the broker is gone) the connection is closed anyway.
   */
  end(timeoutMs: number): Promise<void>;
}

/**
 * Connects the hub's own client. The message handler is in place before the connection opens (a persistent session's
 * queued messages arrive right after CONNACK), the subscriptions are renewed on every CONNACK (Mosquitto 2.0 does not
 * restore `$share/...` subscriptions from its persistence file even when it reports the session present), and each
 * QoS 1 message is acknowledged only after `onMessage` resolved (docs/decisions/0004), with many in flight at once.
 * Resolves after the first SUBACK; rejects when the first connection attempt fails.
 */
export async function connectHubClient(opts: HubClientOptions): Promise<HubClient> {
  const u = new URL(opts.url);
  const username = opts.username ?? (decodeURIComponent(u.username) || HUB_MQTT_USERNAME);
  const password = opts.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  u.username = '';
  u.password = '';
  const client = mqtt.connect(u.toString(), {
    username,
    password,
    clientId: opts.external
      ? `${SHARED_GROUP}-${opts.instance ? `${opts.instance}-` : ''}${hostname()}`.slice(0, 64)
      : `${SHARED_GROUP}-${randomBytes(4).toString('hex')}`,
    clean: !opts.external,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    manualConnect: true,
  });
  const window = new AckWindow(
    client,
    opts.onMessage,
    opts.logger,
    opts.maxInFlight ?? 2000,
    opts.retry ?? DEFAULT_RETRY,
  );
  client.handleMessage = (packet, callback) => window.take(packet, callback);
  const subscriptions = subscriptionsFor(opts.external, opts.channels);

  let first: { resolve: () => void; reject: (err: Error) => void } | null = null;
  const firstSubscribed = new Promise<void>((resolve, reject) => (first = { resolve, reject }));
  client.on('connect', (connack) => {
    opts.logger.info({ sessionPresent: connack.sessionPresent }, 'mqtt connected; renewing subscriptions');
    // `resubscribe: true`, or mqtt.js skips filters it believes active and sends nothing.
    const map = Object.assign(Object.fromEntries(subscriptions.map((t) => [t, { qos: 1 as const }])), {
      resubscribe: true,
    }) as ISubscriptionMap;
    client.subscribe(map, (err, granted) => {
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      const problem = err ?? (refused.length ? new Error(`broker refused subscriptions: ${refused.join(', ')}`) : null);
      if (problem) {
        opts.logger.error({ err: problem }, 'mqtt subscribe failed');
        first?.reject(problem);
      } else first?.resolve();
      first = null;
    });
  });
  client.on('close', () => window.closed());
  client.on('error', (err) => {
    opts.logger.warn({ err: err.message }, 'mqtt client error');
    first?.reject(err);
    first = null;
  });
  client.on('offline', () => opts.logger.warn('mqtt client offline'));
  client.on('reconnect', () => opts.logger.debug('mqtt client reconnecting'));
  client.connect();
  try {
    await firstSubscribed;
  } catch (err) {
    await client.endAsync(true).catch(() => undefined);
    throw err;
  }
  return {
    client,
    drain: (timeoutMs) => window.drain(timeoutMs),
    end: async (timeoutMs) => {
      const unacknowledged = () => Object.keys(client.outgoing).length;
      if (unacknowledged() && client.connected) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          client.once('outgoingEmpty', resolve);
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
      }
      const left = unacknowledged();
      if (left) opts.logger.warn({ unacknowledged: left }, 'publishes not acknowledged by the broker; disconnecting');
      await client.endAsync(left > 0);
    },
  };
}
