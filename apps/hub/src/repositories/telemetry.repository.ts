import { Inject, Injectable } from '@nestjs/common';
import type { TelemetrySample } from '@fleetbench/protocol';
import type { Db } from '../db/database';
import { DB } from './tokens';

/** Telemetry history rows (TelemetrySample): the samples as ingested, ordered by their own `ts`. */
@Injectable()
export class TelemetryRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(deviceId: string, sample: TelemetrySample): Promise<void> {
    const ts = new Date(sample.ts);
    await this.db.telemetrySample.create({
      data: { deviceId, ts: Number.isNaN(ts.getTime()) ? new Date() : ts, sample: sample as never },
    });
  }

  /** The newest `limit` samples of a device, oldest first. */
  async recent(deviceId: string, limit: number): Promise<TelemetrySample[]> {
    const rows = await this.db.telemetrySample.findMany({
      where: { deviceId },
      orderBy: [{ ts: 'desc' }, { id: 'desc' }],
      take: limit,
      select: { sample: true },
    });
    return rows.reverse().map((r) => r.sample as unknown as TelemetrySample);
  }

  /**
   * Deletes all but the newest `keep` samples of a device; returns how many went. Two index look-ups on
   * (deviceId, ts): the cut-off row (`keep` rows down from the newest), then the range below it.
   */
  async prune(deviceId: string, keep: number): Promise<number> {
    const cut = await this.db.telemetrySample.findFirst({
      where: { deviceId },
      orderBy: [{ ts: 'desc' }, { id: 'desc' }],
      skip: keep,
      select: { id: true, ts: true },
    });
    if (!cut) return 0;
    const r = await this.db.telemetrySample.deleteMany({
      where: { deviceId, OR: [{ ts: { lt: cut.ts } }, { ts: cut.ts, id: { lte: cut.id } }] },
    });
    return r.count;
  }

  /** The latest sample stored on the device row (Device.telemetry); undefined when there is no such device. */
  async latestOnDevice(deviceId: string): Promise<TelemetrySample | null | undefined> {
    const d = await this.db.device.findUnique({ where: { id: deviceId }, select: { telemetry: true } });
    if (!d) return undefined;
    return (d.telemetry as unknown as TelemetrySample | null) ?? null;
  }

  count(deviceId: string): Promise<number> {
    return this.db.telemetrySample.count({ where: { deviceId } });
  }
}
