// Private services and processes for the benches (a .mjs bench cannot import test/support's TypeScript on Node 20):
// temp folders and processes undone by cleanupAll(), a private Mosquitto with dynamic security (optionally with
// persistence, restartable on its port), a private Redis, a fresh database on the local PostgreSQL, hub processes, a
// TCP proxy that can cut every connection through it, and CPU time of a process.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HUB_NODE_FLAGS } from '../../scripts/lib/hub-node-flags.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ADMIN_URL = process.env.FLEETBENCH_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const MOSQUITTO = process.env.FLEETBENCH_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const MOSQUITTO_CTRL = process.env.FLEETBENCH_MOSQUITTO_CTRL ?? '/usr/bin/mosquitto_ctrl';
const HZ = 100; // USER_HZ for /proc/<pid>/stat on Linux

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { freePort };

export const canConnect = (port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });

export const execP = (file, args) =>
  new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );

/** CPU seconds (user + system) a process has used so far; null once it is gone. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / HZ;
  } catch {
    return null;
  }
}

/** Everything to undo, newest first. */
export const cleanups = [];
export async function cleanupAll() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    await fn().catch((e) => console.error(`clean-up: ${e.message}`));
  }
}

export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `fleetbench-bench-${prefix}-`));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Spawns a process whose output is kept (the last 20 kB) and, with `onLine`, handed over line by line.
 * `stop()` sends SIGTERM (SIGKILL after 8 s); `kill(signal)` sends one signal and waits for the exit.
 */
export function spawnTracked(name, file, args, env = {}, onLine) {
  const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let partial = '';
  // FLEETBENCH_BENCH_LOGS=DIR keeps everything each process printed, in DIR/<name>.log.
  const logFile = process.env.FLEETBENCH_BENCH_LOGS
    ? path.join(process.env.FLEETBENCH_BENCH_LOGS, `${name.replace(/[^\w.-]+/g, '_')}.log`)
    : null;
  const keep = (d) => {
    out = (out + d).slice(-20000);
    if (logFile) appendFileSync(logFile, d);
    if (!onLine) return;
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const line of lines) onLine(line);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const proc = {
    name,
    child,
    output: () => out,
    exited,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    },
  };
  cleanups.push(proc.stop);
  return proc;
}

export async function waitUntil(what, fn, timeoutMs = 90_000, proc) {
  const t0 = Date.now();
  for (;;) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output().slice(-4000)}`);
    try {
      if (await fn()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}${proc ? `\n${proc.output().slice(-4000)}` : ''}`);
    await sleep(100);
  }
}

function dynsecPlugin() {
  const name = 'mosquitto_dynamic_security.so';
  if (process.env.FLEETBENCH_MOSQUITTO_DYNSEC_PLUGIN) return process.env.FLEETBENCH_MOSQUITTO_DYNSEC_PLUGIN;
  const dirs = readdirSync('/usr/lib', { withFileTypes: true })
    .filter((e) => e.isDirectory() && /-linux-gnu(eabihf)?$/.test(e.name))
    .map((e) => `/usr/lib/${e.name}`);
  const found = [...dirs, '/usr/lib', '/usr/local/lib', '/usr/lib/mosquitto']
    .map((d) => `${d}/${name}`)
    .find(existsSync);
  if (!found) throw new Error(`${name} not found (set FLEETBENCH_MOSQUITTO_DYNSEC_PLUGIN)`);
  return found;
}

/** A numeric setting of deploy/mosquitto/mosquitto.conf (`dflt`: Mosquitto's own default). */
export function deployedSetting(name, dflt) {
  const conf = readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
  return Number(new RegExp(`^${name}\\s+(\\d+)\\s*$`, 'm').exec(conf)?.[1] ?? dflt);
}

/** max_queued_messages of deploy/mosquitto/mosquitto.conf (what a deployed broker queues per client). */
export const deployedMaxQueued = () => deployedSetting('max_queued_messages', 1000);

/**
 * A private Mosquitto with dynsec, as test/support/mosquitto.ts starts it. `persistence`: on, as deployed (autosave
 * every `autosaveInterval` s, default the deployed 60). `restart(signal)`: stop (SIGTERM saves; SIGKILL is a crash)
 * and start again on the same port with the same files. `prepare(config)`: changes the dynsec configuration (e.g. adds
 * thousands of agent clients at once, which commands would add one file rewrite each) before the first start.
 */
export async function startMosquitto({
  maxQueued = deployedMaxQueued(),
  persistence = false,
  autosaveInterval,
  prepare,
} = {}) {
  const dir = tempDir('mosquitto');
  const dynsecFile = path.join(dir, 'dynamic-security.json');
  const confFile = path.join(dir, 'mosquitto.conf');
  const logFile = path.join(dir, 'mosquitto.log');
  const admin = { username: 'fleetbench-hub', password: randomBytes(12).toString('hex') };
  await execP(MOSQUITTO_CTRL, ['dynsec', 'init', dynsecFile, admin.username, admin.password]);
  // The hub's role, as in deploy/mosquitto/README.md: fleetbench/# both ways and shared subscriptions.
  const config = JSON.parse(readFileSync(dynsecFile, 'utf8'));
  config.roles.push({
    rolename: 'fleetbench-hub',
    acls: [
      { acltype: 'publishClientSend', topic: 'fleetbench/#', allow: true },
      { acltype: 'publishClientReceive', topic: 'fleetbench/#', allow: true },
      { acltype: 'subscribePattern', topic: 'fleetbench/#', allow: true },
      { acltype: 'subscribePattern', topic: '$share/#', allow: true },
      { acltype: 'unsubscribePattern', topic: '#', allow: true },
    ],
  });
  const adminClient = config.clients.find((c) => c.username === admin.username);
  adminClient.roles = [...(adminClient.roles ?? []), { rolename: 'fleetbench-hub' }];
  prepare?.(config);
  writeFileSync(dynsecFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const deployedAutosave = Number(
    /^autosave_interval\s+(\d+)/m.exec(readFileSync(path.join(ROOT, 'deploy/mosquitto/mosquitto.conf'), 'utf8'))?.[1] ??
      1800,
  );
  const port = await freePort();
  writeFileSync(
    confFile,
    [
      'per_listener_settings false',
      'allow_anonymous false',
      `listener ${port} 127.0.0.1`,
      `plugin ${dynsecPlugin()}`,
      `plugin_opt_config_file ${dynsecFile}`,
      ...(persistence
        ? [
            'persistence true',
            `persistence_location ${dir}/`,
            `autosave_interval ${autosaveInterval ?? deployedAutosave}`,
          ]
        : ['persistence false']),
      `max_queued_messages ${maxQueued}`,
      `max_inflight_messages ${deployedSetting('max_inflight_messages', 20)}`,
      `log_dest file ${logFile}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const broker = { port, admin, log: () => readFileSync(logFile, 'utf8'), proc: null };
  const start = async () => {
    for (let attempt = 0; ; attempt++) {
      broker.proc = spawnTracked('mosquitto', MOSQUITTO, ['-c', confFile]);
      try {
        await waitUntil('mosquitto', () => canConnect(port), 10_000, broker.proc);
        return;
      } catch (e) {
        if (attempt >= 10) throw e; // the port may linger a moment after a kill
        await sleep(300);
      }
    }
  };
  broker.restart = async (signal = 'SIGTERM') => {
    await broker.proc.kill(signal);
    await start();
  };
  await start();
  return broker;
}

const REDIS = process.env.FLEETBENCH_REDIS_BIN ?? '/usr/bin/redis-server';

/** A private Redis (no persistence) on a free port, as test/support/redis.ts starts it, for hub replicas. */
export async function startRedis() {
  const dir = tempDir('redis');
  const port = await freePort();
  const proc = spawnTracked('redis-server', REDIS, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  await waitUntil('redis-server', () => canConnect(port), 10_000, proc);
  return { port, url: `redis://127.0.0.1:${port}`, proc };
}

export async function createDatabase(prefix = 'fleetbench_bench') {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  cleanups.push(async () => {
    const c = new Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  });
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A hub process (apps/hub/dist) on `port` (default a free one), healthy when this resolves; started as deployed
 * (HUB_NODE_FLAGS), `nodeArgs` after them (a later flag wins).
 */
export async function startHub(env, { port, nodeArgs = [], logLevel = 'warn', onLine } = {}) {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnTracked(
    `hub:${port}`,
    process.execPath,
    [...HUB_NODE_FLAGS, ...nodeArgs, path.join(ROOT, 'apps/hub/dist/main.js')],
    {
      ...env,
      FLEETBENCH_HUB_PORT: String(port),
      FLEETBENCH_HUB_HOST: '127.0.0.1',
      FLEETBENCH_PUBLIC_URL: url,
      LOG_LEVEL: logLevel,
    },
    onLine,
  );
  await waitUntil(
    `${proc.name} healthy`,
    async () => (await (await fetch(`${url}/api/v1/health`)).json()).status === 'ok',
    90_000,
    proc,
  );
  return { proc, url, port };
}

export async function api(base, token, method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * A TCP proxy on a free 127.0.0.1 port to `target`. `cut(ms)` destroys every connection through it and refuses new
 * ones for `ms` (a network cut, or a database restart as its clients see it).
 */
export async function tcpProxy(targetHost, targetPort) {
  const sockets = new Set();
  let refuseUntil = 0;
  const server = net.createServer((client) => {
    if (Date.now() < refuseUntil) return client.destroy();
    const upstream = net.connect({ host: targetHost, port: targetPort });
    const pair = [client, upstream];
    for (const s of pair) {
      sockets.add(s);
      s.on('error', () => pair.forEach((x) => x.destroy()));
      s.on('close', () => {
        sockets.delete(s);
        pair.forEach((x) => x.destroy());
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    port: server.address().port,
    cut: async (ms) => {
      refuseUntil = Date.now() + ms;
      for (const s of sockets) s.destroy();
      await sleep(ms);
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  cleanups.push(proxy.close);
  return proxy;
}
