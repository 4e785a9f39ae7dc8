/**
 * deploy/agent/install.sh refuses unsupported devices before touching anything, each with the fix in its message.
 * The device is faked by shims first on PATH (uname, node); nothing is downloaded, nothing installed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../deploy/agent/install.sh');

/** Runs install.sh with shims: `uname -m` answers `machine`; node answers `nodeCases` (bash case patterns). */
function run(opts: { machine?: string; nodeCases?: string; args?: string[] }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetbench-install-checks-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const shim = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  shim('uname', `[ "$1" = -m ] && { echo ${opts.machine ?? 'x86_64'}; exit 0; }; exec /usr/bin/uname "$@"`);
  shim('node', `case "$*" in\n${opts.nodeCases ?? ''}\n*) exec ${process.execPath} "$@";;\nesac`);
  const root = path.join(dir, 'root');
  const res = spawnSync(
    'bash',
    [SCRIPT, '--hub', 'http://127.0.0.1:9', '--token', 't', '--root', root, '--no-systemd', ...(opts.args ?? [])],
    { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
  );
  const made = existsSync(root) ? readdirSync(root) : [];
  return { status: res.status, err: res.stderr, made };
}

describe('install.sh checks', () => {
  it('32-bit ARM: names the 64-bit OS to install', () => {
    const r = run({ machine: 'armv7l' });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/32-bit ARM \(armv7l\) is not supported.*Install a 64-bit OS/);
    expect(r.made).toEqual([]);
  });

  it('Node older than 20: says which was found and where to get a newer one', () => {
    const r = run({ nodeCases: `*process.versions.node*) exit 1;;\n--version) echo v18.20.4;;` });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/Node\.js >= 20 is required, found v18\.20\.4\. Upgrade it \(NodeSource/);
  });

  it('a 32-bit Node on a 64-bit kernel: asks for the 64-bit Node', () => {
    const r = run({ nodeCases: `*process.arch*) echo arm;;` });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/Node\.js is built for arm; the agent needs an x64 or arm64 Node/);
  });

  it('glibc older than 2.28 (JetPack 4): says which systems work', () => {
    const r = run({ nodeCases: `*glibcVersionRuntime*) echo 2.27;;` });
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/glibc 2\.27 is too old.*use Ubuntu 20\.04\+ or JetPack 5\+/);
  });

  it('an unreachable hub: says what to check, installs nothing', () => {
    const r = run({});
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/could not get agent package latest from http:\/\/127\.0\.0\.1:9 \(is the URL right/);
    expect(r.made).toEqual([]);
  });
});
