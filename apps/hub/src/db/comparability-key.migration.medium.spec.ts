/**
 * Medium test (real PostgreSQL): the comparability-key migration re-keys stored jobs and results with exactly the
 * key formatComparabilityKey gives their settings, and turns the external runners' 0 figures into null.
 */
import { BenchmarkSettingsSchema, formatComparabilityKey, type BenchmarkSettingsInput } from '@fleetbench/protocol';
import pg from 'pg';
import { createTestDatabase } from '../test-support/database';
import { applyMigrations, readMigrations, type SqlSession } from './migration-runner';

const MIGRATION = 'comparability_key';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;
let session: SqlSession;
beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  session = {
    query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
    exec: async (sql) => {
      await client.query(sql);
    },
  };
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** Settings as the hub stored them over time: parsed with every default, or older rows without the newer fields. */
const stored: { settings: Record<string, unknown>; oldKey: string }[] = [
  ...(
    [
      {},
      { mode: 'throughput', batchSize: 4, intraOpThreads: 2, interOpThreads: 1, executionProvider: 'cuda' },
      { mode: 'throughput', batchSizes: [1, 4, 16] },
      { mode: 'throughput', batchSizes: [8, 1, 8] },
      { runner: 'trtexec', executionProvider: 'tensorrt' },
      { runner: 'onnxruntime_perf_test', graphOptimizationLevel: 'basic' },
      { runner: 'onnxruntime-node', graphOptimizationLevel: 'disabled' },
      { mode: 'accuracy', maxSamples: 500 },
      { mode: 'accuracy' },
      { mode: 'latency', maxSamples: 9 },
      { executionProvider: 'vendor/npu 100%' },
    ] as BenchmarkSettingsInput[]
  ).map((input) => {
    const s = BenchmarkSettingsSchema.parse(input);
    return {
      settings: s as unknown as Record<string, unknown>,
      oldKey: `${s.mode}/bs${s.batchSize}/t${s.intraOpThreads}x${s.interOpThreads}/${s.executionProvider}`,
    };
  }),
  // A row written before runner / graphOptimizationLevel / batchSizes existed: the defaults apply.
  {
    settings: { mode: 'latency', batchSize: 2, intraOpThreads: 1, interOpThreads: 0, executionProvider: 'cpu' },
    oldKey: 'latency/bs2/t1x0/cpu',
  },
];

it('re-keys every job and result from its stored settings, as formatComparabilityKey does', async () => {
  const migrations = readMigrations();
  const at = migrations.findIndex((m) => m.name.endsWith(`_${MIGRATION}`));
  expect(at).toBeGreaterThan(0);
  await applyMigrations(session, migrations.slice(0, at));

  await session.exec(`
    INSERT INTO "HardwareClass" (id, name, key) VALUES ('hc', 'class', 'k');
    INSERT INTO "Device" (id, name, "passwordHash", hardware, software, "hardwareClassId", "updatedAt")
      VALUES ('d1', 'dev', 'x', '{}', '{}', 'hc', now());
    INSERT INTO "Model" (id, sha256, "sizeBytes", name, source, inputs, outputs)
      VALUES ('m1', '${'a'.repeat(64)}', 1, 'model', 'upload', '[]', '[]');
    INSERT INTO "Campaign" (id, name, request, "updatedAt") VALUES ('c1', 'c', '{}', now());`);
  for (const [i, row] of stored.entries()) {
    const runner = typeof row.settings.runner === 'string' ? row.settings.runner : undefined;
    const external = runner === 'trtexec' || runner === 'onnxruntime_perf_test';
    const metrics = {
      coldStart: { sessionCreateMs: external ? 0 : 12, firstInferenceMs: external ? 0 : 3 },
      peakRssBytes: external ? 0 : 5e7,
      gflops: null,
    };
    await client.query(
      `INSERT INTO "Job" (id, "campaignId", "deviceId", "modelId", settings, "settingsKey", state, "maxAttempts", "timeoutMs", "updatedAt")
       VALUES ($1, 'c1', 'd1', 'm1', $2, $3, 'succeeded', 3, 1000, now())`,
      [`j${i}`, row.settings, row.oldKey],
    );
    await client.query(
      `INSERT INTO "Result" (id, "msgId", "jobId", "deviceId", "modelId", "hardwareClassId", "settingsKey", settings,
         metrics, "p50Ms", "p90Ms", "p99Ms", "throughputIps", environment, "verdictStatus", "verdictReasons", "measuredAt")
       VALUES ($1, $1, $2, 'd1', 'm1', 'hc', $3, $4, $5, 1, 1, 1, 1, $6, 'valid', '[]', now())`,
      [`r${i}`, `j${i}`, row.oldKey, row.settings, metrics, runner ? { runner } : {}],
    );
  }

  const applied = await applyMigrations(session, migrations.slice(at));
  expect(applied[0]).toMatch(new RegExp(`_${MIGRATION}$`));

  const expected = stored.map((row) => formatComparabilityKey(BenchmarkSettingsSchema.parse(row.settings)));
  // Sanity: the test rows really change keys and really separate what the old key pooled.
  expect(expected.every((k, i) => k !== stored[i]!.oldKey)).toBe(true);
  const jobs = (await client.query(`SELECT id, "settingsKey" FROM "Job" ORDER BY length(id), id`)).rows;
  const results = (await client.query(`SELECT id, "settingsKey", metrics FROM "Result" ORDER BY length(id), id`)).rows;
  expect(jobs.map((r) => r.settingsKey)).toEqual(expected);
  expect(results.map((r) => r.settingsKey)).toEqual(expected);

  for (const [i, r] of results.entries()) {
    const runner = stored[i]!.settings.runner;
    if (runner === 'trtexec' || runner === 'onnxruntime_perf_test') {
      expect(r.metrics).toMatchObject({
        peakRssBytes: null,
        coldStart: { sessionCreateMs: null, firstInferenceMs: null },
      });
    } else {
      expect(r.metrics).toMatchObject({ peakRssBytes: 5e7, coldStart: { sessionCreateMs: 12, firstInferenceMs: 3 } });
    }
  }
  // The helper function was temporary: nothing outside schema.prisma is left in the database.
  const fns = await client.query(`SELECT proname FROM pg_proc WHERE proname = 'fleetbench_comparability_key'`);
  expect(fns.rows).toEqual([]);
});
