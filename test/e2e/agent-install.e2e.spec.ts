/**
 * The device install path on real parts: PostgreSQL + Mosquitto + hub; the hub's own install script (fetched with
 * curl, piped to bash as a user would) installs the bundled agent package into a scratch root with its native
 * dependencies from the npm registry, enrolls; the installed agent completes a job; a second run upgrades in place
 * and keeps the config; --uninstall removes everything.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { agentPackagePaths, type AgentPackage, type Device, type Model, type Result } from '@fleetbench/protocol';
import { dynsecHubEnv, startMosquitto } from '../support/mosquitto';
import { createTestDatabase } from '../../apps/hub/src/test-support/database';
import {
  api,
  ManagedProcess,
  SHARED_DATA,
  startHub,
  startProcess,
  tempDir,
  waitFor,
  type HubProcess,
} from '../support/processes';

/**
 * `curl -fsSL HUB/api/v1/agent/install.sh | bash -s -- ARGS`, as the README says (no sudo: --root). Asynchronous, so
 * the event loop notices the hub closing idle keep-alive sockets meanwhile (a blocked loop would reuse a dead one).
 */
function install(hubUrl: string, args: string[]): Promise<{ status: number | null; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `curl -fsSL ${hubUrl}${agentPackagePaths.installScript} | bash -s -- "$@"`,
        'install',
        ...args,
      ],
      { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (status) => resolve({ status, out, ms: Date.now() - started }));
  });
}

describe('agent install from the hub', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let hub: HubProcess;
  const procs: ManagedProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('fleetbench_e2e_install');
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

  const diagnostics = () => procs.map((p) => `----- ${p.name} -----\n${p.output().slice(-3000)}`).join('\n');

  it('installs with one command, the installed agent runs a job, a rerun keeps the config, --uninstall cleans up', async () => {
    const pkg = await api<AgentPackage>(hub.url, null, 'GET', agentPackagePaths.package('latest'));
    const root = tempDir('device');

    // Without a token a fresh install stops before enrolling and says what to do.
    const noToken = await install(hub.url, ['--root', root, '--no-systemd']);
    expect(noToken.status).not.toBe(0);
    expect(noToken.out).toMatch(/not enrolled yet: give an enrollment token with --token/);

    const enrollment = await api(hub.url, hub.token, 'POST', '/api/v1/enrollment-tokens', { label: 'install' }).catch(
      (e) => {
        throw new Error(`${e.message}\n${diagnostics()}`);
      },
    );
    const first = await install(hub.url, [
      '--token',
      enrollment.token,
      '--name',
      'installed-1',
      '--tag',
      'lab',
      '--root',
      root,
    ]);
    if (first.status !== 0) throw new Error(`install failed (${first.status}):\n${first.out}`);
    console.log(`install from the hub into a scratch root took ${(first.ms / 1000).toFixed(1)} s`);

    const prefix = path.join(root, 'opt/fleetbench');
    expect(readlinkSync(path.join(prefix, 'current'))).toBe(`versions/${pkg.version}`);
    const installed = path.join(prefix, 'versions', pkg.version);
    expect(readFileSync(path.join(installed, '.installed'), 'utf8').trim()).toBe(pkg.sha256);
    // Only the native dependencies were installed; onnxruntime-node keeps this platform's binaries only.
    const pj = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(Object.keys(pj.dependencies).sort()).toEqual(['onnxruntime-node', 'sharp']);
    expect(existsSync(path.join(installed, 'node_modules/@fleetbench'))).toBe(false);
    const ortBin = path.join(installed, 'node_modules/onnxruntime-node/bin');
    const platforms = readdirSync(ortBin).flatMap((napi) =>
      readdirSync(path.join(ortBin, napi)).flatMap((os) =>
        readdirSync(path.join(ortBin, napi, os)).map((a) => `${os}/${a}`),
      ),
    );
    expect(platforms).toEqual([`linux/${process.arch}`]);
    const configFile = path.join(root, 'etc/fleetbench/agent.json');
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    // The unit was written for this machine's node and checked (systemd-analyze verify, when present).
    const unit = readFileSync(path.join(root, 'etc/systemd/system/fleetbench-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} /opt/fleetbench/current/bin/fleetbench-agent.js run`);

    const agent = startProcess(
      'installed agent',
      [path.join(prefix, 'current/bin/fleetbench-agent.js'), 'run', '--config', configFile],
      { FLEETBENCH_AGENT_DATA_DIR: path.join(root, 'var/lib/fleetbench') },
      root,
    );
    procs.push(agent);
    const device = await waitFor(
      'the installed agent online',
      async () => {
        const devices = await api<Device[]>(hub.url, hub.token, 'GET', '/api/v1/devices');
        return devices.find((d) => d.id === config.agentId && d.online);
      },
      60_000,
    ).catch((e) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    expect(device.name).toBe('installed-1');
    expect(device.tags).toEqual(['lab']);

    const model = await api<Model>(hub.url, hub.token, 'POST', '/api/v1/models', {
      name: 'mnist',
      path: path.join(SHARED_DATA, 'models/mnist.onnx'),
    });
    const campaign = await api(hub.url, hub.token, 'POST', '/api/v1/campaigns', {
      name: 'installed',
      modelIds: [model.id],
      devices: { tags: ['lab'] },
      settings: [{ mode: 'latency', warmupIterations: 2, minIterations: 20, minDurationMs: 100 }],
    });
    const [result] = await waitFor(
      'a result from the installed agent',
      async () => {
        const rs = await api<Result[]>(hub.url, hub.token, 'GET', `/api/v1/results?campaignId=${campaign.id}`);
        return rs.length ? rs : undefined;
      },
      120_000,
      500,
    ).catch((e) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    expect(result.deviceId).toBe(config.agentId);
    expect(result.environment.agentVersion).toBe(pkg.version);
    expect(result.metrics.latencyMs.p50).toBeGreaterThan(0);
    await agent.stop();

    // Again, without a token: nothing to download, the config (and so the device identity) is kept.
    const again = await install(hub.url, ['--root', root, '--no-systemd']);
    if (again.status !== 0) throw new Error(`second install failed:\n${again.out}`);
    expect(again.out).toMatch(/already installed/);
    expect(again.out).toMatch(/already enrolled/);
    expect(JSON.parse(readFileSync(configFile, 'utf8')).agentId).toBe(config.agentId);

    const gone = await install(hub.url, ['--root', root, '--uninstall']);
    expect(gone.status).toBe(0);
    for (const p of [
      'opt/fleetbench',
      'etc/fleetbench',
      'var/lib/fleetbench',
      'etc/systemd/system/fleetbench-agent.service',
    ])
      expect(existsSync(path.join(root, p))).toBe(false);
  });
});
