/**
 * Dashboard end to end on the embedded stack (PGlite + embedded broker): one real agent, two real models. From the
 * browser: create a campaign, watch it finish live (no reload), see the leaderboard and the speed-vs-accuracy chart
 * update by themselves, export CSV, open the result page; screenshots of every page in test-results/screenshots/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Device, Model } from '@fleetbench/protocol';
import { launchBrowser, SCREENSHOT_DIR } from '../support/browser';
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
    for (const m of MODELS) {
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
    page.on('load', () => reloads.campaign++);
    await page.waitForSelector('[data-testid="job-row"]');
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
    await shot(board, 'leaderboard');
    await shot(chart, 'chart');

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
    expect(Number(await page.getAttribute('[data-testid="latency-histogram"]', 'data-buckets'))).toBeGreaterThan(0);
    expect(await page.textContent('[data-testid="reproduce-command"]')).toMatch(
      /fleetbench-agent bench[\s\S]*--iterations 60[\s\S]*--json/,
    );
    await shot(page, 'result');

    // Every other page renders; screenshots for review (laptop, phone, dark).
    await page.goto(`${dashboard.url}/`);
    await page.waitForSelector('[data-testid="device-row"]');
    await shot(page, 'fleet');
    await page.click('[data-testid="device-name"]');
    await page.waitForSelector('[data-testid="device-page"]').catch(async (e) => {
      await shot(page, 'device-failed');
      throw new Error(
        `${e.message}\n${(await page.textContent('main'))?.slice(0, 2000)}\n${dashboard.output().slice(-3000)}`,
      );
    });
    await page.waitForSelector('[data-testid="device-results"]');
    await shot(page, 'device');
    await page.goto(`${dashboard.url}/compare`);
    await page.waitForSelector('h1');
    await shot(page, 'compare');
    await page.goto(`${dashboard.url}/models`);
    await page.waitForSelector('[data-testid="catalogue-row"]');
    expect(await page.locator('[data-testid="model-row"]').count()).toBe(2);
    await shot(page, 'models');
    await page.goto(`${dashboard.url}/chart?class=${encodeURIComponent('ref:paddleclas-sd855-lite-fp32-t1')}`);
    await page.waitForSelector('[data-testid="speed-accuracy-chart"][data-published="true"]');
    expect(Number(await page.getAttribute('[data-testid="speed-accuracy-chart"]', 'data-points'))).toBeGreaterThan(20);
    await shot(page, 'chart-published-sd855');

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
});
