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

const NUL = new Error('NUL character');
/** One decoder for every payload (stateless without `stream`); a new one per message showed in the hub's profile. */
const UTF8 = new TextDecoder();
/** `\u0000` as a JSON escape (not preceded by an odd number of backslashes, which would make it literal text). */
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * No protocol string may hold U+0000: PostgreSQL refuses it in text and JSON columns alike. Checked on the text (a raw
 * NUL byte or its JSON escape), not with a JSON.parse reviver, to keep the ingest path's parse at full speed.
 */
function holdsNul(text: string): boolean {
  return text.includes('\0') || (text.includes('\\u0000') && NUL_ESCAPE.test(text));
}

/** Parses raw MQTT bytes for a channel: JSON first, then the schema. Never throws. */
export function decodePayload<C extends AgentChannel>(
  channel: C,
  payload: Buffer | Uint8Array | string,
): DecodeResult<ChannelPayload<C>> {
  let json: unknown;
  try {
    const text = typeof payload === 'string' ? payload : UTF8.decode(payload);
    if (holdsNul(text)) throw NUL;
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      error: `${channel}: ${err === NUL ? 'a string holds a NUL character' : 'payload is not valid JSON'}`,
    };
  }
  const parsed = CHANNEL_SCHEMAS[channel].safeParse(json);
  if (!parsed.success) return { ok: false, error: `${channel}: ${formatZodError(parsed.error)}` };
  return { ok: true, value: parsed.data as ChannelPayload<C> };
}

/** One line listing every problem, e.g. `metrics.latencyMs.p50: expected number`. */
export function formatZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
