/**
 * Zoo models end to end: an embedded hub registers two small zoo models as recipes (it builds each once, in a
 * worker thread, to learn the sha256), a real agent builds them from the recipe in its job, verifies the sha256 and
 * benchmarks them; the leaderboard shows the measured latency beside the published top-1 (`top1Source: 'reference'`).
 */
import path from 'node:path';
import type { Campaign, Model, ZooRegistrationTask } from '@fleetbench/protocol';
import {
  allLeaderboardRows,
  api,
  enrollAgent,
  startAgent,
  startHub,
  tempDir,
  waitFor,
  type HubProcess,
  type ManagedProcess,
} from '../support/processes';

const NAMES = ['ShuffleNetV2_x0_25', 'MobileNetV3_small_x0_35'];

describe('zoo models: hub registration → agent build → leaderboard', () => {
  let hub: HubProcess;
  let agent: ManagedProcess;

  afterAll(async () => {
    await agent?.stop();
    await hub?.stop();
  });

  it('registers two zoo models and ranks their measured latency with the published top-1', async () => {
    hub = await startHub({});
    const started = await api<ZooRegistrationTask>(hub.url, hub.token, 'POST', '/api/v1/models/zoo', { names: NAMES });
    const task = await waitFor(
      'the zoo registration task',
      async () => {
        const t = await api<ZooRegistrationTask>(hub.url, hub.token, 'GET', `/api/v1/models/zoo/tasks/${started.id}`);
        return t.state !== 'running' ? t : undefined;
      },
      60_000,
      200,
    );
    expect(task).toMatchObject({ state: 'completed', done: 2, errors: [] });
    const models = task.models as Model[];
    expect(models.map((m) => [m.name, m.source, m.recipe?.seed])).toEqual(NAMES.map((n) => [n, 'zoo', 0]));
    // Registering again is instant and idempotent.
    const again = await api<ZooRegistrationTask>(hub.url, hub.token, 'POST', '/api/v1/models/zoo', { names: NAMES });
    expect(again.state).toBe('completed');
    expect(again.models.map((m) => m.id)).toEqual(models.map((m) => m.id));

    const dir = tempDir('zoo-agent');
    const enrollment = await api<{ token: string }>(hub.url, hub.token, 'POST', '/api/v1/enrollment-tokens', {
      maxUses: 1,
    });
    const config = enrollAgent(hub.url, enrollment.token, 'zoo-agent', dir);
    agent = startAgent('zoo-agent', config, path.join(dir, 'data'));

    const campaign = await api<Campaign>(hub.url, hub.token, 'POST', '/api/v1/campaigns', {
      name: 'zoo e2e',
      modelIds: models.map((m) => m.id),
      devices: { all: true },
      settings: [{ mode: 'latency', warmupIterations: 2, minIterations: 20, minDurationMs: 300, maxDurationMs: 5000 }],
    });
    const done = await waitFor(
      'the zoo campaign to finish',
      async () => {
        const c = await api<Campaign>(hub.url, hub.token, 'GET', `/api/v1/campaigns/${campaign.id}`);
        return c.state !== 'running' ? c : undefined;
      },
      120_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.output().slice(-3000)}`);
    });
    expect(done.state).toBe('completed');
    // The bytes were built on the agent from the recipe (the hub keeps no zoo artifact to download).
    expect(agent.output()).toMatch(/zoo model built and verified/);

    const rows = await allLeaderboardRows(hub.url, hub.token);
    for (const m of models) {
      const row = rows.find((r) => r.modelId === m.id);
      expect(row).toBeDefined();
      expect(row!.p50Ms).toBeGreaterThan(0);
      expect(row!.top1Source).toBe('reference');
      expect(row!.top1).toBeCloseTo(m.referenceMetrics!.top1!, 6);
      expect(row!.family).toBe(m.family);
    }
  });
});
