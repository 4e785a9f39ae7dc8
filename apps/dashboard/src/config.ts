import { z } from 'zod';

/**
 * Dashboard configuration, read from the environment on the server (never shipped to the browser as a whole).
 *
 * - `FLEETBENCH_HUB_URL`        base URL the dashboard *server* uses for the hub REST API (default http://127.0.0.1:4000)
 * - `FLEETBENCH_HUB_PUBLIC_URL` base URL the *browser* uses for socket.io (default: FLEETBENCH_HUB_URL)
 * - `FLEETBENCH_HUB_TIMEOUT_MS` timeout of one REST call to the hub (default 5000)
 * - `FLEETBENCH_COOKIE_SECURE`  `1`/`0` forces the Secure flag of the session cookie; unset → Secure when the request
 *                               came over https (x-forwarded-proto)
 * - `PORT` / `FLEETBENCH_DASHBOARD_PORT` port of `next start` (default 3000; see package.json scripts)
 */
const UrlSchema = z
  .string()
  .trim()
  .url()
  .transform((u) => u.replace(/\/+$/, ''));

const EnvSchema = z.object({
  FLEETBENCH_HUB_URL: UrlSchema.default('http://127.0.0.1:4000'),
  FLEETBENCH_HUB_PUBLIC_URL: UrlSchema.optional(),
  FLEETBENCH_HUB_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  FLEETBENCH_COOKIE_SECURE: z.enum(['0', '1']).optional(),
});

export interface DashboardConfig {
  hubUrl: string;
  hubPublicUrl: string;
  hubTimeoutMs: number;
  cookieSecure: boolean | 'auto';
}

export function parseConfig(env: Record<string, string | undefined>): DashboardConfig {
  // Treat empty strings as unset so `FLEETBENCH_HUB_PUBLIC_URL=` behaves like an absent variable.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid dashboard configuration: ${issues}`);
  }
  const e = parsed.data;
  return {
    hubUrl: e.FLEETBENCH_HUB_URL,
    hubPublicUrl: e.FLEETBENCH_HUB_PUBLIC_URL ?? e.FLEETBENCH_HUB_URL,
    hubTimeoutMs: e.FLEETBENCH_HUB_TIMEOUT_MS,
    cookieSecure: e.FLEETBENCH_COOKIE_SECURE === undefined ? 'auto' : e.FLEETBENCH_COOKIE_SECURE === '1',
  };
}

/** Read at request time (not at build time), so one build serves any hub. */
export function getConfig(): DashboardConfig {
  return parseConfig(process.env);
}
