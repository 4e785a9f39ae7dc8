import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  ResultListItemSchema,
  ResultQuerySchema,
  ResultSchema,
  ResultSummaryQuerySchema,
  ResultSummarySchema,
  type ResultQuery,
  type ResultSummaryQuery,
} from '@fleetbench/protocol';
import type { Response } from 'express';
import { ResultService } from '../services/result.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

/** Header of a full page of GET /results: pass it back as `before` for the next (older) page. */
export const NEXT_PAGE_HEADER = 'x-next-before';

@ApiTags('results')
@ApiBearerAuth()
@Controller()
export class ResultController {
  constructor(private readonly results: ResultService) {}

  @Get('results')
  @ApiDoc({
    response: ResultListItemSchema.array(),
    errors: [400, 401],
    summary: `newest first, without histograms; a full page carries ${NEXT_PAGE_HEADER} (the next page's \`before\`)`,
  })
  async list(@Query(new ZodPipe(ResultQuerySchema)) q: ResultQuery, @Res({ passthrough: true }) res: Response) {
    const rows = await this.results.list(q);
    if (rows.length === q.limit) res.setHeader(NEXT_PAGE_HEADER, rows[rows.length - 1]!.id);
    return rows;
  }

  @Get('results/:id')
  @ApiDoc({ response: ResultSchema, errors: [401, 404] })
  get(@Param('id') id: string) {
    return this.results.get(id);
  }

  @Get('result-summaries')
  @ApiDoc({
    response: ResultSummarySchema.array(),
    errors: [400, 401],
    summary:
      "the newest result of each of a campaign's jobs (campaignId), or of the jobs named (jobIds, comma-separated, at most 500; both: the named jobs of that campaign), newest first: figures only (job table)",
  })
  resultSummaries(@Query(new ZodPipe(ResultSummaryQuerySchema)) q: ResultSummaryQuery) {
    return this.results.summaries(q);
  }
}
