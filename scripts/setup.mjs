#!/usr/bin/env node
// Installs what is missing and builds everything: dependencies, Prisma client, TypeScript, agent package, dashboard.
import { setup, log } from './lib/steps.mjs';

try {
  await setup();
  log('set-up complete');
} catch (err) {
  console.error(`[fleetbench] set-up failed: ${err.message}`);
  process.exit(1);
}
