import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  DeviceLeaderboardIndexEntrySchema,
  DeviceLeaderboardQuerySchema,
  DeviceLeaderboardRowSchema,
  LeaderboardIndexEntrySchema,
  LeaderboardQuerySchema,
  LeaderboardRowSchema,
} from '@fleetbench/protocol';
import type { z } from 'zod';
import { LeaderboardService, MAX_COMPARED_DEVICES } from '../services/leaderboard.service';
import { AppError } from '../utils/app-error';
import { ApiDoc } from '../utils/openapi.decorators';
import { ZodPipe } from '../utils/zod';

/** The leaderboard read model: class and device leaderboards and their indexes (leaderboard, chart, compare pages). */
@ApiTags('leaderboard')
@ApiBearerAuth()
@Controller()
export class LeaderboardController {
  constructor(private readonly leaderboards: LeaderboardService) {}

  @Get('leaderboard')
  @ApiDoc({
    response: LeaderboardRowSchema.array(),
    errors: [400, 401],
    summary: 'per hardware class × settings key × model medians, ranked (filter by class and key)',
  })
  leaderboard(@Query(new ZodPipe(LeaderboardQuerySchema)) q: z.infer<typeof LeaderboardQuerySchema>) {
    return this.leaderboards.leaderboard(q);
  }

  @Get('leaderboard/index')
  @ApiDoc({ response: LeaderboardIndexEntrySchema.array(), errors: [401] })
  leaderboardIndex() {
    return this.leaderboards.index();
  }

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
    if (ids.length > MAX_COMPARED_DEVICES)
      throw new AppError('bad-request', `At most ${MAX_COMPARED_DEVICES} device ids.`, { deviceIds: ids.length });
    return this.leaderboards.deviceLeaderboard(ids, q.settingsKey);
  }

  @Get('device-leaderboard/index')
  @ApiDoc({ response: DeviceLeaderboardIndexEntrySchema.array(), errors: [401] })
  deviceLeaderboardIndex() {
    return this.leaderboards.deviceIndex();
  }
}
