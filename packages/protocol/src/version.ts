import { z } from 'zod';

/** Schema major carried as `v` in every payload; a different major is rejected, unknown keys are ignored. */
export const PROTOCOL_MAJOR = 1 as const;

export const VersionSchema = z
  .number()
  .int()
  .refine((v) => v === PROTOCOL_MAJOR, { message: `unsupported schema major (this build speaks v${PROTOCOL_MAJOR})` });

export const IsoTimestampSchema = z.iso.datetime({ offset: true });
export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
/** Agent ids double as MQTT usernames and topic segments, so they exclude MQTT wildcards and separators. */
export const AgentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'agent ids use letters, digits, _ and - (3-64)');
export const UlidSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'expected a ULID');
