import { Body, Controller, Delete, Get, HttpCode, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  ChangeQuerySchema,
  ChangeSchema,
  SeriesQuerySchema,
  SeriesSchema,
  WebhookSettingRequestSchema,
  WebhookSettingSchema,
  type ChangeQuery,
  type SeriesQuery,
  type WebhookSettingRequest,
} from '@fleetbench/protocol';
import { AdminOnly } from '../middleware/auth.guard';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';
import { ChangesService } from './changes.service';
import { RegressionWebhookService } from './regression-webhook.service';

/** The regression watch (issue 13): changes between results across software versions, and the regression webhook. */
@ApiTags('changes')
@ApiBearerAuth()
@Controller('changes')
export class ChangesController {
  constructor(
    private readonly changes: ChangesService,
    private readonly webhook: RegressionWebhookService,
  ) {}

  @Get()
  @ApiDoc({ response: ChangeSchema.array(), errors: [400, 401], summary: 'Marked regressions and improvements' })
  list(@Query(new ZodPipe(ChangeQuerySchema)) q: ChangeQuery) {
    return this.changes.list(q);
  }

  @Get('series')
  @ApiDoc({ response: SeriesSchema, errors: [400, 401, 404], summary: 'One series with its change points' })
  series(@Query(new ZodPipe(SeriesQuerySchema)) q: SeriesQuery) {
    return this.changes.series(q);
  }

  @Get('webhook')
  @AdminOnly()
  @ApiDoc({ response: WebhookSettingSchema, errors: [401, 403] })
  getWebhook() {
    return this.webhook.get();
  }

  @Put('webhook')
  @AdminOnly()
  @ApiDoc({ body: WebhookSettingRequestSchema, response: WebhookSettingSchema, errors: [400, 401, 403] })
  setWebhook(@Body(new ZodPipe(WebhookSettingRequestSchema)) body: WebhookSettingRequest) {
    return this.webhook.set(body);
  }

  @Delete('webhook')
  @AdminOnly()
  @HttpCode(204)
  @ApiDoc({ status: 204, errors: [401, 403] })
  async clearWebhook(): Promise<void> {
    await this.webhook.clear();
  }
}
