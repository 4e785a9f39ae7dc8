import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IdSchema, LeaderboardQuerySchema, LeaderboardRowSchema, ResultSchema } from '@fleetbench/protocol';
import { z } from 'zod';
import { ResultService } from '../services/result.service';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

const ResultQuerySchema = z.object({
  campaignId: IdSchema.optional(),
  deviceId: IdSchema.optional(),
  modelId: IdSchema.optional(),
  hardwareClassId: IdSchema.optional(),
});

@ApiTags('results')
@ApiBearerAuth()
@Controller()
export class ResultController {
  constructor(private readonly results: ResultService) {}

  @Get('results')
  @ApiDoc({ response: ResultSchema.array(), errors: [400, 401] })
  list(@Query(new ZodPipe(ResultQuerySchema)) q: z.infer<typeof ResultQuerySchema>) {
    return this.results.list(q);
  }

  @Get('results/:id')
  @ApiDoc({ response: ResultSchema, errors: [401, 404] })
  get(@Param('id') id: string) {
    return this.results.get(id);
  }

  @Get('leaderboard')
  @ApiDoc({ response: LeaderboardRowSchema.array(), errors: [400, 401] })
  leaderboard(@Query(new ZodPipe(LeaderboardQuerySchema)) q: z.infer<typeof LeaderboardQuerySchema>) {
    return this.results.leaderboard(q);
  }
}
