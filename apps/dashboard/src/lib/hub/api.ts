import { z } from 'zod';
import {
  AgentPackageSchema,
  agentPackagePaths,
  apiPaths,
  CampaignSchema,
  DeviceLeaderboardIndexEntrySchema,
  DeviceLeaderboardRowSchema,
  DeviceSchema,
  EnrollmentTokenResponseSchema,
  HardwareClassSchema,
  JobSchema,
  LeaderboardIndexEntrySchema,
  LeaderboardRowSchema,
  ModelSchema,
  ResultListItemSchema,
  ResultSchema,
  ResultSummarySchema,
  RolloutSchema,
  TelemetrySampleSchema,
  WhoAmISchema,
  type CreateCampaignRequestInput,
  type CreateEnrollmentTokenRequest,
  type CreateRolloutRequest,
  type JobState,
} from '@fleetbench/protocol';
import { checkToken, hubGet, hubSend } from './client';

/** Typed calls to the hub's REST API (server-side only). */
export const hubApi = {
  devices: (token: string) => hubGet(apiPaths.devices, token, z.array(DeviceSchema)),
  device: (token: string, id: string) => hubGet(apiPaths.device(id), token, DeviceSchema),
  deviceTelemetry: (token: string, id: string) =>
    hubGet(apiPaths.deviceTelemetry(id), token, z.array(TelemetrySampleSchema)),
  hardwareClasses: (token: string) => hubGet(apiPaths.hardwareClasses, token, z.array(HardwareClassSchema)),
  jobs: (token: string, q: { state?: JobState; campaignId?: string; deviceId?: string } = {}) =>
    hubGet(apiPaths.jobs, token, z.array(JobSchema), q),
  leaderboard: (token: string, q: { hardwareClassId?: string; settingsKey?: string } = {}) =>
    hubGet(apiPaths.leaderboard, token, z.array(LeaderboardRowSchema), q),
  leaderboardIndex: (token: string) => hubGet(apiPaths.leaderboardIndex, token, z.array(LeaderboardIndexEntrySchema)),
  deviceLeaderboard: (token: string, deviceIds: string[], settingsKey: string) =>
    hubGet(apiPaths.deviceLeaderboard, token, z.array(DeviceLeaderboardRowSchema), {
      deviceIds: deviceIds.join(','),
      settingsKey,
    }),
  deviceLeaderboardIndex: (token: string) =>
    hubGet(apiPaths.deviceLeaderboardIndex, token, z.array(DeviceLeaderboardIndexEntrySchema)),
  /** A campaign's job-table figures (no histograms, environment or settings). */
  resultSummaries: (token: string, campaignId: string) =>
    hubGet(apiPaths.resultSummaries, token, z.array(ResultSummarySchema), { campaignId }),
  /** The job-table figures of these jobs (one page of them, at most SUMMARY_JOB_IDS_MAX). */
  jobResultSummaries: (token: string, jobIds: readonly string[]) =>
    jobIds.length
      ? hubGet(apiPaths.resultSummaries, token, z.array(ResultSummarySchema), { jobIds: jobIds.join(',') })
      : Promise.resolve([]),
  /** One page of a campaign's jobs in the hub's page order (model name, device id, settings key, id). */
  jobsPage: (token: string, q: { campaignId: string; state?: JobState; limit: number; offset: number }) =>
    hubGet(apiPaths.jobs, token, z.array(JobSchema), {
      campaignId: q.campaignId,
      state: q.state,
      limit: String(q.limit),
      offset: String(q.offset),
    }),
  models: (token: string) => hubGet(apiPaths.models, token, z.array(ModelSchema)),
  campaigns: (token: string) => hubGet(apiPaths.campaigns, token, z.array(CampaignSchema)),
  campaign: (token: string, id: string) => hubGet(apiPaths.campaign(id), token, CampaignSchema),
  /** The campaign and its job counts, without its jobs (page them with jobsPage). */
  campaignWithoutJobs: (token: string, id: string) =>
    hubGet(apiPaths.campaign(id), token, CampaignSchema, { jobs: 'none' }),
  createCampaign: (token: string, body: CreateCampaignRequestInput) =>
    hubSend('POST', apiPaths.campaigns, token, CampaignSchema, body),
  /** Enrollment token for a new device (shown once). */
  createEnrollmentToken: (token: string, body: Partial<CreateEnrollmentTokenRequest>) =>
    hubSend('POST', apiPaths.enrollmentTokens, token, EnrollmentTokenResponseSchema, body),
  agentPackages: (token: string) => hubGet(agentPackagePaths.packages, token, z.array(AgentPackageSchema)),
  rollouts: (token: string) => hubGet(agentPackagePaths.rollouts, token, z.array(RolloutSchema)),
  createRollout: (token: string, body: CreateRolloutRequest) =>
    hubSend('POST', agentPackagePaths.rollouts, token, RolloutSchema, body),
  cancelCampaign: (token: string, id: string) =>
    hubSend('POST', `${apiPaths.campaign(id)}/cancel`, token, CampaignSchema),
  /** The newest results (one page, no histograms; `limit` up to RESULT_PAGE.max). */
  results: (
    token: string,
    q: { campaignId?: string; deviceId?: string; modelId?: string; hardwareClassId?: string; limit?: number } = {},
  ) =>
    hubGet(apiPaths.results, token, z.array(ResultListItemSchema), {
      ...q,
      limit: q.limit === undefined ? undefined : String(q.limit),
    }),
  result: (token: string, id: string) => hubGet(`${apiPaths.results}/${encodeURIComponent(id)}`, token, ResultSchema),
  /** The signed-in token's role (the pages hide what it may not do). */
  whoami: (token: string) => hubGet(apiPaths.whoami, token, WhoAmISchema),
  /** Token check used by the login form: a cheap authenticated route (200 vs 401). */
  checkToken: (token: string) => checkToken(token, apiPaths.devices),
};
