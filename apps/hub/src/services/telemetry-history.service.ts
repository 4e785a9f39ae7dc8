import { Inject, Injectable, Optional } from '@nestjs/common';
import type { TelemetrySample } from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { sampleTime, TelemetryRepository } from '../repositories/telemetry.repository';
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
 * whichever replica ingested a sample (a shared subscription hands each message to one replica). Telemetry ingest
 * (TelemetryIngestService) stores the samples it keeps through {@link store}; reads return the newest
 * `perDevice`, oldest first.
 * Bounded: each replica prunes a device back to `perDevice` at its first sample and every `pruneEvery` after, so a
 * device holds at most about perDevice + pruneEvery × replicas rows — cheap (one indexed range delete per device now
 * and then), no timer, no table scan. Rows go with their device (foreign key, cascade).
 */
@Injectable()
export class TelemetryHistoryService {
  /** Samples stored by this replica per device, to pace the prunes. */
  private readonly stored = new Map<string, number>();
  private readonly retention: TelemetryRetention;

  constructor(
    private readonly samples: TelemetryRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(TELEMETRY_RETENTION) retention?: TelemetryRetention,
  ) {
    this.retention = retention ?? { perDevice: TELEMETRY_HISTORY_PER_DEVICE, pruneEvery: TELEMETRY_PRUNE_EVERY };
  }

  /** One sample (tests; ingest stores many at once). */
  async record(deviceId: string, sample: TelemetrySample): Promise<void> {
    await this.store([{ deviceId, sample }], 0);
  }

  /**
   * Stores samples in one statement, then prunes the devices that are due. With `minGapS` > 0 only samples at least
   * that many seconds after their device's previous stored one are kept: spaced here against the newest stored sample
   * of each device, and checked again by the insert (TelemetryRepository.insertMany) against what another replica
   * stored meanwhile. Rejects only when a query before or at the insert failed; a failed prune is logged and tried
   * again at the device's next due sample (so a retried batch is never stored twice).
   */
  async store(rows: { deviceId: string; sample: TelemetrySample }[], minGapS: number): Promise<number> {
    const kept =
      minGapS > 0 && rows.length
        ? spaced(rows, minGapS, await this.samples.latestTimes([...new Set(rows.map((r) => r.deviceId))]))
        : rows;
    const devices = await this.samples.insertMany(kept, minGapS);
    const due = new Set<string>();
    for (const deviceId of devices) {
      const n = (this.stored.get(deviceId) ?? 0) + 1;
      this.stored.set(deviceId, n);
      if (n % this.retention.pruneEvery === 1 % this.retention.pruneEvery) due.add(deviceId);
    }
    await Promise.all(
      [...due].map((deviceId) =>
        this.samples
          .prune(deviceId, this.retention.perDevice)
          .catch((err: unknown) => this.logger.warn({ err, deviceId }, 'telemetry history not pruned')),
      ),
    );
    return devices.length;
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

/**
 * Per device, the samples at least `minGapS` seconds after the previous one kept (by their own time, earliest first),
 * starting from the device's newest stored sample (`stored`, epoch ms).
 */
export function spaced<T extends { deviceId: string; sample: TelemetrySample }>(
  rows: T[],
  minGapS: number,
  stored: Map<string, number>,
): T[] {
  const last = new Map(stored);
  const kept: T[] = [];
  const timed = rows.map((r) => ({ r, t: sampleTime(r.sample).getTime() })).sort((a, b) => a.t - b.t);
  for (const { r, t } of timed) {
    const prev = last.get(r.deviceId);
    if (prev !== undefined && t - prev < minGapS * 1000) continue;
    last.set(r.deviceId, t);
    kept.push(r);
  }
  return kept;
}
