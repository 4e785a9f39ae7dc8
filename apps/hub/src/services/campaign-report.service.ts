import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config';
import { CampaignReportRepository } from '../repositories/campaign-report.repository';
import { HUB_CONFIG } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { buildCampaignReport } from '../utils/campaign-report';
import { renderCampaignReport } from '../utils/report-html';

/** A campaign's shareable report: one self-contained HTML file (see utils/report-html.ts). */
@Injectable()
export class CampaignReportService {
  constructor(
    private readonly reports: CampaignReportRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'publicUrl'>,
  ) {}

  /** `requestUrl`: this hub as the caller reached it, for the reproduce commands when no public URL is configured. */
  async html(id: string, requestUrl: string): Promise<{ name: string; html: string }> {
    const campaign = await this.reports.findCampaign(id);
    if (!campaign) throw AppError.notFound('Campaign', id);
    const results = await this.reports.results(id);
    const hubUrl = (this.config.publicUrl ?? requestUrl).replace(/\/+$/, '');
    const report = buildCampaignReport(campaign, results, { hubUrl, now: new Date() });
    return { name: campaign.name, html: renderCampaignReport(report) };
  }
}
