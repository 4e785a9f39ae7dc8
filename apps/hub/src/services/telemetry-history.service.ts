import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { Device, TelemetrySample } from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { EventRepository } from '../repositories/event.repository';
import { TelemetryRepository } from '../repositories/telemetry.repository';
import { LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';

/** Samples kept per device: 720 × the agent's default 5–10 s interval ≈ 1–2 h of history. */
export const TELEMETRY_HISTORY_PER_DEVICE = 720;
/** A replica prunes a device's history at the first sample it stores after its start, then every this many. */
export const TELEMETRY_PRUNE_EVERY = 60;

export interface TelemetryRetention {
  /** Samples a device's history returns, and keeps after a prune. */
  perDevice: number;
  /** Samples of one device stored by this replica between two prunes of it. */
  pruneEvery: number;
}
export const TELEMETRY_RETENTION = Symbol('TELEMETRY_RETENTION');

/**
 * Recent telemetry per device, in the database (TelemetrySample), so every hub replica shows the same history
 * whichever replica ingested a sample (a shared subscription hands each message to one replica). The replica that
 * ingests a sample (the `device.telemetry` event) stores it; reads return the newest `perDevice`, oldest first.
 * Bounded: each replica prunes a device back to `perDevice` at its first sample and every `pruneEvery` after, so a
 * device holds at most about perDevice + pruneEvery × replicas rows — cheap (one indexed range delete per device now
 * and then), no timer, no table scan. Rows go with their device (foreign key, cascade).
 */
@Injectable()
export class TelemetryHistoryService implements OnModuleDestroy {
  private readonly unsubscribe: () => void;
  /** Samples stored by this replica per device, to pace the prunes. */
  private readonly stored = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();
  private readonly retention: TelemetryRetention;

  constructor(
    events: EventRepository,
    private readonly samples: TelemetryRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(TELEMETRY_RETENTION) retention?: TelemetryRetention,
  ) {
    this.retention = retention ?? { perDevice: TELEMETRY_HISTORY_PER_DEVICE, pruneEvery: TELEMETRY_PRUNE_EVERY };
    this.unsubscribe = events.onAny((event, payload) => {
      if (event !== 'device.telemetry') return;
      const p = payload as { id: string; telemetry: Device['telemetry'] };
      if (!p.telemetry) return;
      const write = this.record(p.id, p.telemetry)
        .catch((err: unknown) => this.logger.warn({ err, deviceId: p.id }, 'telemetry sample not stored'))
        .finally(() => this.pending.delete(write));
      this.pending.add(write);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe();
    await this.flush();
  }

  /** Resolves once every sample handed over so far is stored (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  async record(deviceId: string, sample: TelemetrySample): Promise<void> {
    await this.samples.insert(deviceId, sample);
    const n = (this.stored.get(deviceId) ?? 0) + 1;
    this.stored.set(deviceId, n);
    if (n % this.retention.pruneEvery === 1 % this.retention.pruneEvery)
      await this.samples.prune(deviceId, this.retention.perDevice);
  }

  async history(deviceId: string): Promise<TelemetrySample[]> {
    const rows = await this.samples.recent(deviceId, this.retention.perDevice);
    if (rows.length) return rows;
    // Nothing stored yet (e.g. the device last reported before the history was kept): the latest sample, if any.
    const latest = await this.samples.latestOnDevice(deviceId);
    if (latest === undefined) throw AppError.notFound('Device', deviceId);
    return latest ? [latest] : [];
  }
}
