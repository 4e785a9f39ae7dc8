import { z } from 'zod';
import { API_PREFIX, DeviceSelectorSchema } from './rest';
import { Sha256Schema } from './version';

/** An agent package version: what the build names it (`0.1.0-1a2b3c4d`) or a release (`0.2.0`). Safe in paths. */
export const AgentVersionSchema = z
  .string()
  .regex(/^[0-9A-Za-z][0-9A-Za-z.-]{0,63}$/, 'letters, digits, dots and dashes, starting with a letter or digit');

/** One installable agent package the hub serves (built by `npm run build` into dist/agent-package). */
export const AgentPackageSchema = z.object({
  version: AgentVersionSchema,
  sha256: Sha256Schema,
  sizeBytes: z.number().int().nonnegative(),
  /** Node.js range the package needs. */
  node: z.string(),
  /** The only dependencies installed on the device (native parts, per architecture), with exact versions. */
  nativeDependencies: z.record(z.string(), z.string()),
  /** When this hub first stored it. */
  addedAt: z.string(),
  /** The version the hub's install script installs by default (the newest build). */
  latest: z.boolean(),
});
export type AgentPackage = z.infer<typeof AgentPackageSchema>;

export const RolloutTargetStateSchema = z.enum(['pending', 'sent', 'succeeded', 'rolled-back', 'failed']);
export type RolloutTargetState = z.infer<typeof RolloutTargetStateSchema>;

export const CreateRolloutRequestSchema = z.object({
  /** A version the hub holds (GET /api/v1/agent/packages), or `latest`. */
  version: z.string().min(1).max(64),
  devices: DeviceSelectorSchema,
  /** How long an upgraded agent has to come back online before it switches back to its previous version. */
  confirmWithinMs: z
    .number()
    .int()
    .min(5_000)
    .max(3600_000)
    .default(5 * 60_000),
});
export type CreateRolloutRequest = z.input<typeof CreateRolloutRequestSchema>;

export const RolloutTargetSchema = z.object({
  deviceId: z.string(),
  deviceName: z.string(),
  fromVersion: z.string(),
  state: RolloutTargetStateSchema,
  message: z.string().nullable(),
  updatedAt: z.string(),
});
export type RolloutTarget = z.infer<typeof RolloutTargetSchema>;

export const RolloutSchema = z.object({
  id: z.string(),
  version: AgentVersionSchema,
  sha256: Sha256Schema,
  createdAt: z.string(),
  confirmWithinMs: z.number().int(),
  /** active while a target is pending or sent; then done. */
  state: z.enum(['active', 'done']),
  counts: z.record(RolloutTargetStateSchema, z.number().int()),
  targets: z.array(RolloutTargetSchema),
});
export type Rollout = z.infer<typeof RolloutSchema>;

/** Agent → hub (agent credentials as HTTP Basic): how an upgrade ended on the device. */
export const RolloutReportSchema = z.object({
  rolloutId: z.string().min(1).max(64),
  version: AgentVersionSchema,
  outcome: z.enum(['succeeded', 'rolled-back', 'failed']),
  /** The version the agent runs now. */
  runningVersion: z.string().max(64),
  message: z.string().max(2000).nullable().default(null),
});
export type RolloutReport = z.infer<typeof RolloutReportSchema>;

export const agentPackagePaths = {
  /** GET (public): the packages this hub holds, newest first. */
  packages: `${API_PREFIX}/agent/packages`,
  /** GET (public): one package's description; `latest` names the newest. */
  package: (version: string) => `${API_PREFIX}/agent/packages/${encodeURIComponent(version)}`,
  /** GET (public): the package's bytes (`?version=`, default the newest); ETag = sha256. */
  download: `${API_PREFIX}/agent/package`,
  /** GET (public): the device install script with this hub's URL filled in. */
  installScript: `${API_PREFIX}/agent/install.sh`,
  /** POST (API token): roll a version out to a device selector; GET: the rollouts, newest first. */
  rollouts: `${API_PREFIX}/agent/rollouts`,
  rollout: (id: string) => `${API_PREFIX}/agent/rollouts/${encodeURIComponent(id)}`,
  /** POST (agent credentials): the outcome of an upgrade. */
  rolloutReport: `${API_PREFIX}/agent/rollouts/report`,
} as const;
