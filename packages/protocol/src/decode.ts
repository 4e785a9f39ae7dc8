import { z } from 'zod';
import { HardwareMessageSchema } from './hardware';
import {
  JobEventMessageSchema,
  JobsTopicMessageSchema,
  ResultMessageSchema,
  StatusMessageSchema,
  TelemetryMessageSchema,
} from './messages';
import type { AgentChannel } from './topics';

/** One typed map from topic channel to payload schema. */
export const CHANNEL_SCHEMAS = {
  status: StatusMessageSchema,
  hardware: HardwareMessageSchema,
  telemetry: TelemetryMessageSchema,
  jobs: JobsTopicMessageSchema,
  events: JobEventMessageSchema,
  results: ResultMessageSchema,
} as const satisfies Record<AgentChannel, z.ZodType>;

export type ChannelPayload<C extends AgentChannel> = z.infer<(typeof CHANNEL_SCHEMAS)[C]>;

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses raw MQTT bytes for a channel: JSON first, then the schema. Never throws. */
export function decodePayload<C extends AgentChannel>(
  channel: C,
  payload: Buffer | Uint8Array | string,
): DecodeResult<ChannelPayload<C>> {
  let json: unknown;
  try {
    const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `${channel}: payload is not valid JSON` };
  }
  const parsed = CHANNEL_SCHEMAS[channel].safeParse(json);
  if (!parsed.success) return { ok: false, error: `${channel}: ${formatZodError(parsed.error)}` };
  return { ok: true, value: parsed.data as ChannelPayload<C> };
}

/** One line listing every problem, e.g. `metrics.latencyMs.p50: expected number`. */
export function formatZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
