import { Inject, Injectable } from '@nestjs/common';
import type { Db } from '../db/database';
import { MqttRepository } from '../repositories/mqtt.repository';
import { RUNTIME, type HubRuntime } from '../repositories/runtime';
import { DB } from '../repositories/tokens';
import { AppError } from '../utils/app-error';

@Injectable()
export class HealthService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly mqtt: MqttRepository,
    @Inject(RUNTIME) private readonly runtime: Pick<HubRuntime, 'version' | 'mqttPublicUrl'>,
  ) {}

  /** `mqttUrl` is the broker URL agents get at enrollment (the embedded broker may have moved off a taken port). */
  async check(): Promise<{ status: 'ok'; db: 'ok'; mqtt: 'ok' | 'down'; mqttUrl: string; version: string }> {
    try {
      await this.db.$queryRawUnsafe('SELECT 1');
    } catch {
      throw new AppError(
        'unavailable',
        'The hub cannot reach its database; check DATABASE_URL and that PostgreSQL is running.',
      );
    }
    return {
      status: 'ok',
      db: 'ok',
      mqtt: this.mqtt.connected ? 'ok' : 'down',
      mqttUrl: this.runtime.mqttPublicUrl,
      version: this.runtime.version,
    };
  }
}
