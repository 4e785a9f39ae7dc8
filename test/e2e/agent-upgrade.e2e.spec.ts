/**
 * Upgrades from the hub on real parts (PostgreSQL + Mosquitto + hub + an agent installed by the hub's install.sh,
 * restarted on exit like systemd's Restart=on-failure): a rollout of a new version switches the device to it and the
 * device reports success; a rollout of a version that does not start rolls back by itself to the version before.
 * The Fleet page shows both outcomes and rolls the first version back out from its form.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentPackagePaths, type AgentPackage, type Device, type Rollout } from '@fleetbench/protocol';
import { dynsecHubEnv, startMosquitto } from '../support/mosquitto';
import { createTestDatabase } from '../../apps/hub/src/test-support/database';
import { launchBrowser, SCREENSHOT_DIR } from '../support/browser';
import {
  api,
  ManagedProcess,
  ROOT,
  startDashboard,
  startHub,
  tempDir,
  waitFor,
  type HubProcess,
} from '../support/processes';

/** Builds an agent package with the given version (scripts/build-agent-package.mjs) and returns its tarball. */
function buildPackage(version: string): string {
  const out = tempDir('pkg');
  const res = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts/build-agent-package.mjs'), '--version', version, '--out', out],
    {
      encoding: 'utf8',
    },
  );
  if (res.status !== 0) throw new Error(`package build failed: ${res.stderr}`);
  return JSON.parse(res.stdout).path as string;
}

/** The same package with a bundle that answers --version but, run, never comes online: a bad release. */
function brokenPackage(good: string, version: string): string {
  const dir = tempDir('broken');
  spawnSync('tar', ['-xzf', good, '-C', dir], { stdio: 'inherit' });
  writeFileSync(
    path.join(dir, 'package/dist/cli.js'),
    `exports.main = async (argv) => {
  if (argv.includes('--version')) return process.stdout.write('${version}\\n'), 0;
  process.stderr.write('broken on purpose: never connects\\n');
  return new Promise(() => setInterval(() => {}, 1000));
};
`,
  );
  const pj = JSON.parse(readFileSync(path.join(dir, 'package/package.json'), 'utf8'));
  writeFileSync(path.join(dir, 'package/package.json'), JSON.stringify({ ...pj, version }));
  const file = path.join(dir, `fleetbench-agent-${version}.tgz`);
  spawnSync('tar', ['-czf', file, '-C', dir, 'package'], { stdio: 'inherit' });
  return file;
}

async function upload(hub: HubProcess, file: string): Promise<AgentPackage> {
  const res = await fetch(`${hub.url}${agentPackagePaths.packages}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/octet-stream' },
    body: readFileSync(file),
  });
  if (res.status !== 201) throw new Error(`upload → ${res.status}: ${await res.text()}`);
  return (await res.json()) as AgentPackage;
}

/** The installed agent under a restart loop, as systemd runs it (Restart=on-failure). */
function supervised(prefix: string, config: string, dataDir: string): ManagedProcess {
  const loop = `while :; do "${process.execPath}" "${prefix}/current/bin/fleetbench-agent.js" run --config "${config}"; rc=$?; [ $rc = 0 ] && exit 0; echo "supervisor: exit $rc, restarting"; sleep 1; done`;
  const child = spawn('bash', ['-c', loop], {
    detached: true,
    env: { ...process.env, FLEETBENCH_AGENT_DATA_DIR: dataDir, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => (out = (out + c.toString()).slice(-100_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    name: 'supervised agent',
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      const t = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    },
  };
}

describe('agent upgrades from the hub', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let hub: HubProcess;
  const procs: ManagedProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('fleetbench_e2e_upgrade');
    broker = await startMosquitto();
    hub = await startHub({
      DATABASE_URL: db.url,
      ...dynsecHubEnv(broker),
    });
    procs.push(hub);
  });

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    await broker?.stop();
    await db?.drop();
  });

  const diagnostics = () => procs.map((p) => `----- ${p.name} -----\n${p.output().slice(-4000)}`).join('\n');

  it('rolls a new version out, then a broken one that rolls back by itself', async () => {
    // Builds first: they block the event loop for seconds, and a pooled keep-alive socket would go stale meanwhile.
    const nextFile = buildPackage('9.0.0-e2e');
    const brokenFile = brokenPackage(buildPackage('9.0.1-e2e'), '9.0.1-broken');
    const first = await api<AgentPackage>(hub.url, null, 'GET', agentPackagePaths.package('latest'));
    const next = await upload(hub, nextFile);
    const broken = await upload(hub, brokenFile);
    expect(next.latest).toBe(false);

    const root = tempDir('upgrade-device');
    const enrollment = await api(hub.url, hub.token, 'POST', '/api/v1/enrollment-tokens', { label: 'upgrade' });
    const install = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn(
        'bash',
        [
          '-o',
          'pipefail',
          '-c',
          `curl -fsSL ${hub.url}${agentPackagePaths.installScript} | bash -s -- "$@"`,
          'install',
          ...['--token', enrollment.token, '--name', 'upgraded', '--root', root, '--no-systemd'],
        ],
        { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (status) => resolve({ status, out }));
    });
    if (install.status !== 0) throw new Error(`install failed:\n${install.out}`);
    const prefix = path.join(root, 'opt/fleetbench');
    const config = path.join(root, 'etc/fleetbench/agent.json');
    const agentId = JSON.parse(readFileSync(config, 'utf8')).agentId as string;
    const data = path.join(root, 'var/lib/fleetbench');
    mkdirSync(data, { recursive: true });
    procs.push(supervised(prefix, config, data));

    const onVersion = (version: string) =>
      waitFor(
        `the device online with agent ${version}`,
        async () => {
          const d = (await api<Device[]>(hub.url, hub.token, 'GET', '/api/v1/devices')).find((x) => x.id === agentId);
          return d?.online && d.software.agentVersion === version ? d : undefined;
        },
        90_000,
        500,
      ).catch((e) => {
        throw new Error(`${e.message}\n${diagnostics()}`);
      });
    const rolloutEnds = (id: string) =>
      waitFor(
        `rollout ${id} done`,
        async () => {
          const r = await api<Rollout>(hub.url, hub.token, 'GET', agentPackagePaths.rollout(id));
          return r.state === 'done' ? r : undefined;
        },
        120_000,
        500,
      ).catch((e) => {
        throw new Error(`${e.message}\n${diagnostics()}`);
      });
    await onVersion(first.version);

    // 1. A good version: the device switches, restarts on it and reports success.
    const up = await api<Rollout>(hub.url, hub.token, 'POST', agentPackagePaths.rollouts, {
      version: next.version,
      devices: { tags: [], ids: [agentId] },
      confirmWithinMs: 60_000,
    });
    expect(up.targets).toEqual([expect.objectContaining({ deviceId: agentId, fromVersion: first.version })]);
    const upDone = await rolloutEnds(up.id);
    expect(upDone.targets[0]).toMatchObject({ state: 'succeeded', deviceName: 'upgraded' });
    await onVersion(next.version);
    expect(readlinkSync(path.join(prefix, 'current'))).toBe(`versions/${next.version}`);
    expect(readlinkSync(path.join(prefix, 'previous'))).toBe(`versions/${first.version}`);

    // 2. A version that cannot start: the launcher switches back and the device reports the rollback.
    const bad = await api<Rollout>(hub.url, hub.token, 'POST', agentPackagePaths.rollouts, {
      version: broken.version,
      devices: { ids: [agentId] },
      confirmWithinMs: 8_000,
    });
    const badDone = await rolloutEnds(bad.id);
    expect(badDone.targets[0].state).toBe('rolled-back');
    expect(badDone.targets[0].message).toMatch(/9\.0\.1-broken did not come online in time/);
    await onVersion(next.version);
    expect(readlinkSync(path.join(prefix, 'current'))).toBe(`versions/${next.version}`);

    const list = await api<Rollout[]>(hub.url, hub.token, 'GET', agentPackagePaths.rollouts);
    expect(list.map((r) => r.id)).toEqual([bad.id, up.id]);

    // The Fleet page shows the device's version and both rollouts with their outcome.
    const dashboard = await startDashboard(hub.url);
    procs.push(dashboard);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${dashboard.url}/login`);
      await page.fill('input[name="token"]', hub.token);
      await page.click('[data-testid="login-submit"]');
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      await page.waitForSelector('[data-testid="rollout-row"]', { state: 'attached' });
      expect(await page.locator('[data-testid="device-row"]').textContent()).toContain(next.version);
      await page.locator('[data-testid="rollouts"] summary').click();
      expect(await page.locator('[data-testid="rollout-target-state"]').allTextContents()).toEqual([
        'rolled-back',
        'succeeded',
      ]);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'fleet-rollouts.png'), fullPage: true });

      // Back to the first version from the page: the form starts a rollout, the page follows it until it is done.
      await page.selectOption('[data-testid="rollout-version"]', first.version);
      await page.click('[data-testid="rollout-submit"]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="rollout-row"]').length === 3, null, {
        timeout: 30_000,
      });
      await page.waitForSelector('[data-testid="rollout-row"][data-state="done"]:first-child', {
        state: 'attached',
        timeout: 90_000,
      });
      expect(await page.locator('[data-testid="rollout-target-state"]').first().textContent()).toBe('succeeded');
      await onVersion(first.version);
    } finally {
      await browser.close();
    }
  });
});
