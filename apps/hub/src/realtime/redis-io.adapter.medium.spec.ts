/**
 * REDIS_URL: a hub refuses to start, quickly and clearly, when Redis cannot be reached; a reachable one connects, and
 * GET /health reports whether Redis answers.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiPaths } from '@fleetbench/protocol';
import { freePort } from '../../../../test/support/processes';
import { redisUnavailableReason, startRedis } from '../../../../test/support/redis';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createHub } from '../main';
import { createTestDatabase } from '../test-support/database';
import { mediumHub, until } from '../test-support/medium-hub';
import { mockLogger } from '../test-support/mocks';
import { connectRedis, RedisUnavailableError } from './redis-io.adapter';

const withRedis = redisUnavailableReason() ? it.skip : it;

describe('connectRedis', () => {
  it('fails within its timeout with an error naming REDIS_URL (no endless retry)', async () => {
    const port = await freePort(); // nothing listens there
    const started = Date.now();
    const err = await connectRedis(`redis://:secret@127.0.0.1:${port}`, mockLogger(), 3000).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toMatch(
      new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} \\(REDIS_URL\\) is unreachable`),
    );
    expect((err as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(3000 + 1000);
  });
  withRedis('connects both connections to a reachable Redis and closes them', async () => {
    const redis = await startRedis();
    try {
      const conn = await connectRedis(redis.url, mockLogger());
      expect(await conn.pub.ping()).toBe('PONG');
      expect(conn.sub.isReady).toBe(true);
      await conn.close();
      expect(conn.pub.isOpen || conn.sub.isOpen).toBe(false);
    } finally {
      await redis.stop();
    }
  });
});

it('a hub with an unreachable REDIS_URL stops at start with that error and releases what it opened', async () => {
  const db = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-hub-'));
  try {
    const config = loadConfig({
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      FLEETBENCH_DATA_DIR: dataDir,
      FLEETBENCH_HUB_PORT: '0',
      FLEETBENCH_HUB_HOST: '127.0.0.1',
      FLEETBENCH_MQTT_PORT: '0',
    });
    await expect(createHub(config, { logger: createLogger('silent'), leaseSweeper: false })).rejects.toThrow(
      /\(REDIS_URL\) is unreachable/,
    );
  } finally {
    await db.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

withRedis(
  'GET /health reports Redis: ok while it answers, down (still 200, like the broker) once it stops',
  async () => {
    const redis = await startRedis();
    const medium = mediumHub('test-admin-token-health-0123456789', { env: { REDIS_URL: redis.url } });
    try {
      await medium.start();
      const health = () => medium.api<Record<string, string>>('GET', apiPaths.health);
      const up = await health();
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ status: 'ok', db: 'ok', mqtt: 'ok', redis: 'ok' });

      await redis.stop();
      const down = await until(async () => {
        const r = await health();
        return r.body.redis === 'down' && r;
      }, 'health to report Redis down');
      expect(down.status).toBe(200);
      expect(down.body).toMatchObject({ status: 'ok', db: 'ok', mqtt: 'ok', redis: 'down' });
    } finally {
      await medium.stop();
      await redis.stop();
    }
  },
);
