// Shared helpers of the agent benchmarks (not a benchmark itself).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'apps/agent/bin/fleetbench-agent.js');
export const BARE = path.join(ROOT, 'bench/agent-bare-loop.cjs');
export const SHARED = process.env.FLEETBENCH_SHARED_DATA ?? path.join(ROOT, '../shared/data');
export const MODELS = {
  mnist: path.join(SHARED, 'models/mnist.onnx'),
  mobilenetv2: path.join(SHARED, 'models/mobilenetv2-12-int8.onnx'),
};

export function node(args, env = {}) {
  return execFileSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  });
}

export function agentBench(args, env) {
  return JSON.parse(node([CLI, 'bench', ...args, '--json'], env));
}

export function bare(model, threads, iterations, durationMs, warmup) {
  return JSON.parse(node([BARE, model, String(threads), String(iterations), String(durationMs), String(warmup)]));
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const cv = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) / m;
};

export function machine() {
  return `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, ${os.platform()} ${os.release()}`;
}
