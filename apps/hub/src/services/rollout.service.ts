import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  PROTOCOL_MAJOR,
  topics,
  type AgentUpgradeMessage,
  type CreateRolloutRequest,
  type DeviceSelector,
  type Rollout,
  type RolloutReport,
  type RolloutTargetState,
} from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { DeviceRepository } from '../repositories/device.repository';
import { EventRepository } from '../repositories/event.repository';
import { MqttRepository } from '../repositories/mqtt.repository';
import { RolloutRepository, type RolloutRow } from '../repositories/rollout.repository';
import { LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { AgentPackageService } from './agent-package.service';

/** Time a device gets, on top of the confirmation window, to download and install before a rollout gives up on it. */
export const INSTALL_ALLOWANCE_MS = 15 * 60_000;
const STATES: RolloutTargetState[] = ['pending', 'sent', 'succeeded', 'rolled-back', 'failed'];

/**
 * Agent rollouts: a version to a device selector. Online devices get an `upgrade` command on their jobs topic at
 * once, offline ones when they come back. The device reports the outcome (POST …/rollouts/report); one that never
 * reports is failed after the confirmation window plus an install allowance.
 */
@Injectable()
export class RolloutService implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly rollouts: RolloutRepository,
    private readonly devices: DeviceRepository,
    private readonly packages: AgentPackageService,
    private readonly mqtt: MqttRepository,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ module: 'rollout' });
  }

  onModuleInit(): void {
    this.unsubscribe = this.events.onAny((event, payload) => {
      if (event !== 'device.updated') return;
      const device = payload as { id: string; online: boolean; software: { agentVersion: string } };
      if (device.online)
        this.onDeviceOnline(device.id, device.software.agentVersion).catch((err: Error) =>
          this.logger.error({ err: err.message, deviceId: device.id }, 'rollout: device online handling failed'),
        );
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  async create(req: CreateRolloutRequest & { devices: DeviceSelector; confirmWithinMs: number }): Promise<Rollout> {
    const pkg = await this.packages.describe(req.version);
    const selected = new Set((await this.devices.select(req.devices)).map((d) => d.id));
    if (!selected.size)
      throw new AppError(
        'no-matching-devices',
        'The device selector matches no enrolled device; check ids, tags and hardware class ids (GET /api/v1/devices).',
      );
    const devices = (await this.devices.list()).filter((d) => selected.has(d.id));
    const row = await this.rollouts.create(
      { version: pkg.version, sha256: pkg.sha256, sizeBytes: pkg.sizeBytes, confirmWithinMs: req.confirmWithinMs },
      devices.map((d) => ({ deviceId: d.id, fromVersion: (d.software as { agentVersion: string }).agentVersion })),
    );
    this.logger.info({ rolloutId: row.id, version: pkg.version, devices: devices.length }, 'rollout created');
    for (const d of devices) {
      if ((d.software as { agentVersion: string }).agentVersion === pkg.version)
        await this.rollouts.transition(row.id, d.id, ['pending'], 'succeeded', { message: 'already on this version' });
      else if (d.online) await this.send(row, d.id);
    }
    return this.get(row.id);
  }

  async list(): Promise<Rollout[]> {
    await this.expire();
    const rows = await this.rollouts.list();
    const names = await this.deviceNames();
    return rows.map((r) => this.view(r, names));
  }

  async get(id: string): Promise<Rollout> {
    await this.expire();
    const row = await this.rollouts.findById(id);
    if (!row) throw AppError.notFound('Rollout', id);
    return this.view(row, await this.deviceNames());
  }

  /** The device's own account of how the upgrade ended; only for a rollout that targets it. */
  async report(agentId: string, report: RolloutReport): Promise<Rollout> {
    const row = await this.rollouts.findById(report.rolloutId);
    const target = row?.targets.find((t) => t.deviceId === agentId);
    if (!row || !target) throw AppError.notFound('Rollout target', `${report.rolloutId}/${agentId}`);
    const moved = await this.rollouts.transition(row.id, agentId, ['pending', 'sent'], report.outcome, {
      message: report.message ?? (report.outcome === 'succeeded' ? null : `runs ${report.runningVersion}`),
    });
    this.logger.info(
      { rolloutId: row.id, agentId, outcome: report.outcome, running: report.runningVersion, applied: moved },
      'rollout report',
    );
    return this.get(row.id);
  }

  /** Sends pending upgrades of a device that came online. */
  private async onDeviceOnline(deviceId: string, agentVersion: string): Promise<void> {
    for (const t of await this.rollouts.targetsOf(deviceId, ['pending'])) {
      if (agentVersion === t.rollout.version)
        await this.rollouts.transition(t.rolloutId, deviceId, ['pending'], 'succeeded', {
          message: 'already on this version',
        });
      else await this.send(t.rollout, deviceId);
    }
  }

  private async send(rollout: Omit<RolloutRow, 'targets'>, deviceId: string): Promise<void> {
    const now = this.clock.now();
    if (!(await this.rollouts.transition(rollout.id, deviceId, ['pending'], 'sent', { sentAt: now }))) return;
    const msg: AgentUpgradeMessage = {
      v: PROTOCOL_MAJOR,
      kind: 'upgrade',
      ts: now.toISOString(),
      rolloutId: rollout.id,
      version: rollout.version,
      sha256: rollout.sha256,
      sizeBytes: rollout.sizeBytes,
      confirmWithinMs: rollout.confirmWithinMs,
    };
    try {
      await this.mqtt.publish(topics.jobs(deviceId), msg, { qos: 1 });
      this.logger.info({ rolloutId: rollout.id, deviceId, version: rollout.version }, 'upgrade sent');
    } catch (err) {
      // Back to pending: the next time the device comes online it is sent again.
      await this.rollouts.transition(rollout.id, deviceId, ['sent'], 'pending');
      this.logger.warn({ err: (err as Error).message, deviceId }, 'upgrade not published; stays pending');
    }
  }

  /** Sent targets that never reported within their window (plus the install allowance) have failed. */
  private async expire(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const t of await this.rollouts.sentTargets()) {
      const limit = (t.sentAt?.getTime() ?? now) + t.rollout.confirmWithinMs + INSTALL_ALLOWANCE_MS;
      if (limit < now)
        await this.rollouts.transition(t.rolloutId, t.deviceId, ['sent'], 'failed', {
          message: 'no report from the device in time (is it online? see its log: journalctl -u fleetbench-agent)',
        });
    }
  }

  private async deviceNames(): Promise<Map<string, string>> {
    return new Map((await this.devices.list()).map((d) => [d.id, d.name]));
  }

  private view(r: RolloutRow, names: Map<string, string>): Rollout {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<RolloutTargetState, number>;
    for (const t of r.targets) counts[t.state as RolloutTargetState] += 1;
    return {
      id: r.id,
      version: r.version,
      sha256: r.sha256,
      createdAt: r.createdAt.toISOString(),
      confirmWithinMs: r.confirmWithinMs,
      state: counts.pending + counts.sent > 0 ? 'active' : 'done',
      counts,
      targets: r.targets.map((t) => ({
        deviceId: t.deviceId,
        deviceName: names.get(t.deviceId) ?? t.deviceId,
        fromVersion: t.fromVersion,
        state: t.state as RolloutTargetState,
        message: t.message,
        updatedAt: t.updatedAt.toISOString(),
      })),
    };
  }
}
