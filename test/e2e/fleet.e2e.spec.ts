/**
 * The walking skeleton on real parts: PostgreSQL + Mosquitto (dynamic security) + hub + two agent processes +
 * dashboard in Chromium. Two models × two agents → four results, stored once each, shown on the leaderboard.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import type { Device, Model, Result } from '@fleetbench/protocol';
import { topics } from '@fleetbench/protocol';
import { launchBrowser, SCREENSHOT_DIR } from '../support/browser';
import { dynsecHubEnv, startMosquitto } from '../support/mosquitto';
import { createTestDatabase } from '../../apps/hub/src/test-support/database';
import {
  allLeaderboardRows,
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

const MODELS = ['mnist.onnx', 'mobilenetv2-12-int8.onnx'];

describe('fleet on PostgreSQL + Mosquitto', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let hub: HubProcess;
  const agents: { id: string; config: string; proc: ManagedProcess; password: string }[] = [];
  const procs: ManagedProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('fleetbench_e2e');
    broker = await startMosquitto();
    hub = await startHub({
      DATABASE_URL: db.url,
      ...dynsecHubEnv(broker),
    });
    procs.push(hub);
  });

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
    await broker?.stop();
    await db?.drop();
  });

  function diagnostics(): string {
    return procs.map((p) => `----- ${p.name} -----\n${p.output().slice(-3000)}`).join('\n');
  }

  it('enrolls two agents, runs one campaign of two models on both, stores four results once', async () => {
    const enrollment = await api(hub.url, hub.token, 'POST', '/api/v1/enrollment-tokens', { label: 'e2e', maxUses: 2 });
    for (const name of ['agent-a', 'agent-b']) {
      const dir = tempDir(name);
      const config = enrollAgent(hub.url, enrollment.token, name, dir);
      const cfg = JSON.parse(readFileSync(config, 'utf8'));
      const proc = startAgent(name, config, path.join(dir, 'data'));
      procs.push(proc);
      agents.push({ id: cfg.agentId, config, proc, password: cfg.mqtt.password });
    }
    // The token allowed two enrollments; a third is refused with a clear message.
    expect(() => enrollAgent(hub.url, enrollment.token, 'agent-c', tempDir('agent-c'))).toThrow(
      /enroll agent-c failed[\s\S]*(token|enrol)/i,
    );

    await waitFor(
      'both agents online',
      async () => {
        const devices = await api<Device[]>(hub.url, hub.token, 'GET', '/api/v1/devices');
        return agents.every((a) => devices.find((d) => d.id === a.id)?.online);
      },
      60_000,
    ).catch((e) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });

    const models: Model[] = [];
    for (const file of MODELS) {
      models.push(
        await api<Model>(hub.url, hub.token, 'POST', '/api/v1/models', {
          name: file.replace('.onnx', ''),
          path: path.join(SHARED_DATA, 'models', file),
        }),
      );
    }
    expect(models.map((m) => m.inputs.length)).toEqual([1, 1]);

    const campaign = await api(hub.url, hub.token, 'POST', '/api/v1/campaigns', {
      name: 'e2e',
      modelIds: models.map((m) => m.id),
      devices: { ids: agents.map((a) => a.id) },
      settings: [{ mode: 'latency', warmupIterations: 5, minIterations: 60, minDurationMs: 300 }],
    });
    expect(campaign.jobs).toHaveLength(4);

    const results = await waitFor(
      'four results',
      async () => {
        const rs = await api<Result[]>(hub.url, hub.token, 'GET', `/api/v1/results?campaignId=${campaign.id}`);
        return rs.length >= 4 ? rs : undefined;
      },
      180_000,
      1000,
    ).catch((e) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });

    expect(results).toHaveLength(4);
    expect(new Set(results.map((r) => r.msgId)).size).toBe(4);
    const pairs = new Set(results.map((r) => `${r.deviceId}/${r.modelId}`));
    expect(pairs.size).toBe(4);
    for (const r of results) {
      const l = r.metrics.latencyMs;
      expect(l.p50).toBeGreaterThan(0);
      expect(l.p50).toBeLessThanOrEqual(l.p90);
      expect(l.p90).toBeLessThanOrEqual(l.p99);
      expect(r.metrics.iterations).toBeGreaterThanOrEqual(60);
      expect(r.environment.modelSha256).toBe(models.find((m) => m.id === r.modelId)!.sha256);
    }
    const done = await api(hub.url, hub.token, 'GET', `/api/v1/campaigns/${campaign.id}`);
    expect(done.state).toBe('completed');

    // Leaderboard (both agents share this machine's hardware class): two models, two devices each.
    const board = await allLeaderboardRows(hub.url, hub.token);
    expect(board.map((r) => r.modelName).sort()).toEqual(['mnist', 'mobilenetv2-12-int8']);
    // Each row holds both agents' results; agents sharing two cores may flag each other `busy` (not ranked).
    for (const row of board) {
      expect(row.results + row.flaggedResults).toBe(2);
      expect(row.p50Ms).toBeGreaterThan(0);
    }

    // The dashboard shows them in a real browser.
    const dashboard = await startDashboard(hub.url);
    procs.push(dashboard);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${dashboard.url}/login`);
      await page.fill('input[name="token"]', hub.token);
      await page.click('button[type="submit"]');
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      await page.goto(`${dashboard.url}/leaderboard`);
      await page.waitForSelector('[data-testid="leaderboard-row"]', { timeout: 30_000 });
      const names = await page.locator('[data-testid="model-name"]').allTextContents();
      expect(names.map((n) => n.trim()).sort()).toEqual(['mnist', 'mobilenetv2-12-int8']);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'e2e-leaderboard.png'), fullPage: true });
      await page.goto(`${dashboard.url}/`);
      await page.waitForSelector('[data-testid="device-row"]');
      expect(await page.locator('[data-testid="device-row"]').count()).toBe(2);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'e2e-fleet.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('the broker refuses an agent publishing under another agent, and unknown credentials', async () => {
    const [a, b] = agents;
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const clients: mqtt.MqttClient[] = [];
    const connect = async (opts: mqtt.IClientOptions) => {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
      clients.push(c);
      return c;
    };
    try {
      // A watcher with the hub's (admin) account sees what reaches the topics involved.
      const watcher = await connect({
        username: broker.admin.username,
        password: broker.admin.password,
        clientId: 'e2e-watcher',
      });
      const seen: string[] = [];
      watcher.on('message', (topic) => seen.push(topic));
      await watcher.subscribeAsync([topics.results(b.id), topics.events(a.id)]);

      // Agent A's credentials are bound to its client id: stop the real agent A and use them ourselves.
      await agents[0].proc.stop();
      const impostor = await connect({ username: a.id, password: a.password, clientId: a.id, protocolVersion: 5 });
      let refusal: unknown = null;
      try {
        await impostor.publishAsync(topics.results(b.id), JSON.stringify({ v: 1, forged: true }), { qos: 1 });
      } catch (e) {
        refusal = e;
      }
      // Its own topic still works, proving the connection itself was fine.
      await impostor.publishAsync(topics.events(a.id), JSON.stringify({ v: 1, probe: true }), { qos: 1 });
      await waitFor('own-topic delivery', async () => seen.includes(topics.events(a.id)), 5000);
      expect(seen).not.toContain(topics.results(b.id));
      // Mosquitto answers a refused QoS 1 publish on MQTT 5 with reason code 135 (not authorized).
      expect(String((refusal as Error | null)?.message ?? refusal)).toMatch(/135|not authori[sz]ed/i);

      await expect(connect({ username: 'nobody', password: 'wrong', clientId: 'nobody' })).rejects.toThrow(
        /not authori[sz]ed/i,
      );
      await expect(connect({ username: a.id, password: 'not-the-password', clientId: a.id })).rejects.toThrow(
        /not authori[sz]ed/i,
      );
    } finally {
      for (const c of clients) await c.endAsync(true);
    }

    // The hub kept running and stored nothing forged.
    const results = await api<Result[]>(hub.url, hub.token, 'GET', '/api/v1/results');
    expect(results).toHaveLength(4);
  });
});
