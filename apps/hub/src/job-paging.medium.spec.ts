/**
 * Medium test (real PostgreSQL, HTTP): the campaign page's paged reads (issue #10). GET /jobs?campaignId&limit&offset
 * &state pages a campaign's jobs in a stable order (model name, device id, settings key, id) with the total in
 * x-total-count; GET /campaigns/:id?jobs=none leaves the job list out; GET /result-summaries?jobIds= answers for one
 * page of jobs. Without the new parameters every route answers as before.
 */
import { BenchmarkSettingsSchema, type Campaign, type Job, type ResultSummary } from '@fleetbench/protocol';
import { openDatabase, type Database } from './db/database';
import { hardware, software } from './test-support/fixtures';
import { mediumHub } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-job-paging-0123456789';
const medium = mediumHub(ADMIN);
let db: Database;
let campaignId = '';
let otherCampaignId = '';
/** Every job of the campaign in the expected page order. */
let expected: { id: string; modelName: string; deviceId: string; settingsKey: string; state: string }[] = [];

const STATES = ['succeeded', 'failed', 'queued'] as const;

beforeAll(async () => {
  await medium.start();
  db = await openDatabase({ databaseUrl: medium.db.url, dataDir: null });
  const p = db.prisma;
  await p.hardwareClass.create({ data: { id: 'hc-a', key: 'ka', name: 'Class A' } });
  for (const id of ['dev-b', 'dev-a'])
    await p.device.create({
      data: { id, name: `bench ${id}`, passwordHash: 'x', hardware: hardware(), software, hardwareClassId: 'hc-a' },
    });
  // Names whose insertion order differs from their sorted order.
  const models = [];
  for (const [i, name] of ['zeta', 'alpha', 'mid'].entries())
    models.push(
      await p.model.create({
        data: { sha256: String(i + 1).repeat(64), sizeBytes: 1n, name, source: 'path', inputs: [], outputs: [] },
      }),
    );
  const settings = BenchmarkSettingsSchema.parse({});
  const campaign = await p.campaign.create({ data: { name: 'paging', request: {} } });
  const other = await p.campaign.create({ data: { name: 'other', request: {} } });
  campaignId = campaign.id;
  otherCampaignId = other.id;
  let n = 0;
  // 3 models × 2 devices × 2 settings keys = 12 jobs, states cycling succeeded / failed / queued.
  for (const m of models)
    for (const deviceId of ['dev-b', 'dev-a'])
      for (const settingsKey of ['key-2', 'key-1']) {
        const state = STATES[n % STATES.length]!;
        const job = await p.job.create({
          data: { campaignId, deviceId, modelId: m.id, settings, settingsKey, state, maxAttempts: 1, timeoutMs: 1000 },
        });
        expected.push({ id: job.id, modelName: m.name, deviceId, settingsKey, state });
        if (state === 'succeeded')
          await p.result.create({
            data: {
              msgId: `msg-${n}`,
              jobId: job.id,
              deviceId,
              modelId: m.id,
              hardwareClassId: 'hc-a',
              settingsKey,
              settings,
              metrics: {},
              p50Ms: n + 1,
              p90Ms: n + 2,
              p99Ms: n + 3,
              throughputIps: 100,
              environment: {},
              verdictStatus: 'valid',
              verdictReasons: [],
              measuredAt: new Date(Date.UTC(2026, 0, 1, 0, n)),
            },
          });
        n++;
      }
  // A job of another campaign: never in this campaign's pages.
  await p.job.create({
    data: {
      campaignId: other.id,
      deviceId: 'dev-a',
      modelId: models[1]!.id,
      settings,
      settingsKey: 'key-0',
      state: 'queued',
      maxAttempts: 1,
      timeoutMs: 1000,
    },
  });
  expected = expected.sort(
    (a, b) =>
      cmp(a.modelName, b.modelName) ||
      cmp(a.deviceId, b.deviceId) ||
      cmp(a.settingsKey, b.settingsKey) ||
      cmp(a.id, b.id),
  );
});

afterAll(async () => {
  await db?.close();
  await medium.stop();
});

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const jobsUrl = (q: Record<string, string>) => `/api/v1/jobs?${new URLSearchParams(q).toString()}`;

test('pages of a campaign follow model name, device, settings key and id, with the total and the next offset', async () => {
  const seen: string[] = [];
  let offset: string | null = '0';
  let pages = 0;
  while (offset !== null) {
    const res = await medium.api<Job[]>('GET', jobsUrl({ campaignId, limit: '5', offset }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe('12');
    expect(res.body.length).toBe(pages < 2 ? 5 : 2);
    expect(res.body.every((j) => j.campaignId === campaignId && typeof j.modelName === 'string')).toBe(true);
    seen.push(...res.body.map((j) => j.id));
    offset = res.headers.get('x-next-offset');
    pages++;
  }
  expect(pages).toBe(3);
  expect(seen).toEqual(expected.map((j) => j.id));
  const first = (await medium.api<Job[]>('GET', jobsUrl({ campaignId, limit: '3' }))).body;
  expect(first.map((j) => [j.modelName, j.deviceId, j.settingsKey])).toEqual([
    ['alpha', 'dev-a', 'key-1'],
    ['alpha', 'dev-a', 'key-2'],
    ['alpha', 'dev-b', 'key-1'],
  ]);
});

test('the state filter pages and counts only that state', async () => {
  const res = await medium.api<Job[]>('GET', jobsUrl({ campaignId, state: 'failed', limit: '2', offset: '2' }));
  expect(res.status).toBe(200);
  const failed = expected.filter((j) => j.state === 'failed');
  expect(res.headers.get('x-total-count')).toBe(String(failed.length));
  expect(res.body.map((j) => j.id)).toEqual(failed.slice(2, 4).map((j) => j.id));
  expect(res.headers.get('x-next-offset')).toBeNull();
});

test('the device and state filters combine', async () => {
  const res = await medium.api<Job[]>('GET', jobsUrl({ campaignId, deviceId: 'dev-a', state: 'queued', limit: '50' }));
  const want = expected.filter((j) => j.deviceId === 'dev-a' && j.state === 'queued');
  expect(res.headers.get('x-total-count')).toBe(String(want.length));
  expect(res.body.map((j) => j.id)).toEqual(want.map((j) => j.id));
});

test('an offset past the end answers an empty page with the total', async () => {
  const res = await medium.api<Job[]>('GET', jobsUrl({ campaignId, limit: '10', offset: '100' }));
  expect(res.status).toBe(200);
  expect(res.body).toEqual([]);
  expect(res.headers.get('x-total-count')).toBe('12');
  expect(res.headers.get('x-next-offset')).toBeNull();
});

test('without limit GET /jobs answers every matching job as before, without paging headers', async () => {
  const res = await medium.api<Job[]>('GET', jobsUrl({ campaignId }));
  expect(res.status).toBe(200);
  expect(res.body.length).toBe(12);
  expect(res.headers.get('x-total-count')).toBeNull();
  expect(new Set(res.body.map((j) => j.id))).toEqual(new Set(expected.map((j) => j.id)));
});

test.each([
  [{ limit: '501' }, 'limit'],
  [{ limit: '0' }, 'limit'],
  [{ limit: 'ten' }, 'limit'],
  [{ limit: '10', offset: '-1' }, 'offset'],
  [{ offset: '10' }, 'offset'],
  [{ limit: '10', state: 'sleeping' }, 'state'],
])('bad paging %j is a 400 that names %s', async (q, field) => {
  const res = await medium.api<{ code: string; message: string }>('GET', jobsUrl({ campaignId, ...q }));
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('validation-failed');
  expect(res.body.message).toContain(field);
});

test('GET /campaigns/:id?jobs=none leaves the jobs out and keeps the counts; the default embeds them', async () => {
  const none = await medium.api<Campaign>('GET', `/api/v1/campaigns/${campaignId}?jobs=none`);
  expect(none.status).toBe(200);
  expect(none.body.jobs).toBeUndefined();
  expect(none.body.jobCounts).toMatchObject({ succeeded: 4, failed: 4, queued: 4, running: 0 });
  const all = await medium.api<Campaign>('GET', `/api/v1/campaigns/${campaignId}`);
  expect(all.body.jobs?.length).toBe(12);
  const bad = await medium.api<{ message: string }>('GET', `/api/v1/campaigns/${campaignId}?jobs=some`);
  expect(bad.status).toBe(400);
  expect(bad.body.message).toContain('jobs');
});

test('GET /result-summaries?jobIds= answers for those jobs only; campaignId still answers for all', async () => {
  const page = expected.slice(0, 6);
  const res = await medium.api<ResultSummary[]>(
    'GET',
    `/api/v1/result-summaries?jobIds=${page.map((j) => j.id).join(',')}`,
  );
  expect(res.status).toBe(200);
  const withResult = page.filter((j) => j.state === 'succeeded').map((j) => j.id);
  expect(res.body.map((r) => r.jobId).sort()).toEqual([...withResult].sort());
  const all = await medium.api<ResultSummary[]>('GET', `/api/v1/result-summaries?campaignId=${campaignId}`);
  expect(all.body.length).toBe(4);
  // Both: the named jobs of that campaign only.
  const other = await medium.api<ResultSummary[]>(
    'GET',
    `/api/v1/result-summaries?campaignId=${otherCampaignId}&jobIds=${page.map((j) => j.id).join(',')}`,
  );
  expect(other.body).toEqual([]);
});

test('GET /result-summaries refuses no filter and too many job ids with a 400', async () => {
  const none = await medium.api<{ message: string }>('GET', '/api/v1/result-summaries');
  expect(none.status).toBe(400);
  expect(none.body.message).toContain('campaignId or jobIds');
  const many = Array.from({ length: 501 }, (_, i) => `job-${i}`).join(',');
  const tooMany = await medium.api<{ message: string }>('GET', `/api/v1/result-summaries?jobIds=${many}`);
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.message).toContain('jobIds');
});
