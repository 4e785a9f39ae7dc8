import { z } from 'zod';
import { VerdictSchema } from './messages';
import {
  CampaignSchema,
  DeviceSchema,
  JobSchema,
  ModelSchema,
  TelemetrySampleSchema,
  ZooRegistrationTaskSchema,
} from './rest';

// ---- live events (socket.io, hub → dashboard) ---------------------------------------------------------------------
// One table from event name to payload schema: the hub emits through it (EventRepository) and the dashboard
// subscribes through it (useHubEvent), so both sides agree on every shape.

/** `device.telemetry`: the sample a device just reported. */
export const DeviceTelemetryEventSchema = z.object({ id: z.string(), telemetry: TelemetrySampleSchema });
export type DeviceTelemetryEvent = z.infer<typeof DeviceTelemetryEventSchema>;

/**
 * One new result as live views see it: what they need to place it (ids, model, device, class, comparability key,
 * headline figures, verdict). Not the whole result: the histogram and environment stay on GET results/:id.
 */
export const ResultCreatedEventSchema = z.object({
  id: z.string(),
  jobId: z.string(),
  campaignId: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  hardwareClassId: z.string(),
  settingsKey: z.string(),
  p50Ms: z.number(),
  throughputIps: z.number(),
  /** Accuracy runs only; null for latency and throughput runs. */
  top1: z.number().nullable(),
  verdictStatus: VerdictSchema.shape.status,
  measuredAt: z.string(),
});
export type ResultCreatedEvent = z.infer<typeof ResultCreatedEventSchema>;

/**
 * `results.created`: the results one ingest batch stored, in arrival order. One event per batch rather than one per
 * result: at thousands of results a second, a broadcast per result cost the hub as much as storing it.
 */
export const ResultsCreatedEventSchema = z.object({ results: z.array(ResultCreatedEventSchema).min(1) });
export type ResultsCreatedEvent = z.infer<typeof ResultsCreatedEventSchema>;

export const HUB_EVENT_SCHEMAS = {
  'device.updated': DeviceSchema,
  /** A device was revoked (DELETE /devices/:id): the Device with `revokedAt`. */
  'device.revoked': DeviceSchema,
  'device.telemetry': DeviceTelemetryEventSchema,
  'model.created': ModelSchema,
  /** Progress of a zoo registration task (without the registered models; GET the task for those). */
  'zoo.task.updated': ZooRegistrationTaskSchema.omit({ models: true }),
  'campaign.created': CampaignSchema,
  'campaign.updated': CampaignSchema,
  'job.updated': JobSchema,
  'results.created': ResultsCreatedEventSchema,
} as const;

export type HubEvent = keyof typeof HUB_EVENT_SCHEMAS;
/** Socket.io events the hub emits; every payload carries the `id` of the changed entity (`results.created`: each). */
export const HUB_EVENTS = Object.keys(HUB_EVENT_SCHEMAS) as HubEvent[];
export type HubEventPayloads = { [E in HubEvent]: z.infer<(typeof HUB_EVENT_SCHEMAS)[E]> };

/** A received payload checked against its event's schema: the typed payload, or null when it does not match. */
export function parseHubEvent<E extends HubEvent>(event: E, payload: unknown): HubEventPayloads[E] | null {
  const r = HUB_EVENT_SCHEMAS[event].safeParse(payload);
  return r.success ? (r.data as HubEventPayloads[E]) : null;
}
