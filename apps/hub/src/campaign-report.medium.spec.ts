/**
 * Medium test (real PostgreSQL, HTTP): the campaign report. A campaign with two hardware classes, latency and
 * accuracy results and hostile names is seeded in the database; the report must rank and chart it, list each
 * device's environment and each result's reproduce command, escape every name, and reference nothing outside itself.
 */
import { BenchmarkSettingsSchema, type CreatedApiToken } from '@fleetbench/protocol';
import { openDatabase, type Database } from './db/database';
import { hardware, software } from './test-support/fixtures';
import { mediumHub } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-report-0123456789';
const medium = mediumHub(ADMIN);
let db: Database;
let campaignId = '';

const HOSTILE_DEVICE = '<script>alert(1)</script>';
const HOSTILE_MODEL = '<img src=http://evil.example/x onerror=alert(2)>';
const latency = BenchmarkSettingsSchema.parse({});
const accuracy = BenchmarkSettingsSchema.parse({ mode: 'accuracy' });

/** Class A: fastnet (p50 4 and 6 ms, top-1 70 %) and the hostile model (20 ms valid, 2 ms flagged, top-1 80 %);
 *  class B: refnet (10 ms, reference top-1 75 %, no accuracy run), the hostile model (50 ms) and one failed job. */
beforeAll(async () => {
  await medium.start();
  db = await openDatabase({ databaseUrl: medium.db.url, dataDir: null });
  const p = db.prisma;
  await p.hardwareClass.create({ data: { id: 'hc-a', key: 'ka', name: 'Class A' } });
  await p.hardwareClass.create({ data: { id: 'hc-b', key: 'kb', name: 'Class B' } });
  const device = (id: string, name: string, hardwareClassId: string, cpu: string) =>
    p.device.create({
      data: {
        id,
        name,
        passwordHash: 'x',
        hardware: hardware({ model: cpu }),
        software: { ...software, onnxruntimeVersion: `1.30.${id.length}` },
        hardwareClassId,
      },
    });
  await device('dev-a1', HOSTILE_DEVICE, 'hc-a', 'Xeon A');
  await device('dev-a2', 'bench-a2', 'hc-a', 'Xeon A');
  await device('dev-b', 'bench-b', 'hc-b', 'Cortex B');
  const model = (name: string, n: number, referenceMetrics?: { top1: number }) =>
    p.model.create({
      data: {
        sha256: String(n).repeat(64),
        sizeBytes: 1n,
        name,
        source: 'path',
        inputs: [],
        outputs: [],
        referenceMetrics,
      },
    });
  const fast = await model('fastnet', 1);
  const slow = await model(HOSTILE_MODEL, 2);
  const ref = await model('refnet', 3, { top1: 0.75 });
  const campaign = await p.campaign.create({ data: { name: `report ${HOSTILE_DEVICE}`, request: {} } });
  campaignId = campaign.id;
  let n = 0;
  const result = async (
    deviceId: string,
    hardwareClassId: string,
    m: { id: string; sha256: string },
    fig: { p50: number; top1?: number; flagged?: boolean; state?: 'succeeded' | 'failed' },
  ) => {
    const settings = fig.top1 === undefined ? latency : accuracy;
    const job = await p.job.create({
      data: {
        campaignId,
        deviceId,
        modelId: m.id,
        settings,
        settingsKey: `key-${settings.mode}`,
        state: fig.state ?? 'succeeded',
        maxAttempts: 1,
        timeoutMs: 1000,
      },
    });
    if (fig.state === 'failed') return;
    await p.result.create({
      data: {
        msgId: `msg-${n++}`,
        jobId: job.id,
        deviceId,
        modelId: m.id,
        hardwareClassId,
        settingsKey: `key-${settings.mode}`,
        settings,
        metrics: { latencyMs: { p95: fig.p50 * 1.3 } },
        p50Ms: fig.p50,
        p90Ms: fig.p50 * 1.2,
        p99Ms: fig.p50 * 1.5,
        throughputIps: 1000 / fig.p50,
        top1: fig.top1 ?? null,
        top5: fig.top1 === undefined ? null : fig.top1 + 0.1,
        environment: { modelSha256: m.sha256, executionProvider: 'cpu' },
        verdictStatus: fig.flagged ? 'flagged' : 'valid',
        verdictReasons: fig.flagged ? [{ code: 'busy', detail: 'busy' }] : [],
        measuredAt: new Date(Date.UTC(2026, 0, 1, 0, n)),
      },
    });
  };
  await result('dev-a1', 'hc-a', fast, { p50: 4 });
  await result('dev-a2', 'hc-a', fast, { p50: 6 });
  await result('dev-a1', 'hc-a', slow, { p50: 20 });
  await result('dev-a2', 'hc-a', slow, { p50: 2, flagged: true }); // flagged: not counted in the median
  await result('dev-a1', 'hc-a', fast, { p50: 9, top1: 0.7 });
  await result('dev-a1', 'hc-a', slow, { p50: 30, top1: 0.8 });
  await result('dev-b', 'hc-b', slow, { p50: 50 });
  await result('dev-b', 'hc-b', ref, { p50: 10 });
  await result('dev-b', 'hc-b', fast, { p50: 0, state: 'failed' });
});

afterAll(async () => {
  await db?.close();
  await medium.stop();
});

const report = () =>
  fetch(`${medium.hub.url}/api/v1/campaigns/${campaignId}/report.html`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });

/** The part of `html` from the first group headed `heading` to the next group. */
const section = (html: string, heading: string) => {
  const start = html.indexOf(`<h3>${heading}</h3>`);
  expect(start).toBeGreaterThan(0);
  const end = html.indexOf('<section', start);
  return html.slice(start, end < 0 ? undefined : end);
};

const cells = (row: string) => [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
const rows = (part: string) =>
  [...part.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => cells(m[1])).filter((c) => c.length > 0);

it('needs a token, and a viewer token is enough; an unknown campaign is 404', async () => {
  expect((await fetch(`${medium.hub.url}/api/v1/campaigns/${campaignId}/report.html`)).status).toBe(401);
  const viewer = await medium.api<CreatedApiToken>('POST', '/api/v1/api-tokens', { label: 'v', role: 'viewer' });
  const res = await fetch(`${medium.hub.url}/api/v1/campaigns/${campaignId}/report.html`, {
    headers: { authorization: `Bearer ${viewer.body.token}` },
  });
  expect(res.status).toBe(200);
  expect((await medium.api('GET', '/api/v1/campaigns/no-such-campaign/report.html')).status).toBe(404);
});

it('is one self-contained HTML file: no script, no external reference, every name escaped', async () => {
  const res = await report();
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('content-disposition')).toMatch(
    /^attachment; filename="report_script_alert_1_script-report\.html"$/,
  );
  const html = await res.text();
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<(img|link|iframe|object|embed)\b/i);
  // No attribute that loads or links anything; the hostile names' src= is only escaped text.
  expect(html).not.toMatch(/<[^>]*\s(src|href|srcset|xlink:href)\s*=/i);
  expect(html).not.toMatch(/url\(|@import/i);
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).toContain('&lt;img src=http://evil.example/x onerror=alert(2)&gt;');
});

it('ranks each class by median p50 over valid results, with measured top-1/top-5 and verdicts', async () => {
  const html = await (await report()).text();
  expect(html).toContain('<h2>Summary</h2>');
  expect(html).toMatch(/<dt>Jobs<\/dt><dd>(?=.*succeeded: 8)(?=.*failed: 1)/);
  expect(html).toContain('<code>key-accuracy</code><br><code>key-latency</code>');
  // Class A's groups: key-accuracy first (keys sorted), then key-latency.
  const accuracyA = rows(section(html, 'Class A').split('</table>')[0]);
  const latencyA = html.split('<h3>Class A</h3>')[2].split('</table>')[0];
  const r = rows(latencyA);
  expect(accuracyA.map((c) => c[1])).toEqual(['fastnet', '&lt;img src=http://evil.example/x onerror=alert(2)&gt;']);
  expect(r.map((c) => c[1])).toEqual(['fastnet', '&lt;img src=http://evil.example/x onerror=alert(2)&gt;']);
  expect(r[0].slice(0, 4)).toEqual(['1', 'fastnet', '5.00', '6.00']); // median of 4 and 6; p90 = 1.2 × p50
  expect(r[0][4]).toBe('6.50'); // p95 from the stored latency summary
  expect(r[0][7]).toBe('70.00 %'); // top-1 from its accuracy result on the same class
  expect(r[0][8]).toBe('80.00 %');
  expect(r[1][2]).toBe('20.00'); // the flagged 2 ms result is left out of the median
  expect(r[1][9]).toMatch(/1 valid, 1 flagged \(busy\)/);
  const b = rows(section(html, 'Class B').split('</table>')[0]);
  expect(b.map((c) => c[1])).toEqual(['refnet', '&lt;img src=http://evil.example/x onerror=alert(2)&gt;']);
  expect(b[0][7]).toBe('75.00 % <span class="muted">(reference)</span>'); // labelled, never passed off as measured
  expect(b[1][7]).toBe('—');
});

it('draws the speed-vs-top-1 scatter as inline SVG per class and key, reference top-1 as hollow points', async () => {
  const html = await (await report()).text();
  const svgs = [...html.matchAll(/<svg[^>]*>.*?<\/svg>/g)].map((m) => m[0]);
  expect(svgs).toHaveLength(3); // Class A accuracy and latency, Class B latency
  const points = (svg: string) =>
    [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="4" ([^>]*)><title>([^<]*)<\/title>/g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      hollow: m[3].includes('fill="#fff"'),
      title: m[4],
    }));
  const a = points(svgs[0]);
  expect(a).toHaveLength(2);
  const fast = a.find((p) => p.title.startsWith('fastnet'))!;
  const slow = a.find((p) => !p.title.startsWith('fastnet'))!;
  // Faster (9 ms) is left of slower (30 ms); higher top-1 (80 %) is higher up (smaller y).
  expect(fast.x).toBeLessThan(slow.x);
  expect(slow.y).toBeLessThan(fast.y);
  for (const p of a) {
    expect(p.hollow).toBe(false);
    expect(p.x).toBeGreaterThan(0);
    expect(p.x).toBeLessThan(640);
    expect(p.y).toBeGreaterThan(0);
    expect(p.y).toBeLessThan(320);
  }
  expect(svgs[0]).toContain('top-1 (%)');
  expect(svgs[0]).toMatch(/<text class="label"[^>]*>fastnet<\/text>/); // named beside its point
  // Class B: only refnet has a top-1 (its reference): one hollow point and the legend saying so.
  const b = points(svgs[2]);
  expect(b).toEqual([
    expect.objectContaining({ hollow: true, title: 'refnet: p50 10.0 ms, top-1 75.0 % (reference)' }),
  ]);
  expect(svgs[2]).toContain('hollow: reference top-1');
});

it('lists each device environment and a reproduce command per result', async () => {
  const html = await (await report()).text();
  const env = rows(html.split('class="environment"')[1].split('</table>')[0]);
  expect(env.map((c) => c[0])).toEqual([
    HOSTILE_DEVICE.replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    'bench-a2',
    'bench-b',
  ]);
  expect(env[2].slice(1, 5)).toEqual(['Class B', '0.1.0', '1.30.5', '20.20.2']);
  expect(env[2][7]).toContain('Cortex B');
  expect(env[2][9]).toBe('cpu');
  const commands = [...html.matchAll(/<pre>(.*?)<\/pre>/gs)].map((m) => m[1]);
  expect(commands).toHaveLength(8);
  expect(commands[0]).toContain(`/api/v1/artifacts/${'1'.repeat(64)}`);
  expect(commands[0]).toContain('fleetbench-agent bench');
  expect(commands[4]).toContain('--mode accuracy');
});
