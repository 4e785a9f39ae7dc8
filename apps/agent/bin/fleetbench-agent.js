#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm run build -w @fleetbench/agent` (tsc -b).
const path = require('node:path');
// The daemon keeps V8's young generation at its initial size while idle (≈30 MB less resident memory); set before
// anything loads, since start-up itself would grow it. It is restored while a job runs (src/daemon.ts).
if (process.argv[2] === 'run') require('node:v8').setFlagsFromString('--semi-space-growth-factor=1');
const entry = path.join(__dirname, '..', 'dist', 'cli.js');
try {
  require.resolve(entry);
} catch {
  process.stderr.write(
    'fleetbench-agent is not built yet. Run `npx tsc -b apps/agent` from the repository root first.\n',
  );
  process.exit(1);
}
require(entry)
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${err && err.message ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
