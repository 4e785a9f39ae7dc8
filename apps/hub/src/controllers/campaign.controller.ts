import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CampaignGetQuerySchema,
  CampaignSchema,
  CreateCampaignRequestSchema,
  JobQuerySchema,
  JobSchema,
  NEXT_OFFSET_HEADER,
  TOTAL_COUNT_HEADER,
  type CreateCampaignRequest,
  type JobQuery,
} from '@fleetbench/protocol';
import type { Response } from 'express';
import type { z } from 'zod';
import { CampaignService } from '../services/campaign.service';
import { AppError } from '../utils/app-error';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller()
export class CampaignController {
  constructor(private readonly campaigns: CampaignService) {}

  @Post('campaigns')
  @ApiDoc({ body: CreateCampaignRequestSchema, response: CampaignSchema, status: 201, errors: [400, 401] })
  create(@Body(new ZodPipe(CreateCampaignRequestSchema)) body: CreateCampaignRequest) {
    return this.campaigns.create(body);
  }

  @Get('campaigns')
  @ApiDoc({ response: CampaignSchema.array(), errors: [401] })
  list() {
    return this.campaigns.list();
  }

  @Get('campaigns/:id')
  @ApiDoc({
    response: CampaignSchema,
    errors: [400, 401, 404],
    summary: 'with every job, or without the job list with ?jobs=none (jobCounts stays; page them with GET /jobs)',
  })
  get(@Param('id') id: string, @Query(new ZodPipe(CampaignGetQuerySchema)) q: z.infer<typeof CampaignGetQuerySchema>) {
    return this.campaigns.get(id, q.jobs === 'all');
  }

  @Post('campaigns/:id/cancel')
  @HttpCode(200)
  @ApiDoc({ response: CampaignSchema, errors: [401, 404] })
  cancel(@Param('id') id: string) {
    return this.campaigns.cancel(id);
  }

  @Get('jobs')
  @ApiDoc({
    response: JobSchema.array(),
    errors: [400, 401],
    summary: `every matching job, oldest first; with ?limit (at most 500) and ?offset one page ordered by model name, device id, settings key and id, the total in ${TOTAL_COUNT_HEADER} and, when more follow, the next offset in ${NEXT_OFFSET_HEADER}`,
  })
  async jobs(@Query(new ZodPipe(JobQuerySchema)) q: JobQuery, @Res({ passthrough: true }) res: Response) {
    const { limit, offset = 0, ...filter } = q;
    if (limit === undefined) {
      if (offset > 0)
        throw new AppError(
          'validation-failed',
          'The query string is invalid: offset needs limit (one page of at most 500 jobs).',
          {
            fields: [{ field: 'offset', message: 'needs limit' }],
          },
        );
      return this.campaigns.listJobs(filter);
    }
    const page = await this.campaigns.pageJobs(filter, limit, offset);
    res.setHeader(TOTAL_COUNT_HEADER, String(page.total));
    if (offset + page.jobs.length < page.total) res.setHeader(NEXT_OFFSET_HEADER, String(offset + page.jobs.length));
    return page.jobs;
  }
}
