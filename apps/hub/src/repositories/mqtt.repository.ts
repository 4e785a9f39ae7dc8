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

  async publish(topic: string, payload: unknown, opts: PublishOptions): Promise<void> {
    if (!this.client) throw new Error('MQTT client not connected yet');
    await this.client.publishAsync(topic, JSON.stringify(payload), { qos: opts.qos, retain: opts.retain ?? false });
  }
}
