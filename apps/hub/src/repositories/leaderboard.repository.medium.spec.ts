/**
 * Medium test (real PostgreSQL): the read model's SQL against the JavaScript reference on a small seeded set —
 * medians (unknown figures never enter them), ranks, the accuracy roll-up, unit spread, the device view, the tallies
 * behind both indexes (kept by triggers through inserts, updates and cascaded deletes), and result list paging.
 */
import { openDatabase, type Database } from '../db/database';
import { LeaderboardService } from '../services/leaderboard.service';
import { createTestDatabase } from '../test-support/database';
import { computeDeviceLeaderboard } from '../test-support/device-leaderboard-reference';
import { computeLeaderboard, type LeaderboardSample } from '../test-support/leaderboard-reference';
import { LeaderboardRepository } from './leaderboard.repository';
import { ResultRepository } from './result.repository';

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
let service: LeaderboardService;

/** Deterministic pseudo-random figures (the same set every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const CLASSES = ['hc-a', 'hc-b', 'hc-c'];
const KEYS = ['latency/bs1/t0x0/cpu/onnxruntime-node/opt-all', 'accuracy/bs1/t0x0/cpu/onnxruntime-node/opt-all'];
const DEVICES = Array.from({ length: 6 }, (_, i) => ({ id: `dev-${i}`, classId: CLASSES[i % 3]! }));
const MODELS = Array.from({ length: 5 }, (_, i) => ({
  id: `m-${i}`,
  name: `model ${i}`,
  reference: i % 2 ? 0.7 + i / 100 : null,
}));

const SOURCES = ['rapl', 'nvidia-smi', 'hwmon-power'] as const;

/** A result's energy reading: measured (about half), unavailable with reasons, or absent (older agents). */
function energy(rand: () => number): { energy?: object } {
  const x = rand();
  if (x < 0.5) {
    const watts = Math.round((5 + rand() * 60) * 100) / 100;
    const jpi = Math.round(rand() * 2000) / 1000;
    return {
      energy: {
        status: 'measured',
        source: SOURCES[Math.floor(rand() * SOURCES.length)],
        scope: 'package-0',
        seconds: 10,
        joules: watts * 10,
        averageWatts: watts,
        joulesPerInference: jpi,
      },
    };
  }
  if (x < 0.8) return { energy: { status: 'unavailable', reasons: [{ source: 'rapl', reason: 'needs root' }] } };
  return {};
}

interface Seeded extends LeaderboardSample {
  id: string;
  createdAt: Date;
}
const seeded: Seeded[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: tdb.url, dataDir: null });
  service = new LeaderboardService(new LeaderboardRepository(db.prisma));
  const p = db.prisma;
  for (const c of CLASSES) await p.hardwareClass.create({ data: { id: c, key: c, name: `Class ${c}` } });
  for (const d of DEVICES)
    await p.device.create({
      data: {
        id: d.id,
        name: `Device ${d.id}`,
        passwordHash: 'x',
        hardware: {},
        software: {},
        hardwareClassId: d.classId,
      },
    });
  for (const [i, m] of MODELS.entries())
    await p.model.create({
      data: {
        id: m.id,
        sha256: String(i).repeat(64),
        sizeBytes: 1n,
        name: m.name,
        family: i < 3 ? 'MobileNet' : null,
        source: 'path',
        inputs: [],
        outputs: [],
        referenceMetrics: m.reference === null ? undefined : { top1: m.reference },
      },
    });
  const campaign = await p.campaign.create({ data: { name: 'c', request: {} } });
  const rand = rng(42);
  let n = 0;
  for (const d of DEVICES)
    for (const m of MODELS)
      for (const key of KEYS) {
        const job = await p.job.create({
          data: {
            campaignId: campaign.id,
            deviceId: d.id,
            modelId: m.id,
            settings: {},
            settingsKey: key,
            maxAttempts: 9,
            timeoutMs: 1,
          },
        });
        // 0–4 results per group (some groups empty, some even-sized), model 4 on class hc-a only flagged.
        const count = Math.floor(rand() * 5);
        for (let a = 0; a < count; a++) {
          const p50 = Math.round((5 + rand() * 50) * 100) / 100;
          const accuracy = key.startsWith('accuracy') && !(m.id === 'm-3' && d.classId === 'hc-a');
          const r: Seeded = {
            id: `r-${String(n).padStart(4, '0')}`,
            hardwareClassId: d.classId,
            settingsKey: key,
            modelId: m.id,
            deviceId: d.id,
            p50Ms: p50,
            p90Ms: p50 * 1.5,
            p99Ms: p50 * 2 + rand(),
            throughputIps: Math.round((1000 / p50) * 10) / 10,
            top1: accuracy ? Math.round(rand() * 1000) / 1000 : null,
            verdictStatus: (m.id === 'm-4' && d.classId === 'hc-a') || rand() < 0.2 ? 'flagged' : 'valid',
            measuredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
            createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
            // Unknown figures (null, absent) next to known ones: they must never enter a median.
            metrics: {
              latencyMs: { p50 },
              coldStart: { sessionCreateMs: 100 + a, firstInferenceMs: a % 2 ? null : 20 + a },
              peakRssBytes: rand() < 0.3 ? null : Math.round(rand() * 1e8),
              ...(rand() < 0.5 ? { gflops: rand() * 10 } : {}),
              peakShare: rand() < 0.4 ? null : rand(),
              // Energy where the device could measure it, 'unavailable' or absent elsewhere: only measured counts.
              ...energy(rand),
            },
          };
          seeded.push(r);
          await p.result.create({
            data: {
              id: r.id,
              msgId: `msg-${n}`,
              jobId: job.id,
              attempt: a,
              deviceId: r.deviceId,
              modelId: r.modelId,
              hardwareClassId: r.hardwareClassId,
              settingsKey: r.settingsKey,
              settings: {},
              metrics: r.metrics as object,
              p50Ms: r.p50Ms,
              p90Ms: r.p90Ms,
              p99Ms: r.p99Ms,
              throughputIps: r.throughputIps,
              top1: r.top1,
              histogram: 'h',
              environment: {},
              verdictStatus: r.verdictStatus,
              verdictReasons: [],
              measuredAt: r.measuredAt,
              createdAt: r.createdAt,
            },
          });
          n++;
        }
      }
}, 60_000);

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

function reference(rows: readonly Seeded[]) {
  return computeLeaderboard(
    rows,
    new Map(
      MODELS.map((m) => [
        m.id,
        { name: m.name, family: Number(m.id.slice(2)) < 3 ? 'MobileNet' : null, referenceTop1: m.reference },
      ]),
    ),
    new Map(CLASSES.map((c) => [c, `Class ${c}`])),
    seeded.map((s) => ({ modelId: s.modelId, hardwareClassId: s.hardwareClassId, top1: s.top1 })),
  );
}

/** Rows with floating figures rounded (SQL and JavaScript sum in different orders). */
function rounded<T>(rows: T[]): T[] {
  return JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v)));
}

it('seeds a set that exercises flagged-only groups, unknown figures and the accuracy fallback', () => {
  expect(seeded.length).toBeGreaterThan(50);
  expect(seeded.some((s) => s.verdictStatus === 'flagged')).toBe(true);
  expect(seeded.some((s) => s.top1 !== null)).toBe(true);
});

it('each leaderboard (class × key) equals the JavaScript reference: medians, ranks, top-1, spread', async () => {
  for (const hardwareClassId of CLASSES)
    for (const settingsKey of KEYS) {
      const got = await service.leaderboard({ hardwareClassId, settingsKey });
      const want = reference(
        seeded.filter((s) => s.hardwareClassId === hardwareClassId && s.settingsKey === settingsKey),
      );
      expect(rounded(got)).toEqual(rounded(want));
    }
});

it('the unfiltered leaderboard equals the reference over every result', async () => {
  const got = await service.leaderboard({});
  expect(got.some((r) => r.rank === null)).toBe(true);
  expect(got.some((r) => r.top1Source === 'measured')).toBe(true);
  expect(got.some((r) => r.unitSpread)).toBe(true);
  expect(got.some((r) => r.coldStartMs !== null)).toBe(true);
  expect(rounded(got)).toEqual(rounded(reference(seeded)));
});

it('a null figure never enters a median', async () => {
  const [row] = await service.leaderboard({ hardwareClassId: 'hc-a', settingsKey: KEYS[0] });
  const basis = seeded.filter(
    (s) =>
      s.hardwareClassId === 'hc-a' &&
      s.settingsKey === KEYS[0] &&
      s.modelId === row!.modelId &&
      s.verdictStatus === 'valid',
  );
  const known = basis
    .map((s) => (s.metrics as { peakRssBytes: number | null }).peakRssBytes)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  const mid = known.length / 2;
  const expected =
    known.length === 0 ? null : known.length % 2 ? known[Math.floor(mid)] : (known[mid - 1]! + known[mid]!) / 2;
  expect(row!.peakRssBytes).toBe(expected);
});

it('energy medians equal the reference: only measured readings enter them, null where none measured', async () => {
  const rows = await service.leaderboard({});
  const measuredRows = rows.filter((r) => r.joulesPerInference !== null);
  expect(measuredRows.length).toBeGreaterThan(0);
  expect(rows.some((r) => r.joulesPerInference === null)).toBe(true);
  expect(new Set(rows.flatMap((r) => r.energySources ?? [])).size).toBeGreaterThan(1);
  for (const row of rows) {
    const group = seeded.filter(
      (s) =>
        s.hardwareClassId === row.hardwareClassId && s.settingsKey === row.settingsKey && s.modelId === row.modelId,
    );
    const valid = group.filter((s) => s.verdictStatus === 'valid');
    const readings = (valid.length ? valid : group)
      .map(
        (s) =>
          (s.metrics as { energy?: { status: string; averageWatts?: number; joulesPerInference?: number } }).energy,
      )
      .filter((e) => e?.status === 'measured');
    const med = (xs: number[]) => {
      const o = [...xs].sort((a, b) => a - b);
      const mid = o.length / 2;
      return o.length === 0 ? null : o.length % 2 ? o[Math.floor(mid)]! : (o[mid - 1]! + o[mid]!) / 2;
    };
    expect(row.joulesPerInference).toBe(med(readings.map((e) => e!.joulesPerInference!)));
    expect(row.averageWatts).toBe(med(readings.map((e) => e!.averageWatts!)));
  }
});

it('the device leaderboard equals the reference', async () => {
  const ids = ['dev-0', 'dev-1', 'dev-4'];
  const got = await service.deviceLeaderboard(ids, KEYS[0]!);
  const want = computeDeviceLeaderboard(
    seeded.filter((s) => ids.includes(s.deviceId) && s.settingsKey === KEYS[0] && s.verdictStatus === 'valid'),
    new Map(DEVICES.map((d) => [d.id, `Device ${d.id}`])),
    new Map(MODELS.map((m) => [m.id, { name: m.name, family: Number(m.id.slice(2)) < 3 ? 'MobileNet' : null }])),
  );
  expect(got.length).toBeGreaterThan(0);
  expect(rounded(got)).toEqual(rounded(want));
});

function countIndex(rows: readonly Seeded[], by: (s: Seeded) => string) {
  const models = new Map<string, Set<string>>();
  for (const s of rows) models.set(by(s), (models.get(by(s)) ?? new Set()).add(s.modelId));
  return new Map([...models].map(([k, v]) => [k, v.size]));
}

async function expectIndexesMatch(rows: readonly Seeded[]) {
  const index = await service.index();
  expect(new Map(index.map((e) => [`${e.hardwareClassId}|${e.settingsKey}`, e.models]))).toEqual(
    countIndex(rows, (s) => `${s.hardwareClassId}|${s.settingsKey}`),
  );
  expect(index.every((e) => e.hardwareClassName === `Class ${e.hardwareClassId}`)).toBe(true);
  const devices = await service.deviceIndex();
  expect(new Map(devices.map((e) => [`${e.deviceId}|${e.settingsKey}`, e.models]))).toEqual(
    countIndex(
      rows.filter((s) => s.verdictStatus === 'valid'),
      (s) => `${s.deviceId}|${s.settingsKey}`,
    ),
  );
}

it('both indexes count models as the results say, through updates and cascaded deletes (tally triggers)', async () => {
  await expectIndexesMatch(seeded);
  // A verdict changed in place, then a device removed (its results go by cascade).
  const flip = seeded.find((s) => s.verdictStatus === 'valid')!;
  await db.prisma.result.update({ where: { id: flip.id }, data: { verdictStatus: 'flagged' } });
  flip.verdictStatus = 'flagged';
  await expectIndexesMatch(seeded);
  await db.prisma.device.delete({ where: { id: 'dev-5' } });
  const left = seeded.filter((s) => s.deviceId !== 'dev-5');
  await expectIndexesMatch(left);
  seeded.splice(0, seeded.length, ...left);
  // After every change the leaderboard still equals the reference.
  expect(rounded(await service.leaderboard({}))).toEqual(rounded(reference(seeded)));
});

it('lists results newest first in pages, without histograms', async () => {
  const repo = new ResultRepository(db.prisma);
  const device = 'dev-1';
  const all = seeded
    .filter((s) => s.deviceId === device)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
  expect(all.length).toBeGreaterThan(7);
  const pages: string[][] = [];
  let before: string | undefined;
  for (;;) {
    const page = await repo.list({ deviceId: device, limit: 3, before });
    if (!page.length) break;
    expect(page.every((r) => !('histogram' in r))).toBe(true);
    pages.push(page.map((r) => r.id));
    before = page[page.length - 1]!.id;
  }
  expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
  expect(pages.flat()).toEqual(all.map((s) => s.id));
});

it("summarises a campaign by each job's newest result", async () => {
  const campaign = await db.prisma.campaign.findFirstOrThrow();
  const jobs = await db.prisma.job.findMany({ where: { campaignId: campaign.id }, select: { id: true } });
  const byJob = new Map<string, { id: string; createdAt: Date }>();
  for (const r of await db.prisma.result.findMany({ select: { id: true, jobId: true, createdAt: true } })) {
    const cur = byJob.get(r.jobId);
    if (!cur || cur.createdAt < r.createdAt) byJob.set(r.jobId, r);
  }
  const rows = await new ResultRepository(db.prisma).summaries({ campaignId: campaign.id });
  expect(jobs.length).toBeGreaterThan(byJob.size); // some jobs have no result
  expect(new Map(rows.map((r) => [r.jobId, r.id]))).toEqual(new Map([...byJob].map(([j, r]) => [j, r.id])));
  expect(rows).toHaveLength(byJob.size);
});
