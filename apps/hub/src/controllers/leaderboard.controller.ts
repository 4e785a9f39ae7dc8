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
    summary:
      'per hardware class × settings key × model medians, ranked; hardwareClassId required (GET /api/v1/leaderboard/index lists the leaderboards), settingsKey optional',
  })
  leaderboard(@Query(new ZodPipe(LeaderboardQuerySchema)) q: z.infer<typeof LeaderboardQuerySchema>) {
    // Unfiltered, this would aggregate the whole Result table in one response (35 s, 9.9 MB at 1M results).
    if (q.hardwareClassId === undefined)
      throw new AppError(
        'bad-request',
        'hardwareClassId is required: GET /api/v1/leaderboard/index lists the (hardwareClassId, settingsKey) leaderboards.',
      );
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
