import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GPU_PROVIDER_FILES, installGpuProviders } from './gpu-install';
import { diagnoseProviders, loaderLibraries, missingLibraryIn, PROVIDER_SYSTEM_LIBS } from './provider-diagnosis';
import { bindingDir, listProviders } from './providers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fb-gpu-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const backends = [
  { name: 'cpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
];

describe('diagnoseProviders', () => {
  it('names the missing provider library and the missing CUDA / cuDNN / TensorRT sonames', async () => {
    const d = await diagnoseProviders({ backends, binDir: dir, systemLibs: new Set(['libcudart.so.12']) });
    expect(d[0]).toEqual({ name: 'cpu', loads: true, detail: 'bundled with onnxruntime-node' });
    expect(d[1]!.loads).toBe(false);
    expect(d[1]!.detail).toMatch(
      /^libonnxruntime_providers_cuda\.so is not installed \(run fleetbench-agent gpu-install/,
    );
    expect(d[1]!.detail).toContain('missing system libraries: libcublas.so.12, libcublasLt.so.12, libcufft.so.11');
    expect(d[1]!.detail).toContain('libcudnn.so.9');
    expect(d[2]!.detail).toContain('libnvinfer.so.10');
  });

  it('with every file present it tries a session, and names the library onnxruntime could not open', async () => {
    for (const f of GPU_PROVIDER_FILES) writeFileSync(path.join(dir, f), '');
    const all = new Set(Object.values(PROVIDER_SYSTEM_LIBS).flat());
    const d = await diagnoseProviders({
      backends,
      binDir: dir,
      systemLibs: all,
      trySession: async (p) => {
        if (p === 'tensorrt')
          throw new Error(
            'Failed to load library libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory',
          );
      },
    });
    expect(d[1]).toEqual({
      name: 'cuda',
      loads: true,
      detail: 'libonnxruntime_providers_cuda.so and its CUDA libraries load',
    });
    expect(d[2]).toEqual({ name: 'tensorrt', loads: false, detail: 'a session cannot load libnvinfer.so.10' });
  });

  it('reads sonames from ldconfig -p and LD_LIBRARY_PATH folders', () => {
    writeFileSync(path.join(dir, 'libcudnn.so.9'), '');
    const libs = loaderLibraries(
      () => '2 libs found\n\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12\n',
      `${dir}:/nonexistent`,
    );
    expect([...libs].sort()).toEqual(['libcudart.so.12', 'libcudnn.so.9']);
    expect(
      loaderLibraries(() => {
        throw new Error('ENOENT');
      }, undefined).size,
    ).toBe(0);
    expect(missingLibraryIn('libcublasLt.so.12: cannot open shared object file')).toBe('libcublasLt.so.12');
    expect(missingLibraryIn('some other error')).toBeNull();
  });

  it('on this machine (no GPU libraries): cuda and tensorrt are known to onnxruntime-node and do not load', async () => {
    const known = listProviders().map((p) => p.name);
    const d = await diagnoseProviders({
      backends: listProviders().map((p) => ({ name: p.name, bundled: p.usable })),
      binDir: bindingDir(),
      systemLibs: loaderLibraries(),
    });
    expect(d.find((x) => x.name === 'cpu')?.loads).toBe(true);
    for (const gpu of ['cuda', 'tensorrt'].filter((n) => known.includes(n)))
      expect(d.find((x) => x.name === gpu)?.loads).toBe(false);
  });
});

describe('installGpuProviders', () => {
  it('runs onnxruntime-node’s install with ONNXRUNTIME_NODE_INSTALL=cuda12 and checks the files landed', async () => {
    const runScript = jest.fn(async (_dir: string, env: NodeJS.ProcessEnv) => {
      expect(env.ONNXRUNTIME_NODE_INSTALL).toBe('cuda12');
      for (const f of GPU_PROVIDER_FILES) writeFileSync(path.join(dir, f), '');
      return { ok: true, output: 'Downloading...' };
    });
    const r = await installGpuProviders({ ortDir: '/ort', binDir: dir, platform: 'linux', arch: 'x64', runScript });
    expect(r.ok).toBe(true);
    expect(runScript).toHaveBeenCalledWith('/ort', expect.anything());
    // Already there: nothing is downloaded again.
    expect(
      (await installGpuProviders({ ortDir: '/ort', binDir: dir, platform: 'linux', arch: 'x64', runScript })).message,
    ).toMatch(/already installed/);
    expect(runScript).toHaveBeenCalledTimes(1);
  });

  it('a machine that cannot download gets the reason and what to do; other platforms are told why not', async () => {
    const r = await installGpuProviders({
      ortDir: '/ort',
      binDir: dir,
      platform: 'linux',
      arch: 'x64',
      // What onnxruntime-node's script prints on a machine without access (seen here).
      runScript: async () => ({
        ok: false,
        output:
          'node:internal/process/promises:391\n    triggerUncaughtException(err, true);\n    ^\n\nError: getaddrinfo ENOTFOUND api.nuget.org\n    at GetAddrInfoReqWrap.onlookupall (node:dns:122:26) {\n}\n\nNode.js v20.20.2',
      }),
    });
    expect(r).toEqual({
      ok: false,
      message: expect.stringMatching(
        /did not complete \(Error: getaddrinfo ENOTFOUND api\.nuget\.org\).*allow that host/,
      ),
    });
    const arm = await installGpuProviders({ ortDir: '/ort', binDir: dir, platform: 'linux', arch: 'arm64' });
    expect(arm.message).toMatch(/linux\/x64 only, not linux\/arm64/);
  });
});
