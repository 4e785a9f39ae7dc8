#!/usr/bin/env node
// Runs `prisma generate` offline. PRISMA_SCHEMA_ENGINE_BINARY=/bin/true only skips the native-engine download
// check (generate never runs the engine); never set it for migrate commands, which would then silently do nothing.
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from './engine.mjs';

const require = createRequire(import.meta.url);
const out = path.join(repoRoot, 'apps/hub/generated/prisma');
// Start clean so no stale compiled .js from an older schema survives.
rmSync(out, { recursive: true, force: true });
// …and its tsc build info, or `tsc -b` believes the deleted .d.ts files are current (TS6305).
rmSync(path.join(out, '..', '.tsbuildinfo'), { force: true });
const cli = require.resolve('prisma/build/index.js');
const r = spawnSync(process.execPath, [cli, 'generate', '--schema', 'prisma/schema.prisma'], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(r.status ?? 1);
