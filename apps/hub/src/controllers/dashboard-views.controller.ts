import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  DeviceLeaderboardIndexEntrySchema,
  DeviceLeaderboardQuerySchema,
  DeviceLeaderboardRowSchema,
  ResultSummaryQuerySchema,
  ResultSummarySchema,
} from '@fleetbench/protocol';
import type { z } from 'zod';
import { DashboardViewsService } from '../services/dashboard-views.service';
import { AppError } from '../utils/app-error';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

/** Read-only views for the dashboard: compare by device, and the campaign job table without histograms. */
@ApiTags('insights')
@ApiBearerAuth()
@Controller()
export class DashboardViewsController {
  constructor(private readonly views: DashboardViewsService) {}

  @Get('device-leaderboard')
  @ApiDoc({
    response: DeviceLeaderboardRowSchema.array(),
    errors: [400, 401],
    summary: 'per device × model medians over valid results (deviceIds comma-separated, one settingsKey)',
  })
  deviceLeaderboard(@Query(new ZodPipe(DeviceLeaderboardQuerySchema)) q: z.infer<typeof DeviceLeaderboardQuerySchema>) {
    const ids = [
      ...new Set(
        q.deviceIds
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (ids.length > 50) throw new AppError('bad-request', 'At most 50 device ids.', { deviceIds: ids.length });
    return this.views.deviceLeaderboard(ids, q.settingsKey);
  }

  @Get('device-leaderboard/index')
  @ApiDoc({ response: DeviceLeaderboardIndexEntrySchema.array(), errors: [401] })
  deviceLeaderboardIndex() {
    return this.views.deviceLeaderboardIndex();
  }

  @Get('result-summaries')
  @ApiDoc({
    response: ResultSummarySchema.array(),
    errors: [400, 401],
    summary: "a campaign's results without histograms, environment or settings (job table)",
  })
  resultSummaries(@Query(new ZodPipe(ResultSummaryQuerySchema)) q: z.infer<typeof ResultSummaryQuerySchema>) {
    return this.views.resultSummaries(q.campaignId);
  }
}
