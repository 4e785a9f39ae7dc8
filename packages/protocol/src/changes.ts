import { z } from 'zod';
import {
  ChangeKindSchema,
  ChangeMetricSchema,
  FINGERPRINT_PARTS,
  SoftwareFingerprintPartsSchema,
} from './change-detection';
import { IdSchema, LIMITS } from './version';

// REST contract of the regression watch (issue 13), beside `apiPaths` so the main list stays untouched.

export const changePaths = {
  /** GET ?kind=&modelId=&hardwareClassId=&settingsKey=&limit=: marked changes, newest first. */
  changes: '/api/v1/changes',
  /** GET ?modelId=&hardwareClassId=&settingsKey=: one series (every valid result) with its change points. */
  series: '/api/v1/changes/series',
  /** GET / PUT / DELETE (admin): the URL called for each regression. The secret is write-only. */
  webhook: '/api/v1/changes/webhook',
} as const;

export const ChangedPartSchema = z.object({
  part: z.enum(FINGERPRINT_PARTS),
  from: z.string().nullable(),
  to: z.string().nullable(),
});

export const ChangeSchema = z.object({
  id: z.string(),
  kind: ChangeKindSchema,
  metric: ChangeMetricSchema,
  resultId: z.string(),
  baselineResultId: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  hardwareClassId: z.string(),
  hardwareClassName: z.string(),
  settingsKey: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  before: z.number(),
  after: z.number(),
  /** (after − before) ÷ before and its interval (the intervals' confidence: CHANGE_DEFAULTS.confidence). */
  relative: z.number(),
  relativeLow: z.number().nullable(),
  relativeHigh: z.number().nullable(),
  changedParts: z.array(ChangedPartSchema),
  /** e.g. "onnxruntime 1.29.0 → 1.30.0: p50 +14.0 % [CI +11.2 %, +16.9 %]". */
  summary: z.string(),
  measuredAt: z.string(),
  /** Webhook delivery (regressions only; null = not delivered yet, or no webhook). */
  notifiedAt: z.string().nullable(),
});
export type Change = z.infer<typeof ChangeSchema>;

export const ChangeQuerySchema = z.object({
  kind: ChangeKindSchema.optional(),
  modelId: IdSchema.optional(),
  hardwareClassId: IdSchema.optional(),
  settingsKey: z.string().min(1).max(LIMITS.text).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type ChangeQuery = z.infer<typeof ChangeQuerySchema>;

export const SeriesQuerySchema = z.object({
  modelId: IdSchema,
  hardwareClassId: IdSchema,
  settingsKey: z.string().min(1).max(LIMITS.text),
});
export type SeriesQuery = z.infer<typeof SeriesQuerySchema>;

export const SeriesPointSchema = z.object({
  resultId: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  measuredAt: z.string(),
  /** Flagged results (busy, throttled, …) are drawn but never compared. */
  valid: z.boolean(),
  /** The series' metric (p50 ms, images/s or top-1) with its interval, when the result has one. */
  value: z.number(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  fingerprint: SoftwareFingerprintPartsSchema,
});
export type SeriesPoint = z.infer<typeof SeriesPointSchema>;

export const SeriesSchema = z.object({
  metric: ChangeMetricSchema,
  modelName: z.string(),
  hardwareClassName: z.string(),
  settingsKey: z.string(),
  /** Oldest first; at most the newest 2000 results. */
  points: z.array(SeriesPointSchema),
  changes: z.array(ChangeSchema),
});
export type Series = z.infer<typeof SeriesSchema>;

/** The webhook as an admin sets it: an http(s) URL and an optional secret that signs each call (HMAC-SHA256). */
export const WebhookSettingRequestSchema = z.object({
  url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).max(2000),
  secret: z.string().min(16, 'a secret has at least 16 characters').max(256).optional(),
});
export type WebhookSettingRequest = z.infer<typeof WebhookSettingRequestSchema>;

export const WebhookSettingSchema = z.object({
  url: z.string().nullable(),
  /** Whether a secret is set; the secret itself is never returned. */
  secretSet: z.boolean(),
  updatedAt: z.string().nullable(),
});
export type WebhookSetting = z.infer<typeof WebhookSettingSchema>;

/** The body POSTed to the webhook for each regression. Header `x-fleetbench-signature: sha256=<hex HMAC of body>`. */
export const RegressionWebhookPayloadSchema = z.object({
  event: z.literal('regression'),
  change: ChangeSchema,
});
export type RegressionWebhookPayload = z.infer<typeof RegressionWebhookPayloadSchema>;
