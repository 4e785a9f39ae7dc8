import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  CreateCampaignRequestSchema,
  type CreateScheduleRequest,
  type Schedule,
  type UpdateScheduleRequest,
} from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { LOGGER } from '../repositories/tokens';
import { CampaignService } from '../services/campaign.service';
import { AppError } from '../utils/app-error';
import { nextTick } from './cron';
import { ScheduleRepository, type ScheduleRow } from './schedule.repository';

/** How often every replica looks for due ticks: the delay of a tick is at most this. */
export const SCHEDULE_POLL_MS = 15_000;

export function toScheduleDto(s: ScheduleRow): Schedule {
  return {
    id: s.id,
    name: s.name,
    cron: s.cron,
    timezone: s.timezone,
    enabled: s.enabled,
    campaign: CreateCampaignRequestSchema.parse(s.request),
    nextRunAt: s.nextRunAt?.toISOString() ?? null,
    lastTickAt: s.lastTickAt?.toISOString() ?? null,
    lastCampaignId: s.lastCampaignId,
    lastOutcome: s.lastOutcome,
    createdAt: s.createdAt.toISOString(),
  };
}

/**
 * Campaigns on a cron schedule. Every replica polls; a due tick is claimed with a compare-and-set on nextRunAt, so it
 * runs once however many replicas see it. A tick whose previous campaign is still running is skipped (recorded as
 * such), never queued behind it. Ticks missed while every hub was down run once, not once per missed tick. Results of
 * the campaigns feed the regression watch like any other (their series are per model × class × settings).
 */
@Injectable()
export class ScheduleService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly campaigns: CampaignService,
    private readonly clock: ClockRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.runDue(), SCHEDULE_POLL_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async create(req: CreateScheduleRequest): Promise<Schedule> {
    const next = nextTick(req.cron, req.timezone, this.clock.now());
    const row = await this.schedules.create({
      name: req.name,
      cron: req.cron,
      timezone: req.timezone,
      enabled: req.enabled,
      request: req.campaign,
      nextRunAt: req.enabled ? next : null,
    });
    this.logger.info({ scheduleId: row.id, cron: row.cron, timezone: row.timezone }, 'campaign schedule created');
    return toScheduleDto(row);
  }

  async list(): Promise<Schedule[]> {
    return (await this.schedules.list()).map(toScheduleDto);
  }

  async update(id: string, u: UpdateScheduleRequest): Promise<Schedule> {
    const s = await this.schedules.findById(id);
    if (!s) throw AppError.notFound('Schedule', id);
    const cron = u.cron ?? s.cron;
    const timezone = u.timezone ?? s.timezone;
    const enabled = u.enabled ?? s.enabled;
    // A new expression, zone or re-enabling starts counting from now; otherwise the pending tick stays.
    const retime = u.cron !== undefined || u.timezone !== undefined || (enabled && !s.enabled);
    const next = retime || !s.nextRunAt ? nextTick(cron, timezone, this.clock.now()) : s.nextRunAt;
    const row = await this.schedules.update(id, {
      name: u.name,
      cron,
      timezone,
      enabled,
      nextRunAt: enabled ? next : null,
    });
    return toScheduleDto(row);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.schedules.delete(id))) throw AppError.notFound('Schedule', id);
  }

  /** Runs every due tick this replica wins; resolves with the number of campaigns it started. */
  runDue(): Promise<number> {
    this.running ??= this.tickAll()
      .catch((err: unknown) => {
        this.logger.error({ err }, 'campaign schedule poll failed');
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  private async tickAll(): Promise<number> {
    const now = this.clock.now();
    let started = 0;
    for (const s of await this.schedules.due(now)) {
      const tickAt = s.nextRunAt!;
      let next: Date;
      try {
        next = nextTick(s.cron, s.timezone, now);
      } catch (err) {
        await this.schedules.recordOutcome(s.id, `failed: ${(err as Error).message}`);
        continue;
      }
      if (!(await this.schedules.claimTick(s.id, tickAt, next))) continue; // another replica runs it
      const previous = s.lastCampaignId ? await this.schedules.campaignState(s.lastCampaignId) : null;
      if (previous === 'running') {
        await this.schedules.recordOutcome(s.id, `skipped: the previous run (${s.lastCampaignId}) is still running`);
        this.logger.info({ scheduleId: s.id, tickAt }, 'scheduled tick skipped: previous run still going');
        continue;
      }
      try {
        const request = CreateCampaignRequestSchema.parse(s.request);
        const c = await this.campaigns.create({
          ...request,
          name: `${s.name} · ${tickAt.toISOString().slice(0, 16)}Z`,
        });
        await this.schedules.recordOutcome(s.id, 'started', c.id);
        this.logger.info({ scheduleId: s.id, campaignId: c.id, tickAt }, 'scheduled campaign started');
        started++;
      } catch (err) {
        await this.schedules.recordOutcome(s.id, `failed: ${(err as Error).message}`);
        this.logger.warn({ scheduleId: s.id, err: (err as Error).message }, 'scheduled campaign not started');
      }
    }
    return started;
  }
}
