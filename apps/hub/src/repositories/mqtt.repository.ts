import { Injectable } from '@nestjs/common';
import type { MqttClient } from 'mqtt';

export interface PublishOptions {
  qos: 0 | 1 | 2;
  retain?: boolean;
}

/** The hub's MQTT client as a port: services publish through it; tests replace it with a mock. */
@Injectable()
export class MqttRepository {
  private client: MqttClient | null = null;

  attach(client: MqttClient): void {
    this.client = client;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /**
   * Hands the message to the client (QoS 1 messages are kept and resent by mqtt.js across reconnects) without
   * waiting for the broker's PUBACK: callers may run inside the client's own message handler, which holds back
   * incoming packets (PUBACKs included) until it returns. Rejects when the client is not connected.
   */
  async publish(topic: string, payload: unknown, opts: PublishOptions): Promise<void> {
    const client = this.client;
    if (!client?.connected) throw new Error('MQTT client is not connected');
    client.publish(topic, JSON.stringify(payload), { qos: opts.qos, retain: opts.retain ?? false }, (err) => {
      if (err) this.onError?.(topic, err);
    });
  }

  onError?: (topic: string, err: Error) => void;
}
