import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiPaths, type ModelArtifact } from '@fleetbench/protocol';
import { buildModel, RECIPE_FORMAT } from '@fleetbench/zoo';
import { AgentError } from '../util/errors';
import { HttpArtifactStore, sha256File } from './artifact-store';

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
