import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  PROTOCOL_MAJOR,
  decodePayload,
  topics,
  type ChannelPayload,
  type AgentUpgradeMessage,
  type JobMessage,
  type StatusMessage,
} from '@fleetbench/protocol';
import type { PublishChannel, PublishOptions, Transport } from '../core/ports';
import { Backoff, type BackoffOptions } from '../util/backoff';
import { silentLogger, type Logger } from '../util/logger';

export interface MqttTransportOptions {
  url: string;
  agentId: string;
  password: string;
  /** Session counter of this agent start; the last will carries it so the hub can ignore a stale "offline". */
  session: number;
  logger?: Logger;
  backoff?: BackoffOptions;
  keepaliveS?: number;
  connectTimeoutMs?: number;
}

export class NotConnectedError extends Error {
  constructor(message = 'not connected to the broker') {
    super(message);
    this.name = 'NotConnectedError';
  }
}

/**
 * MQTT 5 client library speaking to the broker as `clientId = username = agentId`, with a retained offline status
 * as last will. Reconnects with the shared backoff helper (mqtt.js' fixed-period reconnect is switched off).
 */
export class MqttTransport implements Transport {
  private client: MqttClient | null = null;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly pending = new Set<(err: Error) => void>();
  private readonly connectHandlers: Array<() => void | Promise<void>> = [];
  private jobHandler: ((msg: JobMessage) => void) | null = null;
  private upgradeHandler: ((msg: AgentUpgradeMessage) => void) | null = null;
  private receiptHandler: ((msgIds: string[]) => void) | null = null;

  constructor(private readonly opts: MqttTransportOptions) {
    this.logger = (opts.logger ?? silentLogger()).child({ module: 'mqtt' });
    this.backoff = new Backoff({ initialMs: 1000, maxMs: 60_000, ...opts.backoff });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  onConnect(handler: () => void | Promise<void>): void {
    this.connectHandlers.push(handler);
  }

  onJob(handler: (msg: JobMessage) => void): void {
    this.jobHandler = handler;
  }

  /** Upgrade commands share the `jobs` topic (rollouts); without a handler they are logged and dropped. */
  onUpgrade(handler: (msg: AgentUpgradeMessage) => void): void {
    this.upgradeHandler = handler;
  }

  /** Receipts: results the hub has committed (see ResultReceiptMessageSchema). */
  onReceipt(handler: (msgIds: string[]) => void): void {
    this.receiptHandler = handler;
  }

  start(): void {
    const { agentId } = this.opts;
    const will: StatusMessage = {
      v: PROTOCOL_MAJOR,
      online: false,
      session: this.opts.session,
      ts: new Date().toISOString(),
    };
    const options: IClientOptions = {
      clientId: agentId,
      username: agentId,
      password: this.opts.password,
      clean: true,
      keepalive: this.opts.keepaliveS ?? 30,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0,
      will: { topic: topics.status(agentId), payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
    };
    const client = mqtt.connect(this.opts.url, options);
    this.client = client;
    client.on('connect', () => {
      this.backoff.reset();
      this.logger.info({ url: this.opts.url, agentId }, 'connected to the broker');
      client.subscribe(topics.jobs(agentId), { qos: 1 }, (err) => {
        if (err) this.logger.error({ err: err.message }, 'subscribing to the jobs topic failed');
      });
      for (const handler of this.connectHandlers) {
        Promise.resolve()
          .then(handler)
          .catch((err: Error) => this.logger.error({ err: err.message }, 'connect handler failed'));
      }
    });
    client.on('message', (topic, payload) => {
      if (topic !== topics.jobs(agentId)) return;
      const decoded = decodePayload('jobs', payload);
      if (!decoded.ok) {
        this.logger.warn({ topic, error: decoded.error }, 'job message rejected');
        return;
      }
      try {
        const msg = decoded.value;
        if (msg.kind === 'receipt') this.receiptHandler?.(msg.msgIds);
        else if (msg.kind === 'upgrade') {
          if (this.upgradeHandler) this.upgradeHandler(msg);
          else this.logger.warn({ version: msg.version }, 'upgrade command ignored: this agent cannot upgrade itself');
        } else this.jobHandler?.(msg);
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'job handler failed');
      }
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) {
        this.logger.error(
          { url: this.opts.url },
          "the broker refused this agent's credentials; enroll the agent again if this persists",
        );
      } else {
        this.logger.warn({ url: this.opts.url, err: err.message }, 'broker connection error');
      }
    });
    client.on('close', () => {
      const err = new NotConnectedError('connection closed before the broker acknowledged the message');
      for (const reject of [...this.pending]) reject(err);
      this.pending.clear();
      if (!this.stopping) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopping) return;
    const delay = this.backoff.next();
    this.logger.info({ inMs: delay, attempt: this.backoff.attempts }, 'reconnecting to the broker');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopping) this.client?.reconnect();
    }, delay);
  }

  publish<C extends PublishChannel>(channel: C, payload: ChannelPayload<C>, opts: PublishOptions): Promise<void> {
    const client = this.client;
    if (!client || !client.connected) return Promise.reject(new NotConnectedError());
    const topic = topics[channel](this.opts.agentId);
    return new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        this.pending.delete(settle);
        if (err) reject(err);
        else resolve();
      };
      this.pending.add(settle);
      client.publish(topic, JSON.stringify(payload), { qos: opts.qos, retain: opts.retain ?? false }, (err) =>
        settle(err ?? undefined),
      );
    });
  }

  /** Publishes `lastWords` (the offline status) if connected, then disconnects cleanly; the will is not sent. */
  async stop(lastWords?: StatusMessage, timeoutMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    if (!client) return;
    if (lastWords && client.connected) {
      await withTimeout(this.publish('status', lastWords, { qos: 1, retain: true }), timeoutMs).catch((err: Error) =>
        this.logger.warn({ err: err.message }, 'offline status not acknowledged'),
      );
    }
    await withTimeout(client.endAsync(), timeoutMs).catch(() => client.end(true));
    this.client = null;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
