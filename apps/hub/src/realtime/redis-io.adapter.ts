import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server, ServerOptions } from 'socket.io';
import { stripCredentials } from '../config';
import type { Logger } from '../logger';

/** How long the hub waits for Redis at start before it gives up with a clear error. */
export const REDIS_CONNECT_TIMEOUT_MS = 10_000;
/** How long a health check waits for Redis to answer PING. */
export const REDIS_PING_TIMEOUT_MS = 1000;

type RedisClient = ReturnType<typeof createClient>;

/** The two connections socket.io's Redis adapter needs (publish, and a subscriber, which can do nothing else). */
export interface RedisPubSub {
  pub: RedisClient;
  sub: RedisClient;
  /** True while both connections are up and Redis answers PING within `timeoutMs` (GET /health). */
  healthy(timeoutMs?: number): Promise<boolean>;
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
    for (const c of [sub, pub]) {
      if (!c.isOpen) continue;
      // While Redis is away a graceful close would wait for the reconnect (queued commands first): drop the
      // connection instead, so a hub can shut down without Redis.
      if (!c.isReady) c.destroy();
      else await c.close().catch(() => c.destroy());
    }
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
  const healthy = async (ms = REDIS_PING_TIMEOUT_MS) => {
    // A lost connection is known at once (no queued PING waiting for the reconnect).
    if (!pub.isReady || !sub.isReady) return false;
    let t: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        pub.ping(),
        new Promise<null>((resolve) => {
          t = setTimeout(() => resolve(null), ms);
        }),
      ]);
      return answer === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(t);
    }
  };
  return { pub, sub, healthy, close };
}

/**
 * The adapter fires some commands and forgets them (PUBLISH on every broadcast, UNSUBSCRIBE when it closes). While
 * Redis is away they wait in the client's offline queue and go out on reconnect; but a hub that shuts down meanwhile
 * drops them, and each would reject with nobody listening (an unhandled rejection). Through this view of a client
 * every command's failure is observed — the outage itself is logged by the connection — while callers that await a
 * command still get its error.
 */
function observed(client: RedisClient): RedisClient {
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (out instanceof Promise) out.catch(() => undefined);
        return out;
      };
    },
  });
}

/**
 * socket.io with `@socket.io/redis-adapter`: a broadcast (`server.to(room).emit`, `disconnectSockets`) from one
 * replica reaches the sockets connected to every other replica. Nest's documented way to swap the adapter.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly adapterConstructor: ReturnType<typeof createAdapter>;

  constructor(app: INestApplicationContext, redis: RedisPubSub) {
    super(app);
    this.adapterConstructor = createAdapter(observed(redis.pub), observed(redis.sub));
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    server.adapter(this.adapterConstructor);
    return server;
  }
}
