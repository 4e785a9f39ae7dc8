import { z } from 'zod';
import {
  apiPaths,
  DeviceSchema,
  HardwareClassSchema,
  JobSchema,
  LeaderboardRowSchema,
  type JobState,
} from '@fleetbench/protocol';
import { checkToken, hubGet } from './client';

/** Typed calls to the hub's REST API (server-side only). */
export const hubApi = {
  devices: (token: string) => hubGet(apiPaths.devices, token, z.array(DeviceSchema)),
  hardwareClasses: (token: string) => hubGet(apiPaths.hardwareClasses, token, z.array(HardwareClassSchema)),
  jobs: (token: string, q: { state?: JobState; campaignId?: string; deviceId?: string } = {}) =>
    hubGet(apiPaths.jobs, token, z.array(JobSchema), q),
  leaderboard: (token: string, q: { hardwareClassId?: string; settingsKey?: string } = {}) =>
    hubGet(apiPaths.leaderboard, token, z.array(LeaderboardRowSchema), q),
  /** Token check used by the login form: a cheap authenticated route (200 vs 401). */
  checkToken: (token: string) => checkToken(token, apiPaths.devices),
};
