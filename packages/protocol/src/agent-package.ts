import { z } from 'zod';
import { API_PREFIX } from './rest';
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

export const agentPackagePaths = {
  /** GET (public): the packages this hub holds, newest first. */
  packages: `${API_PREFIX}/agent/packages`,
  /** GET (public): one package's description; `latest` names the newest. */
  package: (version: string) => `${API_PREFIX}/agent/packages/${encodeURIComponent(version)}`,
  /** GET (public): the package's bytes (`?version=`, default the newest); ETag = sha256. */
  download: `${API_PREFIX}/agent/package`,
  /** GET (public): the device install script with this hub's URL filled in. */
  installScript: `${API_PREFIX}/agent/install.sh`,
} as const;
