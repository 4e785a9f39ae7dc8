/**
 * Accuracy path end to end: a hub on embedded defaults (PGlite + in-process broker) packages a labeled folder into a
 * dataset, a real agent process downloads it with the model, runs the accuracy job and the result carries top-1/top-5.
 * The folder is a 50-image subset of shared/data/imagenet-sample copied into a temp dir at test time.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Campaign, Dataset, Model, Result } from '@fleetbench/protocol';
import {
  api,
  enrollAgent,
  HubProcess,
  ManagedProcess,
  SHARED_DATA,
  startAgent,
  startHub,
  tempDir,
  waitFor,
} from '../support/processes';

const SAMPLE = path.join(SHARED_DATA, 'imagenet-sample');
const SYNSETS = path.join(SHARED_DATA, 'LOC_synset_mapping.txt');
const MOBILENET = path.join(SHARED_DATA, 'models/mobilenetv2-12-int8.onnx');
const TF_MOBILENET = path.join(SHARED_DATA, 'models/mobilenet_v1_0.25_128_quant_qlinear.onnx');
const IMAGES = 50;

describe('accuracy job from the hub on a real agent', () => {
  let hub: HubProcess | undefined;
  let agent: ManagedProcess | undefined;
  const dirs: string[] = [];

  afterAll(async () => {
    await agent?.stop();
    await hub?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('registers a folder as a dataset, runs an accuracy campaign and stores top-1/top-5', async () => {
    // Embedded defaults whatever the environment says.
    hub = await startHub({ DATABASE_URL: '', MQTT_URL: '' });
    const call = <T = any>(method: string, p: string, body?: unknown) => api<T>(hub!.url, hub!.token, method, p, body);

    const folder = tempDir('dataset');
    dirs.push(folder);
    // Every 20th image: 50 different classes.
    const files = readdirSync(SAMPLE)
      .filter((f) => f.endsWith('.JPEG'))
      .sort()
      .filter((_, i) => i % 20 === 0)
      .slice(0, IMAGES);
    mkdirSync(folder, { recursive: true });
    for (const f of files) copyFileSync(path.join(SAMPLE, f), path.join(folder, f));
    const dataset = await call<Dataset>('POST', '/api/v1/datasets', {
      name: 'imagenet-50',
      path: folder,
      labelsPath: SYNSETS,
    });
    expect(dataset).toMatchObject({ sampleCount: IMAGES, layout: 'synset-filenames' });

    const model = await call<Model>('POST', '/api/v1/models', {
      name: 'mobilenetv2-12-int8',
      path: MOBILENET,
      preprocessing: { resizeShorter: 256, crop: 224, resizeKernel: 'linear' },
    });
    // A TF-converted uint8 NHWC model with 1001 classes, registered with the preset the hub proposes: everything
    // else (type, layout, 128×128, the output and label offset 1) is read from the model by the agent.
    const tf = await call<Model>('POST', '/api/v1/models', {
      name: 'mobilenet_v1_0.25_128_quant',
      path: TF_MOBILENET,
      useProposedPreset: true,
    });
    expect(tf.preprocessing).toEqual({ preset: 'tf-uint8' });
    expect(tf.ioFacts).toMatchObject({ input: { layout: 'NHWC', height: 128 }, labelOffset: 1 });

    const enrollment = await call('POST', '/api/v1/enrollment-tokens', { maxUses: 1 });
    const agentDir = tempDir('agent-acc');
    dirs.push(agentDir);
    const config = enrollAgent(hub.url, enrollment.token, 'accuracy-agent', agentDir);
    agent = startAgent('accuracy', config, path.join(agentDir, 'data'));
    await waitFor(
      'the agent to come online',
      async () => (await call('GET', '/api/v1/devices')).some((d: { online: boolean }) => d.online),
      60_000,
    );

    const campaign = await call<Campaign>('POST', '/api/v1/campaigns', {
      name: 'accuracy e2e',
      modelIds: [model.id, tf.id],
      devices: { all: true },
      datasetId: dataset.id,
      settings: [{ mode: 'accuracy', warmupIterations: 2 }],
      timeoutMs: 240_000,
    });
    const done = await waitFor(
      'the accuracy campaign to finish',
      async () => {
        const c = await call<Campaign>('GET', `/api/v1/campaigns/${campaign.id}`);
        return c.state !== 'running' ? c : undefined;
      },
      240_000,
      1000,
    ).catch((e) => {
      throw new Error(`${e.message}\nagent:\n${agent!.output().slice(-3000)}\nhub:\n${hub!.output().slice(-3000)}`);
    });
    expect(done.jobs?.[0]?.error ?? null).toBeNull();
    expect(done.state).toBe('completed');

    const results = await call<Result[]>('GET', `/api/v1/results?campaignId=${campaign.id}`);
    expect(results).toHaveLength(2);
    const result = results.find((r) => r.modelId === model.id)!;
    const tfResult = results.find((r) => r.modelId === tf.id)!;
    expect(tfResult.metrics.accuracySamples).toBe(IMAGES);
    expect(tfResult.metrics.scoring).toMatchObject({
      preset: 'tf-uint8',
      labelOffset: 1,
      classes: 1001,
      input: { dtype: 'uint8', layout: 'NHWC', crop: 128, resizeShorter: 146 },
    });
    expect(tfResult.metrics.top5).toBeGreaterThanOrEqual(tfResult.metrics.top1!);
    expect(tfResult.metrics.top1).toBeGreaterThanOrEqual(0.25); // 45.4 % on all 1000 images
    expect(result.settings.mode).toBe('accuracy');
    expect(result.metrics.accuracySamples).toBe(IMAGES);
    // On the full sample the model reaches 82.3 % / 95.8 %; 50 images leave a wide margin.
    expect(result.metrics.top1).toBeGreaterThanOrEqual(0.6);
    expect(result.metrics.top5).toBeGreaterThanOrEqual(result.metrics.top1!);
    expect(result.metrics.top5).toBeGreaterThanOrEqual(0.8);
    expect(result.environment.datasetSha256).toBe(dataset.sha256);
  });
});
