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
