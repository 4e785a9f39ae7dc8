#!/usr/bin/env node
// `npm test`: installs what is missing, builds, then runs every jest project (unit tests, and medium tests against the
// real PostgreSQL and brokers) and the cross-app end-to-end tests (PostgreSQL + Mosquitto + hub + agents + Chromium).
//   --unit    unit tests only (`*.spec.ts`): no database, broker or browser needed
//   --no-e2e  unit and medium tests, no end-to-end suite
// Extra arguments after `--` go to jest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASE_ENV, ROOT, ensureChromium, log, setup } from './lib/steps.mjs';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const withE2e = !unitOnly && !args.includes('--no-e2e');
const jestArgs = args.filter((a) => a !== '--unit' && a !== '--no-e2e');
// The unit projects of jest.config.js (each workspace's `<name>`; `<name>-medium` holds its medium tests).
const UNIT_PROJECTS = ['protocol', 'zoo', 'hub', 'agent', 'dashboard', 'deploy'];

function jest(label, configArgs) {
  const report = path.join(mkdtempSync(path.join(os.tmpdir(), 'fleetbench-jest-')), 'report.json');
  const res = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/jest/bin/jest.js'), ...configArgs, '--json', `--outputFile=${report}`, ...jestArgs],
    { cwd: ROOT, stdio: 'inherit', env: BASE_ENV },
  );
  let passed = 0;
  let failed = 0;
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed = r.numPassedTests;
    failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  } catch {
    failed += 1; // jest crashed before writing its report
  }
  log(`${label}: ${passed} passed, ${failed} failed`);
  return { passed, failed, ok: res.status === 0 };
}

try {
  await setup();
  if (withE2e) ensureChromium();
} catch (err) {
  console.error(`[fleetbench] set-up failed: ${err.message}`);
  process.exit(1);
}

/** Type checking ran in setup (tsc -b); lint and formatting are checked here so CI holds the same line. */
function staticChecks() {
  const checks = [
    ['lint (eslint)', [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '.']],
    [
      'format (prettier --check)',
      [path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--check', '--log-level', 'warn', '.'],
    ],
    // The cross-app tests are run by jest through swc, which strips types: check them here so they follow the apps.
    ['types of the cross-app tests (tsc -p test)', [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'test']],
  ];
  let passed = 0;
  let failed = 0;
  for (const [label, args] of checks) {
    const res = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: BASE_ENV });
    if (res.status === 0) passed += 1;
    else {
      failed += 1;
      log(`${label} failed; run \`npm run lint\` / \`npm run format\``);
    }
  }
  log(`static checks: ${passed} passed, ${failed} failed`);
  return { passed, failed, ok: failed === 0 };
}

const results = [
  staticChecks(),
  unitOnly
    ? jest('unit tests', ['--config', 'jest.config.js', '--selectProjects', ...UNIT_PROJECTS])
    : jest('unit and medium tests', ['--config', 'jest.config.js']),
];
if (withE2e) results.push(jest('end-to-end tests', ['--config', 'test/e2e/jest.config.js', '--runInBand']));

// The arm64 proof downloads QEMU, an arm64 sysroot and Node (about 100 MB, cached in .cache/arm64), so it runs
// when asked: .ci/run sets FLEETBENCH_ARM64=1.
if (process.env.FLEETBENCH_ARM64 === '1') {
  const res = spawnSync('bash', [path.join(ROOT, 'test/arm64/run.sh')], { cwd: ROOT, env: BASE_ENV, encoding: 'utf8' });
  process.stdout.write(res.stdout + res.stderr);
  const m = /arm64: (\d+) passed, (\d+) failed/.exec(res.stdout);
  const r = { passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : 1, ok: res.status === 0 };
  log(`arm64 emulation tests: ${r.passed} passed, ${r.failed} failed`);
  results.push(r);
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const ok = results.every((r) => r.ok) && failed === 0;
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
