import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchmarkSettingsSchema } from '@fleetbench/protocol';
import { sessionOptions } from './onnx-runner';
import { cachedBackends, listProviders, usableProviderNames } from './providers';

describe('cachedBackends (idle daemon without onnxruntime loaded)', () => {
  it('asks a child process once, then reads the cache; the provider list matches the in-process one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-backends-'));
    try {
      const file = path.join(dir, 'cache', 'ort-backends.json');
      const first = await cachedBackends(file);
      expect(first).toEqual(expect.arrayContaining([{ name: 'cpu', bundled: true }]));
      const stored = JSON.parse(await fs.readFile(file, 'utf8'));
      expect(stored.backends).toEqual(first);
      // A cached entry is used as is (a fake one proves no child process ran).
      await fs.writeFile(
        file,
        JSON.stringify({
          ...stored,
          backends: [
            { name: 'cpu', bundled: true },
            { name: 'fake', bundled: true },
          ],
        }),
      );
      expect(usableProviderNames(await cachedBackends(file))).toEqual(['cpu', 'fake']);
      // Another onnxruntime version invalidates it.
      await fs.writeFile(file, JSON.stringify({ key: 'other', backends: [] }));
      expect(listProviders(await cachedBackends(file))).toEqual(listProviders());
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('null (onnxruntime unavailable) means no providers', () => {
    expect(listProviders(null)).toEqual([]);
  });
});

describe('sessionOptions', () => {
  it('turns off intra-op spinning for accuracy runs that decode only (decoding shares the cores)', () => {
    expect(sessionOptions(BenchmarkSettingsSchema.parse({ mode: 'accuracy' })).extra).toEqual({
      session: { intra_op: { allow_spinning: '0' } },
    });
    expect(sessionOptions(BenchmarkSettingsSchema.parse({ mode: 'latency' })).extra).toBeUndefined();
    // From the pixel cache nothing decodes: spinning stays on.
    expect(
      sessionOptions(BenchmarkSettingsSchema.parse({ mode: 'accuracy' }), { decoding: false }).extra,
    ).toBeUndefined();
  });
});
