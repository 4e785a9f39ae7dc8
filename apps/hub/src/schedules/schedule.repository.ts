import { Inject, Injectable } from '@nestjs/common';
import type { CampaignSchedule, Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from '../repositories/tokens';

export type ScheduleRow = CampaignSchedule;

@Injectable()
export class ScheduleRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  create(data: Prisma.CampaignScheduleUncheckedCreateInput): Promise<ScheduleRow> {
    return this.db.campaignSchedule.create({ data });
  }

  list(): Promise<ScheduleRow[]> {
    return this.db.campaignSchedule.findMany({ orderBy: { createdAt: 'asc' } });
  }

  findById(id: string): Promise<ScheduleRow | null> {
    return this.db.campaignSchedule.findUnique({ where: { id } });
  }

  update(id: string, data: Prisma.CampaignScheduleUpdateInput): Promise<ScheduleRow> {
    return this.db.campaignSchedule.update({ where: { id }, data });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.campaignSchedule.deleteMany({ where: { id } })).count === 1;
  }

  /** Enabled schedules whose tick is due. */
  due(now: Date): Promise<ScheduleRow[]> {
    return this.db.campaignSchedule.findMany({
      where: { enabled: true, nextRunAt: { lte: now } },
      orderBy: { nextRunAt: 'asc' },
      take: 100,
    });
  }

  /**
   * Claims the tick `tickAt` by moving the schedule on to `next`: true for exactly one caller across replicas (the
   * UPDATE matches only while nextRunAt still holds the tick this caller read).
   */
  async claimTick(id: string, tickAt: Date, next: Date): Promise<boolean> {
    const r = await this.db.campaignSchedule.updateMany({
      where: { id, enabled: true, nextRunAt: tickAt },
      data: { nextRunAt: next, lastTickAt: tickAt },
    });
    return r.count === 1;
  }

  async recordOutcome(id: string, outcome: string, campaignId?: string): Promise<void> {
    await this.db.campaignSchedule.updateMany({
      where: { id },
      data: { lastOutcome: outcome.slice(0, 500), ...(campaignId ? { lastCampaignId: campaignId } : {}) },
    });
  }

  async campaignState(id: string): Promise<string | null> {
    return (await this.db.campaign.findUnique({ where: { id }, select: { state: true } }))?.state ?? null;
  }
}
