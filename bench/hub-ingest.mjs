#!/usr/bin/env node
// Hub result ingest, end to end: N simulated agents, each enrolled through the hub's REST API (one enrollment token)
// and connected to a private Mosquitto (dynamic security) with its own credentials, publish M valid result messages
// each with QoS 1 on their own results topic; the hub validates each one, checks that the job is the device's, inserts
// it in PostgreSQL (ON CONFLICT msgId DO NOTHING) and only then acknowledges it to the broker. Measured from the first
// publish until every result has its receipt (the hub sends one per agent per batch once the batch is committed, as to
// a real agent), then checked against `SELECT count(*) FROM "Result"`, for
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
//        [--max-queued N] [--timeout 120] [--events 0]  (env HUB_NODE_ARGS: extra node flags for the hubs, e.g. --cpu-prof)
//   --inflight    QoS 1 publishes each agent keeps outstanding (waiting for PUBACK)
//   --events      before the results, each agent sends this many job progress events (QoS 1) for its running job,
//                 the last one with progress 1; timed until every job shows progress 1 (the hub batches events too)
//   --max-queued  Mosquitto's max_queued_messages (per client; default: deploy/mosquitto/mosquitto.conf's, which the
//                 test broker uses too; 1000 = Mosquitto's own default, which drops results; 0 = unlimited)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import {
  api,
  cleanupAll,
  cleanups,
  cpuSeconds,
  createDatabase,
  deployedMaxQueued,
  sleep,
  startHub,
  startMosquitto,
  startRedis,
  tempDir,
} from './lib/services.mjs';
import { arg } from './lib/args.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { from: copyFrom } = require('pg-copy-streams');
const mqtt = require('mqtt');
const { monotonicFactory } = require('ulid');
const { apiPaths, topics, decodePayload, settingsKey } = require('@fleetbench/protocol');

const AGENTS = Number(arg('agents', 8));
const RESULTS = Number(arg('results', 250));
const INFLIGHT = Math.max(1, Number(arg('inflight', 10)));
const WARMUP = Number(arg('warmup', 5));
const SETUPS = String(arg('setups', 'one,two')).split(',');
const MAX_QUEUED = Number(arg('max-queued', deployedMaxQueued()));
const TIMEOUT_MS = Number(arg('timeout', 120)) * 1000;
const EVENTS = Number(arg('events', 0));
// Extra node flags for the hubs, e.g. HUB_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (written when a hub stops).
const HUB_NODE_ARGS = (process.env.HUB_NODE_ARGS ?? '').split(' ').filter(Boolean);
const ulid = monotonicFactory();

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// Payloads from the protocol's golden fixtures (packages/protocol/src/__fixtures__/valid), the contract's own examples.
const fixture = (name) =>
  JSON.parse(
    readFileSync(new URL(`../packages/protocol/src/__fixtures__/valid/${name}.json`, import.meta.url), 'utf8'),
  );
const { hardware, software } = fixture('rest.EnrollRequest');
const RESULT = fixture('results');
const SETTINGS = RESULT.settings;

/**
 * A valid result message for `jobId`: the golden fixture with this message's id and time. The hub stores one result
 * per job attempt, so each message of the bench names its own attempt of the device's long-running job.
 */
function resultMessage(jobId, msgId, attempt = 1) {
  return { ...RESULT, msgId, ts: new Date().toISOString(), jobId, attempt };
}
/** More attempts than any run publishes: every result of the bench is a distinct, acceptable measurement. */
const BENCH_ATTEMPTS = 10_000_000;

/** One model, one campaign, one running job per device (lease far out, so the sweeper leaves it). */
async function seedJobs(db, deviceIds) {
  const now = new Date();
  await db.query(
    `INSERT INTO "Model" (id, sha256, "sizeBytes", name, source, inputs, outputs) VALUES ('mdl_bench', $1, 1000, 'bench-model', 'path', $2, $3)`,
    [
      // The model the fixture result names, so the hub's acceptance finds the job's own model.
      RESULT.environment.modelSha256,
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
       VALUES ($1, 'cmp_bench', $2, 'mdl_bench', $3, $4, 'running', ${BENCH_ATTEMPTS}, 3, 86400000, $5, $6)`,
      [id, deviceId, SETTINGS, settingsKey(SETTINGS), new Date(now.getTime() + 86_400_000), now],
    );
    jobs.set(deviceId, id);
  }
  return jobs;
}

/** Publishes `count` results with at most INFLIGHT awaiting PUBACK; returns per-publish latencies (ms). */
/**
 * `count` result messages of `agent`, serialized ahead of the timed part: the simulated agents stand in for devices
 * elsewhere, so the less CPU they take from the two cores the hub, PostgreSQL and Mosquitto share, the nearer the
 * figure is to a real fleet's (each message still gets its own msgId and job attempt).
 */
function preparePayloads(agent, count) {
  return Array.from({ length: count }, () => {
    const msgId = ulid();
    agent.attempt = (agent.attempt ?? 0) + 1;
    return { msgId, payload: Buffer.from(JSON.stringify(resultMessage(agent.jobId, msgId, agent.attempt))) };
  });
}

/** Publishes `prepared` (QoS 1, INFLIGHT outstanding); returns each publish's time to its PUBACK. */
async function publishAll(agent, prepared, sent) {
  const lat = [];
  let next = 0;
  const worker = async () => {
    while (next < prepared.length) {
      const { msgId, payload } = prepared[next++];
      sent.push(msgId);
      const t = performance.now();
      await agent.client.publishAsync(agent.topic, payload, { qos: 1 });
      lat.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(INFLIGHT, prepared.length) }, worker));
  return lat;
}

/**
 * One ceiling row, in the column order of the ceiling's statements (id, msgId, jobId, deviceId, modelId,
 * hardwareClassId, settingsKey, settings, metrics, p50Ms, p90Ms, p99Ms, throughputIps, top1, top5, histogram,
 * environment, verdictStatus, verdictReasons, measuredAt as ISO text); JSON columns as JSON text.
 */
function ceilingRow(idPrefix, msg, jobId, f) {
  const m = msg.metrics;
  return [
    `${idPrefix}${msg.msgId}`,
    msg.msgId,
    jobId,
    f.deviceId,
    f.modelId,
    f.hardwareClassId,
    'latency/bs1/t0x0/cpu',
    JSON.stringify(msg.settings),
    JSON.stringify(m),
    m.latencyMs.p50,
    m.latencyMs.p90,
    m.latencyMs.p99,
    m.throughputIps,
    m.top1 ?? null,
    m.top5 ?? null,
    msg.histogram ?? null,
    JSON.stringify(msg.environment),
    msg.verdict.status,
    JSON.stringify(msg.verdict.reasons),
    msg.ts,
  ];
}

/**
 * The database's own ceiling in the same run: the same number of result rows (same columns and casts as the hub's
 * batched insert) written by one connection with multi-row `INSERT … ON CONFLICT ("msgId") DO NOTHING` in batches of
 * 250, no hub, no broker. Rows/s.
 */
async function dbCeiling(db, jobId, n) {
  const { rows } = await db.query(
    'SELECT j."deviceId", j."modelId", d."hardwareClassId" FROM "Job" j JOIN "Device" d ON d.id = j."deviceId" WHERE j.id = $1',
    [jobId],
  );
  const f = rows[0];
  const cols = 20;
  const t = performance.now();
  for (let i = 0; i < n; i += 250) {
    const k = Math.min(250, n - i);
    const params = [];
    const values = [];
    for (let j = 0; j < k; j++) {
      const msg = resultMessage(jobId, ulid());
      const b = values.length * cols;
      values.push(
        `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}::jsonb, $${b + 9}::jsonb, ` +
          `$${b + 10}, $${b + 11}, $${b + 12}, $${b + 13}, $${b + 14}::float8, $${b + 15}::float8, $${b + 16}::text, ` +
          `$${b + 17}::jsonb, $${b + 18}::"VerdictStatus", $${b + 19}::jsonb, ($${b + 20}::timestamptz AT TIME ZONE 'UTC'))`,
      );
      params.push(...ceilingRow('ceil_', msg, jobId, f));
    }
    await db.query(
      `INSERT INTO "Result" ("id", "msgId", "jobId", "deviceId", "modelId", "hardwareClassId", "settingsKey", "settings",
        "metrics", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "top1", "top5", "histogram", "environment",
        "verdictStatus", "verdictReasons", "measuredAt") VALUES ${values.join(', ')}
       ON CONFLICT ("msgId") DO NOTHING RETURNING "msgId"`,
      params,
    );
  }
  return (n / (performance.now() - t)) * 1000;
}

/**
 * The same rows written the way the hub writes them since the jsonb change: batches of 500 as one JSON parameter,
 * `INSERT … SELECT FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING RETURNING`. Rows/s.
 */
async function dbCeilingJson(db, jobId, n) {
  const { rows } = await db.query(
    'SELECT j."deviceId", j."modelId", d."hardwareClassId" FROM "Job" j JOIN "Device" d ON d.id = j."deviceId" WHERE j.id = $1',
    [jobId],
  );
  const f = rows[0];
  const t = performance.now();
  for (let i = 0; i < n; i += 500) {
    const records = [];
    for (let j = 0; j < Math.min(500, n - i); j++) {
      const msg = resultMessage(jobId, ulid());
      const m = msg.metrics;
      records.push({
        id: `ceil_${msg.msgId}`,
        msgId: msg.msgId,
        jobId,
        deviceId: f.deviceId,
        modelId: f.modelId,
        hardwareClassId: f.hardwareClassId,
        settingsKey: 'latency/bs1/t0x0/cpu',
        settings: msg.settings,
        metrics: m,
        p50Ms: m.latencyMs.p50,
        p90Ms: m.latencyMs.p90,
        p99Ms: m.latencyMs.p99,
        throughputIps: m.throughputIps,
        top1: m.top1 ?? null,
        top5: m.top5 ?? null,
        histogram: msg.histogram ?? null,
        environment: msg.environment,
        verdictStatus: msg.verdict.status,
        verdictReasons: msg.verdict.reasons,
        measuredAt: msg.ts,
      });
    }
    await db.query(
      `INSERT INTO "Result" ("id", "msgId", "jobId", "deviceId", "modelId", "hardwareClassId", "settingsKey", "settings",
        "metrics", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "top1", "top5", "histogram", "environment",
        "verdictStatus", "verdictReasons", "measuredAt")
       SELECT r."id", r."msgId", r."jobId", r."deviceId", r."modelId", r."hardwareClassId", r."settingsKey", r."settings",
        r."metrics", r."p50Ms", r."p90Ms", r."p99Ms", r."throughputIps", r."top1", r."top5", r."histogram", r."environment",
        r."verdictStatus"::"VerdictStatus", r."verdictReasons", (r."measuredAt" AT TIME ZONE 'UTC')
       FROM jsonb_to_recordset($1::jsonb) AS r("id" text, "msgId" text, "jobId" text, "deviceId" text, "modelId" text,
        "hardwareClassId" text, "settingsKey" text, "settings" jsonb, "metrics" jsonb, "p50Ms" float8, "p90Ms" float8,
        "p99Ms" float8, "throughputIps" float8, "top1" float8, "top5" float8, "histogram" text, "environment" jsonb,
        "verdictStatus" text, "verdictReasons" jsonb, "measuredAt" timestamptz)
       ON CONFLICT DO NOTHING RETURNING "msgId"`,
      [JSON.stringify(records)],
    );
  }
  return (n / (performance.now() - t)) * 1000;
}

/**
 * The same rows as one `COPY "Result" … FROM STDIN` (text format) per batch of 500 — PostgreSQL's bulk path, which the
 * hub's ingest uses since it costs the database a third less per row than the JSON statement. Rows/s.
 */
async function dbCeilingCopy(db, jobId, n) {
  const { rows } = await db.query(
    'SELECT j."deviceId", j."modelId", d."hardwareClassId" FROM "Job" j JOIN "Device" d ON d.id = j."deviceId" WHERE j.id = $1',
    [jobId],
  );
  const f = rows[0];
  const esc = (v) => (v === null || v === undefined ? '\\N' : String(v).replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]));
  const t = performance.now();
  for (let i = 0; i < n; i += 500) {
    let lines = '';
    for (let j = 0; j < Math.min(500, n - i); j++) {
      const row = ceilingRow('ceilc_', resultMessage(jobId, ulid()), jobId, f);
      row[19] = row[19].replace('T', ' ').replace('Z', ''); // timestamp without time zone, UTC
      lines += row.map(esc).join('\t') + '\n';
    }
    await new Promise((resolve, reject) => {
      const stream = db.query(
        copyFrom(`COPY "Result" ("id", "msgId", "jobId", "deviceId", "modelId", "hardwareClassId", "settingsKey",
          "settings", "metrics", "p50Ms", "p90Ms", "p99Ms", "throughputIps", "top1", "top5", "histogram", "environment",
          "verdictStatus", "verdictReasons", "measuredAt") FROM STDIN`),
      );
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(lines);
    });
  }
  return (n / (performance.now() - t)) * 1000;
}
const COPY_ESCAPES = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Jiffies of all cores from /proc/stat, in seconds: busy (not idle or iowait) and total. */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - f[3] - f[4]) / 100, total: total / 100 };
}

async function countResults(db) {
  return Number((await db.query('SELECT count(*)::int AS n FROM "Result"')).rows[0].n);
}

/**
 * Job events through the hub: each agent publishes EVENTS progress events (i / EVENTS, QoS 1, INFLIGHT outstanding)
 * for its running job, in order; timed from the first publish until every job's progress is 1 (an agent's events are
 * applied in order, so its last one lands last). Returns events/s and the CPU per event of the hubs and the broker.
 */
async function eventsPhase(db, agents, hubs, broker) {
  const pids = [...hubs.map((h) => h.proc.child.pid), broker.proc.child.pid];
  const cpu0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  await Promise.all(
    agents.map(async (a) => {
      let next = 0;
      // Each worker takes the next index and publishes it in the same tick: one client's publishes go out, and the
      // broker delivers them, in index order.
      const worker = async () => {
        while (next < EVENTS) {
          const ev = {
            v: 1,
            ts: new Date().toISOString(),
            jobId: a.jobId,
            kind: 'progress',
            progress: ++next / EVENTS,
          };
          await a.client.publishAsync(topics.events(a.agentId), JSON.stringify(ev), { qos: 1 });
        }
      };
      await Promise.all(Array.from({ length: Math.min(INFLIGHT, EVENTS) }, worker));
    }),
  );
  for (;;) {
    const { rows } = await db.query('SELECT count(*)::int AS n FROM "Job" WHERE progress = 1');
    if (rows[0].n >= agents.length) break;
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`events: ${rows[0].n}/${agents.length} jobs reached 1`);
    await sleep(25);
  }
  const ms = performance.now() - t0;
  const cpu1 = pids.map(cpuSeconds);
  const n = EVENTS * agents.length;
  const hubCpu = hubs.reduce((acc, _h, i) => acc + (cpu1[i] - cpu0[i]), 0);
  return {
    n,
    ms,
    rate: (n / ms) * 1000,
    hubMsPer: (hubCpu / n) * 1000,
    brokerMsPer: ((cpu1.at(-1) - cpu0.at(-1)) / n) * 1000,
  };
}

async function runSetup(setup) {
  const replicas = setup === 'two' ? 2 : 1;
  const [dbUrl, broker, redis] = await Promise.all([
    createDatabase('fleetbench_ingest'),
    startMosquitto({ maxQueued: MAX_QUEUED }),
    startRedis(),
  ]);
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
  const hubs = await Promise.all(Array.from({ length: replicas }, () => startHub(env, { nodeArgs: HUB_NODE_ARGS })));
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
  const receipted = new Set();
  for (const e of enrolled) {
    const client = await mqtt.connectAsync(e.mqtt.url, {
      clientId: e.agentId,
      username: e.mqtt.username,
      password: e.mqtt.password,
      reconnectPeriod: 0,
    });
    cleanups.push(() => client.endAsync(true));
    // Receipts: the hub sends one (per agent, per batch) once the batch is committed — the bench's "stored" signal,
    // as it is a real agent's (polling count(*) every few ms cost PostgreSQL CPU the hub then lacked).
    await client.subscribeAsync(topics.jobs(e.agentId), { qos: 1 });
    client.on('message', (_topic, payload) => {
      const msg = JSON.parse(payload.toString());
      if (msg.kind === 'receipt') for (const id of msg.msgIds) receipted.add(id);
    });
    agents.push({
      client,
      agentId: e.agentId,
      topic: topics.results(e.agentId),
      jobId: jobs.get(e.agentId),
    });
  }
  // The payload the hub will see must pass the protocol's own validation.
  const probe = decodePayload('results', JSON.stringify(resultMessage(agents[0].jobId, ulid())));
  if (!probe.ok) throw new Error(`result message invalid: ${JSON.stringify(probe.error)}`);

  /**
   * Until every msgId sent has its receipt, i.e. its batch is committed (checked every 5 ms, in the bench's own
   * process: no query). Then the count in the database must agree; `stalled` when no receipt came for 10 s.
   */
  const waitForReceipts = async (t0) => {
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      const now = performance.now();
      if (receipted.size >= sent.length && sent.every((m) => receipted.has(m))) {
        const ms = now - t0;
        return { n: await countResults(db), ms };
      }
      if (receipted.size !== last) {
        last = receipted.size;
        lastChange = now;
      }
      if (now - lastChange > 10_000 || now - t0 > TIMEOUT_MS)
        return { n: await countResults(db), ms: lastChange - t0, stalled: true };
      await sleep(5);
    }
  };

  const events = EVENTS > 0 ? await eventsPhase(db, agents, hubs, broker) : null;
  const sent = [];
  if (WARMUP > 0) {
    const t = performance.now();
    await Promise.all(agents.map((a) => publishAll(a, preparePayloads(a, WARMUP), sent)));
    const w = await waitForReceipts(t);
    if (w.stalled) throw new Error(`warm-up stalled at ${w.n}/${sent.length}`);
  }
  const warm = sent.length;
  const prepared = agents.map((a) => preparePayloads(a, RESULTS));
  const pids = [...hubs.map((h) => h.proc.child.pid), broker.proc.child.pid];
  // PostgreSQL: the backends serving this database (the hubs' pools, warm after the warm-up), and those opened during
  // the timed part (a pool grows under load; such a backend's whole CPU time falls in it). The bench's own connection
  // (its count polls) is left out.
  const backends = async () =>
    (
      await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
    ).rows.map((r) => r.pid);
  const pg0ByPid = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  const pgCpuSince = (pids) =>
    pids.reduce((a, pid) => a + Math.max(0, (cpuSeconds(pid) ?? pg0ByPid.get(pid) ?? 0) - (pg0ByPid.get(pid) ?? 0)), 0);
  const cpu0 = pids.map(cpuSeconds);
  const load0 = os.loadavg();
  const self0 = process.cpuUsage();
  const machine0 = machineCpu();
  const t0 = performance.now();
  const latencies = await Promise.all(agents.map((a, i) => publishAll(a, prepared[i], sent)));
  const publishMs = performance.now() - t0;
  const done = await waitForReceipts(t0);
  const cpu1 = pids.map(cpuSeconds);
  const pg1 = pgCpuSince([...new Set([...pg0ByPid.keys(), ...(await backends())])]);
  const load1 = os.loadavg();
  const self1 = process.cpuUsage(self0);
  const machine1 = machineCpu();

  // The regression watch runs after each batch committed (not part of the count above): how long until it has a
  // series point for every stored result, and the hub's CPU up to then (ingest and watch together).
  const watch = await (async () => {
    for (;;) {
      const n = Number((await db.query('SELECT count(*)::int AS n FROM "SeriesPoint"')).rows[0].n);
      const ms = performance.now() - t0;
      if (n >= sent.length)
        return {
          ms,
          n,
          hubCpu:
            pids
              .slice(0, -1)
              .map(cpuSeconds)
              .reduce((a, b) => a + b, 0) - cpu0.slice(0, -1).reduce((a, b) => a + b, 0),
        };
      if (ms > TIMEOUT_MS) return { ms, n, hubCpu: NaN, stalled: true };
      await sleep(25);
    }
  })();

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
    pgCpu: pg1,
    // The database's ceiling: the best of three batched forms (multi-row VALUES, one JSON parameter, COPY).
    ...(await (async () => {
      const values = await dbCeiling(db, agents[0].jobId, measured);
      const json = await dbCeilingJson(db, agents[0].jobId, measured);
      const copy = await dbCeilingCopy(db, agents[0].jobId, measured);
      return {
        ceiling: Math.max(values, json, copy),
        ceilingValues: values,
        ceilingJson: json,
        ceilingCopy: copy,
      };
    })()),
    brokerCpu: cpu1.at(-1) - cpu0.at(-1),
    load: [load0[0], load1[0]],
    benchCpu: (self1.user + self1.system) / 1e6,
    // Busy CPU seconds of the whole machine (every process, other users' too) over the timed part.
    machineBusy: machine1.busy - machine0.busy,
    machineTotal: machine1.total - machine0.total,
    dropped,
    events,
    watch,
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
          ` | CPU s: hub ${r.hubCpu.map((c) => c.toFixed(1)).join(' + ')} (${((r.hubCpu.reduce((a, b) => a + b, 0) / r.stored) * 1000).toFixed(2)} ms per result), PostgreSQL ${r.pgCpu.toFixed(1)} (${((r.pgCpu / r.stored) * 1000).toFixed(2)} ms), broker ${r.brokerCpu.toFixed(1)} (${((r.brokerCpu / r.stored) * 1000).toFixed(2)} ms), bench's agents ${r.benchCpu.toFixed(1)} (${((r.benchCpu / r.stored) * 1000).toFixed(2)} ms); machine ${((100 * r.machineBusy) / r.machineTotal).toFixed(0)} % busy (${r.machineBusy.toFixed(1)} of ${r.machineTotal.toFixed(1)} core-s)` +
          ` | database ceiling (multi-row insert, no hub) ${r.ceiling.toFixed(0)} rows/s (VALUES ${r.ceilingValues.toFixed(0)}, jsonb ${r.ceilingJson.toFixed(0)}, COPY ${r.ceilingCopy.toFixed(0)}) → ratio ${(r.rate / r.ceiling).toFixed(2)}` +
          ` | load ${r.load.map((x) => x.toFixed(2)).join(' → ')}` +
          ` | ${r.exact ? 'exact (distinct msgIds, none missing, none extra)' : `NOT EXACT: missing ${r.missing}, extra ${r.extra}, duplicate rows ${r.dupRows}${r.stalled ? ', count stalled' : ''}`}` +
          ` | regression watch: ${r.watch.stalled ? `STALLED at ${r.watch.n} points` : 'every point'} ${(r.watch.ms / 1000).toFixed(2)} s after the first publish, hub CPU to then ${((r.watch.hubCpu / r.stored) * 1000).toFixed(2)} ms per result` +
          (r.dropped ? ` | broker log: ${r.dropped}× "Outgoing messages are being dropped"` : '') +
          (r.events
            ? ` | events: ${r.events.n} in ${(r.events.ms / 1000).toFixed(2)} s = ${r.events.rate.toFixed(0)} events/s, hub ${r.events.hubMsPer.toFixed(2)} ms, broker ${r.events.brokerMsPer.toFixed(2)} ms CPU per event`
            : ''),
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
