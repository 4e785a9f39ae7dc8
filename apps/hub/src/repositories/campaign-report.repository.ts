import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

const deviceSelect = {
  id: true,
  name: true,
  hardware: true,
  software: true,
  hardwareClass: { select: { id: true, name: true } },
} as const;

const campaignInclude = {
  jobs: {
    select: {
      state: true,
      settingsKey: true,
      device: { select: deviceSelect },
      model: { select: { id: true, name: true } },
    },
  },
} as const;

const resultInclude = {
  device: { select: { name: true } },
  model: { select: { name: true, family: true, referenceMetrics: true } },
  hardwareClass: { select: { name: true } },
} as const;

export type ReportCampaignRow = Prisma.CampaignGetPayload<{ include: typeof campaignInclude }>;
export type ReportResultRow = Prisma.ResultGetPayload<{ include: typeof resultInclude }>;

/** The most results one report lists (the result list's own cap). */
export const REPORT_RESULT_LIMIT = 5000;

/** Reads a campaign with everything its shareable report shows: jobs, their devices and models, and its results. */
@Injectable()
export class CampaignReportRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  findCampaign(id: string): Promise<ReportCampaignRow | null> {
    return this.db.campaign.findUnique({ where: { id }, include: campaignInclude });
  }

  results(campaignId: string): Promise<ReportResultRow[]> {
    return this.db.result.findMany({
      where: { job: { campaignId } },
      include: resultInclude,
      orderBy: [{ measuredAt: 'asc' }, { id: 'asc' }],
      take: REPORT_RESULT_LIMIT,
    });
  }
}
