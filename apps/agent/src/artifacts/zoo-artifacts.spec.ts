import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiPaths, BenchmarkSettingsSchema, type ModelArtifact } from '@fleetbench/protocol';
import { buildModel, RECIPE_FORMAT } from '@fleetbench/zoo';
import { AgentError } from '../util/errors';
import { OnnxRunner } from '../runner/onnx-runner';
import { HttpArtifactStore, sha256File } from './artifact-store';
import { materializeZooModel, zooDirOf } from './zoo-artifacts';

const NAME = 'ShuffleNetV2_x0_25';
const EXPECTED = buildModel({ name: NAME, seed: 0 });

describe('zoo models through the artifact path', () => {
  let dir: string;
  let store: HttpArtifactStore;
  let requests = 0;
  const realFetch = global.fetch;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'agent-zoo-'));
    requests = 0;
    global.fetch = (async () => {
      requests++;
      throw new Error('a zoo model must not be downloaded');
    }) as typeof fetch;
    store = new HttpArtifactStore({
      hubUrl: 'http://127.0.0.1:9',
      agentId: 'a',
      password: 'p',
      cacheDir: path.join(dir, 'artifacts'),
      retries: 0,
    });
  });
  afterEach(async () => {
    global.fetch = realFetch;
    await fs.rm(dir, { recursive: true, force: true });
  });

  const artifact = (sha256: string, seed = 0): ModelArtifact => ({
    modelId: 'm1',
    name: NAME,
    sha256,
    sizeBytes: EXPECTED.bytes.byteLength,
    downloadPath: apiPaths.artifact(sha256),
    recipe: { name: NAME, seed, variant: 'fp32', format: RECIPE_FORMAT },
  });

  it('builds the recipe locally, verifies the sha256 and caches it like a download', async () => {
    const file = await store.fetch(artifact(EXPECTED.sha256), new AbortController().signal);
    expect(file).toBe(store.pathOf(EXPECTED.sha256));
    expect(await sha256File(file)).toBe(EXPECTED.sha256);
    const { mtimeMs } = await fs.stat(file);
    // Second use: served from the cache (re-verified), not rebuilt.
    expect(await store.fetch(artifact(EXPECTED.sha256), new AbortController().signal)).toBe(file);
    expect((await fs.stat(file)).mtimeMs).toBeGreaterThanOrEqual(mtimeMs);
    expect(requests).toBe(0);
    expect((await fs.readdir(path.join(dir, 'artifacts'))).sort()).toEqual([EXPECTED.sha256]);
  });

  it('rebuilds a cached file that no longer matches', async () => {
    const file = await store.fetch(artifact(EXPECTED.sha256), new AbortController().signal);
    await fs.appendFile(file, 'x');
    expect(await store.fetch(artifact(EXPECTED.sha256), new AbortController().signal)).toBe(file);
    expect(await sha256File(file)).toBe(EXPECTED.sha256);
  });

  it('fails checksum-mismatch naming both hashes when the bytes differ, and keeps nothing', async () => {
    const wrong = 'f'.repeat(64);
    const err = await store.fetch(artifact(wrong), new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err).toMatchObject({ code: 'checksum-mismatch' });
    expect((err as Error).message).toContain(wrong);
    expect((err as Error).message).toContain(EXPECTED.sha256);
    expect(await fs.readdir(path.join(dir, 'artifacts'))).toEqual([]);
  });

  it('names an unknown recipe', async () => {
    const a = {
      ...artifact(EXPECTED.sha256),
      recipe: { name: 'NoSuchNet', seed: 0, variant: 'fp32' as const, format: RECIPE_FORMAT },
    };
    await expect(store.fetch(a, new AbortController().signal)).rejects.toMatchObject({
      code: 'model-load-failed',
      message: expect.stringContaining('NoSuchNet'),
    });
  });
});

describe('zoo models with external data (<sha256>.zoo/)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'agent-zoo-ext-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('builds, verifies, caches and runs a model whose weights are forced into external data files', async () => {
    // Threshold 0: every weight goes to `<name>.weights.0.bin` beside model.onnx, as for a model over 1 GiB.
    const expected = buildModel({ name: NAME, seed: 0, externalDataThresholdBytes: 0 });
    expect(expected.externalData.map((f) => f.path)).toEqual([`${NAME}.weights.0.bin`]);
    const cacheDir = path.join(dir, 'artifacts');
    const recipe = { name: NAME, seed: 0, variant: 'fp32' as const, format: RECIPE_FORMAT };
    const opts = { cacheDir, recipe, expectedSha256: expected.sha256, externalDataThresholdBytes: 0 };
    const first = await materializeZooModel(opts);
    const zooDir = zooDirOf(cacheDir, expected.sha256);
    expect(first).toEqual({ path: path.join(zooDir, 'model.onnx'), sha256: expected.sha256, built: true });
    expect((await fs.readdir(zooDir)).sort()).toEqual(['.complete.json', `${NAME}.weights.0.bin`, 'model.onnx']);
    expect((await fs.stat(first.path)).size).toBe(expected.bytes.byteLength);
    expect((await fs.readdir(cacheDir)).sort()).toEqual([`${expected.sha256}.zoo`]); // no build folder left

    // Second use: re-verified from the cache (model + external file), not rebuilt.
    expect(await materializeZooModel(opts)).toEqual({ ...first, built: false });

    // onnxruntime loads the weights from the file beside the model.
    const out = await new OnnxRunner({ environment: null, countFlopsUpToBytes: 0 }).run({
      modelPath: first.path,
      modelSha256: expected.sha256,
      settings: BenchmarkSettingsSchema.parse({
        warmupIterations: 1,
        minIterations: 3,
        minDurationMs: 0,
        intraOpThreads: 1,
      }),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    expect(out.metrics.iterations).toBe(3);
    expect(out.environment.modelSha256).toBe(expected.sha256);

    // A damaged weight file is caught by the re-verification and the model is built again.
    const weights = path.join(zooDir, `${NAME}.weights.0.bin`);
    const handle = await fs.open(weights, 'r+');
    await handle.write(Buffer.from([0xff]), 0, 1, 100);
    await handle.close();
    expect(await materializeZooModel(opts)).toEqual(first);
  }, 60_000);
});
