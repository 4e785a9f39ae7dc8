#!/usr/bin/env node
// Packs the agent (what `npm run build` does) with an explicit version or into another folder, e.g. a release:
//   node scripts/build-agent-package.mjs --version 0.2.0 [--out DIR]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildAgentPackage, packageOutDir } from './lib/agent-package.mjs';
import { ROOT } from './lib/steps.mjs';

const { values } = parseArgs({ options: { version: { type: 'string' }, out: { type: 'string' } } });
try {
  const outDir = path.resolve(values.out ?? packageOutDir(ROOT));
  mkdirSync(outDir, { recursive: true });
  const m = await buildAgentPackage({ root: ROOT, outDir, version: values.version });
  process.stdout.write(`${JSON.stringify({ ...m, path: path.join(outDir, m.file) })}\n`);
} catch (err) {
  console.error(`[fleetbench] agent package failed: ${err.message}`);
  process.exit(1);
}
