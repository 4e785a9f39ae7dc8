import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as tar from 'tar';
import { apiPaths, type DatasetArtifact } from '@fleetbench/protocol';
import { loadDataset } from '../accuracy/dataset';
import { colourDataset, tmpDir } from '../test-support/datasets';
import { HttpArtifactStore } from './artifact-store';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function serveFiles(files: Map<string, Buffer>): Promise<{ url: string; close: () => void; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const key = (req.url ?? '').split('/').pop() ?? '';
    hits.push(key);
    const body = files.get(key);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close(), hits };
}

const ref = (body: Buffer, name = 'x') => ({
  name,
  sha256: sha(body),
  sizeBytes: body.length,
  downloadPath: apiPaths.artifact(sha(body)),
});

describe('artifact cache', () => {
  it('evicts least recently used artifacts beyond the size cap, never the one just fetched', async () => {
    const blobs = [1, 2, 3].map((i) => Buffer.alloc(1000, i));
    const served = await serveFiles(new Map(blobs.map((b) => [sha(b), b])));
    const cacheDir = path.join(tmpDir('fb-lru-'), 'artifacts');
    const store = new HttpArtifactStore({
      hubUrl: served.url,
      agentId: 'a',
      password: 'p',
      cacheDir,
      maxBytes: 2500,
      retries: 0,
    });
    const signal = new AbortController().signal;
    try {
      await store.fetch(ref(blobs[0]), signal);
      await new Promise((r) => setTimeout(r, 20));
      await store.fetch(ref(blobs[1]), signal);
      await new Promise((r) => setTimeout(r, 20));
      // Using blob 0 again makes blob 1 the least recently used.
      await store.fetch(ref(blobs[0]), signal);
      await new Promise((r) => setTimeout(r, 20));
      await store.fetch(ref(blobs[2]), signal);
      const left = (await fs.readdir(cacheDir)).sort();
      expect(left).toEqual([sha(blobs[0]), sha(blobs[2])].sort());
    } finally {
      served.close();
    }
  });

  it('fetches a dataset tar (labels.txt + images/<class>/…), verifies and unpacks it once', async () => {
    const src = await colourDataset();
    const pack = tmpDir('fb-pack-');
    await fs.cp(src, path.join(pack, 'images'), { recursive: true });
    await fs.writeFile(path.join(pack, 'labels.txt'), 'blue\ngreen\nred\n');
    const tarFile = path.join(tmpDir('fb-tar-'), 'ds.tar');
    await tar.c({ file: tarFile, cwd: pack, portable: true }, ['labels.txt', 'images']);
    const body = readFileSync(tarFile);
    const served = await serveFiles(new Map([[sha(body), body]]));
    const cacheDir = path.join(tmpDir('fb-ds-'), 'artifacts');
    const store = new HttpArtifactStore({ hubUrl: served.url, agentId: 'a', password: 'p', cacheDir, retries: 0 });
    const dataset: DatasetArtifact = { datasetId: 'd1', format: 'tar', ...ref(body, 'colours') };
    try {
      const dir = await store.fetchDataset(dataset, new AbortController().signal);
      expect(dir).toBe(path.join(store.datasetsDir, sha(body), 'images'));
      const ds = await loadDataset(dir);
      expect(ds.format).toBe('image-folder');
      expect(ds.labels).toEqual(['blue', 'green', 'red']);
      expect(ds.samples).toHaveLength(6);
      expect(await store.fetchDataset(dataset, new AbortController().signal)).toBe(dir);
      expect(served.hits).toHaveLength(1);
    } finally {
      served.close();
    }
  });

  it('rejects a dataset that is not a tar with images/', async () => {
    const body = Buffer.from('not a tar archive at all');
    const served = await serveFiles(new Map([[sha(body), body]]));
    const store = new HttpArtifactStore({
      hubUrl: served.url,
      agentId: 'a',
      password: 'p',
      cacheDir: path.join(tmpDir('fb-ds-'), 'a'),
      retries: 0,
    });
    try {
      const err = await store
        .fetchDataset({ datasetId: 'd', format: 'tar', ...ref(body) }, new AbortController().signal)
        .catch((e) => e);
      expect(err.code).toBe('dataset-invalid');
      expect(existsSync(path.join(store.datasetsDir, sha(body)))).toBe(false);
    } finally {
      served.close();
    }
  });
});
