import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentUpgradeMessage } from '@fleetbench/protocol';
import { silentLogger } from '../util/logger';
import { installPrefix, PENDING_FILE, REPORT_FILE, SelfUpgrader, type PendingUpgrade } from './self-upgrade';

describe('installPrefix', () => {
  it('is the install folder only when the bundle runs from <prefix>/versions/<v>/dist', () => {
    expect(installPrefix('/opt/fleetbench/versions/0.1.0-ab/dist')).toBe('/opt/fleetbench');
    expect(installPrefix('/work/repo/apps/agent/dist')).toBeNull();
  });
});

describe('SelfUpgrader', () => {
  let prefix: string;
  let posted: { url: string; body: unknown; auth: string | null }[];
  let restarts: number;

  /** A fake hub: serves `bytes` as the package and records the reports. */
  const hub = (bytes: Buffer) =>
    (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      if (url.includes('/agent/package?')) return new Response(new Uint8Array(bytes));
      posted.push({
        url,
        body: JSON.parse(String(init?.body)),
        auth: new Headers(init?.headers).get('authorization'),
      });
      return new Response('{}', { status: 200 });
    }) as typeof fetch;

  async function versionDir(v: string): Promise<string> {
    const dir = path.join(prefix, 'versions', v);
    await fs.mkdir(path.join(dir, 'bin'), { recursive: true });
    await fs.mkdir(path.join(dir, 'node_modules/dep'), { recursive: true });
    await fs.writeFile(path.join(dir, 'node_modules/dep/index.js'), '');
    await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ version: v, dependencies: { dep: '1.0.0' } }));
    await fs.writeFile(path.join(dir, 'bin/fleetbench-agent.js'), `console.log(${JSON.stringify(v)});\n`);
    return dir;
  }

  /** A package tarball (package/…) for version v. */
  async function tarball(v: string): Promise<Buffer> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-upg-pkg-'));
    await fs.mkdir(path.join(dir, 'package/bin'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'package/package.json'),
      JSON.stringify({ version: v, dependencies: { dep: '1.0.0' } }),
    );
    await fs.writeFile(path.join(dir, 'package/bin/fleetbench-agent.js'), `console.log(${JSON.stringify(v)});\n`);
    execFileSync('tar', ['-czf', path.join(dir, 'p.tgz'), '-C', dir, 'package']);
    return fs.readFile(path.join(dir, 'p.tgz'));
  }

  const upgrader = (bytes: Buffer) =>
    new SelfUpgrader({
      prefix,
      hubUrl: 'http://hub.test',
      agentId: 'agent-1',
      password: 'secret',
      runningVersion: '1.0.0',
      logger: silentLogger(),
      waitIdle: async () => {},
      restart: () => restarts++,
      fetchImpl: hub(bytes),
    });
  const message = (bytes: Buffer, sha256 = createHash('sha256').update(bytes).digest('hex')): AgentUpgradeMessage => ({
    v: 1,
    kind: 'upgrade',
    ts: new Date().toISOString(),
    rolloutId: 'r1',
    version: '2.0.0',
    sha256,
    sizeBytes: bytes.length,
    confirmWithinMs: 60_000,
  });
  const settle = (u: SelfUpgrader) => (u as unknown as { busy: Promise<void> }).busy;

  beforeEach(async () => {
    prefix = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-upg-'));
    posted = [];
    restarts = 0;
    await versionDir('1.0.0');
    await fs.symlink('versions/1.0.0', path.join(prefix, 'current'));
  });
  afterEach(() => fs.rm(prefix, { recursive: true, force: true }));

  it('installs beside the running version, reuses its native dependencies, switches the link and restarts', async () => {
    const bytes = await tarball('2.0.0');
    const u = upgrader(bytes);
    u.handle(message(bytes));
    await settle(u);
    expect(restarts).toBe(1);
    expect(await fs.readlink(path.join(prefix, 'current'))).toBe('versions/2.0.0');
    expect(await fs.readlink(path.join(prefix, 'previous'))).toBe('versions/1.0.0');
    // Hard links of the running version's node_modules: same inode.
    const [a, b] = await Promise.all(
      ['1.0.0', '2.0.0'].map((v) => fs.stat(path.join(prefix, 'versions', v, 'node_modules/dep/index.js'))),
    );
    expect(b.ino).toBe(a.ino);
    const pending = JSON.parse(await fs.readFile(path.join(prefix, PENDING_FILE), 'utf8')) as PendingUpgrade;
    expect(pending).toMatchObject({ rolloutId: 'r1', version: '2.0.0', from: 'versions/1.0.0', to: 'versions/2.0.0' });
    expect(pending.deadline).toBeGreaterThan(Date.now());
    expect(posted).toEqual([]);
  });

  it('refuses a package whose sha256 differs: nothing switched, the hub gets a failed report', async () => {
    const bytes = await tarball('2.0.0');
    const u = upgrader(bytes);
    u.handle(message(bytes, 'a'.repeat(64)));
    await settle(u);
    expect(restarts).toBe(0);
    expect(await fs.readlink(path.join(prefix, 'current'))).toBe('versions/1.0.0');
    expect(posted).toHaveLength(1);
    expect(posted[0].url).toBe('http://hub.test/api/v1/agent/rollouts/report');
    expect(posted[0].auth).toBe(`Basic ${Buffer.from('agent-1:secret').toString('base64')}`);
    expect(posted[0].body).toMatchObject({ rolloutId: 'r1', outcome: 'failed', runningVersion: '1.0.0' });
    expect(String((posted[0].body as { message: string }).message)).toMatch(/sha256/);
    await expect(fs.access(path.join(prefix, REPORT_FILE))).rejects.toThrow();
  });

  it('confirms a pending upgrade to the running version once online and reports success', async () => {
    const pending: PendingUpgrade = {
      rolloutId: 'r2',
      version: '1.0.0',
      from: 'versions/0.9.0',
      to: 'versions/1.0.0',
      deadline: Date.now() + 60_000,
      attempts: 1,
    };
    await fs.writeFile(path.join(prefix, PENDING_FILE), JSON.stringify(pending));
    await upgrader(Buffer.alloc(0)).confirm();
    await expect(fs.access(path.join(prefix, PENDING_FILE))).rejects.toThrow();
    expect(posted.map((p) => p.body)).toEqual([
      { rolloutId: 'r2', version: '1.0.0', outcome: 'succeeded', runningVersion: '1.0.0', message: null },
    ]);
  });
});
