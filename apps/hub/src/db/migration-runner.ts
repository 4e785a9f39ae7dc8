import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../utils/crypto';
import type { Logger } from '../logger';

/** The two operations the runner needs; implemented for `pg` (one client) and PGlite. */
export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a multi-statement script. */
  exec(sql: string): Promise<void>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** Same key Prisma's schema engine uses, so the runner and `prisma migrate deploy` never run at once. */
const ADVISORY_LOCK_KEY = 72707369;

export const MIGRATIONS_DIR_CANDIDATES = [
  // from src/db or dist/db inside apps/hub
  path.resolve(__dirname, '../../../../prisma/migrations'),
  path.resolve(process.cwd(), 'prisma/migrations'),
];

export function findMigrationsDir(): string {
  const dir = MIGRATIONS_DIR_CANDIDATES.find((d) => existsSync(path.join(d, 'migration_lock.toml')));
  if (!dir) throw new Error(`prisma/migrations not found (looked in ${MIGRATIONS_DIR_CANDIDATES.join(', ')})`);
  return dir;
}

export function readMigrations(dir = findMigrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((d) => statSync(path.join(dir, d)).isDirectory() && existsSync(path.join(dir, d, 'migration.sql')))
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: sha256Hex(sql) };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending migrations, writing the same `_prisma_migrations` rows as `prisma migrate deploy`, so either tool
 * can take over. Refuses to run over a failed migration (Prisma's P3009) and warns about edited ones.
 * Returns the names applied.
 */
export async function applyMigrations(
  session: SqlSession,
  migrations: Migration[],
  logger?: Logger,
): Promise<string[]> {
  await session.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
  try {
    await session.exec(CREATE_TABLE);
    const rows = await session.query<Row>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed.length) {
      throw new Error(
        `migration ${failed.map((r) => r.migration_name).join(', ')} failed earlier; fix the database, then mark it rolled back ` +
          `(prisma migrate resolve --rolled-back <name>) before starting the hub again`,
      );
    }
    const applied = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      const known = applied.get(m.name);
      if (known !== undefined) {
        if (known !== m.checksum)
          logger?.warn({ migration: m.name }, 'an applied migration was edited after it ran; its checksum differs');
        continue;
      }
      const id = randomUUID();
      await session.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
        [id, m.checksum, m.name],
      );
      try {
        await session.exec('BEGIN');
        await session.exec(m.sql);
        await session.exec('COMMIT');
      } catch (err) {
        await session.exec('ROLLBACK').catch(() => undefined);
        await session.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [
          id,
          String((err as Error).stack ?? err),
        ]);
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      await session.query(
        'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
        [id],
      );
      logger?.info({ migration: m.name }, 'applied migration');
      done.push(m.name);
    }
    return done;
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]);
  }
}
