// Set-up steps shared by `npm start` and `npm test`. Node built-ins only: these run before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Environment every child gets: keeps onnxruntime-node's installer offline and turns off telemetry calls. */
export const BASE_ENV = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  NEXT_TELEMETRY_DISABLED: '1',
  TURBO_TELEMETRY_DISABLED: '1',
};

export function log(msg) {
  process.stdout.write(`[fleetbench] ${msg}\n`);
}

export function run(cmd, args, opts = {}) {
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: BASE_ENV, ...opts });
  if (res.status !== 0) {
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${res.status ?? res.signal}); see the output above.`);
  }
  return Date.now() - started;
}

/** Newest modification time under `dir`, skipping build output and dependencies. */
export function newestMtime(dir, skip = new Set(['node_modules', '.next', 'dist', 'generated', 'coverage'])) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

/** `npm ci` when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const marker = path.join(ROOT, 'node_modules/.package-lock.json');
  if (existsSync(marker) && mtime(marker) >= mtime(path.join(ROOT, 'package-lock.json'))) return;
  log('installing dependencies (npm ci) ...');
  const ms = run('npm', ['ci', '--no-audit', '--no-fund']);
  log(`dependencies installed in ${(ms / 1000).toFixed(0)} s`);
}

/** Prisma client generation works offline with the engine download check bypassed (see docs/decisions). */
export function ensurePrismaClient() {
  const out = path.join(ROOT, 'apps/hub/generated/prisma');
  if (existsSync(out) && mtime(out) >= mtime(path.join(ROOT, 'prisma/schema.prisma'))) return;
  log('generating the Prisma client ...');
  run(process.execPath, [path.join(ROOT, 'prisma/tools/generate-client.mjs')]);
}

export function buildTypeScript() {
  log('compiling TypeScript (tsc -b) ...');
  run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json']);
}

/** `next build` only when the dashboard or the protocol changed since the last build. */
export function buildDashboard() {
  const buildId = path.join(ROOT, 'apps/dashboard/.next/BUILD_ID');
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'apps/dashboard')),
    newestMtime(path.join(ROOT, 'packages/protocol/src')),
  );
  if (existsSync(buildId) && mtime(buildId) >= sources) return;
  log('building the dashboard (next build) ...');
  const ms = run('npx', ['next', 'build'], { cwd: path.join(ROOT, 'apps/dashboard') });
  log(`dashboard built in ${(ms / 1000).toFixed(0)} s`);
}

/** The installable agent package (dist/agent-package) when the agent, protocol, zoo or lockfile changed since. */
export async function buildAgentPackageStep() {
  const { buildAgentPackage, packageOutDir } = await import('./agent-package.mjs');
  const manifest = path.join(packageOutDir(ROOT), 'manifest.json');
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'apps/agent/src')),
    newestMtime(path.join(ROOT, 'packages/protocol/src')),
    newestMtime(path.join(ROOT, 'packages/zoo/src')),
    mtime(path.join(ROOT, 'deploy/agent/fleetbench-agent.service')),
    mtime(path.join(ROOT, 'scripts/lib/agent-package.mjs')),
    mtime(path.join(ROOT, 'package-lock.json')),
  );
  if (existsSync(manifest) && mtime(manifest) >= sources) return;
  log('packaging the agent (esbuild) ...');
  mkdirSync(packageOutDir(ROOT), { recursive: true });
  const m = await buildAgentPackage({ root: ROOT });
  log(`agent package ${m.version}: ${(m.sizeBytes / 1024).toFixed(0)} KiB, sha256 ${m.sha256}`);
}

export const CHROMIUM = process.env.FLEETBENCH_CHROMIUM ?? '/usr/bin/chromium';

/** The browser tests drive Debian's Chromium; install it with apt when it is missing (needs root). */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  log(`installing Chromium for the browser tests (apt-get install chromium) ...`);
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const apt = (args) =>
    run(sudo[0] ?? 'apt-get', sudo.length ? ['apt-get', ...args] : args, {
      env: { ...BASE_ENV, DEBIAN_FRONTEND: 'noninteractive' },
    });
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', 'chromium']);
}

export async function setup({ dashboard = true } = {}) {
  ensureDependencies();
  ensurePrismaClient();
  buildTypeScript();
  await buildAgentPackageStep();
  if (dashboard) buildDashboard();
}
