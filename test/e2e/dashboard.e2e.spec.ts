/**
 * Dashboard end to end on the embedded stack (PGlite + embedded broker): one real agent, two real models (one uploaded
 * from the Models page). From the browser: create a campaign, watch it finish live (no reload), see the leaderboard
 * and the speed-vs-accuracy chart update by themselves, export CSV, open the result page. Then a second, scripted
 * device (MQTT, other hardware): compare two classes and two devices (ratio table, heatmap, CSV), overlay published
 * hardware on the chart, re-run a campaign with its original selector and cancel it live. Screenshots of every page
 * at 1280×800 and 390×844 in test-results/screenshots/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import {
  apiPaths,
  PROTOCOL_MAJOR,
  topics,
  type Campaign,
  type Device,
  type EnrollResponse,
  type Model,
} from '@fleetbench/protocol';
import { hardware, resultMessage, software } from '../../apps/hub/src/test-support/fixtures';
import { launchBrowser, SCREENSHOT_DIR } from '../support/browser';
import { sharedPath } from '../support/shared-data';
import {
  api,
  enrollAgent,
  ManagedProcess,
  SHARED_DATA,
  startAgent,
  startDashboard,
  startHub,
  tempDir,
  waitFor,
  type HubProcess,
} from '../support/processes';

const MODELS = [
  { file: 'mnist.onnx', name: 'mnist', family: 'LeNet', top1: 0.5 },
  { file: 'mobilenetv2-12-int8.onnx', name: 'mobilenetv2-12-int8', family: 'MobileNetV2', top1: 0.7 },
];

describe('dashboard in a browser against a live hub', () => {
  let hub: HubProcess;
  let dashboard: ManagedProcess & { url: string };
  let browser: Browser;
  const procs: ManagedProcess[] = [];
  let agentId = '';
  const fakes: MqttClient[] = [];
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    hub = await startHub({});
    procs.push(hub);
    const enrollment = await api(hub.url, hub.token, 'POST', '/api/v1/enrollment-tokens', {
      label: 'dash-e2e',
      maxUses: 1,
      tags: ['e2e'],
    });
    const dir = tempDir('dash-agent');
    const config = enrollAgent(hub.url, enrollment.token, 'dash-agent', dir);
    agentId = JSON.parse(readFileSync(config, 'utf8')).agentId;
    procs.push(startAgent('dash-agent', config, path.join(dir, 'data')));
    // mnist is uploaded from the Models page by the test; the other one is registered by path.
    for (const m of MODELS.filter((x) => x.name !== 'mnist')) {
      await api<Model>(hub.url, hub.token, 'POST', '/api/v1/models', {
        name: m.name,
        family: m.family,
        path: path.join(SHARED_DATA, 'models', m.file),
        referenceMetrics: { top1: m.top1, source: 'e2e fixture' },
      });
    }
    dashboard = await startDashboard(hub.url);
    procs.push(dashboard);
    await waitFor(
      'the agent online',
      async () =>
        (await api<Device[]>(hub.url, hub.token, 'GET', '/api/v1/devices')).some((d) => d.id === agentId && d.online),
      60_000,
    );
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const f of fakes) await f.endAsync(true).catch(() => undefined);
    await browser?.close();
    for (const p of procs.reverse()) await p.stop();
  });

  const diagnostics = () => procs.map((p) => `----- ${p.name} -----\n${p.output().slice(-2500)}`).join('\n');
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOT_DIR, `dashboard-${name}.png`), fullPage: true });

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${dashboard.url}/login`);
    await page.fill('input[name="token"]', hub.token);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  it('creates a campaign, watches it finish live, and sees leaderboard, chart and exports update', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page);

    // Upload an .onnx from the Models page; it is listed without a reload of the page.
    await page.goto(`${dashboard.url}/models`);
    await page.waitForSelector('[data-testid="model-upload-form"]');
    expect(await page.locator('[data-testid="model-row"]').count()).toBe(1);
    await page.setInputFiles('[data-testid="model-file"]', sharedPath('models', 'mnist.onnx'));
    await page.fill('[data-testid="model-name-input"]', 'mnist');
    await page.fill('[data-testid="model-family-input"]', 'LeNet');
    await page.fill('[data-testid="model-top1-input"]', '50');
    await page.click('[data-testid="model-upload-submit"]');
    await page.waitForSelector('[data-testid="model-upload-result"]:has-text("Registered: mnist")');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="model-row"]').length === 2);
    // The form and the table show what the hub read from the model and the preset it proposed (and stored).
    const facts = await page.textContent('[data-testid="model-upload-facts"]');
    expect(facts).toContain('float32 NCHW 1×28×28');
    expect(facts).toContain('Plus214_Output_0 [1,10] · 10 classes on axis 1');
    expect(facts).toContain('proposed: mnist');
    expect(await page.locator('[data-testid="model-row"] [data-testid="model-preset"]').allTextContents()).toContain(
      'mnist',
    );

    // Leaderboard and chart open in their own tabs before any result exists: they must update by themselves.
    const board = await context.newPage();
    await board.goto(`${dashboard.url}/leaderboard`);
    await board.waitForSelector('[data-testid="empty-state"]');
    await board.waitForSelector('[data-testid="live-status"]:text-is("live")');
    const chart = await context.newPage();
    await chart.goto(`${dashboard.url}/chart`);
    await chart.waitForSelector('[data-testid="published-notice"]'); // nothing measured yet: published hardware
    await chart.waitForSelector('[data-testid="live-status"]:text-is("live")');
    const reloads = { board: 0, chart: 0, campaign: 0 };
    board.on('load', () => reloads.board++);
    chart.on('load', () => reloads.chart++);

    // Create the campaign from the form.
    await page.goto(`${dashboard.url}/campaigns`);
    await page.waitForSelector('[data-testid="live-status"]:text-is("live")');
    await shot(page, 'campaigns');
    await page.fill('[data-testid="campaign-name"]', 'dashboard e2e');
    for (const m of MODELS) await page.check(`[data-testid="pick-model"][data-model-name="${m.name}"]`);
    await page.check('[data-testid="selector-all"]');
    await page.fill('[data-testid="campaign-iterations"]', '60');
    await page.fill('[data-testid="campaign-duration"]', '300');
    await page.fill('[data-testid="campaign-warmup"]', '5');
    await page.click('[data-testid="campaign-submit"]');
    await page.waitForURL(/\/campaigns\/[^/]+$/, { timeout: 30_000 });
    urls.campaign = new URL(page.url()).pathname;
    page.on('load', () => reloads.campaign++);
    await page.waitForSelector('[data-testid="job-row"]').catch(async (e) => {
      await shot(page, 'campaign-failed');
      throw new Error(`${e.message}\n${(await page.textContent('main'))?.slice(0, 2000)}\n${diagnostics()}`);
    });
    expect(await page.locator('[data-testid="job-row"]').count()).toBe(2);
    await page.waitForSelector('[data-testid="live-status"]:text-is("live")');

    // Watch it finish without reloading.
    await page
      .waitForSelector('[data-testid="campaign-live"][data-state="completed"]', { timeout: 120_000 })
      .catch(async (e) => {
        await shot(page, 'campaign-timeout');
        throw new Error(`${e.message}\n${diagnostics()}`);
      });
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="job-result-link"]').length === 2,
      undefined,
      { timeout: 30_000 },
    );
    expect(await page.locator('[data-testid="job-row"][data-state="succeeded"]').count()).toBe(2);
    await shot(page, 'campaign');

    // The leaderboard tab filled itself in, as did the chart (two measured points, drawn).
    await board.waitForFunction(
      () => document.querySelectorAll('[data-testid="leaderboard-row"]').length === 2,
      undefined,
      { timeout: 30_000 },
    );
    expect((await board.locator('[data-testid="model-name"]').allTextContents()).sort()).toEqual(
      MODELS.map((m) => m.name).sort(),
    );
    await chart.waitForSelector('[data-testid="speed-accuracy-chart"][data-published="false"][data-points="2"]', {
      timeout: 30_000,
    });
    await chart.waitForFunction(
      () => document.querySelectorAll('[data-testid="speed-accuracy-chart"] .recharts-scatter-symbol').length >= 2,
    );
    expect(reloads).toEqual({ board: 0, chart: 0, campaign: 0 });

    // The leaderboard fits a 1280 px laptop screen without horizontal scrolling; extra columns are opt-in.
    const overflow = await board.$eval(
      '.table-wrap:has([data-testid="leaderboard-table"])',
      (el) => el.scrollWidth - el.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(1);
    await board.click('[data-testid="column-chooser"] summary');
    await board.check('[data-testid="column-gflops"]');
    await board.waitForSelector('[data-testid="sort-gflops"]');
    await board.uncheck('[data-testid="column-gflops"]');
    await board.click('[data-testid="column-chooser"] summary');

    // Sorting and filters on the leaderboard.
    await board.click('[data-testid="sort-model"]');
    expect((await board.locator('[data-testid="model-name"]').allTextContents())[0]).toBe('mnist');
    await board.fill('[data-testid="filter-min-top1"]', '60');
    await board.waitForFunction(() => document.querySelectorAll('[data-testid="leaderboard-row"]').length === 1);
    await board.fill('[data-testid="filter-min-top1"]', '');

    // CSV export of the leaderboard as shown.
    const [download] = await Promise.all([board.waitForEvent('download'), board.click('[data-testid="export-csv"]')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toMatch(/^rank,model,model_id,family,hardware_class,settings,top1,top1_source,p50_ms/);
    expect(lines).toHaveLength(3);
    expect(csv).toContain('mobilenetv2-12-int8');

    // Result page: histogram decoded, environment, the command that reproduces it.
    await page.click('[data-testid="job-result-link"] >> nth=0');
    await page.waitForSelector('[data-testid="result-page"]');
    urls.result = new URL(page.url()).pathname;
    await page.waitForSelector('[data-testid="histogram-caption"]');
    expect(Number(await page.getAttribute('[data-testid="latency-histogram"]', 'data-buckets'))).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid="reproduce-command"]')).toMatch(
      /fleetbench-agent bench[\s\S]*--iterations 60[\s\S]*--json/,
    );
    await shot(page, 'result');

    // The device page renders its results.
    await page.goto(`${dashboard.url}/`);
    await page.waitForSelector('[data-testid="device-row"]');
    await page.click('[data-testid="device-name"]');
    await page.waitForSelector('[data-testid="device-page"]').catch(async (e) => {
      await shot(page, 'device-failed');
      throw new Error(
        `${e.message}\n${(await page.textContent('main'))?.slice(0, 2000)}\n${dashboard.output().slice(-3000)}`,
      );
    });
    await page.waitForSelector('[data-testid="device-results"]');
    await page.goto(`${dashboard.url}/chart?class=${encodeURIComponent('ref:paddleclas-sd855-lite-fp32-t1')}`);
    await page.waitForSelector('[data-testid="speed-accuracy-chart"][data-published="true"]');
    expect(Number(await page.getAttribute('[data-testid="speed-accuracy-chart"]', 'data-points'))).toBeGreaterThan(20);
    await shot(page, 'chart-published-sd855');

    // Published hardware beside the measured class: its own series and legend entry, measured points unchanged.
    await page.goto(`${dashboard.url}/chart`);
    await page.waitForSelector('[data-testid="speed-accuracy-chart"][data-published="false"][data-points="2"]');
    await page.click('[data-testid="chart-overlay-picker"] summary').catch(async (e) => {
      await shot(page, 'chart-overlay-failed');
      throw e;
    });
    await page.click('[data-testid="chart-overlay"][data-ref-id="ref:paddleclas-sd855-lite-fp32-t1"]'); // navigates
    await page.waitForSelector('[data-testid="speed-accuracy-chart"][data-overlays="1"][data-points="2"]');
    expect(await page.textContent('[data-testid="overlay-legend"]')).toContain('published by PaddleClas');
    expect(
      Number(await page.getAttribute('[data-testid="speed-accuracy-chart"]', 'data-overlay-points')),
    ).toBeGreaterThan(20);
    urls.chartOverlay = new URL(page.url()).pathname + new URL(page.url()).search;

    await page.click('[data-testid="theme-toggle"]'); // system → light
    await page.click('[data-testid="theme-toggle"]'); // light → dark
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.goto(`${dashboard.url}/leaderboard`);
    await page.waitForSelector('[data-testid="leaderboard-row"]');
    await shot(page, 'leaderboard-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dashboard.url}/chart`);
    await page.waitForSelector('[data-testid="speed-accuracy-chart"] .recharts-scatter-symbol', { state: 'attached' });
    await shot(page, 'chart-phone-dark');
    await page.goto(`${dashboard.url}/campaigns`);
    await page.waitForSelector('[data-testid="campaign-row"]');
    await shot(page, 'campaigns-phone-dark');
    await context.close();
  });

  it('compares two classes and two devices, re-runs a campaign with its selector and cancels it live', async () => {
    // Two scripted devices of another hardware class, answering their jobs over MQTT like agents (valid results).
    let answer = true;
    let answered = 0;
    async function fakeDevice(name: string): Promise<string> {
      const tok = await api(hub.url, hub.token, 'POST', apiPaths.enrollmentTokens, { maxUses: 1, tags: ['fake'] });
      const enrolled = await api<EnrollResponse>(hub.url, null, 'POST', apiPaths.enroll, {
        token: tok.token,
        name,
        hardware: hardware({ vendor: 'ARM', model: 'Cortex-A76 board', arch: 'arm64', physicalCores: 4 }),
        software,
        tags: ['fake'],
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
        if (m.kind !== 'assign' || !answer) return;
        const ts = new Date().toISOString();
        void client
          .publishAsync(topics.events(id), JSON.stringify({ v: 1, ts, jobId: m.jobId, kind: 'accepted' }), { qos: 1 })
          .then(() =>
            client.publishAsync(topics.results(id), JSON.stringify(resultMessage(m, { p50: 2 + 3 * answered++ })), {
              qos: 1,
            }),
          );
      });
      await client.subscribeAsync(topics.jobs(id), { qos: 1 });
      await client.publishAsync(
        topics.status(id),
        JSON.stringify({ v: PROTOCOL_MAJOR, online: true, session: 1, ts: new Date().toISOString() }),
        { qos: 1, retain: true },
      );
      return id;
    }
    await fakeDevice('dash-fake-1');
    await fakeDevice('dash-fake-2');
    const models = await api<Model[]>(hub.url, hub.token, 'GET', apiPaths.models);
    const byTag = await api<Campaign>(hub.url, hub.token, 'POST', apiPaths.campaigns, {
      name: 'fake board',
      modelIds: models.map((m) => m.id),
      devices: { tags: ['fake'] },
      settings: [{ mode: 'latency' }],
    });
    await waitFor(
      'the fake device campaign to complete',
      async () => (await api<Campaign>(hub.url, hub.token, 'GET', apiPaths.campaign(byTag.id))).state === 'completed',
      30_000,
    );
    answer = false; // from now on the fake devices accept nothing: their next campaign stays running

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    await signIn(page);

    // Two hardware classes: ratio table, heatmap and bars; CSV export of the compare table.
    await page.goto(`${dashboard.url}/compare`);
    await page.waitForSelector('[data-testid="compare-view"][data-by="classes"]');
    expect(await page.locator('[data-testid="ratio-row"]').count()).toBe(2);
    expect(await page.locator('[data-testid="heatmap"] tbody tr').count()).toBe(2);
    await page.waitForSelector('[data-testid="spread-table"]'); // the fake class has two units
    await page
      .waitForSelector('[data-testid="compare-bars"] .recharts-bar-rectangle', { state: 'attached' })
      .catch(async (e) => {
        await shot(page, 'compare-failed');
        throw e;
      });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid="compare-export-csv"]'),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split(/\r\n/);
    expect(csv[0]).toMatch(/^model,family,p50_ms_.+,p50_ms_.+,ratio_/);
    expect(csv).toHaveLength(3);
    urls.compareClasses = '/compare';

    // Two devices, each from its own valid results.
    await page.click('[data-testid="compare-by-devices"]');
    await page.waitForSelector('[data-testid="compare-view"][data-by="devices"]');
    expect(await page.locator('[data-testid="compare-device"]:checked').count()).toBe(2);
    expect(await page.locator('[data-testid="ratio-row"]').count()).toBe(2);
    expect(await page.locator('[data-testid="heatmap"] tbody tr').count()).toBe(2);
    expect(await page.textContent('[data-testid="heatmap"] thead')).toMatch(/A.*B/);
    urls.compareDevices = '/compare?by=devices';

    // Re-run reuses the original selector (tags), then Cancel turns it cancelled live, without a reload.
    await page.goto(`${dashboard.url}/campaigns/${byTag.id}`);
    await page.waitForSelector('[data-testid="campaign-live"][data-state="completed"]');
    await page.click('[data-testid="campaign-rerun"]');
    await page.waitForURL((u) => u.pathname.startsWith('/campaigns/') && !u.pathname.endsWith(byTag.id));
    const rerunId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const rerun = await api<Campaign>(hub.url, hub.token, 'GET', apiPaths.campaign(rerunId));
    expect(rerun.request?.devices).toMatchObject({ all: false, tags: ['fake'], ids: [] });
    await page.waitForSelector('[data-testid="campaign-live"][data-state="running"]');
    await page.waitForSelector('[data-testid="live-status"]:text-is("live")');
    let loads = 0;
    page.on('load', () => loads++);
    await page.click('[data-testid="campaign-cancel"]');
    await page.waitForSelector('[data-testid="campaign-live"][data-state="cancelled"]', { timeout: 15_000 });
    expect(await page.locator('[data-testid="job-row"][data-state="cancelled"]').count()).toBe(4);
    expect(loads).toBe(0);

    // Every page at laptop and phone size, for review.
    const pages: [string, string, string][] = [
      ['fleet', '/', '[data-testid="device-row"]'],
      ['device', `/devices/${encodeURIComponent(agentId)}`, '[data-testid="device-results"]'],
      ['leaderboard', '/leaderboard', '[data-testid="leaderboard-row"]'],
      ['chart', '/chart', '[data-testid="speed-accuracy-chart"]'],
      ['chart-overlay', urls.chartOverlay!, '[data-testid="overlay-legend"]'],
      ['compare-classes', urls.compareClasses, '[data-testid="heatmap"]'],
      ['compare-devices', urls.compareDevices, '[data-testid="heatmap"]'],
      ['campaigns', '/campaigns', '[data-testid="campaign-row"]'],
      ['campaign', urls.campaign!, '[data-testid="job-row"]'],
      ['campaign-cancelled', `/campaigns/${rerunId}`, '[data-testid="job-row"]'],
      ['result', urls.result!, '[data-testid="latency-histogram"]'],
      ['models', '/models', '[data-testid="catalogue-row"]'],
    ];
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const [name, url, ready] of pages) {
        await page.goto(`${dashboard.url}${url}`);
        await page.waitForSelector(ready, { state: 'attached' });
        await shot(page, `${name}-${width}`);
      }
    }
    await context.close();
  });

  it('adds a device from the Fleet page: token and install command, the device appears live when it enrolls', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${dashboard.url}/`);
    await page.waitForSelector('[data-testid="device-row"]');
    const before = await page.locator('[data-testid="device-row"]').count();
    await page.click('[data-testid="add-device"]');
    await page.fill('[data-testid="add-device-tags"]', 'added, lab');
    await page.click('[data-testid="add-device-submit"]');
    const command = (await page.locator('[data-testid="install-command"]').textContent({ timeout: 30_000 }))!.trim();
    const m = /^curl -fsSL (\S+)\/api\/v1\/agent\/install\.sh \| sudo bash -s -- --token (\S+)$/.exec(command);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(hub.url);
    await shot(page, 'add-device');
    // The command's script is the hub's, and names the hub.
    const script = await (await fetch(`${m![1]}/api/v1/agent/install.sh`)).text();
    expect(script).toContain(`HUB_URL="${hub.url}"`);

    // What the script runs on the device after installing: enroll with that token (the install itself is covered by
    // agent-install.e2e.spec.ts). The page shows the new device without a reload, with the token's tags.
    enrollAgent(hub.url, m![2], 'added-from-dashboard', tempDir('added-device'));
    const row = page.locator('[data-testid="device-row"]', { hasText: 'added-from-dashboard' });
    await row.waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="device-row"]').count()).toBe(before + 1);
    const added = (await api<Device[]>(hub.url, hub.token, 'GET', '/api/v1/devices')).find(
      (d) => d.name === 'added-from-dashboard',
    );
    expect(added?.tags.sort()).toEqual(['added', 'lab']);
    // The token was for one device: a second enrollment is refused.
    expect(() => enrollAgent(hub.url, m![2], 'second', tempDir('added-second'))).toThrow(/enroll second failed/);
    await context.close();
  });
});
