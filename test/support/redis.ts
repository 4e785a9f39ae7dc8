/**
 * Starts a private Redis for tests on a free 127.0.0.1 port, without persistence, in a fresh temp dir, so tests
 * never share (or flush) a system Redis that may be running on 6379.
 *
 * Binary: /usr/bin/redis-server (Debian's redis-server package), or FLEETBENCH_REDIS_BIN.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './processes';

export interface RedisInstance {
  url: string;
  port: number;
  /** Everything redis-server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export function redisBinary(): string {
  return process.env.FLEETBENCH_REDIS_BIN ?? '/usr/bin/redis-server';
}

/** Why Redis cannot run here, or null when it can. */
export function redisUnavailableReason(): string | null {
  return existsSync(redisBinary()) ? null : `${redisBinary()} is missing (apt-get install redis-server)`;
}

/** Sends PING and resolves true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export async function startRedis(): Promise<RedisInstance> {
  const unavailable = redisUnavailableReason();
  if (unavailable) throw new Error(`cannot start Redis: ${unavailable}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fleetbench-redis-'));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      redisBinary(),
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const deadline = Date.now() + 5000;
    let ready = false;
    while (Date.now() < deadline) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) break;
      if (await ping(port)) {
        ready = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (ready) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        output: () => out,
        stop: async () => {
          await stopChild(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    lastError = new Error(
      `redis-server did not answer PING on 127.0.0.1:${port}: ${spawnError?.message ?? ''}\n${out}`,
    );
    if (!/address already in use/i.test(out)) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError ?? new Error('redis-server did not start');
}
