/**
 * `npm start` on embedded defaults (PGlite + in-process broker), as a user runs it: the script enrolls a local
 * agent, registers the sample models, runs a first campaign, and the dashboard shows the measured result.
 */
import path from 'node:path';
import type { Result } from '@fleetbench/protocol';
import { launchBrowser, SCREENSHOT_DIR } from '../support/browser';
import { api, freePort, ManagedProcess, ROOT, startProcess, tempDir, waitFor } from '../support/processes';

describe('npm start on embedded defaults', () => {
  let stack: ManagedProcess;

  afterAll(async () => {
    await stack?.stop();
  });

  it('brings up hub, agent and dashboard, and the dashboard shows a measured result', async () => {
    const home = tempDir('start');
    const env: Record<string, string> = {
      FLEETBENCH_HOME: home,
      FLEETBENCH_HUB_PORT: String(await freePort()),
      FLEETBENCH_DASHBOARD_PORT: String(await freePort()),
      // Embedded defaults: no external database or broker.
      DATABASE_URL: '',
      MQTT_URL: '',
    };
    stack = startProcess('npm start', [path.join(ROOT, 'scripts/start.mjs')], env);
    const banner = await waitFor(
      'the start banner',
      async () => {
        if (stack.child.exitCode !== null) throw new Error(`npm start exited:\n${stack.output().slice(-4000)}`);
        return /Admin token: (\S+)/.test(stack.output()) ? stack.output() : undefined;
      },
      240_000,
      500,
    );
    const token = /Admin token: (\S+)/.exec(banner)![1];
    const dashboardUrl = /Dashboard: +(\S+)/.exec(banner)![1];
    const hubUrl = /Hub API: +(\S+)\/api\/v1/.exec(banner)![1];
    // It said which broker port it chose (1883 may be taken by a system Mosquitto).
    expect(banner).toMatch(/MQTT broker: mqtt:\/\/[^:]+:\d+/);

    const results = await waitFor(
      'the first campaign to produce results',
      async () => {
        const rs = await api<Result[]>(hubUrl, token, 'GET', '/api/v1/results');
        return rs.length >= 1 ? rs : undefined;
      },
      180_000,
      1000,
    ).catch((e) => {
      throw new Error(`${e.message}\n${stack.output().slice(-4000)}`);
    });
    expect(results[0].metrics.latencyMs.p50).toBeGreaterThan(0);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${dashboardUrl}/login`);
      await page.fill('input[name="token"]', token);
      await page.click('button[type="submit"]');
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      await page.goto(`${dashboardUrl}/leaderboard`);
      await page.waitForSelector('[data-testid="leaderboard-row"]', { timeout: 30_000 });
      const names = await page.locator('[data-testid="model-name"]').allTextContents();
      expect(names.map((n) => n.trim())).toContain(results[0].modelName);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'npm-start-leaderboard.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
