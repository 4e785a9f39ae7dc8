import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadOrt } from './ort';
import type { BackendInfo } from './providers';
import { matMulModel } from './tiny-models';

/**
 * Why a GPU execution provider does or does not load here (issue 13): onnxruntime-node's provider library must sit
 * beside its binding (its CUDA install step downloads it), and the CUDA / cuDNN / TensorRT libraries it links must be
 * found by the dynamic loader. Everything the check reads is injectable, so each outcome is tested without a GPU.
 */

/** The system libraries each provider library of onnxruntime 1.2x/1.30 (CUDA 12 build) needs, by soname. */
export const PROVIDER_SYSTEM_LIBS: Record<string, string[]> = {
  cuda: [
    'libcudart.so.12',
    'libcublas.so.12',
    'libcublasLt.so.12',
    'libcufft.so.11',
    'libcurand.so.10',
    'libcudnn.so.9',
  ],
  tensorrt: [
    'libcudart.so.12',
    'libcublas.so.12',
    'libcudnn.so.9',
    'libnvinfer.so.10',
    'libnvinfer_plugin.so.10',
    'libnvonnxparser.so.10',
  ],
};

export interface ProviderDiagnosis {
  name: string;
  loads: boolean;
  detail: string;
}

export interface DiagnosisInputs {
  backends: BackendInfo[];
  /** The binding folder (null: onnxruntime-node is not installed). */
  binDir: string | null;
  /** Sonames the dynamic loader can find (ldconfig -p plus LD_LIBRARY_PATH). */
  systemLibs: Set<string>;
  /** Creates a session with the provider on a tiny model; throws onnxruntime's error when it cannot. */
  trySession?: (provider: string) => Promise<void>;
}

/** Sonames in `ldconfig -p` output and in the LD_LIBRARY_PATH folders. */
export function loaderLibraries(
  ldconfig: () => string = () => execFileSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 10_000 }),
  ldLibraryPath: string | undefined = process.env.LD_LIBRARY_PATH,
): Set<string> {
  const libs = new Set<string>();
  try {
    for (const m of ldconfig().matchAll(/^\s*(\S+\.so[\w.]*)\s/gm)) libs.add(m[1]!);
  } catch {
    // No ldconfig (or not on PATH, e.g. /sbin for non-root users): only LD_LIBRARY_PATH is searched.
  }
  for (const dir of (ldLibraryPath ?? '').split(':').filter(Boolean)) {
    try {
      for (const f of readdirSync(dir)) if (/\.so(\.|$)/.test(f)) libs.add(f);
    } catch {
      // A folder that does not exist holds nothing.
    }
  }
  return libs;
}

/** The first shared library named in an onnxruntime load error ("libcudnn.so.9: cannot open shared object file"). */
export function missingLibraryIn(message: string): string | null {
  return /(lib[\w+-]+\.so[\w.]*)\s*:\s*cannot open shared object file/.exec(message)?.[1] ?? null;
}

export async function diagnoseProviders(i: DiagnosisInputs): Promise<ProviderDiagnosis[]> {
  const out: ProviderDiagnosis[] = [];
  for (const b of i.backends) {
    if (b.bundled) {
      out.push({ name: b.name, loads: true, detail: 'bundled with onnxruntime-node' });
      continue;
    }
    const file = `libonnxruntime_providers_${b.name}.so`;
    const installed = i.binDir !== null && existsSync(path.join(i.binDir, file));
    const missing = (PROVIDER_SYSTEM_LIBS[b.name] ?? []).filter((l) => !i.systemLibs.has(l));
    const problems: string[] = [];
    if (!installed)
      problems.push(`${file} is not installed (run fleetbench-agent gpu-install, or the installer with --gpu)`);
    if (missing.length)
      problems.push(`missing system libraries: ${missing.join(', ')} (not in ldconfig -p or LD_LIBRARY_PATH)`);
    if (!problems.length && i.trySession) {
      try {
        await i.trySession(b.name);
      } catch (err) {
        const message = (err as Error).message;
        const lib = missingLibraryIn(message);
        problems.push(
          lib ? `a session cannot load ${lib}` : `a session cannot start: ${message.split('\n')[0]!.slice(0, 300)}`,
        );
      }
    }
    out.push({
      name: b.name,
      loads: problems.length === 0,
      detail: problems.length ? problems.join('; ') : `${file} and its CUDA libraries load`,
    });
  }
  return out;
}

/** A 4×4 MatMul session on `provider` alone (no CPU fallback), released at once. */
export async function tinySession(provider: string): Promise<void> {
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(matMulModel(4, 4), { executionProviders: [provider] });
  await session.release();
}
