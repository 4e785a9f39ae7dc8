/**
 * A private service for tests (Mosquitto, Redis, …) on a free 127.0.0.1 port: spawned, polled until it answers,
 * and spawned again on another port when a different process took the chosen one in between (the port is free when
 * picked, not necessarily when the service binds it).
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { freePort } from './processes';

export interface ServiceStart {
  /** Short name for errors, e.g. "redis-server". */
  name: string;
  /** Spawns the service on `port`; what it prints on stdout/stderr (when piped) goes into the error of a failed start. */
  spawn(port: number): ChildProcess;
  /** Resolves true once the service answers on `port`. */
  ready(port: number): Promise<boolean>;
  /** More output for a failed start (e.g. a log file). */
  log?(): Promise<string>;
  /** The service's temp folder: removed when it stops, or when it cannot be started. */
  dir: string;
}

export interface RunningService {
  child: ChildProcess;
  port: number;
  /** What the process printed so far. */
  output(): string;
  /** Stops the process and removes its temp folder. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 5000;
const ATTEMPTS = 3;

export async function startOnFreePort(s: ServiceStart): Promise<RunningService> {
  try {
    return await spawnUntilReady(s);
  } catch (err) {
    await rm(s.dir, { recursive: true, force: true });
    throw err;
  }
}

async function spawnUntilReady(s: ServiceStart): Promise<RunningService> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await freePort();
    const child = s.spawn(port);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) break;
      if (await s.ready(port))
        return {
          child,
          port,
          output: () => out,
          stop: async () => {
            await stopChild(child);
            await rm(s.dir, { recursive: true, force: true });
          },
        };
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopChild(child);
    const log = (await s.log?.().catch(() => '')) ?? '';
    lastError = new Error(
      `${s.name} did not answer on 127.0.0.1:${port}${spawnError ? ` (${spawnError.message})` : ''}:\n${out}${log}`,
    );
    if (!/address already in use/i.test(out + log)) break;
  }
  throw lastError ?? new Error(`${s.name} did not start`);
}

/** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
