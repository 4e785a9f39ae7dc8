import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { decodePayload, type TelemetryMessage, type TelemetrySample } from '@fleetbench/protocol';
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { EventRepository } from '../repositories/event.repository';
import { TelemetryRepository } from '../repositories/telemetry.repository';
import { HUB_CONFIG, LOGGER } from '../repositories/tokens';
import { TelemetryHistoryService } from './telemetry-history.service';

/** How long telemetry is collected before one batch is written (more collects while a write runs), and its most. */
export const TELEMETRY_BATCH_MS = 20;
export const TELEMETRY_BATCH_MAX = 1000;
/** Messages waiting at most (the database is down or slow); beyond it new ones are refused, not buffered. */
export const TELEMETRY_BACKLOG_MAX = 20_000;

interface Pending {
  agentId: string;
  sample: TelemetrySample;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Telemetry (MQTT `…/telemetry`) → database, in batches: messages are collected for {@link TELEMETRY_BATCH_MS}
 * (and for as long as the previous write runs), then one statement sets each device's latest sample and "last
 * seen", one multi-row insert adds the history samples kept, and only then does each message's promise resolve (the
 * caller acknowledges a QoS 1 message after that; agents send QoS 0). History is sampled: with
 * `telemetrySampleS` (FLEETBENCH_TELEMETRY_SAMPLE_S) > 0 it keeps at most one sample per device per that many seconds,
 * while the device row and the live view (`device.telemetry` events) follow every message.
 */
@Injectable()
export class TelemetryIngestService implements OnModuleDestroy {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly samples: TelemetryRepository,
    private readonly history: TelemetryHistoryService,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'telemetrySampleS'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * One telemetry message of `agentId` (the broker's ACL vouches for the id in the topic). Resolves once it is
   * stored, or deliberately dropped (empty or malformed payload, unknown or revoked device: logged); rejects when the
   * write failed or too many messages wait already (the caller retries a QoS 1 message; QoS 0 ones are lost).
   */
  enqueue(agentId: string, payload: Buffer | string): Promise<void> {
    if (payload.length === 0) return Promise.resolve();
    const decoded = decodePayload('telemetry', payload);
    if (!decoded.ok) {
      this.logger.warn({ agentId, channel: 'telemetry', reason: decoded.error }, 'malformed payload ignored');
      return Promise.resolve();
    }
    if (this.pending.length >= TELEMETRY_BACKLOG_MAX)
      return Promise.reject(new Error(`telemetry backlog full (${TELEMETRY_BACKLOG_MAX} messages wait to be stored)`));
    const msg = decoded.value as TelemetryMessage;
    const sample: TelemetrySample = {
      ts: msg.ts,
      load1: msg.load1,
      cpuPercent: msg.cpuPercent,
      temperatureC: msg.temperatureC,
      cpuFrequencyMHz: msg.cpuFrequencyMHz,
      memoryFreeBytes: msg.memoryFreeBytes,
    };
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ agentId, sample, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything handed over so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.pending.length || this.writing) {
      if (!this.writing) this.flush();
      await this.writing;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.drain();
  }

  private schedule(): void {
    if (this.writing) return; // the running write takes what collected when it ends
    if (this.pending.length >= TELEMETRY_BATCH_MAX) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), TELEMETRY_BATCH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending.splice(0, TELEMETRY_BATCH_MAX);
    if (!batch.length) return;
    this.writing = this.store(batch)
      .then(
        () => batch.forEach((p) => p.resolve()),
        (err: unknown) => {
          this.logger.error({ err, messages: batch.length }, 'failed to store a batch of telemetry');
          batch.forEach((p) => p.reject(err));
        },
      )
      .finally(() => {
        this.writing = null;
        if (this.pending.length) this.flush(); // collected meanwhile: it has waited long enough
      });
  }

  private async store(batch: Pending[]): Promise<void> {
    const seenAt = this.clock.now();
    const latest = new Map<string, TelemetrySample>();
    for (const p of batch) latest.set(p.agentId, p.sample); // arrival order: the last one is the device's latest
    const known = new Set(
      await this.samples.updateLatest([...latest].map(([deviceId, sample]) => ({ deviceId, sample, seenAt }))),
    );
    const ignored = [...latest.keys()].filter((id) => !known.has(id));
    if (ignored.length)
      this.logger.warn(
        { agentIds: ignored.slice(0, 20), devices: ignored.length, channel: 'telemetry' },
        'telemetry of unknown or revoked devices ignored',
      );
    const accepted = batch.filter((p) => known.has(p.agentId));
    await this.history.store(
      accepted.map((p) => ({ deviceId: p.agentId, sample: p.sample })),
      this.config.telemetrySampleS,
    );
    for (const p of accepted) this.events.emit('device.telemetry', { id: p.agentId, telemetry: p.sample });
  }
}
