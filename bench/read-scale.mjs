#!/usr/bin/env node
// Read side at scale: the REST endpoints the dashboard reads, timed against a database grown to 10k, 100k and 1M
// results. Seeded by SQL (generate_series) into a private database: 50 hardware classes, 500 devices (10 per class),
// 120 models, 3 comparability keys (latency bs1, throughput bs8, accuracy — a third of the results carry top-1),
// 5 % flagged, external-runner style unknown figures (null cold start / peak RSS) on a tenth, energy measured on
// 7 classes in 10 (RAPL or nvidia-smi) and 'unavailable' on the rest. The hub (apps/hub/dist)
// runs on that database; each endpoint is called sequentially (keep-alive), warm-up first, and p50/p95 printed.
// After each growth step: VACUUM ANALYZE (what autovacuum does after a bulk load; timed and printed).
// Prereqs: `npm run build` (hub dist), PostgreSQL on 127.0.0.1:5432 (FLEETBENCH_TEST_DATABASE_URL).
// Usage: node bench/read-scale.mjs [--sizes 10000,100000,1000000] [--requests 40] [--keep]
//        node bench/read-scale.mjs --database URL   (time again on a database kept by --keep: no seeding)
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { cleanupAll, cleanups, createDatabase, startHub, tempDir } from './lib/services.mjs';
import { arg } from './lib/args.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { formatComparabilityKey } = require('@fleetbench/protocol');
const SIZES = arg('sizes', '10000,100000,1000000').split(',').map(Number);
const REQUESTS = Number(arg('requests', '40'));
const KEEP = process.argv.includes('--keep');
const REUSE = arg('database', '');
const CLASSES = 50;
const DEVICES = 500;
const MODELS = 120;
const BASE = {
  executionProvider: 'cpu',
  interOpThreads: 0,
  intraOpThreads: 0,
  graphOptimizationLevel: 'all',
  warmupIterations: 10,
  minIterations: 100,
  minDurationMs: 1000,
  maxDurationMs: 60000,
  seed: 1,
};
const SETTINGS = [
  { ...BASE, mode: 'latency', batchSize: 1 },
  { ...BASE, mode: 'throughput', batchSize: 8 },
  { ...BASE, mode: 'accuracy', batchSize: 1 },
];
const KEYS = SETTINGS.map((s) => formatComparabilityKey(s));

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** Classes, devices, models, one campaign per class × key, one job per device × model × key. */
async function seedFleet(db) {
  await db.query(`
    INSERT INTO "HardwareClass" (id, name, key)
    SELECT 'hc_' || lpad(c::text, 2, '0'), 'Bench CPU ' || c || ' · x64 · ' || (2 + c % 8 * 2) || ' cores', 'bench|' || c
      FROM generate_series(0, ${CLASSES - 1}) c`);
  await db.query(
    `INSERT INTO "Device" (id, name, tags, "passwordHash", hardware, software, "hardwareClassId", "updatedAt")
     SELECT 'dev_' || lpad(d::text, 3, '0'), 'bench-' || d, ARRAY['bench'], 'x', $1::jsonb, $2::jsonb,
            'hc_' || lpad((d % ${CLASSES})::text, 2, '0'), now()
       FROM generate_series(0, ${DEVICES - 1}) d`,
    [
      {
        cpu: { vendor: 'Bench', model: 'Bench', arch: 'x64', physicalCores: 4, logicalCores: 8, maxFrequencyMHz: 3000 },
        memoryBytes: 8 * 2 ** 30,
        accelerators: [],
        os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1' },
        peakGflops: 200,
      },
      { agentVersion: '0.1.0', nodeVersion: '20.19.0', onnxruntimeVersion: '1.22.0', executionProviders: ['cpu'] },
    ],
  );
  await db.query(`
    INSERT INTO "Model" (id, sha256, "sizeBytes", name, family, source, inputs, outputs, "referenceMetrics")
    SELECT 'mdl_' || lpad(m::text, 3, '0'), md5(m::text) || md5((m + 1000)::text), 1000000 + m, 'Model ' || m,
           'Family ' || (m % 23), 'path', '[]'::jsonb, '[]'::jsonb,
           CASE WHEN m % 4 = 0 THEN NULL ELSE jsonb_build_object('top1', 0.6 + (m % 30) / 100.0) END
      FROM generate_series(0, ${MODELS - 1}) m`);
  await db.query(
    `INSERT INTO "Campaign" (id, name, state, request, "updatedAt")
     SELECT 'cmp_' || c || '_' || s, 'bench ' || c || ' ' || s, 'completed', '{}'::jsonb, now()
       FROM generate_series(0, ${CLASSES - 1}) c, generate_series(0, 2) s`,
  );
  await db.query(
    `INSERT INTO "Job" (id, "campaignId", "deviceId", "modelId", settings, "settingsKey", state, attempts,
                        "maxAttempts", "timeoutMs", progress, "updatedAt")
     SELECT 'job_' || d || '_' || m || '_' || s, 'cmp_' || (d % ${CLASSES}) || '_' || s, 'dev_' || lpad(d::text, 3, '0'),
            'mdl_' || lpad(m::text, 3, '0'), ($1::jsonb) -> s, ($2::jsonb) ->> s, 'succeeded', 1, 9, 900000, 1, now()
       FROM generate_series(0, ${DEVICES - 1}) d, generate_series(0, ${MODELS - 1}) m, generate_series(0, 2) s`,
    [JSON.stringify(SETTINGS), JSON.stringify(KEYS)],
  );
}

/** Results [from, to): device, model and key spread by hash, so every size covers the whole fleet. */
async function seedResults(db, from, to) {
  await db.query(
    `WITH g AS (
       SELECT i, abs(hashint4(i)::bigint) % ${DEVICES} AS d, abs(hashint4(i + 7919)::bigint) % ${MODELS} AS m,
              (abs(hashint4(i + 104729)::bigint) % 3)::int AS s, (abs(hashint4(i + 1299709)::bigint) % 1000) / 1000.0 AS u
         FROM generate_series($1::int, $2::int - 1) i
     ), f AS (
       SELECT g.*, (1 + m % 17) * (0.4 + (d % ${CLASSES}) / 25.0) * CASE s WHEN 1 THEN 6 ELSE 1 END * (0.9 + 0.2 * u) AS p50,
              i % 10 = 0 AS external
         FROM g
     )
     INSERT INTO "Result" (id, "msgId", "jobId", attempt, "deviceId", "modelId", "hardwareClassId", "settingsKey",
                           settings, metrics, "p50Ms", "p90Ms", "p99Ms", "throughputIps", top1, top5, histogram,
                           environment, "verdictStatus", "verdictReasons", "measuredAt", "createdAt")
     SELECT 'res_' || i, 'msg_' || i, 'job_' || d || '_' || m || '_' || s, i, 'dev_' || lpad(d::text, 3, '0'),
            'mdl_' || lpad(m::text, 3, '0'), 'hc_' || lpad((d % ${CLASSES})::text, 2, '0'), ($3::jsonb) ->> s,
            ($4::jsonb) -> s,
            jsonb_build_object(
              'latencyMs', jsonb_build_object('p50', p50, 'p90', p50 * 1.08, 'p95', p50 * 1.12, 'p99', p50 * 1.3,
                'mean', p50 * 1.03, 'std', p50 * 0.05, 'min', p50 * 0.9, 'max', p50 * 2, 'count', 200,
                'p50Ci95', NULL, 'unreliable', '[]'::jsonb),
              'iterations', 200, 'throughputIps', 1000 * CASE s WHEN 1 THEN 8 ELSE 1 END / p50,
              'coldStart', jsonb_build_object('sessionCreateMs', 50 + m,
                                              'firstInferenceMs', CASE WHEN external THEN NULL ELSE p50 * 3 END),
              'peakRssBytes', CASE WHEN external THEN NULL ELSE 80e6 + m * 1e6 END,
              'top1', CASE WHEN s = 2 THEN 0.55 + (m % 30) / 100.0 + u / 100 END,
              'top5', CASE WHEN s = 2 THEN 0.85 + u / 100 END,
              'accuracySamples', CASE WHEN s = 2 THEN 1000 END,
              'gflops', 1 + m % 10, 'peakShare', (1 + m % 10) / 200.0,
              'energy', CASE WHEN d % 10 < 7
                THEN jsonb_build_object('status', 'measured', 'source', CASE WHEN d % 2 = 0 THEN 'rapl' ELSE 'nvidia-smi' END,
                       'scope', 'package-0', 'seconds', 2, 'joules', 2 * (15 + d % ${CLASSES}),
                       'averageWatts', 15 + d % ${CLASSES}, 'joulesPerInference', (15 + d % ${CLASSES}) * p50 / 1000)
                ELSE '{"status":"unavailable","reasons":[{"source":"rapl","reason":"needs root"}]}'::jsonb END),
            p50, p50 * 1.08, p50 * 1.3, 1000 * CASE s WHEN 1 THEN 8 ELSE 1 END / p50,
            CASE WHEN s = 2 THEN 0.55 + (m % 30) / 100.0 + u / 100 END, CASE WHEN s = 2 THEN 0.85 + u / 100 END,
            repeat(md5(i::text), 12),
            jsonb_build_object('agentVersion', '0.1.0', 'nodeVersion', '20.19.0', 'onnxruntimeVersion', '1.22.0',
              'executionProvider', 'cpu', 'intraOpThreads', 0, 'interOpThreads', 0, 'modelSha256', md5(m::text),
              'datasetSha256', NULL, 'otherProcessesCpuPercent', 1),
            CASE WHEN u < 0.05 THEN 'flagged' ELSE 'valid' END::"VerdictStatus",
            CASE WHEN u < 0.05 THEN '["busy"]'::jsonb ELSE '[]'::jsonb END,
            timestamp '2026-01-01' + i * interval '1 second', timestamp '2026-01-01' + i * interval '1 second'
       FROM f`,
    [from, to, JSON.stringify(KEYS), JSON.stringify(SETTINGS)],
  );
}

async function time(hubUrl, token, name, urls) {
  const get = async (u) => {
    const t0 = performance.now();
    const res = await fetch(`${hubUrl}/api/v1${u}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.arrayBuffer();
    if (!res.ok) throw new Error(`${name}: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
    return { ms: performance.now() - t0, bytes: body.byteLength };
  };
  for (let i = 0; i < 3; i++) await get(urls(i));
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const r = await get(urls(i + 3));
    ms.push(r.ms);
    bytes = Math.max(bytes, r.bytes);
  }
  return { name, p50: pct(ms, 50), p95: pct(ms, 95), maxBytes: bytes };
}

async function main() {
  let dbUrl = REUSE;
  if (!REUSE) {
    dbUrl = await createDatabase('fleetbench_readscale');
    // createDatabase registered the drop last: keep the database with --keep (to EXPLAIN queries on it afterwards).
    const dropDatabase = cleanups.pop();
    if (!KEEP) cleanups.push(dropDatabase);
  }
  const db = new Client({ connectionString: dbUrl });
  try {
    const token = `fb_bench_${randomBytes(12).toString('hex')}`;
    const { url: hubUrl } = await startHub({
      DATABASE_URL: dbUrl,
      FLEETBENCH_ADMIN_TOKEN: token,
      FLEETBENCH_DATA_DIR: tempDir('readscale'),
    });
    await db.connect();
    let t0 = Date.now();
    let seeded = 0;
    let sizes = SIZES;
    if (REUSE) {
      seeded = Number((await db.query('SELECT count(*) AS n FROM "Result"')).rows[0].n);
      sizes = [seeded];
    } else {
      await seedFleet(db);
      console.log(
        `fleet: ${CLASSES} classes, ${DEVICES} devices, ${MODELS} models, ${DEVICES * MODELS * 3} jobs in ${Date.now() - t0} ms`,
      );
    }
    const rand = (i, n) => Math.abs(Math.imul(i + 1, 2654435761) >> 3) % n;
    const cls = (i) => `hc_${String(rand(i, CLASSES)).padStart(2, '0')}`;
    const dev = (i) => `dev_${String(rand(i, DEVICES)).padStart(3, '0')}`;
    const q = encodeURIComponent;
    const rows = [];
    for (const size of sizes) {
      t0 = Date.now();
      for (let from = seeded; from < size; from += 100_000) await seedResults(db, from, Math.min(size, from + 100_000));
      const seedMs = Date.now() - t0;
      t0 = Date.now();
      if (size > seeded || !REUSE) await db.query('VACUUM ANALYZE');
      const vacuumMs = Date.now() - t0;
      seeded = size;
      const { rows: sz } = await db.query(`SELECT pg_size_pretty(pg_total_relation_size('"Result"')) AS s`);
      console.log(
        `\n${size.toLocaleString('en')} results (seeded in ${seedMs} ms, VACUUM ANALYZE ${vacuumMs} ms, Result table + indexes ${sz[0].s}); load ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
      const endpoints = [
        ['leaderboard class × latency', (i) => `/leaderboard?hardwareClassId=${cls(i)}&settingsKey=${q(KEYS[0])}`],
        ['leaderboard class × accuracy', (i) => `/leaderboard?hardwareClassId=${cls(i)}&settingsKey=${q(KEYS[2])}`],
        ['leaderboard index', () => `/leaderboard/index`],
        [
          'device leaderboard (2 devices)',
          (i) => `/device-leaderboard?deviceIds=${dev(i)},${dev(i + 1)}&settingsKey=${q(KEYS[0])}`,
        ],
        ['device leaderboard index', () => `/device-leaderboard/index`],
        ['results ?deviceId (first page)', (i) => `/results?deviceId=${dev(i)}`],
        ['results (first page, no filter)', () => `/results`],
        ['result-summaries ?campaignId', (i) => `/result-summaries?campaignId=cmp_${rand(i, CLASSES)}_0`],
        ['result (one, with histogram)', (i) => `/results/res_${rand(i, size)}`],
      ];
      for (const [name, urls] of endpoints) {
        const r = await time(hubUrl, token, name, urls);
        rows.push({ size, ...r });
        console.log(
          `  ${name.padEnd(34)} p50 ${r.p50.toFixed(1).padStart(7)} ms   p95 ${r.p95.toFixed(1).padStart(7)} ms   ${(r.maxBytes / 1024).toFixed(1)} kB`,
        );
      }
    }
    console.log(
      `\nload average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (${os.cpus().length} cores)`,
    );
    if (KEEP) console.log(`database kept: ${dbUrl}`);
  } finally {
    await db.end().catch(() => {});
    await cleanupAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
