import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server, ServerOptions } from 'socket.io';
import { stripCredentials } from '../config';
import type { Logger } from '../logger';

/** How long the hub waits for Redis at start before it gives up with a clear error. */
export const REDIS_CONNECT_TIMEOUT_MS = 10_000;

type RedisClient = ReturnType<typeof createClient>;

/** The two connections socket.io's Redis adapter needs (publish, and a subscriber, which can do nothing else). */
export interface RedisPubSub {
  pub: RedisClient;
  sub: RedisClient;
  close(): Promise<void>;
}

export class RedisUnavailableError extends Error {}

/**
 * Connects to `url` (REDIS_URL). Fails within {@link REDIS_CONNECT_TIMEOUT_MS} when Redis cannot be reached at start
 * (no endless retry loop hiding a wrong URL); once connected, a lost connection is retried with back-off and logged.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  timeoutMs = REDIS_CONNECT_TIMEOUT_MS,
): Promise<RedisPubSub> {
  const where = stripCredentials(url);
  let connected = false;
  const pub: RedisClient = createClient({
    url,
    socket: {
      connectTimeout: Math.min(5000, timeoutMs),
      // Before the first connection an error ends connect(); afterwards reconnect with back-off up to 5 s.
      reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, 5000) : cause),
    },
  });
  const sub = pub.duplicate();
  for (const [name, client] of [
    ['publish', pub],
    ['subscribe', sub],
  ] as const) {
    client.on('error', (err: Error) => {
      if (connected) logger.warn({ err: err.message, redis: where, connection: name }, 'redis connection error');
    });
    client.on('reconnecting', () => connected && logger.warn({ redis: where, connection: name }, 'redis reconnecting'));
  }
  const close = async () => {
    connected = false;
    for (const c of [sub, pub]) if (c.isOpen) await c.close().catch(() => c.destroy());
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([pub.connect(), sub.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    for (const c of [sub, pub]) c.destroy();
    throw new RedisUnavailableError(
      `Redis at ${where} (REDIS_URL) is unreachable: ${(err as Error).message || String(err)}. ` +
        'Start Redis or fix REDIS_URL; unset it to run a single hub with the in-memory socket.io adapter.',
    );
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  logger.info({ redis: where }, 'redis connected: socket.io events reach the browsers of every hub replica');
  return { pub, sub, close };
}

/**
 * socket.io with `@socket.io/redis-adapter`: a broadcast (`server.to(room).emit`, `disconnectSockets`) from one
 * replica reaches the sockets connected to every other replica. Nest's documented way to swap the adapter.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly adapterConstructor: ReturnType<typeof createAdapter>;

  constructor(app: INestApplicationContext, redis: RedisPubSub) {
    super(app);
    this.adapterConstructor = createAdapter(redis.pub, redis.sub);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    server.adapter(this.adapterConstructor);
    return server;
  }
}
