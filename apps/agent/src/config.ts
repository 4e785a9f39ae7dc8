import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { AgentIdSchema, formatZodError } from '@fleetbench/protocol';
import { writeFileAtomic } from './util/atomic-file';

/** The agent's config file (JSON, mode 0600), written by `enroll` and read by `run`. */
export const AgentConfigFileSchema = z.object({
  hubUrl: z.string().regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL such as http://hub.local:4000'),
  agentId: AgentIdSchema,
  name: z.string().min(1),
  mqtt: z.object({
    url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, 'expected a broker URL such as mqtt://hub.local:1883'),
    username: z.string().min(1),
    password: z.string().min(1),
  }),
  dataDir: z.string().min(1).optional(),
  tags: z.array(z.string()).optional(),
  /** Seconds between telemetry samples. */
  telemetryIntervalS: z.number().positive().max(86_400).optional(),
  /** Size cap of the artifact cache (models and datasets), GiB; least recently used entries go first. */
  cacheMaxGiB: z.number().positive().optional(),
  /** GFLOP/s of the float32 GEMM probe measured at enrollment (also sent to the hub with the hardware). */
  peakGflops: z.number().positive().optional(),
});
export type AgentConfigFile = z.infer<typeof AgentConfigFileSchema>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every environment variable the agent reads; nothing else reads process.env. */
export const AgentEnvSchema = z.object({
  FLEETBENCH_AGENT_CONFIG: z.string().min(1).optional(),
  FLEETBENCH_AGENT_DATA_DIR: z.string().min(1).optional(),
  FLEETBENCH_AGENT_TELEMETRY_INTERVAL_S: z.coerce.number().positive().max(86_400).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});
export type AgentEnv = z.infer<typeof AgentEnvSchema>;

export interface AgentConfig {
  configPath: string;
  hubUrl: string;
  agentId: string;
  name: string;
  mqtt: { url: string; username: string; password: string };
  dataDir: string;
  tags: string[];
  telemetryIntervalMs: number;
  logLevel: AgentEnv['LOG_LEVEL'];
  /** Artifact cache cap in bytes (absent: DEFAULT_CACHE_MAX_BYTES). */
  cacheMaxBytes?: number;
  peakGflops?: number;
}

export const DEFAULT_CACHE_MAX_BYTES = 10 * 2 ** 30;

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    readonly hint: string,
  ) {
    super(`The agent configuration is not usable:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${hint}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG_PATH = path.join(os.homedir(), '.config', 'fleetbench', 'agent.json');
export const DEFAULT_DATA_DIR = path.join(os.homedir(), '.local', 'share', 'fleetbench');
export const DEFAULT_TELEMETRY_INTERVAL_S = 30;

export function parseEnv(env: NodeJS.ProcessEnv = process.env): AgentEnv {
  const picked = Object.fromEntries(
    Object.keys(AgentEnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = AgentEnvSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `environment ${i.path.join('.')}: ${i.message}`),
      'Fix or unset these environment variables and start again.',
    );
  }
  return parsed.data;
}

/** `--config` wins over FLEETBENCH_AGENT_CONFIG, which wins over the default path. */
export function resolveConfigPath(flag: string | undefined, env: AgentEnv): string {
  return path.resolve(flag ?? env.FLEETBENCH_AGENT_CONFIG ?? DEFAULT_CONFIG_PATH);
}

export function resolveDataDir(file: Pick<AgentConfigFile, 'dataDir'> | undefined, env: AgentEnv): string {
  return path.resolve(env.FLEETBENCH_AGENT_DATA_DIR ?? file?.dataDir ?? DEFAULT_DATA_DIR);
}

/** Reads and validates the config file plus the environment, reporting every problem at once. */
export async function loadAgentConfig(
  opts: { configFlag?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<AgentConfig> {
  const env = parseEnv(opts.env ?? process.env);
  const configPath = resolveConfigPath(opts.configFlag, env);
  const enrollHint = `Enroll this device first: fleetbench-agent enroll --hub URL --token TOKEN --config ${configPath}`;
  let text: string;
  try {
    text = await fs.readFile(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError([`${configPath} does not exist`], enrollHint);
    throw new ConfigError([`${configPath} cannot be read (${code ?? String(err)})`], 'Check the file permissions.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      [`${configPath} is not valid JSON (${(err as Error).message})`],
      `Repair the file or ${enrollHint.charAt(0).toLowerCase()}${enrollHint.slice(1)}`,
    );
  }
  const parsed = AgentConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${configPath}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
      `Repair these fields or enroll again: fleetbench-agent enroll --hub URL --token TOKEN --config ${configPath}`,
    );
  }
  const file = parsed.data;
  return {
    configPath,
    hubUrl: file.hubUrl.replace(/\/+$/, ''),
    agentId: file.agentId,
    name: file.name,
    mqtt: file.mqtt,
    dataDir: resolveDataDir(file, env),
    tags: file.tags ?? [],
    telemetryIntervalMs: Math.round(
      (env.FLEETBENCH_AGENT_TELEMETRY_INTERVAL_S ?? file.telemetryIntervalS ?? DEFAULT_TELEMETRY_INTERVAL_S) * 1000,
    ),
    logLevel: env.LOG_LEVEL,
    ...(file.cacheMaxGiB ? { cacheMaxBytes: Math.round(file.cacheMaxGiB * 2 ** 30) } : {}),
    ...(file.peakGflops ? { peakGflops: file.peakGflops } : {}),
  };
}

/** Writes the config atomically with mode 0600 (it holds the broker password). */
export async function saveAgentConfig(configPath: string, file: AgentConfigFile): Promise<void> {
  const checked = AgentConfigFileSchema.parse(file);
  await fs.mkdir(path.dirname(configPath), { recursive: true, mode: 0o700 });
  await writeFileAtomic(configPath, `${JSON.stringify(checked, null, 2)}\n`, 0o600);
}

export { formatZodError };
