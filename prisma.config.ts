import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (`prisma generate`, via prisma/tools/generate-client.mjs). The hub itself reads
// DATABASE_URL through apps/hub/src/config.ts and applies migrations with its own runner.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/fleetbench' },
});
