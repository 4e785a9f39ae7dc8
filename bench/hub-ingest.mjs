#!/usr/bin/env node
// Hub result ingest, end to end: N simulated agents, each enrolled through the hub's REST API (one enrollment token)
// and connected to a private Mosquitto (dynamic security) with its own credentials, publish M valid result messages
// each with QoS 1 on their own results topic; the hub validates each one, checks that the job is the device's, inserts
// it in PostgreSQL (ON CONFLICT msgId DO NOTHING) and only then acknowledges it to the broker. Measured from the first
// publish until `SELECT count(*) FROM "Result"` reaches the number sent (polled every 25 ms), for
//   one: one hub on PostgreSQL + Mosquitto + Redis
//   two: two hub replicas on the same kind of services (shared subscription: each result goes to one replica)
// each on a fresh database, broker and Redis. Also reported: publish → PUBACK latency at the agents (the broker's
// PUBACK: with an external broker it does not wait for the hub), CPU seconds used by each hub and by the broker, and
// whether the database holds exactly the msgIds sent (no loss, no duplicates).
// Each device gets one running job (seeded straight into the database, with a model and a campaign, before the
// timed part); every result names it. Agents publish no online status, so the dispatcher leaves the job alone.
// Before the timed part each agent sends --warmup results (connection pools, JIT); they are counted separately.
// Prereqs: `npx tsc -b apps/hub` (apps/hub/dist, packages/protocol/dist), PostgreSQL on 127.0.0.1:5432
// (FLEETBENCH_TEST_DATABASE_URL), /usr/sbin/mosquitto + /usr/bin/mosquitto_ctrl + the dynsec plugin, /usr/bin/redis-server
// (FLEETBENCH_MOSQUITTO_BIN, FLEETBENCH_MOSQUITTO_CTRL, FLEETBENCH_MOSQUITTO_DYNSEC_PLUGIN, FLEETBENCH_REDIS_BIN).
// Usage: node bench/hub-ingest.mjs [--agents 8] [--results 250] [--inflight 10] [--warmup 5] [--setups one,two]
//        [--max-queued N] [--timeout 120]     (env HUB_NODE_ARGS: extra node flags for the hubs, e.g. --cpu-prof)
//   --inflight    QoS 1 publishes each agent keeps outstanding (waiting for PUBACK)
//   --max-queued  Mosquitto's max_queued_messages (per client; default: deploy/mosquitto/mosquitto.conf's, which the
//                 test broker uses too; 1000 = Mosquitto's own default, which drops results; 0 = unlimited)
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/lib/ports.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const mqtt = require('mqtt');
const { monotonicFactory } = require('ulid');
const { apiPaths, topics, decodePayload } = require('@fleetbench/protocol');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
};
const AGENTS = Number(arg('agents', 8));
const RESULTS = Number(arg('results', 250));
/** max_queued_messages of deploy/mosquitto/mosquitto.conf (what a deployed broker queues per client). */
function deployedMaxQueued() {
  const conf = readFileSync(new URL('../deploy/mosquitto/mosquitto.conf', import.meta.url), 'utf8');
  return Number(/^max_queued_messages\s+(\d+)\s*$/m.exec(conf)?.[1] ?? 1000);
}
const INFLIGHT = Math.max(1, Number(arg('inflight', 10)));
const WARMUP = Number(arg('warmup', 5));
const SETUPS = String(arg('setups', 'one,two')).split(',');
const MAX_QUEUED = Number(arg('max-queued', deployedMaxQueued()));
const TIMEOUT_MS = Number(arg('timeout', 120)) * 1000;
const ADMIN_URL = process.env.FLEETBENCH_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const MOSQUITTO = process.env.FLEETBENCH_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const MOSQUITTO_CTRL = process.env.FLEETBENCH_MOSQUITTO_CTRL ?? '/usr/bin/mosquitto_ctrl';
const REDIS = process.env.FLEETBENCH_REDIS_BIN ?? '/usr/bin/redis-server';
// Extra node flags for the hubs, e.g. HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (written when a hub stops).
const HUB_NODE_ARGS = (process.env.HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
const HZ = 100; // USER_HZ for /proc/<pid>/stat on Linux
const ulid = monotonicFactory();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const canConnect = (port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => (s.destroy(), resolve(false)));
  });
const execP = (file, args) =>
  new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
/** CPU seconds (user + system) a process has used so far; null once it is gone. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / HZ;
  } catch {
    return null;
  }
}

/** Everything to undo, newest first. */
const cleanups = [];
async function cleanupAll() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    await fn().catch((e) => console.error(`clean-up: ${e.message}`));
  }
}
function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `fleetbench-bench-${prefix}-`));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function spawnTracked(name, file, args, env = {}) {
  const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d) => (out = (out + d).slice(-20000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const proc = {
    name,
    child,
    output: () => out,
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

async function waitUntil(what, fn, timeoutMs = 90_000, proc) {
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

/** A private Mosquitto with dynsec, as test/support/mosquitto.ts starts it (plus max_queued_messages). */
async function startMosquitto() {
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
  writeFileSync(dynsecFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const port = await freePort();
  writeFileSync(
    confFile,
    [
      'per_listener_settings false',
      'allow_anonymous false',
      `listener ${port} 127.0.0.1`,
      `plugin ${dynsecPlugin()}`,
      `plugin_opt_config_file ${dynsecFile}`,
      'persistence false',
      `max_queued_messages ${MAX_QUEUED}`,
      `log_dest file ${logFile}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const proc = spawnTracked('mosquitto', MOSQUITTO, ['-c', confFile]);
  await waitUntil('mosquitto', () => canConnect(port), 10_000, proc);
  return { proc, port, admin, log: () => readFileSync(logFile, 'utf8') };
}

async function startRedis() {
  const dir = tempDir('redis');
  const port = await freePort();
  const proc = spawnTracked('redis', REDIS, [
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
  await waitUntil('redis', () => canConnect(port), 10_000, proc);
  return { proc, url: `redis://127.0.0.1:${port}` };
}

async function createDatabase() {
  const name = `fleetbench_ingest_${randomBytes(4).toString('hex')}`;
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

async function startHub(env) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnTracked('hub', process.execPath, [...HUB_NODE_ARGS, path.join(ROOT, 'apps/hub/dist/main.js')], {
    ...env,
    FLEETBENCH_HUB_PORT: String(port),
    FLEETBENCH_HUB_HOST: '127.0.0.1',
    FLEETBENCH_PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
  });
  proc.name = `hub:${port}`;
  await waitUntil(
    `${proc.name} healthy`,
    async () => (await (await fetch(`${url}/api/v1/health`)).json()).status === 'ok',
    90_000,
    proc,
  );
  return { proc, url };
}

async function api(base, token, method, p, body) {
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

// Payloads from the protocol's golden fixtures (packages/protocol/src/__fixtures__/valid), the contract's own examples.
const fixture = (name) =>
  JSON.parse(
    readFileSync(new URL(`../packages/protocol/src/__fixtures__/valid/${name}.json`, import.meta.url), 'utf8'),
  );
const { hardware, software } = fixture('rest.EnrollRequest');
const RESULT = fixture('results');
const SETTINGS = RESULT.settings;

/** A valid result message for `jobId`: the golden fixture with this message's id and time. */
function resultMessage(jobId, msgId) {
  return { ...RESULT, msgId, ts: new Date().toISOString(), jobId };
}

/** One model, one campaign, one running job per device (lease far out, so the sweeper leaves it). */
async function seedJobs(db, deviceIds) {
  const now = new Date();
  await db.query(
    `INSERT INTO "Model" (id, sha256, "sizeBytes", name, source, inputs, outputs) VALUES ('mdl_bench', $1, 1000, 'bench-model', 'path', $2, $3)`,
    [
      randomBytes(32).toString('hex'),
      JSON.stringify([{ name: 'x', dtype: 'float32', shape: [1, 3, 224, 224] }]),
      JSON.stringify([{ name: 'y', dtype: 'float32', shape: [1, 1000] }]),
    ],
  );
  await db.query(
    `INSERT INTO "Campaign" (id, name, state, request, "updatedAt") VALUES ('cmp_bench', 'ingest bench', 'running', '{}', $1)`,
    [now],
  );
  const jobs = new Map();
  for (const [i, deviceId] of deviceIds.entries()) {
    const id = `job_bench_${i}`;
    await db.query(
      `INSERT INTO "Job" (id, "campaignId", "deviceId", "modelId", settings, "settingsKey", state, attempts, "maxAttempts", "timeoutMs", "leaseExpiresAt", "updatedAt")
       VALUES ($1, 'cmp_bench', $2, 'mdl_bench', $3, 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all', 'running', 1, 3, 86400000, $4, $5)`,
      [id, deviceId, SETTINGS, new Date(now.getTime() + 86_400_000), now],
    );
    jobs.set(deviceId, id);
  }
  return jobs;
}

/** Publishes `count` results with at most INFLIGHT awaiting PUBACK; returns per-publish latencies (ms). */
async function publishAll(agent, count, sent) {
  const lat = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const msgId = ulid();
      sent.push(msgId);
      const payload = JSON.stringify(resultMessage(agent.jobId, msgId));
      const t = performance.now();
      await agent.client.publishAsync(agent.topic, payload, { qos: 1 });
      lat.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(INFLIGHT, count) }, worker));
  return lat;
}

async function countResults(db) {
  return Number((await db.query('SELECT count(*)::int AS n FROM "Result"')).rows[0].n);
}

async function runSetup(setup) {
  const replicas = setup === 'two' ? 2 : 1;
  const [dbUrl, broker, redis] = await Promise.all([createDatabase(), startMosquitto(), startRedis()]);
  const adminToken = `fb_bench_${randomBytes(12).toString('hex')}`;
  const env = {
    DATABASE_URL: dbUrl,
    MQTT_URL: `mqtt://${broker.admin.username}:${broker.admin.password}@127.0.0.1:${broker.port}`,
    FLEETBENCH_MQTT_DYNSEC: '1',
    FLEETBENCH_MQTT_PUBLIC_URL: `mqtt://127.0.0.1:${broker.port}`,
    REDIS_URL: redis.url,
    FLEETBENCH_DATA_DIR: tempDir('hub-data'),
    FLEETBENCH_ADMIN_TOKEN: adminToken,
  };
  const hubs = await Promise.all(Array.from({ length: replicas }, () => startHub(env)));
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  cleanups.push(() => db.end());

  // Enrollment through the REST API, round-robin over the replicas, one token for all.
  const { token } = await api(hubs[0].url, adminToken, 'POST', apiPaths.enrollmentTokens, {
    maxUses: AGENTS,
    tags: ['bench'],
  });
  const enrolled = [];
  for (let i = 0; i < AGENTS; i++) {
    enrolled.push(
      await api(hubs[i % replicas].url, null, 'POST', apiPaths.enroll, {
        token,
        name: `bench-${i}`,
        hardware,
        software,
      }),
    );
  }
  const jobs = await seedJobs(
    db,
    enrolled.map((e) => e.agentId),
  );
  const agents = [];
  for (const e of enrolled) {
    const client = await mqtt.connectAsync(e.mqtt.url, {
      clientId: e.agentId,
      username: e.mqtt.username,
      password: e.mqtt.password,
      reconnectPeriod: 0,
    });
    cleanups.push(() => client.endAsync(true));
    agents.push({ client, topic: topics.results(e.agentId), jobId: jobs.get(e.agentId) });
  }
  // The payload the hub will see must pass the protocol's own validation.
  const probe = decodePayload('results', JSON.stringify(resultMessage(agents[0].jobId, ulid())));
  if (!probe.ok) throw new Error(`result message invalid: ${JSON.stringify(probe.error)}`);

  const waitForCount = async (target, t0) => {
    let n = 0;
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      n = await countResults(db);
      const now = performance.now();
      if (n >= target) return { n, ms: now - t0 };
      if (n !== last) {
        last = n;
        lastChange = now;
      }
      // No new row for 10 s: the rest is lost. The time reported is that of the last new row seen.
      if (now - lastChange > 10_000 || now - t0 > TIMEOUT_MS) return { n, ms: lastChange - t0, stalled: true };
      await sleep(25);
    }
  };

  const sent = [];
  if (WARMUP > 0) {
    const t = performance.now();
    await Promise.all(agents.map((a) => publishAll(a, WARMUP, sent)));
    const w = await waitForCount(sent.length, t);
    if (w.stalled) throw new Error(`warm-up stalled at ${w.n}/${sent.length}`);
  }
  const warm = sent.length;
  const pids = [...hubs.map((h) => h.proc.child.pid), broker.proc.child.pid];
  const cpu0 = pids.map(cpuSeconds);
  const load0 = os.loadavg();
  const t0 = performance.now();
  const latencies = await Promise.all(agents.map((a) => publishAll(a, RESULTS, sent)));
  const publishMs = performance.now() - t0;
  const done = await waitForCount(sent.length, t0);
  const cpu1 = pids.map(cpuSeconds);
  const load1 = os.loadavg();

  // Exactness: every msgId sent is stored once, nothing else is.
  await sleep(500); // a straggler after the count matched would show up as an extra row
  const rows = (await db.query('SELECT "msgId" FROM "Result"')).rows.map((r) => r.msgId);
  const stored = new Set(rows);
  const sentSet = new Set(sent);
  const missing = sent.filter((m) => !stored.has(m)).length;
  const extra = rows.filter((m) => !sentSet.has(m)).length;
  const dupRows = rows.length - stored.size;
  const lat = latencies.flat().sort((a, b) => a - b);
  const measured = sent.length - warm;
  const brokerLog = broker.log();
  const dropped = (brokerLog.match(/Outgoing messages are being dropped/g) ?? []).length;
  return {
    setup,
    replicas,
    sent: measured,
    stored: done.n - warm,
    exact: !done.stalled && missing === 0 && extra === 0 && dupRows === 0 && sentSet.size === sent.length,
    missing,
    extra,
    dupRows,
    stalled: Boolean(done.stalled),
    ms: done.ms,
    rate: ((done.stalled ? done.n - warm : measured) / done.ms) * 1000,
    publishMs,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    hubCpu: hubs.map((h, i) => (cpu1[i] ?? NaN) - (cpu0[i] ?? NaN)),
    brokerCpu: cpu1.at(-1) - cpu0.at(-1),
    load: [load0[0], load1[0]],
    dropped,
  };
}

async function main() {
  const cpus = os.cpus();
  console.log(
    `machine: ${cpus[0]?.model ?? '?'}, ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.type()} ${os.release()}`,
  );
  console.log(
    `load average before: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `agents ${AGENTS} × results ${RESULTS} = ${AGENTS * RESULTS} per setup (+ ${WARMUP} warm-up each), ${INFLIGHT} in flight per agent, max_queued_messages ${MAX_QUEUED}`,
  );
  const out = [];
  for (const setup of SETUPS) {
    try {
      const r = await runSetup(setup);
      out.push(r);
      console.log(
        `${setup.padEnd(3)} (${r.replicas} hub${r.replicas > 1 ? 's' : ''}): ${r.stored}/${r.sent} stored in ${(r.ms / 1000).toFixed(2)} s${r.stalled ? ' (to the last row seen)' : ''} = ${r.rate.toFixed(0)} results/s` +
          ` | publishing took ${(r.publishMs / 1000).toFixed(2)} s, PUBACK p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms` +
          ` | CPU s: hub ${r.hubCpu.map((c) => c.toFixed(1)).join(' + ')} (${((r.hubCpu.reduce((a, b) => a + b, 0) / r.stored) * 1000).toFixed(1)} ms per result), broker ${r.brokerCpu.toFixed(1)}` +
          ` | load ${r.load.map((x) => x.toFixed(2)).join(' → ')}` +
          ` | ${r.exact ? 'exact (distinct msgIds, none missing, none extra)' : `NOT EXACT: missing ${r.missing}, extra ${r.extra}, duplicate rows ${r.dupRows}${r.stalled ? ', count stalled' : ''}`}` +
          (r.dropped ? ` | broker log: ${r.dropped}× "Outgoing messages are being dropped"` : ''),
      );
    } finally {
      await cleanupAll();
    }
  }
  console.log(
    `load average after: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (out.some((r) => !r.exact)) process.exitCode = 1;
}

for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(sig, () => {
    console.error(`${sig}: cleaning up`);
    cleanupAll().finally(() => process.exit(130));
  });
main().catch(async (e) => {
  console.error(e);
  await cleanupAll();
  process.exit(1);
});
