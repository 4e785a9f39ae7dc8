#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm run build -w @fleetbench/agent` (tsc -b).
const path = require('node:path');
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
