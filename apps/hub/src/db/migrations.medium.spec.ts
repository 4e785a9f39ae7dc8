/** prisma/migrations and prisma/schema.prisma must agree, and the hub's runner must produce that schema. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase } from '../test-support/database';
import { migratePostgres } from './database';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../../..');
const checkScript = path.join(repoRoot, 'prisma/tools/check-migrations.mjs');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

it('applies every migration once, writing Prisma-compatible _prisma_migrations rows', async () => {
  const applied = await migratePostgres(db.url);
  expect(applied.length).toBeGreaterThan(0);
  expect(await migratePostgres(db.url)).toEqual([]);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const rows = (
    await c.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"')
  ).rows;
  await c.end();
  expect(rows).toHaveLength(applied.length);
  for (const r of rows) {
    expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(r.finished_at).not.toBeNull();
    expect(r.applied_steps_count).toBe(1);
  }
});

it('has no drift: migrations → schema.prisma and the migrated database → schema.prisma are empty diffs', async () => {
  // Run in a child process: the wasm schema engine is ESM (import.meta) and jest runs CJS.
  const { stdout } = await run(process.execPath, [checkScript, '--db', db.url], {
    cwd: repoRoot,
    env: {
      ...process.env,
      SHADOW_DATABASE_ADMIN_URL:
        process.env.FLEETBENCH_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    },
  }).catch((err: { stdout?: string; code?: number }) => {
    throw new Error(`schema drift (exit ${err.code}):\n${err.stdout}`);
  });
  expect(stdout).toContain('migrations and schema.prisma agree');
});
