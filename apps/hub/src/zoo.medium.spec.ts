/**
 * Medium test: zoo registration on a whole hub (real PostgreSQL, embedded broker, HTTP), and the recipe in the job
 * assignment an agent receives.
 */
import { apiPaths, JobAssignMessageSchema, type Model, type ZooRegistrationTask } from '@fleetbench/protocol';
import { buildModel, describeArchitecture, getModel, RECIPE_FORMAT } from '@fleetbench/zoo';
import type { MqttClient } from 'mqtt';
import type { Hub } from './main';
import { ZooBuildRepository } from './repositories/zoo-build.repository';
import { connectFakeAgent, enrollFakeAgent } from './test-support/fake-agent';
import { mediumHub, until } from './test-support/medium-hub';
import { sharedPath } from '../../../test/support/shared-data';

const ADMIN = 'test-admin-token-zoo-0123456789';
let hub: Hub;
const clients: MqttClient[] = [];
const hashSpy = jest.spyOn(ZooBuildRepository.prototype, 'hash');

const medium = mediumHub(ADMIN);
const api = medium.api;

const finished = (id: string) =>
  until(
    async () => {
      const t = (await api<ZooRegistrationTask>('GET', apiPaths.zooTask(id))).body;
      return t.state !== 'running' && t;
    },
    `zoo task ${id}`,
    20_000,
  );

beforeAll(async () => {
  await medium.start();
  hub = medium.hub;
});

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await medium.stop();
});

describe('POST /api/v1/models/zoo', () => {
  it('refuses unknown names (listing them), unknown families and requests without exactly one selector', async () => {
    const bad = await api('POST', apiPaths.zooModels, { names: ['SqueezeNet1_1', 'NoSuchNet', 'squeezenet1_0'] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('unknown-zoo-models');
    expect(bad.body.details.unknown).toEqual(['NoSuchNet', 'squeezenet1_0']);
    expect(bad.body.message).toContain('NoSuchNet');
    const family = await api('POST', apiPaths.zooModels, { family: 'NoSuchFamily' });
    expect(family.status).toBe(400);
    expect(family.body.details.families).toContain('SqueezeNet');
    expect((await api('POST', apiPaths.zooModels, {})).body.code).toBe('validation-failed');
    expect((await api('POST', apiPaths.zooModels, { all: true, family: 'VGG' })).status).toBe(400);
    expect((await api<Model[]>('GET', apiPaths.models)).body).toEqual([]);
  });

  it('registers a family in the background: recipe, sha256 of the bytes, reference metrics, FLOPs, preprocessing', async () => {
    const r = await api<ZooRegistrationTask>('POST', apiPaths.zooModels, { family: 'SqueezeNet' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      state: 'running',
      names: ['SqueezeNet1_0', 'SqueezeNet1_1'],
      total: 2,
      seed: 0,
      variant: 'fp32',
    });
    const task = await finished(r.body.id);
    expect(task).toMatchObject({ state: 'completed', done: 2, errors: [] });
    const m = task.models.find((x) => x.name === 'SqueezeNet1_1')!;
    const built = buildModel({ name: 'SqueezeNet1_1' });
    expect(m).toMatchObject({
      source: 'zoo',
      family: 'SqueezeNet',
      sha256: built.sha256,
      sizeBytes: built.bytes.byteLength,
      recipe: { name: 'SqueezeNet1_1', seed: 0, variant: 'fp32', format: RECIPE_FORMAT },
      flops: describeArchitecture('SqueezeNet1_1').flops,
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 224, 224] }],
    });
    expect(m.referenceMetrics).toMatchObject({ top1: getModel('SqueezeNet1_1')!.reference.top1 });
    expect(m.referenceMetrics!.source).toMatch(/PaddleClas published reference/);
    expect(m.preprocessing).toMatchObject({ crop: 224, resizeShorter: 256 });
    // No artifact is kept for zoo models.
    expect(
      (await fetch(hub.url + apiPaths.artifact(m.sha256), { headers: { authorization: `Bearer ${ADMIN}` } })).status,
    ).toBe(404);
  });

  it('is idempotent: known recipes register at once (200), only new ones are built', async () => {
    const before = (await api<Model[]>('GET', apiPaths.models)).body;
    hashSpy.mockClear();
    const again = await api<ZooRegistrationTask>('POST', apiPaths.zooModels, { family: 'squeezenet' });
    expect(again.status).toBe(200);
    expect(again.body.state).toBe('completed');
    expect(again.body.models.map((x) => x.id).sort()).toEqual(before.map((x) => x.id).sort());
    expect(hashSpy).not.toHaveBeenCalled();

    const list = await api<ZooRegistrationTask>('POST', apiPaths.zooModels, {
      names: ['SqueezeNet1_1', 'ShuffleNetV2_x0_25', 'SqueezeNet1_1'],
    });
    expect(list.status).toBe(202);
    expect(list.body.done).toBe(1);
    const task = await finished(list.body.id);
    expect(task.models.map((x) => x.name)).toEqual(['SqueezeNet1_1', 'ShuffleNetV2_x0_25']);
    expect(hashSpy).toHaveBeenCalledTimes(1);
    // Another seed is another recipe (other weights, other bytes).
    const seeded = await finished(
      (await api<ZooRegistrationTask>('POST', apiPaths.zooModels, { names: ['ShuffleNetV2_x0_25'], seed: 7 })).body.id,
    );
    expect(seeded.models[0].recipe!.seed).toBe(7);
    expect(seeded.models[0].sha256).not.toBe(task.models[1].sha256);
    expect((await api<Model[]>('GET', apiPaths.models)).body).toHaveLength(4);
    expect((await api('GET', apiPaths.zooTask('nope'))).status).toBe(404);
  });

  it('counts FLOPs from the graph for user models registered without them', async () => {
    const r = await api<Model>('POST', apiPaths.models, { name: 'mnist', path: sharedPath('models/mnist.onnx') });
    expect(r.status).toBe(201);
    expect(r.body.flops).toBe(2 * (28 * 28 * 8 * 25 + 14 * 14 * 16 * 200 + 256 * 10));
    expect(r.body.recipe).toBeUndefined();
  });
});

describe('job assignment of a zoo model', () => {
  it('carries the recipe and the sha256 the agent must reproduce', async () => {
    const e = await enrollFakeAgent(medium, 'zoo-board');
    const { jobs } = await connectFakeAgent(e, clients);
    await until(async () => (await api('GET', apiPaths.device(e.agentId))).body.online, 'agent online');

    const model = (await api<Model[]>('GET', apiPaths.models)).body.find((m) => m.name === 'SqueezeNet1_1')!;
    const c = await api('POST', apiPaths.campaigns, { name: 'zoo', modelIds: [model.id], devices: { all: true } });
    expect(c.status).toBe(201);
    await until(async () => jobs.length === 1, 'assignment');
    const assign = JobAssignMessageSchema.parse(jobs[0]);
    expect(assign.model).toMatchObject({
      modelId: model.id,
      sha256: model.sha256,
      sizeBytes: model.sizeBytes,
      recipe: { name: 'SqueezeNet1_1', seed: 0, variant: 'fp32', format: RECIPE_FORMAT },
      flops: model.flops,
    });
  });
});
