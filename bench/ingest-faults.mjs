#!/usr/bin/env node
// Exactly once under faults: real agents (apps/agent, running mnist.onnx) run campaigns through a hub on PostgreSQL and
// a private Mosquitto 2 (dynamic security, persistence on as deployed: autosave every 60 s), while the script injects,
// each `--rounds` times: hub kill -9, hub graceful restart (SIGTERM), broker kill -9, broker graceful restart,
// a database outage (a TCP proxy between hub and PostgreSQL cuts every connection and refuses new ones for 3 s),
// agent kill -9 mid-job (restarted), a network cut between agents and broker (a TCP proxy, 3 s), and a torn outbox
// file (an agent killed, half a result written into its outbox, restarted). Nobody touches anything afterwards.
// Then: every result the agents measured (logged "result stored in outbox" once durable, or published from the outbox
// by a restarted agent) is in the database exactly once by msgId and nothing else is, no job is left open, every campaign completed, every outbox is empty (the hub's
// receipts) and each torn file was set aside, not stored.
// Prints sent (measured) / acknowledged by the broker / confirmed by the hub / stored / duplicates rejected by the
// hub / writes retried by the hub, the faults and the job states; `--json` adds one JSON line at the end. Exit 1 when
// anything is off.
// `--replicas N` (default 1) runs N hub processes on the one database and broker (shared subscription, a private
// Redis for socket.io, one shared data folder), as a scaled-out deployment does; each hub fault hits one replica, in
// turn, and restarts it on its port (its MQTT client id and persistent session stay the same) while the others work on.
// `--lose-replica` then kills the last replica for good (README "Retiring a replica": its session stays on the broker).
// Prereqs: `npx tsc -b apps/hub apps/agent`, PostgreSQL on 127.0.0.1:5432 (FLEETBENCH_TEST_DATABASE_URL), mosquitto +
// mosquitto_ctrl + the dynsec plugin, ../shared/data/models/mnist.onnx (FLEETBENCH_SHARED_DATA).
// Usage: node bench/ingest-faults.mjs [--agents 3] [--jobs 1000] [--rounds 2] [--replicas 1 [--lose-replica]]
//        [--timeout 900] [--json]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  ADMIN_URL,
  ROOT,
  api,
  cleanupAll,
  cleanups,
  createDatabase,
  freePort,
  sleep,
  spawnTracked,
  startHub,
  startMosquitto,
  startRedis,
  tcpProxy,
  tempDir,
} from './lib/services.mjs';
import { arg } from './lib/args.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { ulid } = require('ulid');

const AGENTS = Number(arg('agents', 3));
const JOBS = Number(arg('jobs', 1000));
const ROUNDS = Number(arg('rounds', 2));
const REPLICAS = Number(arg('replicas', 1));
// With replicas: after the other faults, one replica is killed (-9) for good, as when its machine is lost.
const LOSE_REPLICA = process.argv.includes('--lose-replica');
const TIMEOUT_MS = Number(arg('timeout', 900)) * 1000;
const JSON_OUT = process.argv.includes('--json');
if (!Number.isInteger(REPLICAS) || REPLICAS < 1) throw new Error(`--replicas must be a whole number >= 1`);
const SHARED = path.resolve(process.env.FLEETBENCH_SHARED_DATA ?? path.join(ROOT, '../shared/data'));
const MODEL = path.join(SHARED, 'models', 'mnist.onnx');
const AGENT_BIN = path.join(ROOT, 'apps/agent/bin/fleetbench-agent.js');
const FAULTS = [
  'hub-kill',
  'hub-restart',
  'broker-kill',
  'broker-restart',
  'db-outage',
  'agent-kill',
  'network-cut',
  'torn-outbox',
];
const t0 = Date.now();
const log = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);

/** What the logs say, counted by msgId where there is one. */
const seen = {
  measured: new Set(),
  acked: new Set(),
  confirmed: new Set(),
  duplicates: 0,
  retried: 0,
  /** Of those, handlings cut off by the hub's own shutdown (its database pool closed under them). */
  retriedClosedPool: 0,
  /** Hub log lines of any kind reporting a database pool used after it was closed (a shutdown cutting work off). */
  closedPoolErrors: 0,
  busy: new Map(), // agent name → job id running now
};

function parse(line) {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

function hubLine(line) {
  const l = parse(line);
  if (!l) return;
  if (line.includes('Cannot use a pool')) seen.closedPoolErrors++;
  // "duplicate result (same msgId or job attempt) ignored" (prefix match: the wording has changed before).
  if (l.msg?.startsWith('duplicate result')) seen.duplicates++;
  else if (l.msg === 'message not stored; acknowledgement held, retrying') {
    seen.retried++;
    if (/Cannot use a pool/.test(JSON.stringify(l.err ?? ''))) seen.retriedClosedPool++;
  }
}

function agentLine(name, line) {
  const l = parse(line);
  if (!l) return;
  if (l.msg === 'result stored in outbox') seen.measured.add(l.msgId);
  else if (l.msg === 'result published and acknowledged by the broker') {
    // Also measured: an agent killed right after its outbox write may lose that log line with its stdout; its next
    // start publishes the result from the outbox.
    seen.measured.add(l.msgId);
    seen.acked.add(l.msgId);
  } else if (l.msg === 'result confirmed stored by the hub') seen.confirmed.add(l.msgId);
  else if (l.msg === 'job accepted') seen.busy.set(name, l.jobId);
  else if (l.msg === 'job finished' || l.msg === 'job failed') seen.busy.delete(name);
}

async function main() {
  if (!existsSync(MODEL)) throw new Error(`${MODEL} is missing (set FLEETBENCH_SHARED_DATA)`);
  const cpus = os.cpus();
  log(
    `machine: ${cpus[0]?.model ?? '?'}, ${cpus.length} cores, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${AGENTS} agents, ${JOBS} jobs, ${ROUNDS} round(s) of ${FAULTS.length} faults, ${REPLICAS} hub(s)`,
  );
  const dbUrl = await createDatabase('fleetbench_faults');
  const pg = new URL(ADMIN_URL);
  const dbProxy = await tcpProxy(pg.hostname, Number(pg.port || 5432));
  const hubDbUrl = new URL(dbUrl);
  hubDbUrl.hostname = '127.0.0.1';
  hubDbUrl.port = String(dbProxy.port);
  const broker = await startMosquitto({ persistence: true });
  const agentProxy = await tcpProxy('127.0.0.1', broker.port);
  const adminToken = `fb_faults_${ulid().toLowerCase()}`;
  const hubPorts = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
  const redis = REPLICAS > 1 ? await startRedis() : null;
  const hubEnv = {
    ...(redis ? { REDIS_URL: redis.url } : {}),
    DATABASE_URL: hubDbUrl.toString(),
    MQTT_URL: `mqtt://${broker.admin.username}:${broker.admin.password}@127.0.0.1:${broker.port}`,
    FLEETBENCH_MQTT_DYNSEC: '1',
    FLEETBENCH_MQTT_PUBLIC_URL: `mqtt://127.0.0.1:${agentProxy.port}`,
    FLEETBENCH_DATA_DIR: tempDir('hub-data'),
    FLEETBENCH_ADMIN_TOKEN: adminToken,
    // The sample model is registered by path (admin only, inside these folders).
    FLEETBENCH_REGISTER_DIRS: path.dirname(MODEL),
  };
  const startReplica = (port) => startHub(hubEnv, { port, logLevel: 'info', onLine: hubLine });
  // Replicas start at once, as a deployment's do (the migrations take an advisory lock).
  const hubs = await Promise.all(hubPorts.map(startReplica));
  const hub = hubs[0]; // set-up requests only; no hub fault comes before the campaigns exist
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  cleanups.push(() => db.end());

  // Real agents, enrolled with the CLI.
  const { token } = await api(hub.url, adminToken, 'POST', '/api/v1/enrollment-tokens', { maxUses: AGENTS });
  const agents = [];
  for (let i = 0; i < AGENTS; i++) {
    const name = `faults-${i}`;
    const dir = tempDir(name);
    const config = path.join(dir, 'agent.json');
    // Not spawnSync: the proxies in this process must keep forwarding the hub's database traffic meanwhile.
    const enroll = spawnTracked(`enroll ${name}`, process.execPath, [
      AGENT_BIN,
      'enroll',
      '--hub',
      hub.url,
      '--token',
      token,
      '--name',
      name,
      '--config',
      config,
    ]);
    if ((await enroll.exited) !== 0) throw new Error(`enroll ${name}: ${enroll.output()}`);
    const agent = { name, config, dataDir: path.join(dir, 'data'), id: JSON.parse(readFileSync(config)).agentId };
    agent.start = () => {
      agent.proc = spawnTracked(
        `agent ${name}`,
        process.execPath,
        [AGENT_BIN, 'run', '--config', config],
        { FLEETBENCH_AGENT_DATA_DIR: agent.dataDir, FLEETBENCH_AGENT_TELEMETRY_INTERVAL_S: '5', LOG_LEVEL: 'info' },
        (line) => agentLine(name, line),
      );
    };
    agent.start();
    agents.push(agent);
  }
  const model = await api(hub.url, adminToken, 'POST', '/api/v1/models', { name: 'mnist', path: MODEL });

  // Campaigns of at most 40 settings entries × the agents, short latency runs (a campaign is created in one
  // transaction with Prisma's 5 s limit, which a few hundred jobs can exceed on a loaded machine).
  const perCampaign = 40 * AGENTS;
  const campaigns = [];
  for (let left = JOBS; left > 0; left -= perCampaign) {
    const n = Math.ceil(Math.min(left, perCampaign) / AGENTS);
    const c = await api(hub.url, adminToken, 'POST', '/api/v1/campaigns', {
      name: `faults-${campaigns.length}`,
      modelIds: [model.id],
      devices: { ids: agents.map((a) => a.id) },
      settings: Array.from({ length: n }, (_, i) => ({
        mode: 'latency',
        warmupIterations: 1,
        minIterations: 5 + i,
        minDurationMs: 1,
      })),
      timeoutMs: 60_000,
      maxAttempts: 10,
    });
    campaigns.push(c.id);
  }
  const total = Number((await db.query('SELECT count(*)::int AS n FROM "Job"')).rows[0].n);
  log(`${campaigns.length} campaign(s), ${total} jobs`);
  const stored = async () => Number((await db.query('SELECT count(*)::int AS n FROM "Result"')).rows[0].n);

  let hubFaults = 0;
  const restartHub = async (signal) => {
    // One replica at a time, in turn; each round (two hub faults) starts one replica further, so that over two rounds
    // each of two replicas gets a kill -9 and a SIGTERM.
    const i = (hubFaults + Math.floor(hubFaults / 2)) % REPLICAS;
    hubFaults++;
    await hubs[i].proc.kill(signal);
    await sleep(300);
    hubs[i] = await startReplica(hubPorts[i]);
    return REPLICAS > 1 ? `replica ${i}` : '';
  };
  const restartAgent = async (agent, between) => {
    await agent.proc.kill('SIGKILL');
    seen.busy.delete(agent.name);
    await between?.();
    await sleep(300);
    agent.start();
  };
  const torn = [];
  const inject = {
    'hub-kill': () => restartHub('SIGKILL'),
    'hub-restart': () => restartHub('SIGTERM'),
    'replica-lost': async () => {
      if (REPLICAS < 2) throw new Error('--lose-replica needs --replicas 2 or more');
      await hubs[REPLICAS - 1].proc.kill('SIGKILL');
      return `replica ${REPLICAS - 1}, not restarted`;
    },
    'broker-kill': () => broker.restart('SIGKILL'),
    'broker-restart': () => broker.restart('SIGTERM'),
    'db-outage': () => dbProxy.cut(3000),
    'network-cut': () => agentProxy.cut(3000),
    'agent-kill': async () => {
      // Mid-job: wait (up to 10 s) for an agent that is running one.
      const deadline = Date.now() + 10_000;
      while (seen.busy.size === 0 && Date.now() < deadline) await sleep(20);
      const agent = agents.find((a) => seen.busy.has(a.name)) ?? agents[0];
      await restartAgent(agent);
    },
    'torn-outbox': async () => {
      const agent = agents[torn.length % agents.length];
      await restartAgent(agent, async () => {
        const msgId = ulid();
        const whole = JSON.stringify({
          v: 1,
          msgId,
          jobId: 'torn',
          ts: new Date().toISOString(),
          pad: 'x'.repeat(400),
        });
        const dir = path.join(agent.dataDir, 'outbox');
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, `${msgId}.json`), whole.slice(0, whole.length / 2));
        torn.push({ agent, msgId });
      });
    },
  };

  // Faults spread over the campaign: the k-th once a (k+1)/(n+2) share of the jobs is stored.
  const plan = [...Array.from({ length: ROUNDS }, () => FAULTS).flat(), ...(LOSE_REPLICA ? ['replica-lost'] : [])];
  const injected = [];
  for (const [k, fault] of plan.entries()) {
    const target = Math.floor((total * (k + 1)) / (plan.length + 2));
    while ((await stored()) < target && Date.now() - t0 < TIMEOUT_MS) await sleep(100);
    const before = await stored();
    const ft = Date.now();
    const retried = seen.retried;
    const closedPool = seen.closedPoolErrors;
    const which = await inject[fault]();
    injected.push(fault);
    log(
      `${fault.padEnd(14)} at ${before}/${total} stored (${Date.now() - ft} ms, ${seen.retried - retried} retried and ${seen.closedPoolErrors - closedPool} closed-pool errors meanwhile)${which ? `, ${which}` : ''}`,
    );
  }

  // Hands off: the campaigns must complete by themselves, and every outbox empty out.
  const open = async () =>
    Number(
      (await db.query(`SELECT count(*)::int AS n FROM "Job" WHERE state IN ('queued', 'assigned', 'running')`)).rows[0]
        .n,
    );
  while ((await open()) > 0 && Date.now() - t0 < TIMEOUT_MS) await sleep(250);
  const outboxFiles = (a) => {
    try {
      return readdirSync(path.join(a.dataDir, 'outbox')).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
  };
  const drainDeadline = Date.now() + 30_000;
  while (agents.some((a) => outboxFiles(a).length) && Date.now() < drainDeadline) await sleep(250);
  await sleep(1000); // a straggling redelivery would show as a duplicate or an extra row

  const rows = (await db.query('SELECT "msgId" FROM "Result"')).rows.map((r) => r.msgId);
  const inDb = new Set(rows);
  const states = Object.fromEntries(
    (await db.query('SELECT state, count(*)::int AS n FROM "Job" GROUP BY state')).rows.map((r) => [r.state, r.n]),
  );
  const campaignStates = (await db.query('SELECT state FROM "Campaign"')).rows.map((r) => r.state);
  const summary = {
    jobs: total,
    replicas: REPLICAS,
    faults: injected,
    sent: seen.measured.size,
    acknowledged: [...seen.measured].filter((m) => seen.acked.has(m)).length,
    confirmed: [...seen.measured].filter((m) => seen.confirmed.has(m)).length,
    stored: rows.length,
    duplicatesRejected: seen.duplicates,
    retried: seen.retried,
    retriedClosedPool: seen.retriedClosedPool,
    closedPoolErrors: seen.closedPoolErrors,
    missing: [...seen.measured].filter((m) => !inDb.has(m)).length,
    extra: rows.filter((m) => !seen.measured.has(m)).length,
    duplicateRows: rows.length - inDb.size,
    tornStored: torn.filter((t) => inDb.has(t.msgId)).length,
    tornSetAside: torn.filter((t) => {
      try {
        return readdirSync(path.join(t.agent.dataDir, 'outbox', 'corrupt')).some((n) => n.startsWith(t.msgId));
      } catch {
        return false;
      }
    }).length,
    torn: torn.length,
    outboxLeft: agents.reduce((n, a) => n + outboxFiles(a).length, 0),
    jobStates: states,
    // Why a job did not succeed: its attempts and the error the hub recorded.
    jobsNotSucceeded: (
      await db.query(
        `SELECT id, state, attempts, "maxAttempts", error FROM "Job" WHERE state <> 'succeeded' ORDER BY "updatedAt"`,
      )
    ).rows,
    openJobs: await open(),
    campaignStates,
    seconds: (Date.now() - t0) / 1000,
  };
  summary.ok =
    summary.missing === 0 &&
    summary.extra === 0 &&
    summary.duplicateRows === 0 &&
    summary.tornStored === 0 &&
    summary.tornSetAside === summary.torn &&
    summary.openJobs === 0 &&
    summary.outboxLeft === 0 &&
    (states.succeeded ?? 0) === total &&
    campaignStates.every((s) => s === 'completed');
  log(
    `sent (measured) ${summary.sent} | acknowledged by the broker ${summary.acknowledged} | confirmed by the hub ${summary.confirmed} | stored ${summary.stored} | duplicates rejected ${summary.duplicatesRejected} | retried ${summary.retried} (${summary.retriedClosedPool} on a closed database pool) | closed-pool errors logged ${summary.closedPoolErrors}`,
  );
  log(
    `missing ${summary.missing}, extra ${summary.extra}, duplicate rows ${summary.duplicateRows}; torn files ${summary.torn}: set aside ${summary.tornSetAside}, stored ${summary.tornStored}; outbox files left ${summary.outboxLeft}`,
  );
  for (const j of summary.jobsNotSucceeded)
    log(`job ${j.id} ${j.state} after ${j.attempts}/${j.maxAttempts} attempts: ${JSON.stringify(j.error)}`);
  log(`jobs ${JSON.stringify(states)}, campaigns ${campaignStates.join(', ')} → ${summary.ok ? 'EXACT' : 'NOT EXACT'}`);
  if (!summary.ok) {
    for (const a of agents) console.error(`----- ${a.name} -----\n${a.proc.output().slice(-3000)}`);
    for (const [i, h] of hubs.entries()) console.error(`----- hub ${i} -----\n${h.proc.output().slice(-5000)}`);
    process.exitCode = 1;
  }
  if (JSON_OUT) console.log(JSON.stringify(summary));
}

for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(sig, () => {
    console.error(`${sig}: cleaning up`);
    cleanupAll().finally(() => process.exit(130));
  });
main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
