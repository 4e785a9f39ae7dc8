import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../../generated/prisma/client';
import type { Logger } from '../logger';
import { applyMigrations, readMigrations, type SqlSession } from './migration-runner';

export type Db = PrismaClient;

/** One SQL statement with positional parameters ($1, $2, …), run on the driver; resolves to its rows. */
export interface SqlRunner {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

const drivers = new WeakMap<Db, SqlRunner>();

/**
 * The PostgreSQL pool under a client that {@link openDatabase} opened, for the ingest's hot statements: their one
 * large parameter (a batch of results as JSON text) would otherwise be serialized to JSON and parsed back once more by
 * Prisma's raw API. Any other client (PGlite, whose single connection Prisma's transactions hold; tests' own clients)
 * gets Prisma's raw API.
 */
export function sqlOf(db: Db): SqlRunner {
  return (
    drivers.get(db) ?? { query: <T>(sql: string, params: unknown[] = []) => db.$queryRawUnsafe<T[]>(sql, ...params) }
  );
}

export interface Database {
  prisma: PrismaClient;
  kind: 'postgres' | 'pglite';
  /** Names of migrations applied by this start. */
  applied: string[];
  close(): Promise<void>;
}

export async function migratePostgres(url: string, logger?: Logger): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const session: SqlSession = {
      query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
      exec: async (sql) => {
        await client.query(sql);
      },
    };
    return await applyMigrations(session, readMigrations(), logger);
  } finally {
    await client.end();
  }
}

export function pgliteSession(db: PGlite): SqlSession {
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
}

/** PostgreSQL when `databaseUrl` is set, otherwise embedded PGlite under `<dataDir>/pglite` (or in memory). */
export async function openDatabase(
  opts: { databaseUrl: string | null; dataDir: string | null },
  logger?: Logger,
): Promise<Database> {
  if (opts.databaseUrl) {
    const applied = await migratePostgres(opts.databaseUrl, logger);
    // One pool for Prisma and for the hot statements (sqlOf).
    const pool = new pg.Pool({ connectionString: opts.databaseUrl });
    pool.on('error', (err) => logger?.warn({ err: err.message }, 'idle database connection lost'));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    drivers.set(prisma, { query: async (sql, params) => (await pool.query(sql, params)).rows });
    return {
      prisma,
      kind: 'postgres',
      applied,
      close: async () => {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  }
  let dir = 'memory://';
  if (opts.dataDir) {
    dir = path.join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
  }
  const db = new PGlite(dir);
  await db.waitReady;
  const applied = await applyMigrations(pgliteSession(db), readMigrations(), logger);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
  return {
    prisma,
    kind: 'pglite',
    applied,
    close: async () => {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
