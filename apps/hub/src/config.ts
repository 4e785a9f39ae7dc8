import path from 'node:path';
import { z } from 'zod';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const port = z.coerce.number().int().min(0).max(65535);
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

/** Every environment variable the hub reads (docs/CONTRACTS.md). Empty strings count as unset. */
const EnvSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  MQTT_URL: url(['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  FLEETBENCH_MQTT_DYNSEC: flag.optional(),
  FLEETBENCH_MQTT_PUBLIC_URL: url(['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']).optional(),
  FLEETBENCH_ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  FLEETBENCH_BROKER_HOOK_SECRET: z.string().min(16, 'use at least 16 characters').optional(),
  /** Key for secrets the hub stores encrypted (webhook signing keys); the same on every replica. */
  FLEETBENCH_SECRETS_KEY: z.string().min(32, 'use at least 32 characters').optional(),
  FLEETBENCH_EMQX_API_URL: url(['http:', 'https:']).optional(),
  FLEETBENCH_EMQX_API_KEY: z.string().min(1).optional(),
  FLEETBENCH_EMQX_API_SECRET: z.string().min(1).optional(),
  FLEETBENCH_DATA_DIR: z.string().min(1).default('.fleetbench/hub'),
  FLEETBENCH_PUBLIC_URL: url(['http:', 'https:']).optional(),
  FLEETBENCH_AGENT_PACKAGE_DIR: z.string().min(1).optional(),
  FLEETBENCH_HUB_PORT: port.default(4000),
  FLEETBENCH_HUB_HOST: z.string().min(1).default('0.0.0.0'),
  FLEETBENCH_MQTT_PORT: port.default(1883),
  /** PEM certificate chain and private key: the hub serves HTTPS and its embedded broker MQTT over TLS. */
  FLEETBENCH_TLS_CERT: z.string().min(1).optional(),
  FLEETBENCH_TLS_KEY: z.string().min(1).optional(),
  /** Folders (separated like PATH) whose files the admin may register by path; unset = registration by path is off. */
  FLEETBENCH_REGISTER_DIRS: z.string().optional(),
  /** Browser origins (comma-separated, e.g. https://dashboard.example.com) allowed to call the API cross-origin. */
  FLEETBENCH_CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (list) =>
        list.every((o) => {
          try {
            const u = new URL(o);
            return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.replace(/\/$/, '');
          } catch {
            return false;
          }
        }),
      'expected comma-separated origins such as https://dashboard.example.com (scheme, host, optional port; no path)',
    )
    .optional(),
  /** Telemetry history keeps at most one sample per device per this many seconds; 0 = every sample. */
  FLEETBENCH_TELEMETRY_SAMPLE_S: z.coerce.number().min(0).max(86_400).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface HubConfig {
  databaseUrl: string | null;
  mqttUrl: string | null;
  /** socket.io's Redis adapter (several hub replicas); null = in-memory adapter (one hub). */
  redisUrl: string | null;
  mqttDynsec: boolean;
  mqttPublicUrl: string | null;
  adminToken: string | null;
  /** Shared secret EMQX sends to the hub's broker hooks (`x-fleetbench-hook-secret`); null = hooks disabled. */
  brokerHookSecret: string | null;
  /** Unset: a random key is kept in `<dataDir>/secrets.key`. */
  secretsKey: string | null;
  /** EMQX's REST API (an API key), so revoking a device also disconnects its live session; null = not used. */
  emqxApi: { url: string; key: string; secret: string } | null;
  dataDir: string;
  publicUrl: string | null;
  /** Where `npm run build` leaves the agent package (dist/agent-package); imported into the data folder at start. */
  agentPackageDir: string;
  port: number;
  host: string;
  mqttPort: number;
  logLevel: string;
  /** Certificate and key files (PEM) for HTTPS and MQTT over TLS; null = plain HTTP and MQTT. */
  tls: { certFile: string; keyFile: string } | null;
  /** Absolute folders whose files (and sub-folders) the admin may register models and datasets from by path. */
  registerDirs: string[];
  /** Origins (the dashboard's) allowed cross-origin; empty = no CORS headers at all. */
  corsOrigins: string[];
  /**
   * Telemetry history (TelemetrySample) keeps at most one sample per device per this many seconds; the device's latest
   * sample, its "last seen" and the live view still follow every message. 0 = every sample is kept.
   */
  telemetrySampleS: number;
  /** Upper bound of a model upload. */
  maxUploadBytes: number;
  /** How often expired job leases are swept. */
  leaseSweepMs: number;
  /** Extra time past a job's timeout before its lease expires (download + startup). */
  leaseGraceMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid hub configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = EnvSchema.safeParse(cleaned);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = r.data;
  const emqx = [e.FLEETBENCH_EMQX_API_URL, e.FLEETBENCH_EMQX_API_KEY, e.FLEETBENCH_EMQX_API_SECRET];
  const emqxProblems = [
    ...(emqx.some(Boolean) && !emqx.every(Boolean)
      ? [
          'FLEETBENCH_EMQX_API_URL, FLEETBENCH_EMQX_API_KEY and FLEETBENCH_EMQX_API_SECRET: set all three (an EMQX API key) or none',
        ]
      : []),
    ...(e.FLEETBENCH_EMQX_API_URL && !e.MQTT_URL
      ? ['FLEETBENCH_EMQX_API_URL: needs MQTT_URL (the EMQX broker the hub connects to)']
      : []),
    ...(!!e.FLEETBENCH_TLS_CERT !== !!e.FLEETBENCH_TLS_KEY
      ? ['FLEETBENCH_TLS_CERT, FLEETBENCH_TLS_KEY: set both (certificate chain and its private key, PEM files) or none']
      : []),
    ...(e.FLEETBENCH_EMQX_API_URL && e.FLEETBENCH_MQTT_DYNSEC
      ? ['FLEETBENCH_EMQX_API_URL: the broker is either EMQX or Mosquitto with FLEETBENCH_MQTT_DYNSEC, not both']
      : []),
  ];
  if (emqxProblems.length) throw new ConfigError(emqxProblems);
  return {
    databaseUrl: e.DATABASE_URL ?? null,
    mqttUrl: e.MQTT_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    mqttDynsec: e.MQTT_URL ? (e.FLEETBENCH_MQTT_DYNSEC ?? false) : false,
    mqttPublicUrl: e.FLEETBENCH_MQTT_PUBLIC_URL ?? null,
    adminToken: e.FLEETBENCH_ADMIN_TOKEN ?? null,
    brokerHookSecret: e.FLEETBENCH_BROKER_HOOK_SECRET ?? null,
    secretsKey: e.FLEETBENCH_SECRETS_KEY ?? null,
    emqxApi:
      e.FLEETBENCH_EMQX_API_URL && e.FLEETBENCH_EMQX_API_KEY && e.FLEETBENCH_EMQX_API_SECRET
        ? { url: e.FLEETBENCH_EMQX_API_URL, key: e.FLEETBENCH_EMQX_API_KEY, secret: e.FLEETBENCH_EMQX_API_SECRET }
        : null,
    dataDir: path.resolve(e.FLEETBENCH_DATA_DIR),
    publicUrl: e.FLEETBENCH_PUBLIC_URL ?? null,
    agentPackageDir: path.resolve(
      e.FLEETBENCH_AGENT_PACKAGE_DIR ?? path.join(__dirname, '../../../dist/agent-package'),
    ),
    port: e.FLEETBENCH_HUB_PORT,
    host: e.FLEETBENCH_HUB_HOST,
    mqttPort: e.FLEETBENCH_MQTT_PORT,
    logLevel: e.LOG_LEVEL,
    tls:
      e.FLEETBENCH_TLS_CERT && e.FLEETBENCH_TLS_KEY
        ? { certFile: path.resolve(e.FLEETBENCH_TLS_CERT), keyFile: path.resolve(e.FLEETBENCH_TLS_KEY) }
        : null,
    registerDirs: (e.FLEETBENCH_REGISTER_DIRS ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.resolve(d)),
    corsOrigins: (e.FLEETBENCH_CORS_ORIGINS ?? []).map((o) => o.replace(/\/$/, '')),
    telemetrySampleS: e.FLEETBENCH_TELEMETRY_SAMPLE_S,
    maxUploadBytes: 2 * 1024 ** 3,
    leaseSweepMs: 5_000,
    leaseGraceMs: 5 * 60_000,
  };
}

/** `mqtt://user:pass@host` → `mqtt://host` (what agents are told). */
export function stripCredentials(u: string): string {
  const parsed = new URL(u);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}
