import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface ProviderInfo {
  name: string;
  /** True when the runtime can load it here: bundled, or its provider library is installed beside the binding. */
  usable: boolean;
}

/**
 * Execution providers onnxruntime-node knows on this platform. Non-bundled ones (cuda, tensorrt) need libraries
 * that the skipped install step would have downloaded, so they count as usable only when those files exist.
 */
export function listProviders(): ProviderInfo[] {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  } catch {
    return [];
  }
  if (typeof ort.listSupportedBackends !== 'function') return [{ name: 'cpu', usable: true }];
  const binDir = bindingDir();
  return ort.listSupportedBackends().map((b) => ({
    name: b.name,
    usable: b.bundled || (binDir !== null && existsSync(path.join(binDir, `libonnxruntime_providers_${b.name}.so`))),
  }));
}

export function usableProviderNames(): string[] {
  return listProviders()
    .filter((p) => p.usable)
    .map((p) => p.name);
}

function bindingDir(): string | null {
  try {
    const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
    return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}
