import { z } from 'zod';
import { HardwareSchema, SoftwareFingerprintSchema } from './hardware';
import {
  EnergySourceSchema,
  ResultEnvironmentSchema,
  ResultMetricsSchema,
  VerdictSchema,
  ZooRecipeSchema,
} from './messages';
import { ModelIoFactsSchema, PreprocessingSpecSchema } from './preprocessing';
import { BenchmarkSettingsSchema } from './settings';
import { AgentIdSchema, IdSchema, LIMITS, Sha256Schema } from './version';

/** REST paths of the hub, relative to its base URL. One list so agent, dashboard and tests agree. */
export const API_PREFIX = '/api/v1';
export const apiPaths = {
  health: `${API_PREFIX}/health`,
  enroll: `${API_PREFIX}/agents/enroll`,
  enrollmentTokens: `${API_PREFIX}/enrollment-tokens`,
  devices: `${API_PREFIX}/devices`,
  device: (id: string) => `${API_PREFIX}/devices/${encodeURIComponent(id)}`,
  /** POST (admin): move the device to the hardware class of the hardware it last reported. */
  deviceReclassify: (id: string) => `${API_PREFIX}/devices/${encodeURIComponent(id)}/reclassify`,
  hardwareClasses: `${API_PREFIX}/hardware-classes`,
  models: `${API_PREFIX}/models`,
  model: (id: string) => `${API_PREFIX}/models/${encodeURIComponent(id)}`,
  /** POST: register zoo models (a family, a list or all) as recipes; answers a registration task. */
  zooModels: `${API_PREFIX}/models/zoo`,
  zooTask: (id: string) => `${API_PREFIX}/models/zoo/tasks/${encodeURIComponent(id)}`,
  datasets: `${API_PREFIX}/datasets`,
  dataset: (id: string) => `${API_PREFIX}/datasets/${encodeURIComponent(id)}`,
  artifact: (sha256: string) => `${API_PREFIX}/artifacts/${sha256}`,
  campaigns: `${API_PREFIX}/campaigns`,
  campaign: (id: string) => `${API_PREFIX}/campaigns/${encodeURIComponent(id)}`,
  /** GET: the campaign as one self-contained HTML file for sharing (text/html, as an attachment). */
  campaignReport: (id: string) => `${API_PREFIX}/campaigns/${encodeURIComponent(id)}/report.html`,
  jobs: `${API_PREFIX}/jobs`,
  /** GET ?campaignId&deviceId&modelId&hardwareClassId&limit&before: newest first, without histograms (paged). */
  results: `${API_PREFIX}/results`,
  /** GET ?campaignId=: the figures a campaign's job table needs, without histograms, environment or settings. */
  resultSummaries: `${API_PREFIX}/result-summaries`,
  leaderboard: `${API_PREFIX}/leaderboard`,
  /** Which (hardware class, settings) leaderboards exist, with their row counts (cheap; for pickers). */
  leaderboardIndex: `${API_PREFIX}/leaderboard/index`,
  /** GET ?deviceIds=a,b&settingsKey=k: per device × model median p50/throughput over that device's valid results. */
  deviceLeaderboard: `${API_PREFIX}/device-leaderboard`,
  /** GET: which (device, settings) pairs have valid results, with model counts (for pickers). */
  deviceLeaderboardIndex: `${API_PREFIX}/device-leaderboard/index`,
  /** Recent telemetry samples of one device (a bounded history the hub keeps in its database). */
  deviceTelemetry: (id: string) => `${API_PREFIX}/devices/${encodeURIComponent(id)}/telemetry`,
  /** Named API tokens (admin only): POST creates (token shown once), GET lists (no secrets), DELETE revokes. */
  apiTokens: `${API_PREFIX}/api-tokens`,
  /** GET: the calling token's id, label and role. */
  whoami: `${API_PREFIX}/auth/whoami`,
  apiToken: (id: string) => `${API_PREFIX}/api-tokens/${encodeURIComponent(id)}`,
  /** POST (bearer): a single-use 60 s ticket for socket.io's `auth: { ticket }`, so browsers never hold the token. */
  socketTicket: `${API_PREFIX}/auth/socket-ticket`,
  docs: '/api/docs',
} as const;

export const ErrorBodySchema = z.object({
  statusCode: z.number().int(),
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// ---- enrollment ---------------------------------------------------------------------------------------------------

export const CreateEnrollmentTokenRequestSchema = z.object({
  label: z.string().max(200).optional(),
  /** How many agents may enroll with it. */
  maxUses: z.number().int().positive().max(10_000).default(1),
  expiresInHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(24),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
});
export type CreateEnrollmentTokenRequest = z.infer<typeof CreateEnrollmentTokenRequestSchema>;

export const EnrollmentTokenResponseSchema = z.object({
  id: z.string(),
  /** Shown once; the hub keeps only its hash. */
  token: z.string(),
  expiresAt: z.string(),
  maxUses: z.number().int(),
});
export type EnrollmentTokenResponse = z.infer<typeof EnrollmentTokenResponseSchema>;

export const EnrollRequestSchema = z.object({
  token: z.string().min(1).max(LIMITS.text),
  name: z.string().min(1).max(120),
  hardware: HardwareSchema,
  software: SoftwareFingerprintSchema,
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
});
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

export const EnrollResponseSchema = z.object({
  agentId: AgentIdSchema,
  /** Credentials for the broker and for artifact downloads: shown once, stored hashed by the hub. */
  mqtt: z.object({ url: z.string(), username: z.string(), password: z.string() }),
  hardwareClassId: z.string(),
});
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;

// ---- API tokens and socket.io tickets -------------------------------------------------------------------------------

/**
 * What an API token may do. viewer: read everything (GET) and follow live updates; operator: also run and cancel
 * campaigns, register models, datasets and zoo models; admin: also manage API tokens, devices and enrollment.
 */
export const ApiRoleSchema = z.enum(['viewer', 'operator', 'admin']);
export type ApiRole = z.infer<typeof ApiRoleSchema>;
/** Roles in order of power: a role may do everything the ones before it may. */
export const API_ROLES: readonly ApiRole[] = ApiRoleSchema.options;
export const roleAtLeast = (role: ApiRole, needed: ApiRole): boolean =>
  API_ROLES.indexOf(role) >= API_ROLES.indexOf(needed);

export const CreateApiTokenRequestSchema = z.object({
  label: z.string().trim().min(1).max(200),
  /** What the token may do (default operator: what named tokens could always do, enrollment aside). */
  role: ApiRoleSchema.default('operator'),
  /** Days until the token stops working; omitted = never expires (revoke it with DELETE). */
  expiresInDays: z.number().int().positive().max(3650).optional(),
});
export type CreateApiTokenRequest = z.infer<typeof CreateApiTokenRequestSchema>;

/** An API token as listed: never the secret (the hub keeps only its sha256). */
export const ApiTokenSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** The admin token (FLEETBENCH_ADMIN_TOKEN / generated at first start); only it manages tokens and revokes devices. */
  admin: z.boolean(),
  role: ApiRoleSchema,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;

export const CreatedApiTokenSchema = ApiTokenSchema.extend({
  /** Shown once; the hub keeps only its sha256. */
  token: z.string(),
});
export type CreatedApiToken = z.infer<typeof CreatedApiTokenSchema>;

/** GET auth/whoami: the calling token (the dashboard hides what its role may not do). */
export const WhoAmISchema = z.object({
  tokenId: z.string(),
  label: z.string(),
  role: ApiRoleSchema,
});
export type WhoAmI = z.infer<typeof WhoAmISchema>;

export const SocketTicketSchema = z.object({
  /** Single use, for `io(hubUrl, { auth: { ticket } })`. */
  ticket: z.string(),
  expiresAt: z.string(),
});
export type SocketTicket = z.infer<typeof SocketTicketSchema>;

// ---- models ---------------------------------------------------------------------------------------------------------

// Defined in ./preprocessing so that messages.ts (job assignments) can use it without an import cycle.
export { PreprocessingSpecSchema, type PreprocessingSpec } from './preprocessing';

export const ReferenceMetricsSchema = z.object({
  top1: z.number().min(0).max(1).optional(),
  top5: z.number().min(0).max(1).optional(),
  source: z.string().max(LIMITS.text).optional(),
});

export const TensorSpecSchema = z.object({
  name: z.string(),
  /** Element type name, e.g. float32, uint8. */
  dtype: z.string(),
  /** Dimensions; strings are symbolic (e.g. batch "N"). */
  shape: z.array(z.union([z.number().int(), z.string()])),
});
export type TensorSpec = z.infer<typeof TensorSpecSchema>;

/** JSON registration: a file the hub can read (used by `npm start` and the CLI on the hub machine). For uploads
 *  send the bytes as application/octet-stream to the same path with the fields as query parameters. */
export const RegisterModelRequestSchema = z.object({
  name: z.string().min(1).max(200),
  family: z.string().max(100).optional(),
  path: z.string().min(1).max(LIMITS.path).optional(),
  preprocessing: PreprocessingSpecSchema.optional(),
  referenceMetrics: ReferenceMetricsSchema.optional(),
  flops: z.number().nonnegative().max(1e18).optional(),
  /** When given, the hub refuses bytes that hash differently. */
  expectedSha256: Sha256Schema.optional(),
  /**
   * Added (issue 12): without `preprocessing`, store `{ preset: <ioFacts.proposedPreset> }` (the preset the hub
   * proposes from the model's signature) instead of nothing. Ignored when `preprocessing` is given.
   */
  useProposedPreset: z.boolean().optional(),
});
export type RegisterModelRequest = z.infer<typeof RegisterModelRequestSchema>;

export const ModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  family: z.string().nullable(),
  source: z.string(),
  sha256: Sha256Schema,
  sizeBytes: z.number().int(),
  inputs: z.array(TensorSpecSchema),
  outputs: z.array(TensorSpecSchema),
  preprocessing: PreprocessingSpecSchema.nullable(),
  referenceMetrics: ReferenceMetricsSchema.nullable(),
  flops: z.number().nullable(),
  createdAt: z.string(),
  /** Optional: zoo models (source `zoo`) carry their recipe; agents build the bytes from it. */
  recipe: ZooRecipeSchema.nullable().optional(),
  /** Added (issue 12): input/output facts read from the signature at registration, and the proposed preset. */
  ioFacts: ModelIoFactsSchema.nullable().optional(),
});
export type Model = z.infer<typeof ModelSchema>;

// ---- zoo models -------------------------------------------------------------------------------------------------

/** Exactly one of family, names or all=true. Unknown or unbuildable names → 400 `unknown-zoo-models` listing them. */
export const RegisterZooModelsRequestSchema = z
  .object({
    family: z.string().min(1).max(100).optional(),
    names: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
    all: z.boolean().optional(),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    variant: z.enum(['fp32', 'fp16']).default('fp32'),
  })
  .refine((r) => [r.family !== undefined, r.names !== undefined, r.all === true].filter(Boolean).length === 1, {
    message: 'give exactly one of family, names or all=true',
  });
export type RegisterZooModelsRequest = z.infer<typeof RegisterZooModelsRequestSchema>;
export type RegisterZooModelsRequestInput = z.input<typeof RegisterZooModelsRequestSchema>;

/** The hub builds each new recipe once (one at a time, off its event loop) to learn its sha256 and size. */
export const ZooRegistrationTaskSchema = z.object({
  id: z.string(),
  state: z.enum(['running', 'completed', 'failed']),
  seed: z.number().int(),
  variant: z.string(),
  /** Requested models in catalogue/request order. */
  names: z.array(z.string()),
  total: z.number().int(),
  /** Registered so far (already-known recipes count at once). */
  done: z.number().int(),
  /** The model being built now. */
  current: z.string().nullable(),
  models: z.array(ModelSchema),
  errors: z.array(z.object({ name: z.string(), message: z.string() })),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ZooRegistrationTask = z.infer<typeof ZooRegistrationTaskSchema>;

// ---- campaigns --------------------------------------------------------------------------------------------------

export const DeviceSelectorSchema = z
  .object({
    all: z.boolean().default(false),
    ids: z.array(IdSchema).max(10_000).default([]),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    hardwareClassIds: z.array(IdSchema).max(1000).default([]),
  })
  .refine((s) => s.all || s.ids.length + s.tags.length + s.hardwareClassIds.length > 0, {
    message: 'select devices with all=true, ids, tags or hardwareClassIds',
  });
export type DeviceSelector = z.infer<typeof DeviceSelectorSchema>;

export const CreateCampaignRequestSchema = z.object({
  name: z.string().min(1).max(200),
  modelIds: z.array(IdSchema).min(1).max(1000),
  devices: DeviceSelectorSchema,
  /** Settings matrix as a list of combinations; each entry is completed with defaults. */
  settings: z
    .array(BenchmarkSettingsSchema)
    .min(1)
    .max(100)
    .default([BenchmarkSettingsSchema.parse({})]),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(24 * 3600_000)
    .default(15 * 60_000),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** Optional: the registered dataset (GET /api/v1/datasets) of the accuracy entries; required when any settings entry
   *  has mode `accuracy` (400 `dataset-required`). */
  datasetId: IdSchema.optional(),
});
export type CreateCampaignRequest = z.infer<typeof CreateCampaignRequestSchema>;
export type CreateCampaignRequestInput = z.input<typeof CreateCampaignRequestSchema>;

export const JobStateSchema = z.enum(['queued', 'assigned', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobStateSchema>;
/** Not finished: waiting for its device or held by it. */
export const OPEN_JOB_STATES: readonly JobState[] = ['queued', 'assigned', 'running'];
/** Held by a device under a lease (at most one such job per device). */
export const ACTIVE_JOB_STATES: readonly JobState[] = ['assigned', 'running'];
/**
 * Failure codes an agent reports for trouble on the way to a measurement rather than in it — the hub unreachable
 * while downloading, the result not written to disk — which another attempt can get past: the hub re-queues the job
 * while it has attempts left instead of failing it.
 */
export const RETRYABLE_JOB_FAILURES: readonly string[] = ['download-failed', 'outbox-failed'];
export const CampaignStateSchema = z.enum(['running', 'completed', 'failed', 'cancelled']);
export type CampaignState = z.infer<typeof CampaignStateSchema>;

// ---- leaderboard --------------------------------------------------------------------------------------------------

export const LeaderboardQuerySchema = z.object({
  /** Required by the hub (400 without it: the leaderboard index lists the classes); optional here for the service. */
  hardwareClassId: IdSchema.optional(),
  settingsKey: z.string().max(LIMITS.text).optional(),
});

export const LeaderboardRowSchema = z.object({
  hardwareClassId: z.string(),
  hardwareClassName: z.string(),
  settingsKey: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  family: z.string().nullable(),
  devices: z.number().int(),
  results: z.number().int(),
  p50Ms: z.number(),
  p90Ms: z.number(),
  p99Ms: z.number(),
  throughputIps: z.number(),
  top1: z.number().nullable(),
  top1Source: z.enum(['measured', 'reference']).nullable(),
  /** Flagged results are listed but not ranked. */
  flaggedResults: z.number().int(),
  /**
   * 1-based rank within its hardware class and settings key, by median p50 (ties: higher throughput, then model
   * name); null for a row with only flagged results. Ranked by the hub alone: clients show it as given.
   */
  rank: z.number().int().positive().nullable(),
  /** Optional: median cold start (session creation + first inference), ms, over the same results as p50. */
  coldStartMs: z.number().nullable().optional(),
  /** Optional: median peak resident memory of the measuring process, bytes. */
  peakRssBytes: z.number().nullable().optional(),
  /** Optional: median achieved GFLOP/s. */
  gflops: z.number().nullable().optional(),
  /** Optional: median share of the device's measured GEMM peak (achieved GFLOP/s ÷ peakGflops), 0..1+. */
  peakShare: z.number().nullable().optional(),
  /**
   * Optional (issue 13): median joules per image over the same results as p50 that measured energy; null when none
   * did (an 'unavailable' reading never enters the median).
   */
  joulesPerInference: z.number().nullable().optional(),
  /** Optional: median average power of the measured loop, W, over the same results as joulesPerInference. */
  averageWatts: z.number().nullable().optional(),
  /** Optional: the energy sources behind those medians (e.g. rapl, nvidia-smi), sorted; empty when none. */
  energySources: z.array(EnergySourceSchema).optional(),
  /** Optional: unit-to-unit spread of the per-device median p50 (only when ≥ 2 devices have valid results). */
  unitSpread: z
    .object({
      devices: z.number().int(),
      minP50Ms: z.number(),
      maxP50Ms: z.number(),
      /** Coefficient of variation of the per-device medians (sample standard deviation ÷ mean). */
      cv: z.number(),
    })
    .nullable()
    .optional(),
});
export type LeaderboardRow = z.infer<typeof LeaderboardRowSchema>;

export const LeaderboardIndexEntrySchema = z.object({
  hardwareClassId: z.string(),
  hardwareClassName: z.string(),
  settingsKey: z.string(),
  /** Distinct models with results in this class and settings. */
  models: z.number().int(),
});
export type LeaderboardIndexEntry = z.infer<typeof LeaderboardIndexEntrySchema>;

/** One telemetry sample of a device's history (GET devices/:id/telemetry, oldest first). */
export const TelemetrySampleSchema = z.object({
  ts: z.string(),
  load1: z.number(),
  cpuPercent: z.number().nullable(),
  temperatureC: z.number().nullable(),
  cpuFrequencyMHz: z.number().nullable(),
  memoryFreeBytes: z.number(),
});
export type TelemetrySample = z.infer<typeof TelemetrySampleSchema>;

// ---- read models returned by the hub (the dashboard renders these) -------------------------------------------------

export const DeviceSchema = z.object({
  id: AgentIdSchema,
  name: z.string(),
  tags: z.array(z.string()),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  enrolledAt: z.string(),
  hardwareClassId: z.string(),
  hardwareClassName: z.string(),
  hardware: HardwareSchema,
  software: SoftwareFingerprintSchema,
  currentJobId: z.string().nullable(),
  /** When the device was revoked (DELETE /devices/:id); its credentials no longer work. Absent/null = active. */
  revokedAt: z.string().nullable().optional(),
  /** Latest telemetry sample, if any. */
  telemetry: TelemetrySampleSchema.nullable(),
});
export type Device = z.infer<typeof DeviceSchema>;

export const HardwareClassSchema = z.object({
  id: z.string(),
  name: z.string(),
  key: z.string(),
  /** Published reference hardware (e.g. PaddleClas SD855) is read-only and never mixed with measured data. */
  devices: z.number().int(),
});
export type HardwareClass = z.infer<typeof HardwareClassSchema>;

export const JobSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  deviceId: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  settings: BenchmarkSettingsSchema,
  settingsKey: z.string(),
  state: JobStateSchema,
  attempts: z.number().int(),
  progress: z.number().min(0).max(1).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  updatedAt: z.string(),
});
export type Job = z.infer<typeof JobSchema>;

/** GET /jobs paging: `limit` at most this; the page is in a stable order (model name, device id, settings key, id). */
export const JOB_PAGE = { max: 500 } as const;
/** Header of a paged GET /jobs: how many jobs match the filter (all pages). */
export const TOTAL_COUNT_HEADER = 'x-total-count';
/** Header of a paged GET /jobs that has more rows: the next page's `offset`. */
export const NEXT_OFFSET_HEADER = 'x-next-offset';

export const JobQuerySchema = z.object({
  campaignId: IdSchema.optional(),
  deviceId: IdSchema.optional(),
  state: JobStateSchema.optional(),
  /** One page of at most this many jobs, ordered by model name, device id, settings key and id, with the total in
   *  the x-total-count header; without it, every matching job (oldest first, no headers). */
  limit: z.coerce.number().int().min(1).max(JOB_PAGE.max).optional(),
  /** Rows of that order to skip (with `limit`). */
  offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
});
export type JobQuery = z.infer<typeof JobQuerySchema>;

/** GET /campaigns/:id: `jobs=none` leaves out the job list (jobCounts stays); the default `all` embeds every job. */
export const CampaignGetQuerySchema = z.object({ jobs: z.enum(['all', 'none']).default('all') });

export const CampaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: CampaignStateSchema,
  createdAt: z.string(),
  jobCounts: z.record(JobStateSchema, z.number().int()),
  jobs: z.array(JobSchema).optional(),
  /** Optional: the request the campaign was created with (as the hub stored it, defaults filled in); read-only.
   *  Lets a client re-run it with the original device selector. null for rows the hub cannot read back. */
  request: CreateCampaignRequestSchema.nullable().optional(),
});
export type Campaign = z.infer<typeof CampaignSchema>;

export const ResultSchema = z.object({
  id: z.string(),
  msgId: z.string(),
  jobId: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  hardwareClassId: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  settingsKey: z.string(),
  settings: BenchmarkSettingsSchema,
  metrics: ResultMetricsSchema,
  environment: ResultEnvironmentSchema,
  verdict: VerdictSchema,
  histogram: z.string().nullable(),
  createdAt: z.string(),
});
export type Result = z.infer<typeof ResultSchema>;

/** A result in a list (GET /results): everything but the histogram, which only the single result carries. */
export const ResultListItemSchema = ResultSchema.omit({ histogram: true });
export type ResultListItem = z.infer<typeof ResultListItemSchema>;

/** Page size of GET /results: at most this many rows per call; the next page starts `before` the last row's id. */
export const RESULT_PAGE = { default: 100, max: 1000 } as const;

export const ResultQuerySchema = z.object({
  campaignId: IdSchema.optional(),
  deviceId: IdSchema.optional(),
  modelId: IdSchema.optional(),
  hardwareClassId: IdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(RESULT_PAGE.max).default(RESULT_PAGE.default),
  /** The id of the last row of the previous page: this page lists the results after it (older ones). */
  before: IdSchema.optional(),
});
export type ResultQuery = z.infer<typeof ResultQuerySchema>;

export const DeviceLeaderboardQuerySchema = z.object({
  /** Comma-separated device ids (at most 50). */
  deviceIds: z
    .string()
    .min(1)
    .max(50 * (LIMITS.id + 1)),
  settingsKey: z.string().min(1).max(LIMITS.text),
});

export const DeviceLeaderboardRowSchema = z.object({
  deviceId: z.string(),
  deviceName: z.string(),
  hardwareClassId: z.string(),
  settingsKey: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  family: z.string().nullable(),
  /** Valid results of this model on this device (flagged ones are left out). */
  results: z.number().int(),
  /** Median of the valid results' p50, ms. */
  p50Ms: z.number(),
  /** Median of the valid results' throughput, img/s. */
  throughputIps: z.number(),
});
export type DeviceLeaderboardRow = z.infer<typeof DeviceLeaderboardRowSchema>;

export const DeviceLeaderboardIndexEntrySchema = z.object({
  deviceId: z.string(),
  settingsKey: z.string(),
  /** Distinct models with valid results on this device and settings. */
  models: z.number().int(),
});
export type DeviceLeaderboardIndexEntry = z.infer<typeof DeviceLeaderboardIndexEntrySchema>;

/** At most this many job ids in one GET /result-summaries?jobIds= (one page of GET /jobs). */
export const SUMMARY_JOB_IDS_MAX = 500;

export const ResultSummaryQuerySchema = z
  .object({
    campaignId: IdSchema.optional(),
    /** Comma-separated job ids (at most {@link SUMMARY_JOB_IDS_MAX}): the summaries of these jobs only. */
    jobIds: z
      .string()
      .max(SUMMARY_JOB_IDS_MAX * (LIMITS.id + 1))
      .transform((s) => [...new Set(s.split(',').filter(Boolean))])
      .pipe(IdSchema.array().min(1, 'give at least one job id').max(SUMMARY_JOB_IDS_MAX))
      .optional(),
  })
  .refine((q) => q.campaignId !== undefined || q.jobIds !== undefined, {
    message: 'give campaignId or jobIds',
    path: ['campaignId'],
  });
export type ResultSummaryQuery = z.infer<typeof ResultSummaryQuerySchema>;

export const ResultSummarySchema = z.object({
  id: z.string(),
  jobId: z.string(),
  deviceId: z.string(),
  modelId: z.string(),
  settingsKey: z.string(),
  p50Ms: z.number(),
  throughputIps: z.number(),
  verdictStatus: z.enum(['valid', 'flagged']),
  createdAt: z.string(),
});
export type ResultSummary = z.infer<typeof ResultSummarySchema>;
