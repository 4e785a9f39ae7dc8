/**
 * Issue 13 in a browser, on the embedded stack: eleven small zoo models measured by two scripted devices (MQTT, like
 * agents) in a burst and a sustained campaign. The speed-vs-accuracy chart names its points without overlapping
 * labels, draws one line per family and saves itself as SVG and PNG; the compare chart saves as SVG; a sustained
 * result's page draws p50/throughput and CPU frequency/temperature per interval, its ratio to burst, and energy; the
 * campaign's report downloads as one HTML file that loads nothing.
 * Screenshots in test-results/screenshots/issue13-*.png.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import {
  apiPaths,
  formatComparabilityKey,
  BenchmarkSettingsSchema,
  PROTOCOL_MAJOR,
  topics,
  type Campaign,
  type EnrollResponse,
  type Model,
  type Result,
  type ZooRegistrationTask,
} from '@fleetbench/protocol';
import { hardware, resultMessage, software } from '../../apps/hub/src/test-support/fixtures';
import { launchBrowser, SCREENSHOT_DIR } from '../support/browser';
import { api, startDashboard, startHub, waitFor, type HubProcess, type ManagedProcess } from '../support/processes';

const ZOO = [
  'MobileNetV3_small_x0_35',
  'MobileNetV3_small_x0_5',
  'MobileNetV3_small_x0_75',
  'MobileNetV3_small_x1_0',
  'MobileNetV3_large_x0_35',
  'MobileNetV3_large_x0_5',
  'ShuffleNetV2_x0_25',
  'ShuffleNetV2_x0_33',
  'ShuffleNetV2_x0_5',
  'GhostNet_x0_5',
  'GhostNet_x1_0',
];
const SUSTAINED = { mode: 'latency' as const, sustainedMs: 60_000 };
const BURST_KEY = formatComparabilityKey(BenchmarkSettingsSchema.parse({ mode: 'latency' }));

describe('issue 13 charts and sustained results in a browser', () => {
  let hub: HubProcess;
  let dashboard: ManagedProcess & { url: string };
  let browser: Browser;
  const procs: ManagedProcess[] = [];
  const fakes: MqttClient[] = [];

  beforeAll(async () => {
    hub = await startHub({});
    procs.push(hub);
    dashboard = await startDashboard(hub.url);
    procs.push(dashboard);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const f of fakes) await f.endAsync(true).catch(() => undefined);
    await browser?.close();
    for (const p of procs.reverse()) await p.stop();
  });

  /** A scripted device: answers every job with a valid result, p50 spread by model; sustained jobs get a series. */
  async function fakeDevice(name: string, speed: number): Promise<string> {
    const tok = await api(hub.url, hub.token, 'POST', apiPaths.enrollmentTokens, { maxUses: 1, tags: ['i13'] });
    const enrolled = await api<EnrollResponse>(hub.url, null, 'POST', apiPaths.enroll, {
      token: tok.token,
      name,
      hardware: hardware({ vendor: 'ARM', model: 'Cortex-A76 board', arch: 'arm64', physicalCores: 4 }),
      software,
      tags: ['i13'],
    });
    const id = enrolled.agentId;
    const client = await mqtt.connectAsync(enrolled.mqtt.url, {
      clientId: id,
      username: enrolled.mqtt.username,
      password: enrolled.mqtt.password,
      reconnectPeriod: 0,
    });
    fakes.push(client);
    client.on('message', (_t, payload) => {
      const m = JSON.parse(payload.toString());
      if (m.kind !== 'assign') return;
      const i = ZOO.indexOf(m.model.name);
      const p50 = speed * (1 + i * 0.9 + (i % 3) * 0.4);
      const msg = resultMessage(m, { p50 });
      if (m.settings.sustainedMs) {
        const burst = msg.metrics.throughputIps;
        const intervals = Array.from({ length: 6 }, (_, k) => ({
          endS: (k + 1) * 10,
          iterations: Math.floor(msg.metrics.iterations / 6),
          p50Ms: p50 * (k < 2 ? 1 : 1.3),
          throughputIps: burst * (k < 2 ? 1 : 0.77),
          cpuFrequencyMHz: k < 2 ? 2400 : 1800,
          temperatureC: 55 + k * 5,
        }));
        msg.metrics.sustained = {
          durationS: 60,
          intervalS: 10,
          burstIps: burst,
          sustainedIps: burst * 0.77,
          sustainedRatio: 0.77,
          throttleThreshold: 0.9,
          throttledAtS: 20,
          intervals,
        };
        msg.metrics.energy = {
          status: 'measured',
          source: 'ina3221',
          scope: 'VDD_IN rail (board input)',
          seconds: 60,
          joules: 300,
          averageWatts: 5,
          joulesPerInference: 0.05,
        };
      }
      const ts = new Date().toISOString();
      void client
        .publishAsync(topics.events(id), JSON.stringify({ v: 1, ts, jobId: m.jobId, kind: 'accepted' }), { qos: 1 })
        .then(() => client.publishAsync(topics.results(id), JSON.stringify(msg), { qos: 1 }));
    });
    await client.subscribeAsync(topics.jobs(id), { qos: 1 });
    await client.publishAsync(
      topics.status(id),
      JSON.stringify({ v: PROTOCOL_MAJOR, online: true, session: 1, ts: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
    return id;
  }

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${dashboard.url}/login`);
    await page.fill('input[name="token"]', hub.token);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOT_DIR, `issue13-${name}.png`), fullPage: true });

  it('labels, family lines, SVG/PNG downloads and a sustained result page', async () => {
    const task = await api<ZooRegistrationTask>(hub.url, hub.token, 'POST', apiPaths.zooModels, { names: ZOO });
    await waitFor(
      'the zoo registration',
      async () =>
        (await api<ZooRegistrationTask>(hub.url, hub.token, 'GET', apiPaths.zooTask(task.id))).state === 'completed',
      240_000,
    );
    const models = await api<Model[]>(hub.url, hub.token, 'GET', apiPaths.models);
    expect(models).toHaveLength(ZOO.length);
    await fakeDevice('i13-board-1', 2);
    await fakeDevice('i13-board-2', 2.6);
    const campaign = await api<Campaign>(hub.url, hub.token, 'POST', apiPaths.campaigns, {
      name: 'burst and sustained',
      modelIds: models.map((m) => m.id),
      devices: { tags: ['i13'] },
      settings: [{ mode: 'latency' }, SUSTAINED],
    });
    await waitFor(
      'the campaign to complete',
      async () =>
        (await api<Campaign>(hub.url, hub.token, 'GET', apiPaths.campaign(campaign.id))).state === 'completed',
      60_000,
    );
    const results = await api<Result[]>(hub.url, hub.token, 'GET', `${apiPaths.results}?campaignId=${campaign.id}`);
    const sustained = results.filter((r) => r.metrics.sustained);
    expect(sustained).toHaveLength(ZOO.length * 2);
    // Sustained and burst figures never share a key.
    expect(new Set(sustained.map((r) => r.settingsKey))).toEqual(new Set([`${BURST_KEY}/sustained60s`]));

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page);

    // Speed vs accuracy: names placed without overlaps, then one line per family.
    const hc = results[0]!.hardwareClassId;
    await page.goto(`${dashboard.url}/chart?class=${hc}&settings=${encodeURIComponent(BURST_KEY)}`);
    await page.waitForSelector('[data-testid="point-labels"] text');
    const labels = page.locator('[data-testid="point-labels"] text');
    const placed = await labels.count();
    expect(placed).toBeGreaterThanOrEqual(6);
    const boxes = await labels.evaluateAll((els) => els.map((e) => (e as SVGGraphicsElement).getBoundingClientRect()));
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1))
        expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);
    expect(await labels.allTextContents()).toEqual(expect.arrayContaining(['GhostNet_x1_0']));
    await page.click('[data-testid="family-lines"]');
    await page.waitForSelector('path.recharts-curve.family-line', { state: 'attached' });
    expect(await page.locator('path.recharts-curve.family-line').count()).toBe(3); // MobileNetV3, ShuffleNetV2, GhostNet
    await shot(page, 'chart-labels-family-lines');

    const [svgFile] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="chart-download-svg"]'),
    ]);
    expect(svgFile.suggestedFilename()).toMatch(/^speed-accuracy-.*\.svg$/);
    const svg = readFileSync((await svgFile.path())!, 'utf8');
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('GhostNet_x1_0');
    expect(svg).not.toContain('var(--'); // styles resolved, so the file looks the same outside the dashboard
    const [pngFile] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="chart-download-png"]'),
    ]);
    const png = readFileSync((await pngFile.path())!);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBeGreaterThan(1000); // width: 2 × the chart's pixels

    // Compare two devices: the bar chart saves as SVG.
    await page.goto(`${dashboard.url}/compare?by=devices&settings=${encodeURIComponent(BURST_KEY)}`);
    await page.waitForSelector('[data-testid="compare-bars"] .recharts-bar-rectangle', { state: 'attached' });
    const [compareSvg] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="compare-download-svg"]'),
    ]);
    const compare = readFileSync((await compareSvg.path())!, 'utf8');
    expect(compare).toContain('recharts-bar-rectangle');
    expect(compare).toContain('i13-board-1'); // the legend, drawn under the bars

    // A sustained result: labelled, its ratio to burst, throttling onset, energy, and both series drawn.
    await page.goto(`${dashboard.url}/results/${sustained[0]!.id}`);
    await page.waitForSelector('[data-testid="sustained-latency"] .recharts-line-curve', { state: 'attached' });
    expect(await page.textContent('.caption')).toContain('sustained 1 min');
    expect(await page.textContent('[data-testid="result-sustained"]')).toMatch(
      /^77\.0 % of burst .*; throttling from 20 s · 60 s in 6 intervals of 10 s$/,
    );
    expect(await page.textContent('[data-testid="result-energy"]')).toBe(
      '5.00 W average · 50.0 mJ per inference · 20.0 img/s per W (ina3221: VDD_IN rail (board input))',
    );
    expect(await page.locator('[data-testid="sustained-machine"] .recharts-line-curve').count()).toBe(2);
    await shot(page, 'sustained-result');

    // The campaign page's report download: one HTML file that loads nothing when opened (counted by the browser).
    await page.goto(`${dashboard.url}/campaigns/${campaign.id}`);
    const [reportFile] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="campaign-report-download"]'),
    ]);
    expect(reportFile.suggestedFilename()).toBe('burst_and_sustained-report.html');
    const report = readFileSync((await reportFile.path())!, 'utf8');
    expect(report.match(/<svg /g)).toHaveLength(2); // one figure per comparability key of the one hardware class
    expect(report.match(/<pre>/g)).toHaveLength(ZOO.length * 2 * 2); // a reproduce command per result
    expect(report).toContain('--sustained 60s');
    // The zoo models' reference top-1 (no accuracy run here): a scatter per key, every point hollow and labelled so.
    expect(report.match(/<circle [^>]*fill="#fff"/g)).toHaveLength(ZOO.length * 2);
    expect(report).toContain('hollow: reference top-1');
    const offline = await browser.newContext({ viewport: { width: 1280, height: 800 }, offline: true });
    const viewer = await offline.newPage();
    const requests: string[] = [];
    viewer.on('request', (r) => requests.push(r.url()));
    await viewer.setContent(report, { waitUntil: 'load' });
    expect(requests).toEqual([]);
    expect(await viewer.locator('table.ranking').count()).toBe(2);
    expect(await viewer.locator('table.environment tbody tr').count()).toBe(2);
    // The top (summary, first ranking) and the first group's table and figure; the full page is long (44 commands).
    await viewer.screenshot({ path: path.join(SCREENSHOT_DIR, 'issue13-campaign-report.png') });
    await viewer
      .locator('section.group')
      .first()
      .screenshot({
        path: path.join(SCREENSHOT_DIR, 'issue13-campaign-report-group.png'),
      });
    await offline.close();
    await context.close();
  }, 360_000);
});
