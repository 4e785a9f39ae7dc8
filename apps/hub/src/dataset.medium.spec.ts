/**
 * Medium test: dataset registration (packaging a folder into the agent's tar format, determinism, 400s) and accuracy
 * campaigns whose assign message carries the dataset and the model's preprocessing. Real PostgreSQL, embedded broker.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  apiPaths,
  topics,
  type Dataset,
  type EnrollResponse,
  type JobAssignMessage,
  type Model,
} from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import type { Hub } from './main';
import { connectFakeAgent, enrollFakeAgent } from './test-support/fake-agent';
import { mediumHub, until } from './test-support/medium-hub';
import type { createTestDatabase } from './test-support/database';
import { resultMessage } from './test-support/fixtures';
import { SHARED_DATA } from '../../../test/support/shared-data';

const SHARED = SHARED_DATA;
const SAMPLE = path.join(SHARED, 'imagenet-sample');
const SYNSETS = path.join(SHARED, 'LOC_synset_mapping.txt');
const MNIST = path.join(SHARED, 'models/mnist.onnx');
const MOBILENET = path.join(SHARED, 'models/mobilenetv2-12-int8.onnx');
const ADMIN = 'test-admin-token-datasets-0123';
const PREPROCESSING = { resizeShorter: 256, crop: 224, resizeKernel: 'linear' };

let hub: Hub;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let work: string;
const agents: MqttClient[] = [];

const medium = mediumHub(ADMIN);
const api = medium.api;

/** A folder of the first `n` sample images (copied, so their mtimes differ from the originals). */
async function sampleFolder(name: string, n: number): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir, { recursive: true });
  const files = (await fs.readdir(SAMPLE))
    .filter((f) => f.endsWith('.JPEG'))
    .sort()
    .slice(0, n);
  for (const f of files) await fs.copyFile(path.join(SAMPLE, f), path.join(dir, f));
  return dir;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-ds-work-'));
  await medium.start();
  hub = medium.hub;
  db = medium.db;
});

afterAll(async () => {
  for (const a of agents) await a.endAsync(true).catch(() => undefined);
  await medium.stop();
  await fs.rm(work, { recursive: true, force: true });
});

describe('POST /api/v1/datasets (folder on the hub)', () => {
  let first: Dataset;

  it('packages a synset-named folder into the agent tar format', async () => {
    const dir = await sampleFolder('a', 12);
    const r = await api<Dataset>('POST', apiPaths.datasets, { name: 'sample-12', path: dir, labelsPath: SYNSETS });
    expect(r.status).toBe(201);
    first = r.body;
    expect(first).toMatchObject({ name: 'sample-12', layout: 'synset-filenames', source: 'path', sampleCount: 12 });
    expect(first.labels).toHaveLength(1000);
    expect(first.labels[0]).toBe('n01440764');

    // The artifact route serves it; the bytes hash to the recorded sha256 and GNU tar reads the layout.
    const res = await fetch(hub.url + apiPaths.artifact(first.sha256), {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(first.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(first.sha256);
    const tarFile = path.join(work, 'a.tar');
    await fs.writeFile(tarFile, bytes);
    const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toHaveLength(13);
    expect(listing[0]).toMatch(/labels\.txt$/);
    expect(listing[1]).toMatch(/ images\/n01440764_tench\.JPEG$/);
    expect(listing.every((l) => l.startsWith('-rw-r--r-- 0/0'))).toBe(true);
    const out = path.join(work, 'a-x');
    await fs.mkdir(out);
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    expect((await fs.readFile(path.join(out, 'labels.txt'), 'utf8')).split('\n')[0]).toBe(
      'n01440764 tench, Tinca tinca',
    );
    expect(await fs.readFile(path.join(out, 'images/n01440764_tench.JPEG'))).toEqual(
      await fs.readFile(path.join(SAMPLE, 'n01440764_tench.JPEG')),
    );
  });

  it('is deterministic: the same folder (even a fresh copy) gives the same sha256 and one row', async () => {
    const again = await api<Dataset>('POST', apiPaths.datasets, {
      name: 'sample-12 again',
      path: path.join(work, 'a'),
      labelsPath: SYNSETS,
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.id, sha256: first.sha256, name: 'sample-12' });
    await new Promise((r) => setTimeout(r, 1100)); // other mtimes
    const copy = await sampleFolder('b', 12);
    const fromCopy = await api<Dataset>('POST', apiPaths.datasets, { name: 'copy', path: copy, labelsPath: SYNSETS });
    expect(fromCopy.status).toBe(200);
    expect(fromCopy.body.sha256).toBe(first.sha256);
    const list = await api<Dataset[]>('GET', apiPaths.datasets);
    expect(list.body.filter((d) => d.sha256 === first.sha256)).toHaveLength(1);
    expect((await api<Dataset>('GET', apiPaths.dataset(first.id))).body).toEqual(first);
    expect((await api('GET', apiPaths.dataset('nope'))).status).toBe(404);
  });

  it('packages an ImageFolder layout with labels from the folder names', async () => {
    const dir = path.join(work, 'imagefolder');
    for (const cls of ['dog', 'cat']) await fs.mkdir(path.join(dir, cls), { recursive: true });
    await fs.copyFile(path.join(SAMPLE, 'n01440764_tench.JPEG'), path.join(dir, 'dog', 'x1.JPEG'));
    await fs.copyFile(path.join(SAMPLE, 'n01443537_goldfish.JPEG'), path.join(dir, 'cat', 'y1.jpg'));
    const r = await api<Dataset>('POST', apiPaths.datasets, { name: 'pets', path: dir });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ layout: 'imagefolder', labels: ['cat', 'dog'], sampleCount: 2 });
  });

  it('answers bad inputs with 400 and a reason', async () => {
    const reason = async (body: unknown) => {
      const r = await api('POST', apiPaths.datasets, body);
      expect(r.status).toBe(400);
      return `${r.body.code}:${r.body.details?.reason ?? ''}`;
    };
    expect(await reason({ name: 'x', path: path.join(work, 'missing') })).toBe('invalid-dataset:folder-missing');
    const empty = path.join(work, 'empty');
    await fs.mkdir(empty);
    expect(await reason({ name: 'x', path: empty, labelsPath: SYNSETS })).toBe('invalid-dataset:no-images');
    const odd = await sampleFolder('odd', 2);
    await fs.copyFile(path.join(SAMPLE, 'n01440764_tench.JPEG'), path.join(odd, 'n99999999_unknown.JPEG'));
    expect(await reason({ name: 'x', path: odd, labelsPath: SYNSETS })).toBe('invalid-dataset:unknown-classes');
    const unlabeled = await sampleFolder('c', 2);
    expect(await reason({ name: 'x', path: unlabeled })).toBe('invalid-dataset:bad-labels');
    expect(await reason({ name: 'x', path: unlabeled, labels: ['n01440764', 'n01440764'] })).toBe(
      'invalid-dataset:bad-labels',
    );
    expect(await reason({ name: 'x', path: unlabeled, labelsPath: path.join(work, 'nope.txt') })).toBe(
      'invalid-dataset:bad-labels',
    );
    expect(await reason({ name: 'x', path: unlabeled, labels: ['a'], labelsPath: SYNSETS })).toBe('validation-failed:');
    expect(await reason({ path: unlabeled })).toBe('validation-failed:');
  });

  it('accepts a ready tar upload (application/x-tar) and refuses what is not one', async () => {
    const bytes = await fs.readFile(path.join(work, 'a.tar'));
    const same = await api<Dataset>('POST', `${apiPaths.datasets}?name=up`, new Uint8Array(bytes), {
      'content-type': 'application/x-tar',
    });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(first.id);
    const dir = path.join(work, 'handmade');
    await fs.mkdir(path.join(dir, 'images/zebra'), { recursive: true });
    await fs.copyFile(path.join(SAMPLE, 'n01440764_tench.JPEG'), path.join(dir, 'images/zebra/1.jpg'));
    execFileSync('tar', ['-cf', path.join(work, 'handmade.tar'), '-C', dir, 'images']);
    const up = await api<Dataset>(
      'POST',
      `${apiPaths.datasets}?name=handmade`,
      new Uint8Array(await fs.readFile(path.join(work, 'handmade.tar'))),
      {
        'content-type': 'application/x-tar',
      },
    );
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ source: 'upload', layout: 'imagefolder', labels: ['zebra'], sampleCount: 1 });
    const junk = await api(
      'POST',
      `${apiPaths.datasets}?name=junk`,
      new Uint8Array(Buffer.from('not a tar at all'.repeat(100))),
      { 'content-type': 'application/x-tar' },
    );
    expect(junk.status).toBe(400);
    expect(junk.body.code).toBe('invalid-dataset');
  });
});

describe('accuracy campaigns', () => {
  async function enrollAndConnect(
    name: string,
  ): Promise<{ e: EnrollResponse; jobs: JobAssignMessage[]; client: MqttClient }> {
    const e = await enrollFakeAgent(medium, name);
    const { client, jobs } = await connectFakeAgent(e, agents);
    return { e, jobs, client };
  }

  it('requires a dataset and a preprocessing spec, and assigns jobs carrying both', async () => {
    const agent = await enrollAndConnect('acc-1');
    await until(async () => (await api('GET', apiPaths.device(agent.e.agentId))).body.online, 'device online');
    const bare = await api<Model>('POST', apiPaths.models, { name: 'mnist', path: MNIST });
    const mobilenet = await api<Model>('POST', apiPaths.models, {
      name: 'mobilenetv2-12-int8',
      path: MOBILENET,
      preprocessing: PREPROCESSING,
      flops: 6e8,
    });
    expect(mobilenet.status).toBe(201);
    const datasets = await api<Dataset[]>('GET', apiPaths.datasets);
    const dataset = datasets.body.find((d) => d.name === 'sample-12')!;
    const devices = { ids: [agent.e.agentId] };
    const settings = [{ mode: 'latency' }, { mode: 'accuracy', maxSamples: 10 }];

    const noDataset = await api('POST', apiPaths.campaigns, {
      name: 'acc',
      modelIds: [mobilenet.body.id],
      devices,
      settings,
    });
    expect(noDataset.status).toBe(400);
    expect(noDataset.body.code).toBe('dataset-required');
    const unknown = await api('POST', apiPaths.campaigns, {
      name: 'acc',
      modelIds: [mobilenet.body.id],
      devices,
      settings,
      datasetId: 'nope',
    });
    expect(unknown.body.code).toBe('unknown-dataset');
    const noSpec = await api('POST', apiPaths.campaigns, {
      name: 'acc',
      modelIds: [bare.body.id],
      devices,
      settings,
      datasetId: dataset.id,
    });
    expect(noSpec.status).toBe(400);
    expect(noSpec.body.code).toBe('preprocessing-required');
    // Without accuracy entries no dataset is needed.
    expect(
      (await api('POST', apiPaths.campaigns, { name: 'lat', modelIds: [bare.body.id], devices: { ids: ['none'] } }))
        .body.code,
    ).toBe('no-matching-devices');

    const c = await api('POST', apiPaths.campaigns, {
      name: 'acc',
      modelIds: [mobilenet.body.id],
      devices,
      settings,
      datasetId: dataset.id,
    });
    expect(c.status).toBe(201);
    const latency = await until(async () => agent.jobs[0], 'latency job assigned');
    expect(latency.settings.mode).toBe('latency');
    expect(latency.dataset).toBeUndefined();
    expect(latency.model).toMatchObject({
      flops: 6e8,
      // As registered: what the model states (layout, element type) is read by the agent, not filled in here.
      preprocessing: { resizeShorter: 256, crop: 224, resizeKernel: 'linear' },
    });
    expect(latency.model.preprocessing).not.toHaveProperty('layout');
    await agent.client.publishAsync(topics.results(agent.e.agentId), JSON.stringify(resultMessage(latency)), {
      qos: 1,
    });

    const accuracy = await until(async () => agent.jobs[1], 'accuracy job assigned');
    expect(accuracy.settings).toMatchObject({ mode: 'accuracy', maxSamples: 10 });
    expect(accuracy.dataset).toEqual({
      datasetId: dataset.id,
      name: 'sample-12',
      sha256: dataset.sha256,
      sizeBytes: dataset.sizeBytes,
      downloadPath: apiPaths.artifact(dataset.sha256),
      format: 'tar',
    });
    expect(accuracy.model.preprocessing).toEqual({ resizeShorter: 256, crop: 224, resizeKernel: 'linear' });
    // The agent can fetch the dataset with its own credentials.
    const dl = await fetch(hub.url + accuracy.dataset!.downloadPath, {
      method: 'HEAD',
      headers: {
        authorization: `Basic ${Buffer.from(`${agent.e.agentId}:${agent.e.mqtt.password}`).toString('base64')}`,
      },
    });
    expect(dl.status).toBe(200);

    // Ingest keeps top-1 and top-5 of the accuracy result.
    const msg = resultMessage(accuracy, { top1: 0.8 });
    msg.settings = accuracy.settings;
    msg.metrics.top5 = 0.9;
    msg.metrics.accuracySamples = 10;
    await agent.client.publishAsync(topics.results(agent.e.agentId), JSON.stringify(msg), { qos: 1 });
    const stored = await until(
      async () =>
        (await api('GET', `${apiPaths.results}?campaignId=${c.body.id}`)).body.find((r: any) => r.msgId === msg.msgId),
      'result',
    );
    expect(stored.metrics).toMatchObject({ top1: 0.8, top5: 0.9, accuracySamples: 10 });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const row = await client.query('SELECT top1, top5 FROM "Result" WHERE "msgId" = $1', [msg.msgId]);
    const job = await client.query('SELECT "datasetId" FROM "Job" WHERE id = $1', [accuracy.jobId]);
    await client.end();
    expect(row.rows[0]).toEqual({ top1: 0.8, top5: 0.9 });
    expect(job.rows[0].datasetId).toBe(dataset.id);
  });
});
