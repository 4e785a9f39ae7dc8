#!/usr/bin/env node
// A fleet of simulated agents on one hub: N agents, each the real agent's MQTT transport (apps/agent/dist: clean
// session, retained online status + hardware at every connect, offline last will, reconnect with the agent's backoff)
// sending one telemetry sample every --telemetry-s (QoS 0, as the agent does). Reports, for one hub process:
//   connect    time until every device is online in the database after the agents start
//   steady     hub CPU (cores) and RSS over --steady-s while the fleet sends telemetry; broker CPU; whether the hub
//              heard from every device within the last 1.5 intervals at the end
//   restart    after a broker restart (SIGTERM, persistence on as deployed): time until every agent is connected
//              again and until the database shows every device online and heard from after the restart; hub CPU
//              (cores) over that time and over the 60 s after the restart
// Brokers: `mosquitto` (default): a private Mosquitto 2 with dynamic security (bench/lib/services.mjs), the agents'
// clients and roles written into its dynsec file before it starts (as the hub's provisioning makes them: one client +
// one role per agent); `embedded`: the hub's own broker (the "broker restart" is a hub restart, SIGTERM).
// Devices are seeded straight into the database (enrollment is measured by the medium test
// apps/hub/src/enrollment-concurrency.spec.ts; 5,000 REST enrollments would only wait for its rate limit).
// Prereqs: `npx tsc -b tsconfig.build.json` (apps/hub/dist, apps/agent/dist), PostgreSQL on 127.0.0.1:5432,
// /usr/sbin/mosquitto + /usr/bin/mosquitto_ctrl + the dynsec plugin.
// Usage: node bench/fleet-scale.mjs [--agents 500] [--telemetry-s 10] [--steady-s 60] [--broker mosquitto|embedded]
//        [--connect-rate 250] [--sample-s 0] [--no-restart]     (env HUB_NODE_ARGS: extra node flags for the hub)
//   --connect-rate  agents started per second at the beginning (a fleet does not start in one millisecond)
//   --sample-s      the hub's FLEETBENCH_TELEMETRY_SAMPLE_S
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import {
  cleanupAll,
  cleanups,
  cpuSeconds,
  createDatabase,
  freePort,
  sleep,
  startHub,
  startMosquitto,
  tempDir,
  waitUntil,
} from './lib/services.mjs';
import { arg } from './lib/args.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { PROTOCOL_MAJOR } = require('@fleetbench/protocol');
const { MqttTransport } = require('../apps/agent/dist/transport/mqtt.transport.js');
const { agentRoleAcls, agentRoleName } = require('../apps/hub/dist/broker/mosquitto-dynsec.js');
// The hub's own password hash: the fast one (hashSecret) where the build has it, scrypt (hashPassword) before.
const { hashSecret, hashPassword } = require('../apps/hub/dist/utils/crypto.js');

const AGENTS = Number(arg('agents', 500));
const TELEMETRY_S = Number(arg('telemetry-s', 10));
const STEADY_S = Number(arg('steady-s', 60));
const BROKER = String(arg('broker', 'mosquitto'));
const CONNECT_RATE = Number(arg('connect-rate', 250));
const SAMPLE_S = String(arg('sample-s', '0'));
const RESTART = !process.argv.includes('--no-restart');
const HUB_NODE_ARGS = (process.env.HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
const silent = { child: () => silent, info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {} };

const fixture = (name) =>
  JSON.parse(
    readFileSync(new URL(`../packages/protocol/src/__fixtures__/valid/${name}.json`, import.meta.url), 'utf8'),
  );
const { hardware, software } = fixture('rest.EnrollRequest');

const rssMiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return NaN;
  }
};
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** Mosquitto's dynsec password entry (PBKDF2-SHA512, as `mosquitto_ctrl` writes it). */
function dynsecPassword(password) {
  const salt = randomBytes(12);
  return {
    password: pbkdf2Sync(password, salt, 101, 64, 'sha512').toString('base64'),
    salt: salt.toString('base64'),
    iterations: 101,
  };
}

async function seedDevices(db, agents) {
  await db.query(`INSERT INTO "HardwareClass" (id, key, name) VALUES ('hc_fleet', 'fleet', 'fleet bench')`);
  for (let i = 0; i < agents.length; i += 500) {
    const part = agents.slice(i, i + 500);
    const params = [];
    const values = part.map((a, k) => {
      params.push(a.id, a.name, a.hash, JSON.stringify(hardware), JSON.stringify(software));
      const b = k * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}::jsonb, 'hc_fleet', now())`;
    });
    await db.query(
      `INSERT INTO "Device" (id, name, "passwordHash", hardware, software, "hardwareClassId", "updatedAt") VALUES ${values.join(', ')}`,
      params,
    );
  }
}

/** One simulated agent: the agent's own transport, its birth messages at every connect, telemetry on a timer. */
function startAgent(a, url, onConnect) {
  const transport = new MqttTransport({ url, agentId: a.id, password: a.password, session: 1, logger: silent });
  const status = () => ({ v: PROTOCOL_MAJOR, online: true, session: 1, ts: new Date().toISOString() });
  transport.onConnect(async () => {
    onConnect(a);
    await transport.publish('status', status(), { qos: 1, retain: true });
    await transport.publish(
      'hardware',
      { v: PROTOCOL_MAJOR, ts: new Date().toISOString(), hardware, software },
      {
        qos: 1,
        retain: true,
      },
    );
  });
  transport.start();
  const tick = () => {
    if (!transport.connected) return;
    transport
      .publish(
        'telemetry',
        {
          v: PROTOCOL_MAJOR,
          ts: new Date().toISOString(),
          load1: Math.random(),
          cpuPercent: 5 + Math.random() * 10,
          temperatureC: null,
          cpuFrequencyMHz: 1800,
          memoryFreeBytes: 2 ** 31,
        },
        { qos: 0 },
      )
      .catch(() => undefined);
  };
  // Random phase: a fleet's timers are not aligned.
  const first = setTimeout(
    () => {
      tick();
      a.timer = setInterval(tick, TELEMETRY_S * 1000);
    },
    Math.random() * TELEMETRY_S * 1000,
  );
  a.stop = async () => {
    clearTimeout(first);
    clearInterval(a.timer);
    await transport.stop?.().catch(() => undefined);
  };
  a.transport = transport;
}

async function run() {
  const agents = Array.from({ length: AGENTS }, (_, i) => ({
    id: `agent-${i.toString(16).padStart(16, '0')}`,
    name: `fleet-${i}`,
    password: randomBytes(24).toString('base64url'),
  }));
  // What the hub stores for each device: its own verifier (checked by the embedded broker; unused with dynsec).
  const t0hash = performance.now();
  for (const a of agents)
    a.hash =
      BROKER !== 'embedded'
        ? 'unused-with-dynsec'
        : hashSecret
          ? hashSecret(a.password)
          : await hashPassword(a.password);
  const hashS = (performance.now() - t0hash) / 1000;

  const dbUrl = await createDatabase('fleetbench_fleet');
  const adminToken = `fb_bench_${randomBytes(12).toString('hex')}`;
  let env;
  let broker = null;
  let agentUrl;
  let brokerPid = () => null;
  if (BROKER === 'mosquitto') {
    broker = await startMosquitto({
      persistence: true,
      maxQueued: 0,
      prepare: (config) => {
        for (const a of agents) {
          config.roles.push({ rolename: agentRoleName(a.id), acls: agentRoleAcls(a.id) });
          config.clients.push({
            username: a.id,
            clientid: a.id,
            ...dynsecPassword(a.password),
            roles: [{ rolename: agentRoleName(a.id) }],
          });
        }
      },
    });
    env = {
      MQTT_URL: `mqtt://${broker.admin.username}:${broker.admin.password}@127.0.0.1:${broker.port}`,
      FLEETBENCH_MQTT_DYNSEC: '1',
    };
    agentUrl = `mqtt://127.0.0.1:${broker.port}`;
    brokerPid = () => broker.proc.child.pid;
  } else {
    const mqttPort = await freePort();
    env = { FLEETBENCH_MQTT_PORT: String(mqttPort) };
    agentUrl = `mqtt://127.0.0.1:${mqttPort}`;
  }
  env = {
    ...env,
    DATABASE_URL: dbUrl,
    FLEETBENCH_DATA_DIR: tempDir('hub-data'),
    FLEETBENCH_ADMIN_TOKEN: adminToken,
    FLEETBENCH_TELEMETRY_SAMPLE_S: SAMPLE_S,
  };
  const hubPort = await freePort();
  let hub = await startHub(env, { port: hubPort, nodeArgs: HUB_NODE_ARGS });
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  cleanups.push(() => db.end());
  await seedDevices(db, agents);

  const onlineSince = async (since) =>
    Number(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM "Device" WHERE online AND "lastSeenAt" >= ($1::timestamptz AT TIME ZONE 'UTC')`,
          [since.toISOString()],
        )
      ).rows[0].n,
    );

  // ---- connect: agents start at --connect-rate per second ----
  let connects = 0;
  let connectedAgain = 0;
  let restartAt = null;
  let lastReconnect = 0;
  const onConnect = (a) => {
    connects++;
    if (restartAt !== null && !a.reconnected) {
      a.reconnected = true;
      connectedAgain++;
      lastReconnect = performance.now();
    }
  };
  const hubCpu0 = cpuSeconds(hub.proc.child.pid);
  const tConnect = performance.now();
  const startedAt = new Date(Date.now() - 1000);
  for (let i = 0; i < agents.length; i++) {
    startAgent(agents[i], agentUrl, onConnect);
    if ((i + 1) % Math.max(1, Math.round(CONNECT_RATE / 10)) === 0) await sleep(100);
  }
  cleanups.push(() => Promise.all(agents.map((a) => a.stop?.())));
  await waitUntil('every device online', async () => (await onlineSince(startedAt)) >= AGENTS, 600_000, hub.proc);
  const connectS = (performance.now() - tConnect) / 1000;
  const connectCpu = cpuSeconds(hub.proc.child.pid) - hubCpu0;

  // ---- steady: telemetry from everyone ----
  await sleep(Math.max(5, TELEMETRY_S) * 1000); // settle: every agent has started its telemetry timer
  const hubPid = hub.proc.child.pid;
  const cpuA = cpuSeconds(hubPid);
  const brokerA = cpuSeconds(brokerPid());
  const rss = [];
  const tA = performance.now();
  const loadA = os.loadavg()[0];
  while (performance.now() - tA < STEADY_S * 1000) {
    rss.push(rssMiB(hubPid));
    await sleep(1000);
  }
  const steadyWall = (performance.now() - tA) / 1000;
  const steadyCores = (cpuSeconds(hubPid) - cpuA) / steadyWall;
  const brokerCores = broker ? (cpuSeconds(brokerPid()) - brokerA) / steadyWall : NaN;
  const heard = Number(
    (
      await db.query(
        `SELECT count(*)::int AS n FROM "Device" WHERE "lastSeenAt" >= (now() AT TIME ZONE 'UTC') - make_interval(secs => $1)`,
        [TELEMETRY_S * 1.5],
      )
    ).rows[0].n,
  );
  const samples = Number((await db.query('SELECT count(*)::int AS n FROM "TelemetrySample"')).rows[0].n);
  const steady = {
    cores: steadyCores,
    rssMax: Math.max(...rss),
    rssEnd: rss.at(-1),
    brokerCores,
    heard,
    samples,
    load: [loadA, os.loadavg()[0]],
  };

  // ---- broker restart ----
  let restart = null;
  if (RESTART) {
    const cpuR = cpuSeconds(hubPid);
    restartAt = performance.now();
    const restartDate = new Date();
    let hubAfter = hub;
    if (broker) await broker.restart('SIGTERM');
    else {
      await hub.proc.stop();
      hubAfter = await startHub(env, { port: hubPort, nodeArgs: HUB_NODE_ARGS });
      hub = hubAfter;
    }
    const brokerBackS = (performance.now() - restartAt) / 1000;
    await waitUntil(
      'every device online again',
      async () => (await onlineSince(restartDate)) >= AGENTS && connectedAgain >= AGENTS,
      600_000,
      hubAfter.proc,
    );
    const allOnlineS = (performance.now() - restartAt) / 1000;
    const allConnectedS = (lastReconnect - restartAt) / 1000;
    const pid = hubAfter.proc.child.pid;
    // Hub CPU over the recovery (the same process with Mosquitto; the new one with the embedded broker).
    const cpuEnd = cpuSeconds(pid);
    const recoveryCores = broker ? (cpuEnd - cpuR) / allOnlineS : cpuEnd / allOnlineS;
    const rest = Math.max(0, 60 - allOnlineS);
    await sleep(rest * 1000);
    const minute = broker ? (cpuSeconds(pid) - cpuR) / 60 : cpuSeconds(pid) / (allOnlineS + rest);
    restart = { brokerBackS, allConnectedS, allOnlineS, recoveryCores, minuteCores: minute, rss: rssMiB(pid) };
  }
  return { hashS, connectS, connectCpu, steady, restart, connects };
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
    `${AGENTS} agents on ${BROKER === 'mosquitto' ? 'a private Mosquitto (dynsec, persistence on)' : "the hub's embedded broker"}, telemetry every ${TELEMETRY_S} s (${fmt(AGENTS / TELEMETRY_S, 0)} messages/s), FLEETBENCH_TELEMETRY_SAMPLE_S=${SAMPLE_S}`,
  );
  try {
    const r = await run();
    const s = r.steady;
    console.log(
      `connect: all ${AGENTS} online after ${fmt(r.connectS)} s (hub CPU ${fmt(r.connectCpu)} s)` +
        (BROKER === 'embedded'
          ? ` | passwords stored as ${hashSecret ? 'salted SHA-256' : 'scrypt'} (the bench hashed them in ${fmt(r.hashS)} s)`
          : ''),
    );
    console.log(
      `steady (${STEADY_S} s): hub CPU ${fmt(s.cores, 3)} cores, RSS max ${fmt(s.rssMax, 0)} MiB (end ${fmt(s.rssEnd, 0)})` +
        ` | broker ${fmt(s.brokerCores, 3)} cores | heard from ${s.heard}/${AGENTS} devices within ${TELEMETRY_S * 1.5} s` +
        ` | history rows ${s.samples} | load ${fmt(s.load[0], 2)} → ${fmt(s.load[1], 2)}`,
    );
    if (r.restart) {
      const x = r.restart;
      console.log(
        `restart (${BROKER === 'mosquitto' ? 'broker' : 'hub with its broker'}, SIGTERM): back in ${fmt(x.brokerBackS)} s, every agent connected after ${fmt(x.allConnectedS)} s,` +
          ` every device online in the database after ${fmt(x.allOnlineS)} s | hub CPU ${fmt(x.recoveryCores, 2)} cores over that, ${fmt(x.minuteCores, 2)} over the first minute | hub RSS ${fmt(x.rss, 0)} MiB`,
      );
    }
    console.log(`JSON ${JSON.stringify({ agents: AGENTS, broker: BROKER, ...r })}`);
  } finally {
    await cleanupAll();
  }
  console.log(
    `load average after: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
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
