import { z } from 'zod';

/** Schema major carried as `v` in every payload; a different major is rejected, unknown keys are ignored. */
export const PROTOCOL_MAJOR = 1 as const;

export const VersionSchema = z
  .number()
  .int()
  .refine((v) => v === PROTOCOL_MAJOR, { message: `unsupported schema major (this build speaks v${PROTOCOL_MAJOR})` });

export const IsoTimestampSchema = z.iso.datetime({ offset: true });

/**
 * Length limits of protocol strings and arrays: nothing a device or an API client sends is unbounded (the broker's
 * max_packet_size bounds a whole MQTT message; these bound each field, so no field can hold a megabyte).
 */
export const LIMITS = {
  /** Ids of jobs, devices, models, campaigns (cuid / ULID / agent id). */
  id: 128,
  /** Version strings, execution providers, codes, phases. */
  short: 64,
  /** Names, labels, hardware descriptions. */
  text: 256,
  /** Sentences for people (error messages, verdict details). */
  message: 2000,
  /** File system paths on the hub. */
  path: 4096,
  /** Compressed base64 HDR histogram of a result (the agent's are a few kB). */
  histogram: 256 * 1024,
} as const;

/** A non-empty id as the protocol carries it. */
export const IdSchema = z.string().min(1).max(LIMITS.id);
export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
/** Agent ids double as MQTT usernames and topic segments, so they exclude MQTT wildcards and separators. */
export const AgentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'agent ids use letters, digits, _ and - (3-64)');
export const UlidSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'expected a ULID');
