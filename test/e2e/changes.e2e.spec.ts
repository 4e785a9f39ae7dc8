/**
 * Regression watch in a browser (embedded stack: PGlite + embedded broker, hub and dashboard as processes, Chromium).
 * A scripted device answers three latency campaigns of one model over MQTT with real HDR histograms: twice on
 * onnxruntime 1.29 at 5 ms, then on 1.30 at 5.7 ms. The Changes page lists one regression naming the version change;
 * its History page draws the three results with the change line. Then one campaign is repeated on a cron schedule
 * from its page and edited on the Campaigns page, and a MobileNetV2 result is set against PaddleClas's published
 * Snapdragon 855 figure. Screenshots in test-results/screenshots/.
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser } from 'playwright-core';
import {
  apiPaths,
  changePaths,
  schedulePaths,
  PROTOCOL_MAJOR,
  topics,
  type Campaign,
  type Change,
  type EnrollResponse,
  type JobAssignMessage,
  type Model,
  type Schedule,
} from '@fleetbench/protocol';
import { hardware, software } from '../../apps/hub/src/test-support/fixtures';
import { measuredResult, seededLatencies } from '../../apps/hub/src/test-support/measured-result';
import { launchBrowser, SCREENSHOT_DIR } from '../support/browser';
import {
  api,
  ManagedProcess,
  SHARED_DATA,
  startDashboard,
  startHub,
  waitFor,
  type HubProcess,
} from '../support/processes';

describe('Changes page', () => {
  let hub: HubProcess;
  let browser: Browser;
  let client: MqttClient | undefined;
  const procs: ManagedProcess[] = [];

  beforeAll(async () => {
    hub = await startHub({});
    procs.push(hub);
    procs.push(await startDashboard(hub.url));
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await browser?.close();
    for (const p of procs.reverse()) await p.stop();
  });

  it('lists a regression after an onnxruntime upgrade and draws it on the series', async () => {
    const model = await api<Model>(hub.url, hub.token, 'POST', apiPaths.models, {
      name: 'mnist',
      path: path.join(SHARED_DATA, 'models', 'mnist.onnx'),
    });
    const tok = await api(hub.url, hub.token, 'POST', apiPaths.enrollmentTokens, { maxUses: 1 });
    const enrolled = await api<EnrollResponse>(hub.url, null, 'POST', apiPaths.enroll, {
      token: tok.token,
      name: 'watch-board',
      hardware: hardware(),
      software,
    });
    const id = enrolled.agentId;
    client = await mqtt.connectAsync(enrolled.mqtt.url, {
      clientId: id,
      username: enrolled.mqtt.username,
      password: enrolled.mqtt.password,
      reconnectPeriod: 0,
    });
    // The n-th job is answered as run n: its onnxruntime version and median.
    const runs: [string, number][] = [
      ['1.29.0', 5],
      ['1.29.0', 5],
      ['1.30.0', 5.7],
    ];
    let answered = 0;
    client.on('message', (_t, payload) => {
      const m = JSON.parse(payload.toString()) as JobAssignMessage;
      if (m.kind !== 'assign') return;
      // Jobs after the three runs (the published comparison below) answer at 40 ms on the newer version.
      const [version, medianMs] = runs[answered] ?? ['1.30.0', 40];
      const msg = measuredResult(m, seededLatencies(200 + answered++, 400, medianMs), version);
      void client!
        .publishAsync(
          topics.events(id),
          JSON.stringify({ v: 1, ts: new Date().toISOString(), jobId: m.jobId, kind: 'accepted' }),
          { qos: 1 },
        )
        .then(() => client!.publishAsync(topics.results(id), JSON.stringify(msg), { qos: 1 }));
    });
    await client.subscribeAsync(topics.jobs(id), { qos: 1 });
    await client.publishAsync(
      topics.status(id),
      JSON.stringify({ v: PROTOCOL_MAJOR, online: true, session: 1, ts: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
    for (let i = 0; i < runs.length; i++) {
      const c = await api<Campaign>(hub.url, hub.token, 'POST', apiPaths.campaigns, {
        name: `nightly ${i}`,
        modelIds: [model.id],
        devices: { ids: [id] },
        settings: [{ mode: 'latency' }],
      });
      await waitFor(
        `campaign ${i} to complete`,
        async () => (await api<Campaign>(hub.url, hub.token, 'GET', apiPaths.campaign(c.id))).state === 'completed',
        30_000,
      );
    }
    const changes = await waitFor(
      'the regression to be marked',
      async () => {
        const list = await api<Change[]>(hub.url, hub.token, 'GET', changePaths.changes);
        return list.length ? list : null;
      },
      15_000,
    );
    expect(changes.map((c) => c.kind)).toEqual(['regression']);

    const dashboard = procs.find((p) => p.name === 'dashboard') as ManagedProcess & { url: string };
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${dashboard.url}/login`);
    await page.fill('input[name="token"]', hub.token);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));

    await page.click('[data-testid="nav-changes"]');
    await page.waitForSelector('[data-testid="change-row"][data-kind="regression"]');
    expect(await page.locator('[data-testid="change-row"]').count()).toBe(1);
    expect(await page.textContent('[data-testid="change-summary"]')).toMatch(
      /onnxruntime 1\.29\.0 → 1\.30\.0: p50 \+1\d\.\d % \[CI \+/,
    );
    await page.waitForSelector('[data-testid="webhook-form"]');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'changes.png'), fullPage: true });

    await page.click('[data-testid="change-history-link"]');
    await page.waitForSelector('[data-testid="series-chart"][data-points="3"][data-changes="1"]');
    // Three results with their intervals, and the change line labelled with what changed.
    await page.waitForSelector('[data-testid="series-chart"] .recharts-reference-line line', { state: 'attached' });
    expect(await page.locator('[data-testid="series-chart"] .recharts-symbols').count()).toBe(3);
    expect(await page.textContent('[data-testid="series-chart"]')).toContain('onnxruntime 1.30.0');
    expect(await page.textContent('[data-testid="history-points"]')).toContain('1.29.0');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'changes-history.png'), fullPage: true });

    // The leaderboard's model names open the same history.
    await page.click('[data-testid="nav-leaderboard"]');
    await page.click('[data-testid="model-name"] a:has-text("mnist")');
    await page.waitForSelector('[data-testid="series-chart"][data-points="3"][data-changes="1"]');
  });

  it('repeats a campaign on a schedule from its page, and edits the schedule on the Campaigns page', async () => {
    const dashboard = procs.find((p) => p.name === 'dashboard') as ManagedProcess & { url: string };
    const [campaign] = await api<Campaign[]>(hub.url, hub.token, 'GET', apiPaths.campaigns);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${dashboard.url}/login`);
    await page.fill('input[name="token"]', hub.token);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));

    await page.goto(`${dashboard.url}/campaigns/${campaign!.id}`);
    await page.fill('[data-testid="schedule-form"] input[name="name"]', 'nightly mnist');
    await page.fill('[data-testid="schedule-form"] input[name="cron"]', 'not a cron');
    await page.click('[data-testid="schedule-form"] button[type="submit"]');
    await page.waitForSelector('.notice-error:has-text("not a cron")');

    await page.goto(`${dashboard.url}/campaigns/${campaign!.id}`);
    await page.fill('[data-testid="schedule-form"] input[name="name"]', 'nightly mnist');
    await page.fill('[data-testid="schedule-form"] input[name="cron"]', '0 3 * * *');
    await page.click('[data-testid="schedule-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="schedule-row"]:has-text("nightly mnist")');
    const [schedule] = await api<Schedule[]>(hub.url, hub.token, 'GET', schedulePaths.schedules);
    expect(schedule).toMatchObject({ name: 'nightly mnist', cron: '0 3 * * *', enabled: true });
    expect(schedule!.campaign.modelIds).toEqual(campaign!.request!.modelIds);

    // Edit in place: weekly, off.
    await page.fill('[data-testid="schedule-row"] input[name="cron"]', '0 4 * * 1');
    await page.uncheck('[data-testid="schedule-row"] input[name="enabled"]');
    await page.click('[data-testid="schedule-row"] button:has-text("Save")');
    await page.waitForSelector('.notice-info:has-text("Schedule saved")');
    expect((await api<Schedule[]>(hub.url, hub.token, 'GET', schedulePaths.schedules))[0]).toMatchObject({
      cron: '0 4 * * 1',
      enabled: false,
      nextRunAt: null,
    });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'campaign-schedules.png'), fullPage: true });
  });

  it("compares the fleet class with PaddleClas's published Snapdragon 855 model by model, labelled as published", async () => {
    const dashboard = procs.find((p) => p.name === 'dashboard') as ManagedProcess & { url: string };
    // A real MobileNetV2 under its catalogue name, measured (scripted) at 40 ms; PaddleClas published 23.318 ms.
    const model = await api<Model>(hub.url, hub.token, 'POST', apiPaths.models, {
      name: 'MobileNetV2',
      path: path.join(SHARED_DATA, 'models', 'mobilenetv2-12-int8.onnx'),
    });
    const devices = await api<{ id: string }[]>(hub.url, hub.token, 'GET', apiPaths.devices);
    const c = await api<Campaign>(hub.url, hub.token, 'POST', apiPaths.campaigns, {
      name: 'mobilenet',
      modelIds: [model.id],
      devices: { ids: devices.map((d) => d.id) },
      settings: [{ mode: 'latency' }],
    });
    await waitFor(
      'the MobileNetV2 campaign to complete',
      async () => (await api<Campaign>(hub.url, hub.token, 'GET', apiPaths.campaign(c.id))).state === 'completed',
      30_000,
    );
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${dashboard.url}/login`);
    await page.fill('input[name="token"]', hub.token);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${dashboard.url}/published?ref=paddleclas-sd855-lite-fp32-t1`);
    await page.waitForSelector('[data-testid="published-row"]');
    expect(await page.locator('[data-testid="published-row"]').count()).toBe(1);
    const row = await page.textContent('[data-testid="published-row"]');
    expect(row).toContain('MobileNetV2');
    expect(row).toContain('23.3');
    expect(row).toMatch(/1\.7\d× slower than published/);
    expect(await page.textContent('[data-testid="published-table"] thead')).toContain('published');
    expect(await page.textContent('[data-testid="published-notice"]')).toContain('published by PaddleClas');
    expect(await page.textContent('[data-testid="published-unmatched"]')).toContain('mnist');
    await page.waitForSelector('[data-testid="published-ratio-chart"] .recharts-bar-rectangle');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'published-compare.png'), fullPage: true });
  });
});
