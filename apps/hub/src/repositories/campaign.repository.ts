import { Inject, Injectable } from '@nestjs/common';
import type { Campaign, CampaignState, JobState, Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

@Injectable()
export class CampaignRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** The campaign and all its jobs in one transaction, so a campaign never exists half-expanded. */
  async createWithJobs(
    campaign: { name: string; request: Prisma.InputJsonValue },
    jobs: Omit<Prisma.JobCreateManyInput, 'campaignId'>[],
  ): Promise<Campaign> {
    return this.db.$transaction(async (tx) => {
      const c = await tx.campaign.create({ data: { name: campaign.name, request: campaign.request } });
      await tx.job.createMany({ data: jobs.map((j) => ({ ...j, campaignId: c.id })) });
      return c;
    });
  }

  findById(id: string): Promise<Campaign | null> {
    return this.db.campaign.findUnique({ where: { id } });
  }

  list(): Promise<Campaign[]> {
    return this.db.campaign.findMany({ orderBy: { createdAt: 'desc' } });
  }

  setState(id: string, state: CampaignState): Promise<Campaign> {
    return this.db.campaign.update({ where: { id }, data: { state } });
  }

  /**
   * Recomputes a campaign's state from its job counts with `decide`, holding the campaign's row lock: concurrent
   * roll-ups (two devices finishing at once, or two hub replicas) run one after the other, and the last one counts
   * every job's latest state, so a stale count can never overwrite a newer state. Null when the campaign is gone.
   */
  async rollUp(
    id: string,
    decide: (state: CampaignState, counts: Partial<Record<JobState, number>>) => CampaignState,
  ): Promise<{ campaign: Campaign; counts: Partial<Record<JobState, number>> } | null> {
    return this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ state: CampaignState }[]>`
        SELECT state::text AS state FROM "Campaign" WHERE id = ${id} FOR UPDATE`;
      if (!locked.length) return null;
      const rows = await tx.job.groupBy({ by: ['state'], where: { campaignId: id }, _count: { _all: true } });
      const counts: Partial<Record<JobState, number>> = {};
      for (const r of rows) counts[r.state] = r._count._all;
      const state = decide(locked[0].state, counts);
      const campaign =
        state !== locked[0].state
          ? await tx.campaign.update({ where: { id }, data: { state } })
          : await tx.campaign.findUniqueOrThrow({ where: { id } });
      return { campaign, counts };
    });
  }

  /** Job counts per state for each campaign. */
  async jobCounts(ids: string[]): Promise<Map<string, Partial<Record<JobState, number>>>> {
    const rows = await this.db.job.groupBy({
      by: ['campaignId', 'state'],
      where: { campaignId: { in: ids } },
      _count: { _all: true },
    });
    const out = new Map<string, Partial<Record<JobState, number>>>();
    for (const r of rows) {
      const m = out.get(r.campaignId) ?? {};
      m[r.state] = r._count._all;
      out.set(r.campaignId, m);
    }
    return out;
  }
}
