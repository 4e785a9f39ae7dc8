#!/usr/bin/env node
// Exit 0 when prisma/migrations produce exactly prisma/schema.prisma, 2 (and the missing SQL on stdout) on drift.
// With --db URL it also checks that database (e.g. one migrated by the hub's runner) against the schema.
import { defaultUrl, diffMigrationsToSchema, newEngine, repoRoot, schemaFiles } from './engine.mjs';

const dbIdx = process.argv.indexOf('--db');
const dbUrl = dbIdx > 0 ? process.argv[dbIdx + 1] : null;
// The engine's main connection is the database under test (its shadow DBs are created beside it).
const engine = await newEngine(dbUrl ?? defaultUrl());
const fromMigrations = await diffMigrationsToSchema(engine);
let code = fromMigrations.exitCode;
if (code !== 0) console.log(`-- migrations -> schema.prisma drift:\n${fromMigrations.stdout}`);
if (dbUrl) {
  const fromDb = await engine.diff({
    from: { tag: 'schemaDatasource', files: schemaFiles(), configDir: repoRoot },
    to: { tag: 'schemaDatamodel', files: schemaFiles() },
    script: true,
    exitCode: true,
    shadowDatabaseUrl: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  if (fromDb.exitCode !== 0) console.log(`-- database -> schema.prisma drift:\n${fromDb.stdout}`);
  code = Math.max(code, fromDb.exitCode);
}
if (code === 0) console.log('migrations and schema.prisma agree');
process.exit(code);
