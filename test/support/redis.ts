/**
 * Starts a private Redis for tests on a free 127.0.0.1 port, without persistence, in a fresh temp dir, so tests
 * never share (or flush) a system Redis that may be running on 6379.
 *
 * Binary: /usr/bin/redis-server (Debian's redis-server package), or FLEETBENCH_REDIS_BIN.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startOnFreePort } from './service-process';

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

export async function startRedis(): Promise<RedisInstance> {
  const unavailable = redisUnavailableReason();
  if (unavailable) throw new Error(`cannot start Redis: ${unavailable}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fleetbench-redis-'));
  const { port, output, stop } = await startOnFreePort({
    name: 'redis-server',
    dir,
    spawn: (p) =>
      spawn(
        redisBinary(),
        ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    ready: ping,
  });
  return { url: `redis://127.0.0.1:${port}`, port, output, stop };
}
