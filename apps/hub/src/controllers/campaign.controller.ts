import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CampaignSchema,
  IdSchema,
  CreateCampaignRequestSchema,
  JobSchema,
  JobStateSchema,
  type CreateCampaignRequest,
} from '@fleetbench/protocol';
import { z } from 'zod';
import { CampaignService } from '../services/campaign.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

const JobQuerySchema = z.object({
  campaignId: IdSchema.optional(),
  deviceId: IdSchema.optional(),
  state: JobStateSchema.optional(),
});

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
  @ApiDoc({ response: CampaignSchema, errors: [401, 404] })
  get(@Param('id') id: string) {
    return this.campaigns.get(id);
  }

  @Post('campaigns/:id/cancel')
  @HttpCode(200)
  @ApiDoc({ response: CampaignSchema, errors: [401, 404] })
  cancel(@Param('id') id: string) {
    return this.campaigns.cancel(id);
  }

  @Get('jobs')
  @ApiDoc({ response: JobSchema.array(), errors: [400, 401] })
  jobs(@Query(new ZodPipe(JobQuerySchema)) q: z.infer<typeof JobQuerySchema>) {
    return this.campaigns.listJobs(q);
  }
}
