import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BenchmarkSettings, LatencySummary } from '@fleetbench/protocol';
import type { ModelRunner, RunOutput, RunRequest } from '../core/ports';
import { compareEnvironment, readEnvironment } from '../probe/run-environment';
import { AgentError } from '../util/errors';
import { AGENT_VERSION, onnxruntimeVersion } from '../version';
import { MIN_SAMPLES, type PercentileName } from './stats';
import { verdictOf } from './verdict';

export type ExternalTool = 'trtexec' | 'onnxruntime_perf_test';

/** Where the tools usually live besides PATH (TensorRT's tarball and the NGC containers). */
const EXTRA_DIRS: Record<ExternalTool, string[]> = {
  trtexec: ['/usr/src/tensorrt/bin', '/opt/tensorrt/bin', '/usr/local/tensorrt/bin'],
  onnxruntime_perf_test: [],
};

export async function findTool(tool: ExternalTool, envPath = process.env.PATH ?? ''): Promise<string | null> {
  for (const dir of [...envPath.split(path.delimiter).filter(Boolean), ...EXTRA_DIRS[tool]]) {
    const file = path.join(dir, tool);
    try {
      await fs.access(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return null;
}

/** Figures an external tool prints; null where it does not print them. */
export interface ToolFigures {
  latencyMs: Partial<Record<'min' | 'max' | 'mean' | 'p50' | 'p90' | 'p95' | 'p99', number>>;
  /** Inferences per second (trtexec "Throughput: x qps"). */
  throughputQps: number | null;
  iterations: number | null;
  sessionCreateMs: number | null;
  /** Wall time of the measured part, s. */
  walltimeS: number | null;
  toolVersion: string | null;
  device: string | null;
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

/**
 * trtexec output. TensorRT ≥ 8 prints one line per statistic group ("Latency: min = … ms, max = …, mean = …,
 * median = …, percentile(90%) = …"); TensorRT 7 prints a "Host Latency" block with one statistic per line. The
 * reported latency is trtexec's host latency (H2D + GPU compute + D2H), the closest to a session.run.
 */
export function parseTrtexec(text: string): ToolFigures {
  const lines = text.split('\n').map((l) => l.replace(/^\[[^\]]*\]\s*\[\w\]\s*/, '').trim());
  const fig: ToolFigures = {
    latencyMs: {},
    throughputQps: null,
    iterations: null,
    sessionCreateMs: null,
    walltimeS: null,
    toolVersion: null,
    device: null,
  };
  for (const [i, line] of lines.entries()) {
    let m: RegExpExecArray | null;
    if ((m = /^TensorRT version:\s*(\S+)/.exec(line))) fig.toolVersion = m[1];
    else if ((m = /^Selected Device:\s*(.+)$/.exec(line))) fig.device = m[1];
    else if ((m = /^Throughput:\s*([\d.]+)\s*qps/.exec(line)) && Number(m[1]) > 0) fig.throughputQps = Number(m[1]);
    else if ((m = /^Total Host Walltime:\s*([\d.]+)\s*s/.exec(line))) fig.walltimeS = Number(m[1]);
    else if ((m = /^walltime:\s*([\d.]+)\s*s/.exec(line))) fig.walltimeS = Number(m[1]);
    else if (/^Latency:\s*min\s*=/.test(line)) {
      const stat = (name: string) => num(new RegExp(`${name}\\s*=\\s*([\\d.]+)\\s*ms`).exec(line)?.[1]);
      fig.latencyMs = {
        min: stat('min'),
        max: stat('max'),
        mean: stat('mean'),
        p50: stat('median'),
        p90: stat('percentile\\(90%\\)'),
        p95: stat('percentile\\(95%\\)'),
        p99: stat('percentile\\(99%\\)'),
      };
    } else if (line === 'Host Latency') {
      // TensorRT 7: the statistics follow on their own lines until the next heading.
      for (const next of lines.slice(i + 1, i + 8)) {
        let s: RegExpExecArray | null;
        if ((s = /^(min|max|mean|median):\s*([\d.]+)\s*ms/.exec(next)))
          fig.latencyMs[s[1] === 'median' ? 'p50' : (s[1] as 'min' | 'max' | 'mean')] = Number(s[2]);
        else if ((s = /^percentile:\s*([\d.]+)\s*ms at (\d+)%/.exec(next))) {
          const key = `p${s[2]}` as 'p90' | 'p95' | 'p99';
          if (key === 'p90' || key === 'p95' || key === 'p99') fig.latencyMs[key] = Number(s[1]);
        } else if ((s = /^throughput:\s*([\d.]+)\s*qps/.exec(next)) && Number(s[1]) > 0)
          fig.throughputQps = Number(s[1]);
      }
    }
  }
  for (const k of Object.keys(fig.latencyMs) as Array<keyof ToolFigures['latencyMs']>)
    if (fig.latencyMs[k] === undefined) delete fig.latencyMs[k];
  if (fig.throughputQps && fig.walltimeS) fig.iterations = Math.round(fig.throughputQps * fig.walltimeS);
  return fig;
}

/** onnxruntime_perf_test output ("Average inference time cost: x ms", "P90 Latency is y sec", …). */
export function parsePerfTest(text: string): ToolFigures {
  const get = (re: RegExp) => num(re.exec(text)?.[1]);
  const sec = (name: string) => {
    const v = get(new RegExp(`^${name} Latency is ([\\d.eE+-]+) sec`, 'm'));
    return v === undefined ? undefined : v * 1000;
  };
  const latencyMs: ToolFigures['latencyMs'] = {
    min: sec('Min'),
    max: sec('Max'),
    mean: get(/^Average (?:inference )?time cost:\s*([\d.]+) ms/m),
    p50: sec('P50'),
    p90: sec('P90'),
    p95: sec('P95'),
    p99: sec('P99'),
  };
  for (const k of Object.keys(latencyMs) as Array<keyof typeof latencyMs>)
    if (latencyMs[k] === undefined) delete latencyMs[k];
  const iterations = get(/^Total (?:inference requests|iterations):\s*(\d+)/m) ?? null;
  const walltimeS = get(/^Total (?:inference )?run time:\s*([\d.]+) s/m) ?? null;
  const create = get(/^Session creation time cost:\s*([\d.]+) s/m);
  return {
    latencyMs,
    throughputQps: iterations && walltimeS ? iterations / walltimeS : null,
    iterations,
    sessionCreateMs: create === undefined ? null : create * 1000,
    walltimeS,
    toolVersion: null,
    device: null,
  };
}

/** Arguments for each tool from the job's settings. */
export function toolArgs(tool: ExternalTool, modelPath: string, s: BenchmarkSettings): string[] {
  if (tool === 'trtexec')
    return [
      `--onnx=${modelPath}`,
      `--warmUp=${Math.max(s.warmupDurationMs ?? 0, 200)}`,
      `--iterations=${s.minIterations}`,
      `--duration=${Math.max(1, Math.ceil(s.minDurationMs / 1000))}`,
      ...(s.batchSize > 1 ? [`--batch=${s.batchSize}`] : []),
    ];
  return [
    '-m',
    'times',
    '-r',
    String(s.minIterations),
    '-e',
    s.executionProvider,
    ...(s.intraOpThreads > 0 ? ['-x', String(s.intraOpThreads)] : []),
    ...(s.interOpThreads > 0 ? ['-y', String(s.interOpThreads)] : []),
    ...(s.graphOptimizationLevel === 'disabled'
      ? ['-o', '0']
      : s.graphOptimizationLevel === 'basic'
        ? ['-o', '1']
        : []),
    modelPath,
  ];
}

/** Runs trtexec or onnxruntime_perf_test and turns its printed figures into the same result as the ONNX runner. */
export class ExternalToolRunner implements ModelRunner {
  constructor(
    private readonly tool: ExternalTool,
    private readonly opts: { binary?: string; envPath?: string } = {},
  ) {}

  async run(req: RunRequest): Promise<RunOutput> {
    const { settings, signal } = req;
    if (settings.mode === 'accuracy')
      throw new AgentError(
        'unsupported-mode',
        `${this.tool} runs latency and throughput jobs only; use the onnxruntime runner for accuracy.`,
      );
    const binary = this.opts.binary ?? (await findTool(this.tool, this.opts.envPath));
    if (!binary)
      throw new AgentError(
        'runner-missing',
        `${this.tool} is not installed on this device (searched PATH${EXTRA_DIRS[this.tool].length ? ` and ${EXTRA_DIRS[this.tool].join(', ')}` : ''}); install it or run the job with the onnxruntime-node runner.`,
      );
    const before = readEnvironment();
    req.onProgress(0, 'measure');
    const { code, output } = await runTool(binary, toolArgs(this.tool, req.modelPath, settings), signal);
    const after = readEnvironment();
    if (code !== 0)
      throw new AgentError(
        'run-failed',
        `${this.tool} exited with code ${code}: ${output.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`,
      );
    const fig = this.tool === 'trtexec' ? parseTrtexec(output) : parsePerfTest(output);
    if (fig.latencyMs.p50 === undefined && fig.latencyMs.mean === undefined)
      throw new AgentError(
        'run-failed',
        `${this.tool} printed no latency figures the agent recognises (version ${fig.toolVersion ?? 'unknown'}).`,
      );
    req.onProgress(1, 'measure');
    const env = compareEnvironment(before, after);
    const latencyMs = summaryFromTool(fig);
    const batch = settings.batchSize;
    const throughputIps =
      fig.throughputQps !== null
        ? fig.throughputQps * batch
        : (batch * 1000) / (fig.latencyMs.mean ?? fig.latencyMs.p50 ?? 1);
    const flops = req.flops ?? null;
    return {
      metrics: {
        latencyMs,
        iterations: latencyMs.count,
        throughputIps,
        // The tools print no first-inference time and their memory is not this process's: unknown, not 0.
        coldStart: { sessionCreateMs: fig.sessionCreateMs, firstInferenceMs: null },
        peakRssBytes: null,
        top1: null,
        top5: null,
        accuracySamples: null,
        gflops: flops ? (flops * throughputIps) / 1e9 : null,
      },
      histogram: null,
      environment: {
        agentVersion: AGENT_VERSION,
        nodeVersion: process.versions.node,
        onnxruntimeVersion: onnxruntimeVersion(),
        executionProvider: this.tool === 'trtexec' ? 'tensorrt' : settings.executionProvider,
        intraOpThreads: settings.intraOpThreads,
        interOpThreads: settings.interOpThreads,
        modelSha256: req.modelSha256,
        datasetSha256: null,
        cpuFrequencyMHz: env.cpuFrequencyMHz,
        temperatureC: env.temperatureC,
        otherProcessesCpuPercent: env.otherProcessesCpuPercent,
        thermalTripCrossed: env.thermalTripCrossed,
        runner: this.tool,
        runnerVersion: fig.toolVersion,
      },
      verdict: verdictOf({
        samples: latencyMs.count,
        minSamples: Math.min(settings.minIterations, latencyMs.count || settings.minIterations),
        unreliable: latencyMs.unreliable,
        maxDurationMs: settings.maxDurationMs,
        // The tool's own process is "another process" to /proc/self: its CPU is not load from others.
        otherProcessesCpuPercent: null,
        cpuFrequencyMHz: env.cpuFrequencyMHz,
        thermalTripCrossed: env.thermalTripCrossed,
        temperatureC: env.temperatureC,
        perSecondMedianCv: null,
      }),
    };
  }
}

/** A LatencySummary from the tool's own statistics (it prints no std and no per-run samples). */
export function summaryFromTool(fig: ToolFigures): LatencySummary {
  const l = fig.latencyMs;
  const p50 = l.p50 ?? l.mean ?? 0;
  const count = fig.iterations ?? 0;
  return {
    p50,
    p90: l.p90 ?? p50,
    p95: l.p95 ?? l.p90 ?? p50,
    p99: l.p99 ?? l.p95 ?? p50,
    mean: l.mean ?? p50,
    std: 0,
    min: l.min ?? p50,
    max: l.max ?? p50,
    count,
    p50Ci95: null,
    unreliable: (Object.keys(MIN_SAMPLES) as PercentileName[]).filter(
      (p) => count < MIN_SAMPLES[p] || (p !== 'p50' && l[p] === undefined),
    ),
  };
}

function runTool(binary: string, args: string[], signal: AbortSignal): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => {
      output += d.toString('utf8');
      if (output.length > 4_000_000) output = output.slice(-2_000_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(
        new AgentError('run-failed', `${path.basename(binary)} could not be started (${err.message}).`, { cause: err }),
      );
    });
    child.once('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(signal.reason);
      else resolve({ code: code ?? 1, output });
    });
  });
}

/** Chooses the runner a job asks for (settings.runner), onnxruntime-node by default. */
export class RunnerSelector implements ModelRunner {
  constructor(
    private readonly onnx: ModelRunner,
    private readonly external: Partial<Record<ExternalTool, ModelRunner>> = {},
  ) {}

  run(req: RunRequest): Promise<RunOutput> {
    const which = req.settings.runner ?? 'onnxruntime-node';
    if (which === 'onnxruntime-node') return this.onnx.run(req);
    const runner = this.external[which] ?? new ExternalToolRunner(which);
    return runner.run(req);
  }
}
