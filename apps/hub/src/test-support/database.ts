import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Admin URL of the local PostgreSQL used by medium tests (override with FLEETBENCH_TEST_DATABASE_URL). */
export const ADMIN_URL = process.env.FLEETBENCH_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty `<prefix>_<random>` database; `drop()` removes it. */
export async function createTestDatabase(
  prefix = 'fleetbench_test',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
