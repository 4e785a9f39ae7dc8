import { z } from 'zod';
import {
  DeviceLeaderboardIndexEntrySchema,
  DeviceLeaderboardRowSchema,
  ResultSummarySchema,
  viewPaths,
} from '@fleetbench/protocol';
import { hubGet } from './client';

/** Typed calls to the hub's read-only dashboard views (server-side only). */
export const hubViews = {
  deviceLeaderboard: (token: string, deviceIds: string[], settingsKey: string) =>
    hubGet(viewPaths.deviceLeaderboard, token, z.array(DeviceLeaderboardRowSchema), {
      deviceIds: deviceIds.join(','),
      settingsKey,
    }),
  deviceLeaderboardIndex: (token: string) =>
    hubGet(viewPaths.deviceLeaderboardIndex, token, z.array(DeviceLeaderboardIndexEntrySchema)),
  resultSummaries: (token: string, campaignId: string) =>
    hubGet(viewPaths.resultSummaries, token, z.array(ResultSummarySchema), { campaignId }),
};
