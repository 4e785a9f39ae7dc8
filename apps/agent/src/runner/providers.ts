import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { onnxruntimeVersion } from '../version';
import { loadOrt, type Ort } from './ort';
import { writeFileAtomic } from '../util/atomic-file';

export interface ProviderInfo {
  name: string;
  /** True when the runtime can load it here: bundled, or its provider library is installed beside the binding. */
  usable: boolean;
}

/** What onnxruntime-node's `listSupportedBackends()` reports (needs the native binding). */
export interface BackendInfo {
  name: string;
  bundled: boolean;
}

/**
 * Execution providers onnxruntime-node knows on this platform. Non-bundled ones (cuda, tensorrt) need libraries
 * that the skipped install step would have downloaded, so they count as usable only when those files exist.
 * Without `backends` this loads onnxruntime-node in this process (≈12 MB resident); the daemon passes the cached
 * list of `cachedBackends` instead.
 */
export function listProviders(backends?: BackendInfo[] | null): ProviderInfo[] {
  const list = backends === undefined ? nativeBackends() : backends;
  if (list === null) return [];
  const binDir = bindingDir();
  return list.map((b) => ({
    name: b.name,
    usable: b.bundled || (binDir !== null && existsSync(path.join(binDir, `libonnxruntime_providers_${b.name}.so`))),
  }));
}

export function usableProviderNames(backends?: BackendInfo[] | null): string[] {
  return listProviders(backends)
    .filter((p) => p.usable)
    .map((p) => p.name);
}

/** In-process: null when onnxruntime-node cannot be loaded. */
export function nativeBackends(): BackendInfo[] | null {
  let ort: Ort;
  try {
    ort = loadOrt();
  } catch {
    return null;
  }
  if (typeof ort.listSupportedBackends !== 'function') return [{ name: 'cpu', bundled: true }];
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

/**
 * The backend list without loading onnxruntime into this process (the idle daemon stays small): read from
 * `cacheFile` when it was written for the same onnxruntime-node, Node ABI, platform and arch, else asked of a
 * short-lived child process and cached. null when onnxruntime-node cannot be loaded here.
 */
export async function cachedBackends(cacheFile: string): Promise<BackendInfo[] | null> {
  const key = `${onnxruntimeVersion()}|${process.versions.modules}|${process.platform}|${process.arch}`;
  try {
    const cached = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as { key?: string; backends?: BackendInfo[] };
    if (cached.key === key && Array.isArray(cached.backends)) return cached.backends;
  } catch {
    // No cache yet, or unreadable: ask a child process.
  }
  let entry: string;
  try {
    entry = require.resolve('onnxruntime-node');
  } catch {
    return null;
  }
  const script =
    `const o = require(${JSON.stringify(entry)});` +
    `const l = typeof o.listSupportedBackends === 'function' ? o.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })) : [{ name: 'cpu', bundled: true }];` +
    `process.stdout.write(JSON.stringify(l));`;
  const backends = await new Promise<BackendInfo[] | null>((resolve) => {
    execFile(
      process.execPath,
      ['-e', script],
      { timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } },
      (err, stdout) => {
        if (err) return resolve(null);
        try {
          resolve(JSON.parse(stdout) as BackendInfo[]);
        } catch {
          resolve(null);
        }
      },
    );
  });
  if (backends === null) return null;
  try {
    await fs.mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFileAtomic(cacheFile, JSON.stringify({ key, backends }), 0o644);
  } catch {
    // Not cached: asked again at the next start.
  }
  return backends;
}

/** The folder of the native binding for this platform, where non-bundled provider libraries are installed. */
export function bindingDir(): string | null {
  try {
    const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
    return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}
