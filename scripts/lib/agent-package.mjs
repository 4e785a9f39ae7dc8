// Builds the self-contained agent package a device installs from the hub: the agent with @fleetbench/protocol,
// @fleetbench/zoo and every pure-JS dependency bundled into one file by esbuild, plus a package.json that lists
// only the dependencies with native parts (installed on the device from the npm registry for its architecture).
// Output: dist/agent-package/fleetbench-agent-<version>.tgz and manifest.json {version, sha256, sizeBytes, ...}.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Dependencies with native binaries: never bundled, installed on the device (npm picks the device's build). */
export const NATIVE_DEPENDENCIES = ['onnxruntime-node', 'sharp'];

/** Where `npm run build` leaves the package; the hub imports it from here at start (FLEETBENCH_AGENT_PACKAGE_DIR). */
export const packageOutDir = (root) => path.join(root, 'dist/agent-package');

const LAUNCHER = `#!/usr/bin/env node
'use strict';
// Launcher of the bundled agent (built by scripts/lib/agent-package.mjs; apps/agent/bin is the source one). It also
// guards self-upgrades: while <install>/upgrade.json names this version as new, a failure to load, a fourth start,
// or the deadline passing before the agent came online (the agent deletes the file then) switches \`current\` back to
// the previous version and exits 75, so the service manager starts that one again. Kept free of the bundle on purpose.
const fs = require('node:fs');
const path = require('node:path');
const self = path.resolve(__dirname, '..');
const prefix = path.resolve(self, '..', '..');
const pendingFile = path.join(prefix, 'upgrade.json');
let pending = null;
if (process.argv[2] === 'run' && path.basename(path.dirname(self)) === 'versions') {
  try {
    pending = JSON.parse(fs.readFileSync(pendingFile, 'utf8'));
  } catch {
    pending = null;
  }
  if (pending && pending.to !== 'versions/' + path.basename(self)) pending = null;
}
function rollback(reason) {
  const tmp = path.join(prefix, 'current.rollback');
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(pending.from, tmp);
  fs.renameSync(tmp, path.join(prefix, 'current'));
  const report = {
    rolloutId: pending.rolloutId,
    version: pending.version,
    outcome: 'rolled-back',
    runningVersion: path.basename(pending.from),
    message: reason,
  };
  fs.writeFileSync(path.join(prefix, 'upgrade-report.json'), JSON.stringify(report), { mode: 0o600 });
  fs.rmSync(pendingFile, { force: true });
  process.stderr.write('fleetbench-agent: ' + reason + '; switched back to ' + pending.from + '\\n');
  process.exit(75);
}
if (pending) {
  pending.attempts = (pending.attempts || 0) + 1;
  if (pending.attempts > 3) rollback('version ' + pending.version + ' failed to start 3 times');
  if (Date.now() > pending.deadline) rollback('version ' + pending.version + ' did not come online in time');
  fs.writeFileSync(pendingFile, JSON.stringify(pending));
  setTimeout(() => {
    if (fs.existsSync(pendingFile)) rollback('version ' + pending.version + ' did not come online in time');
  }, Math.max(0, pending.deadline - Date.now())).unref();
}
if (process.argv[2] === 'run') require('node:v8').setFlagsFromString('--semi-space-growth-factor=1');
let cli;
try {
  cli = require('../dist/cli.js');
} catch (err) {
  if (pending) rollback('version ' + pending.version + ' does not load: ' + (err && err.message));
  throw err;
}
cli.main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // 75 = restart after an upgrade: leave even if a handle is still open.
    if (code === 75) setTimeout(() => process.exit(75), 3000).unref();
  },
  (err) => {
    process.stderr.write(\`\${err && err.message ? err.message : String(err)}\\n\`);
    process.exitCode = 1;
  },
);
`;

function lockedVersion(root, name) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const entry = lock.packages[`node_modules/${name}`] ?? lock.packages[`apps/agent/node_modules/${name}`];
  if (!entry?.version) throw new Error(`${name} is not in package-lock.json; run npm install first`);
  return entry.version;
}

/**
 * Bundles and packs the agent. `version` defaults to the agent's package.json version plus the first 8 hex digits of
 * the content hash, so every different build has a different version (what rollouts and rollbacks key on).
 */
export async function buildAgentPackage({ root, outDir = packageOutDir(root), version } = {}) {
  const { build } = await import('esbuild');
  const tar = await import('tar');
  const agentPkg = JSON.parse(readFileSync(path.join(root, 'apps/agent/package.json'), 'utf8'));
  const stage = path.join(outDir, '.stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(path.join(stage, 'dist'), { recursive: true });
  mkdirSync(path.join(stage, 'bin'), { recursive: true });

  const result = await build({
    entryPoints: [path.join(root, 'apps/agent/src/cli.ts')],
    outfile: path.join(stage, 'dist/cli.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: NATIVE_DEPENDENCIES,
    // The workspace packages resolve to their TypeScript sources, so the bundle never depends on a stale dist/.
    alias: {
      '@fleetbench/protocol': path.join(root, 'packages/protocol/src/index.ts'),
      '@fleetbench/zoo': path.join(root, 'packages/zoo/src/index.ts'),
    },
    tsconfig: path.join(root, 'apps/agent/tsconfig.json'),
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
  writeFileSync(path.join(stage, 'bin/fleetbench-agent.js'), LAUNCHER);
  chmodSync(path.join(stage, 'bin/fleetbench-agent.js'), 0o755);
  copyFileSync(path.join(root, 'deploy/agent/fleetbench-agent.service'), path.join(stage, 'fleetbench-agent.service'));

  const dependencies = Object.fromEntries(NATIVE_DEPENDENCIES.map((n) => [n, lockedVersion(root, n)]));
  const contentHash = createHash('sha256');
  for (const f of ['dist/cli.js', 'bin/fleetbench-agent.js', 'fleetbench-agent.service'])
    contentHash.update(readFileSync(path.join(stage, f)));
  contentHash.update(JSON.stringify(dependencies));
  const v = version ?? `${agentPkg.version}-${contentHash.digest('hex').slice(0, 8)}`;
  if (!/^[0-9A-Za-z][0-9A-Za-z.-]{0,63}$/.test(v))
    throw new Error(`agent package version "${v}": use letters, digits, dots and dashes only`);
  const pkg = {
    name: 'fleetbench-agent',
    version: v,
    private: true,
    description: 'Fleetbench device agent (bundled; only native dependencies are installed on the device)',
    license: agentPkg.license ?? 'UNLICENSED',
    bin: { 'fleetbench-agent': 'bin/fleetbench-agent.js' },
    engines: { node: '>=20' },
    dependencies,
  };
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  // Deterministic tarball: sorted entries, fixed mtime and owner, so the same sources give the same sha256.
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(path.join(stage, d), { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const rel = d ? `${d}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('');
  const file = `fleetbench-agent-${v}.tgz`;
  for (const old of readdirSync(outDir)) if (old.endsWith('.tgz')) rmSync(path.join(outDir, old));
  await tar.create(
    {
      gzip: { level: 9 },
      file: path.join(outDir, file),
      cwd: stage,
      portable: true,
      noMtime: false,
      mtime: new Date('2000-01-01T00:00:00Z'),
      prefix: 'package',
    },
    files,
  );
  const bytes = readFileSync(path.join(outDir, file));
  const manifest = {
    name: 'fleetbench-agent',
    version: v,
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    bundleBytes: readFileSync(path.join(stage, 'dist/cli.js')).length,
    node: '>=20',
    nativeDependencies: dependencies,
  };
  writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(stage, { recursive: true, force: true });
  return manifest;
}
