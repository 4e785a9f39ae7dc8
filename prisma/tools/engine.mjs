// Loads Prisma's wasm schema engine in plain Node (which cannot `import` .wasm) and builds the
// migration-aware pg adapter factory it needs. See /work/shared/notes/prisma-offline.md for why.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const schemaPath = path.join(repoRoot, 'prisma/schema.prisma');
export const migrationsDir = path.join(repoRoot, 'prisma/migrations');

const pg = require('pg');
const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');

export async function loadEngine() {
  const bgUrl = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
    message: '',
    set_message(m) {
      this.message = `RuntimeError: ${m}`;
    },
  };
  const bg = await import(bgUrl);
  const wasmFile = process.env.SCHEMA_ENGINE_WASM ?? new URL('./schema_engine_bg.wasm', bgUrl);
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile), { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return bg;
}

/** adapter-pg cannot deserialize the `"char"` type (OID 18) the engine's catalog queries return: read it as text. */
class CharAsTextPool extends pg.Pool {
  async query(...args) {
    const r = await super.query(...args);
    for (const f of r?.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25;
    return r;
  }
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Factory whose shadow database is a fresh temporary DB, force-dropped after its pool is closed. */
export function adapterFactory(url) {
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () =>
      new PrismaPg(new CharAsTextPool({ connectionString: url }), { disposeExternalPool: true }).connect(),
    connectToShadowDb: async () => {
      const name = `prisma_shadow_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      const pool = new CharAsTextPool({ connectionString: withDatabase(url, name) });
      // Idle connections of a pool being ended may still see the forced DROP DATABASE: not an error here.
      pool.on('error', () => {});
      const adapter = await new PrismaPg(pool, { disposeExternalPool: false }).connect();
      // adapter-pg's executeScript splits a migration on every ";", which cuts PL/pgSQL function bodies apart: send
      // the script whole instead (the simple query protocol runs several statements, as the hub's runner does).
      adapter.executeScript = async (script) => {
        try {
          await pool.query(script);
        } catch (error) {
          adapter.onError(error);
        }
      };
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await pool.end();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      };
      return adapter;
    },
  };
}

export async function newEngine(url) {
  const { SchemaEngine } = await loadEngine();
  const content = readFileSync(schemaPath, 'utf8');
  return SchemaEngine.new(
    { datamodels: [[schemaPath, content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapterFactory(url)),
  );
}

export function readMigrationList() {
  const { readdirSync, existsSync, statSync } = require('node:fs');
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const dirs = existsSync(migrationsDir)
    ? readdirSync(migrationsDir)
        .filter((d) => statSync(path.join(migrationsDir, d)).isDirectory())
        .sort()
    : [];
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : 'provider = "postgresql"\n',
    },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((d) => ({
      path: d,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(path.join(migrationsDir, d, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

export const schemaFiles = () => [{ path: schemaPath, content: readFileSync(schemaPath, 'utf8') }];

/** SQL that brings the migrations directory to schema.prisma; exitCode 0 = nothing to do, 2 = drift. */
export async function diffMigrationsToSchema(engine) {
  return engine.diff({
    from: { tag: 'migrations', ...readMigrationList() },
    to: { tag: 'schemaDatamodel', files: schemaFiles() },
    script: true,
    exitCode: true,
    shadowDatabaseUrl: null,
    filters: { externalTables: [], externalEnums: [] },
  });
}

export const defaultUrl = () =>
  process.env.SHADOW_DATABASE_ADMIN_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
