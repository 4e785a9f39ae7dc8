import { Inject, Injectable } from '@nestjs/common';
import { DatabaseHealthRepository } from '../repositories/database-health.repository';
import { MqttRepository } from '../repositories/mqtt.repository';
import { RUNTIME, type HubRuntime } from '../repositories/runtime';
import { AppError } from '../utils/app-error';
import { resultRejections } from './result-acceptance';

export interface HealthBody {
  status: 'ok';
  db: 'ok';
  mqtt: 'ok' | 'down';
  /** Only with REDIS_URL (several replicas): whether Redis answers. */
  redis?: 'ok' | 'down';
  mqttUrl: string;
  version: string;
  /** Result messages this process refused since it started (result-acceptance.ts), per reason. */
  resultRejections: ReturnType<typeof resultRejections.snapshot>;
}

@Injectable()
export class HealthService {
  constructor(
    private readonly database: DatabaseHealthRepository,
    private readonly mqtt: MqttRepository,
    @Inject(RUNTIME) private readonly runtime: Pick<HubRuntime, 'version' | 'mqttPublicUrl' | 'redis'>,
  ) {}

  /**
   * No database → 503 (the hub can do nothing). A broker or Redis that is down is reported (`mqtt`/`redis: 'down'`)
   * but answers 200: the hub still serves the API, reconnects on its own, and a restart (what a failing probe
   * triggers) would not bring either back. `mqttUrl` is the broker URL agents get at enrollment (the embedded broker
   * may have moved off a taken port).
   */
  async check(): Promise<HealthBody> {
    const redis = this.runtime.redis ? this.runtime.redis.healthy() : null;
    if (!(await this.database.reachable()))
      throw new AppError(
        'unavailable',
        'The hub cannot reach its database; check DATABASE_URL and that PostgreSQL is running.',
      );
    return {
      status: 'ok',
      db: 'ok',
      mqtt: this.mqtt.connected ? 'ok' : 'down',
      ...(redis ? { redis: (await redis) ? 'ok' : 'down' } : {}),
      mqttUrl: this.runtime.mqttPublicUrl,
      version: this.runtime.version,
      resultRejections: resultRejections.snapshot(),
    };
  }
}
