/**
 * A whole hub for medium tests: a fresh database on the real PostgreSQL, embedded broker on a free port, HTTP on a
 * free port, and a small REST helper that sends the admin token.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { createLogger, type Logger } from '../logger';
import { createHub, type Hub } from '../main';
import { SHARED_DATA } from '../../../../test/support/shared-data';
import { createTestDatabase } from './database';

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface MediumHub {
  readonly hub: Hub;
  readonly db: Awaited<ReturnType<typeof createTestDatabase>>;
  readonly dataDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** JSON (or raw bytes for Uint8Array bodies) with the admin token; the body is parsed when it is JSON. */
  api<T = any>(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** `opts.logger`: the hub's logger (default: silent, or TEST_LOG_LEVEL to stdout); `opts.env`: extra hub environment
 *  variables (config.ts), on top of the harness's own, read at `start()`. */
export function mediumHub(adminToken: string, opts: { logger?: Logger; env?: Record<string, string> } = {}): MediumHub {
  let hub: Hub | undefined;
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let dataDir = '';
  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`medium hub not started (${what})`);
    return v;
  };
  return {
    get hub() {
      return started(hub, 'hub');
    },
    get db() {
      return started(db, 'db');
    },
    get dataDir() {
      return dataDir;
    },
    async start() {
      db = await createTestDatabase();
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-hub-'));
      const config = loadConfig({
        DATABASE_URL: db.url,
        FLEETBENCH_DATA_DIR: dataDir,
        FLEETBENCH_HUB_PORT: '0',
        FLEETBENCH_HUB_HOST: '127.0.0.1',
        FLEETBENCH_MQTT_PORT: '0',
        FLEETBENCH_ADMIN_TOKEN: adminToken,
        // Tests register the shared sample models and their own temporary folders by path.
        FLEETBENCH_REGISTER_DIRS: [SHARED_DATA, os.tmpdir()].join(path.delimiter),
        ...opts.env,
      });
      hub = await createHub(config, {
        logger: opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
        leaseSweeper: false,
      });
    },
    async stop() {
      await hub?.close();
      await db?.drop();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
    async api(method, p, body, headers = {}) {
      const raw = body instanceof Uint8Array;
      const res = await fetch(started(hub, 'api').url + p, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : raw ? (body as Uint8Array) : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
  };
}

/** Polls `fn` until it returns something truthy. */
export async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
