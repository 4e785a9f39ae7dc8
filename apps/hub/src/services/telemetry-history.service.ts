import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Device, TelemetrySample } from '@fleetbench/protocol';
import type { Db } from '../db/database';
import { EventRepository } from '../repositories/event.repository';
import { DB } from '../repositories/tokens';
import { AppError } from '../utils/app-error';

/** Samples kept per device: 720 × the agent's default 5–10 s interval ≈ 1–2 h of history. */
export const TELEMETRY_HISTORY_PER_DEVICE = 720;
/** Devices tracked at most (least recently updated dropped first): bounds the hub's memory whatever the fleet does. */
export const TELEMETRY_HISTORY_DEVICES = 5000;

/** A fixed-size ring of samples, oldest first on read. */
export class TelemetryRing {
  private readonly buf: TelemetrySample[] = [];
  private next = 0;
  constructor(readonly capacity: number) {}

  push(s: TelemetrySample): void {
    if (this.buf.length < this.capacity) this.buf.push(s);
    else this.buf[this.next] = s;
    this.next = (this.next + 1) % this.capacity;
  }

  toArray(): TelemetrySample[] {
    return this.buf.length < this.capacity
      ? [...this.buf]
      : [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
  }
}

/**
 * Recent telemetry per device, in memory: the hub stores only the latest sample per device (Device.telemetry), and
 * history is a diagnostic view (load, temperature, frequency over the last hour or two), so a bounded ring fed by
 * the `device.telemetry` events is enough — no table, no retention job, no migration. It starts empty after a hub
 * restart (the first sample is the stored latest one).
 */
@Injectable()
export class TelemetryHistoryService implements OnModuleDestroy {
  private readonly rings = new Map<string, TelemetryRing>();
  private readonly unsubscribe: () => void;

  constructor(
    events: EventRepository,
    @Inject(DB) private readonly db: Db,
  ) {
    this.unsubscribe = events.onAny((event, payload) => {
      if (event !== 'device.telemetry') return;
      const p = payload as { id: string; telemetry: Device['telemetry'] };
      if (p.telemetry) this.record(p.id, p.telemetry);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  record(deviceId: string, sample: TelemetrySample): void {
    let ring = this.rings.get(deviceId);
    if (ring)
      this.rings.delete(deviceId); // re-insert: Map order = least recently updated first
    else ring = new TelemetryRing(TELEMETRY_HISTORY_PER_DEVICE);
    ring.push(sample);
    this.rings.set(deviceId, ring);
    while (this.rings.size > TELEMETRY_HISTORY_DEVICES) this.rings.delete(this.rings.keys().next().value as string);
  }

  async history(deviceId: string): Promise<TelemetrySample[]> {
    const ring = this.rings.get(deviceId);
    if (ring) return ring.toArray();
    const d = await this.db.device.findUnique({ where: { id: deviceId }, select: { telemetry: true } });
    if (!d) throw AppError.notFound('Device', deviceId);
    return d.telemetry ? [d.telemetry as unknown as TelemetrySample] : [];
  }
}
