// Starts the real apps as child processes for end-to-end tests and collects their output for failure messages.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LeaderboardIndexEntry, LeaderboardRow } from '@fleetbench/protocol';
import { SHARED_DATA } from './shared-data';

export { SHARED_DATA };

export const ROOT = path.resolve(__dirname, '../..');
export const AGENT_BIN = path.join(ROOT, 'apps/agent/bin/fleetbench-agent.js');

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `fleetbench-${prefix}-`));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function startProcess(name: string, args: string[], env: Record<string, string>, cwd = ROOT): ManagedProcess {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`,
  );
}

export async function api<T = any>(
  baseUrl: string,
  token: string | null,
  method: string,
  p: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${baseUrl}${p}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Every leaderboard row of the hub, one class at a time (the hub answers one hardware class per request). */
export async function allLeaderboardRows(baseUrl: string, token: string): Promise<LeaderboardRow[]> {
  const index = await api<LeaderboardIndexEntry[]>(baseUrl, token, 'GET', '/api/v1/leaderboard/index');
  const classes = [...new Set(index.map((e) => e.hardwareClassId))];
  const rows = await Promise.all(
    classes.map((c) =>
      api<LeaderboardRow[]>(baseUrl, token, 'GET', `/api/v1/leaderboard?hardwareClassId=${encodeURIComponent(c)}`),
    ),
  );
  return rows.flat();
}

export interface HubProcess extends ManagedProcess {
  url: string;
  token: string;
}

export async function startHub(env: Record<string, string>): Promise<HubProcess> {
  const port = await freePort();
  const token = `fb_test_${randomBytes(16).toString('hex')}`;
  const dataDir = tempDir('hub');
  const proc = startProcess('hub', [path.join(ROOT, 'apps/hub/dist/main.js')], {
    FLEETBENCH_HUB_PORT: String(port),
    FLEETBENCH_HUB_HOST: '127.0.0.1',
    FLEETBENCH_ADMIN_TOKEN: token,
    FLEETBENCH_DATA_DIR: dataDir,
    FLEETBENCH_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // Tests register the shared sample models and their own temporary folders by path.
    FLEETBENCH_REGISTER_DIRS: [SHARED_DATA, os.tmpdir()].join(path.delimiter),
    LOG_LEVEL: 'info',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the hub to become healthy',
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`hub exited:\n${proc.output().slice(-4000)}`);
      const h = await api(url, null, 'GET', '/api/v1/health');
      return h.status === 'ok';
    },
    90_000,
  );
  return { ...proc, url, token };
}

/** Runs `fleetbench-agent enroll` and returns the config path of the new agent. */
export function enrollAgent(hubUrl: string, enrollmentToken: string, name: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'agent.json');
  const res = spawnSync(
    process.execPath,
    [AGENT_BIN, 'enroll', '--hub', hubUrl, '--token', enrollmentToken, '--name', name, '--config', config],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } },
  );
  if (res.status !== 0) throw new Error(`enroll ${name} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return config;
}

export function startAgent(name: string, config: string, dataDir: string): ManagedProcess {
  return startProcess(`agent ${name}`, [AGENT_BIN, 'run', '--config', config], { FLEETBENCH_AGENT_DATA_DIR: dataDir });
}

export async function startDashboard(hubUrl: string): Promise<ManagedProcess & { url: string }> {
  const port = await freePort();
  const proc = startProcess(
    'dashboard',
    [path.join(ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'],
    { FLEETBENCH_HUB_URL: hubUrl, FLEETBENCH_HUB_PUBLIC_URL: hubUrl, PORT: String(port) },
    path.join(ROOT, 'apps/dashboard'),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the dashboard to answer',
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`dashboard exited:\n${proc.output().slice(-4000)}`);
      const res = await fetch(`${url}/login`);
      return res.status < 500;
    },
    60_000,
  );
  return { ...proc, url };
}
