import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PrismaClient } from '../../generated/prisma/client';
import type { Logger } from '../logger';
import { applyMigrations, readMigrations, type SqlSession } from './migration-runner';

export type Db = PrismaClient;

/** One SQL statement with positional parameters ($1, $2, …), run on the driver; resolves to its rows. */
export interface SqlRunner {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * PostgreSQL only: `COPY … FROM STDIN` (text format) with these lines ({@link copyLine}); resolves to the rows
   * copied. All or nothing: one conflicting row fails the whole statement. Absent on PGlite.
   */
  copyFrom?(copySql: string, lines: string): Promise<number>;
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

/**
 * Runs one `COPY … FROM STDIN` on a pooled connection: PostgreSQL's own bulk path, ≈ a third less of its CPU per
 * result row than `INSERT … SELECT FROM jsonb_to_recordset` (no JSON document to parse around the columns; bench/RESULTS.md).
 */
async function copyFromText(pool: pg.Pool, copySql: string, lines: string): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client's connection errors (the server restarted mid-COPY) are the holder's to take: pg-pool
  // listens only while a client is idle, and an 'error' event with no listener ends the process.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    const stream = client.query(copyFrom(copySql));
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(lines);
    });
    return stream.rowCount ?? 0;
  } catch (err) {
    // A refused COPY leaves the connection usable (PostgreSQL ends the COPY with an error, then ReadyForQuery);
    // a lost connection does not.
    if (!(err instanceof pg.DatabaseError)) broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
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
    drivers.set(prisma, {
      query: async (sql, params) => (await pool.query(sql, params)).rows,
      copyFrom: (copySql, lines) => copyFromText(pool, copySql, lines),
    });
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
