import { z } from 'zod';
import { CreateCampaignRequestSchema } from './rest';

// Scheduled campaigns (issue 13): a campaign request repeated on a cron schedule, beside `apiPaths`.

export const schedulePaths = {
  /** GET (viewer) lists, POST (operator) creates. */
  schedules: '/api/v1/campaign-schedules',
  /** PATCH (operator) changes name, cron, time zone or enabled; DELETE (operator) removes. */
  schedule: (id: string) => `/api/v1/campaign-schedules/${encodeURIComponent(id)}`,
} as const;

const CronSchema = z
  .string()
  .trim()
  .min(9)
  .max(120)
  .describe('five fields (minute hour day-of-month month day-of-week) or six (seconds first), as cron-parser reads');
const TimeZoneSchema = z.string().min(1).max(64).describe('IANA time zone the cron fields are read in');

export const CreateScheduleRequestSchema = z.object({
  name: z.string().min(1).max(200),
  cron: CronSchema,
  timezone: TimeZoneSchema.default('UTC'),
  enabled: z.boolean().default(true),
  /** The campaign each tick starts (its name gets the tick's time appended). */
  campaign: CreateCampaignRequestSchema,
});
export type CreateScheduleRequest = z.infer<typeof CreateScheduleRequestSchema>;
export type CreateScheduleRequestInput = z.input<typeof CreateScheduleRequestSchema>;

export const UpdateScheduleRequestSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    cron: CronSchema.optional(),
    timezone: TimeZoneSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((u) => Object.keys(u).length > 0, { message: 'change at least one of name, cron, timezone, enabled' });
export type UpdateScheduleRequest = z.infer<typeof UpdateScheduleRequestSchema>;

export const ScheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  campaign: CreateCampaignRequestSchema,
  /** The next tick (null while disabled). */
  nextRunAt: z.string().nullable(),
  lastTickAt: z.string().nullable(),
  lastCampaignId: z.string().nullable(),
  /** e.g. "started", "skipped: the previous run (…) is still running", "failed: …". */
  lastOutcome: z.string().nullable(),
  createdAt: z.string(),
});
export type Schedule = z.infer<typeof ScheduleSchema>;
