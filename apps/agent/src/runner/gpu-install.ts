import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The opt-in GPU step (issue 13): onnxruntime-node's own install script with ONNXRUNTIME_NODE_INSTALL=cuda12
 * downloads its CUDA and TensorRT provider libraries (Microsoft.ML.OnnxRuntime.Gpu.Linux from api.nuget.org) into
 * the binding folder. The agent is installed with that step skipped (--ignore-scripts), so the CPU agent never needs
 * the download; this runs it on machines that allow it.
 */
export const GPU_PROVIDER_FILES = [
  'libonnxruntime_providers_cuda.so',
  'libonnxruntime_providers_shared.so',
  'libonnxruntime_providers_tensorrt.so',
];

export interface GpuInstallOptions {
  /** onnxruntime-node's package folder. */
  ortDir: string;
  /** Its binding folder for this platform (where the files land). */
  binDir: string;
  platform?: string;
  arch?: string;
  /** Runs `node script/install.js` (tests pass a stand-in). */
  runScript?: (ortDir: string, env: NodeJS.ProcessEnv) => Promise<{ ok: boolean; output: string }>;
}

export interface GpuInstallOutcome {
  ok: boolean;
  message: string;
}

const runInstallScript = (ortDir: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ ok: boolean; output: string }>((resolve) =>
    execFile(
      process.execPath,
      [path.join(ortDir, 'script', 'install.js')],
      { cwd: ortDir, env, timeout: 30 * 60_000, maxBuffer: 16 * 2 ** 20 },
      (err, stdout, stderr) => resolve({ ok: !err, output: `${stdout}${stderr}`.trim() }),
    ),
  );

export async function installGpuProviders(o: GpuInstallOptions): Promise<GpuInstallOutcome> {
  const platform = `${o.platform ?? process.platform}/${o.arch ?? process.arch}`;
  if (platform !== 'linux/x64')
    return {
      ok: false,
      message: `onnxruntime-node publishes its CUDA/TensorRT providers for linux/x64 only, not ${platform}; on Jetson, build onnxruntime with CUDA from source or use the trtexec runner (--runner trtexec).`,
    };
  const present = () => GPU_PROVIDER_FILES.filter((f) => existsSync(path.join(o.binDir, f)));
  if (present().length === GPU_PROVIDER_FILES.length)
    return { ok: true, message: `the GPU providers are already installed in ${o.binDir}` };
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', ONNXRUNTIME_NODE_INSTALL_CUDA: undefined };
  const run = await (o.runScript ?? runInstallScript)(o.ortDir, env);
  const missing = GPU_PROVIDER_FILES.filter((f) => !present().includes(f));
  if (run.ok && !missing.length)
    return {
      ok: true,
      message: `installed ${GPU_PROVIDER_FILES.join(', ')} into ${o.binDir}; fleetbench-agent doctor shows whether CUDA and cuDNN load`,
    };
  // Node prints a stack and its version after an uncaught error: the "Error: …" line is the one that says why.
  const lines = run.output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.at(-1) ?? 'no output';
  return {
    ok: false,
    message: `onnxruntime-node's CUDA install did not complete (${run.ok ? `still missing ${missing.join(', ')}` : last.slice(0, 300)}). It downloads Microsoft.ML.OnnxRuntime.Gpu.Linux from api.nuget.org: allow that host (or set GLOBAL_AGENT_HTTPS_PROXY), or copy ${GPU_PROVIDER_FILES.join(', ')} into ${o.binDir}. The CPU provider keeps working.`,
  };
}
