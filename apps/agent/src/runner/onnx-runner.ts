import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { BenchmarkSettings, Verdict } from '@fleetbench/protocol';
import type { ModelRunner, RunOutput, RunRequest } from '../core/ports';
import type { EnvironmentSnapshot } from '../probe/hardware.probe';
import { AgentError } from '../util/errors';
import { silentLogger, type Logger } from '../util/logger';
import { AGENT_VERSION, onnxruntimeVersion } from '../version';
import { FILLABLE_TYPES, fillData, mulberry32, resolveShape, type FillableType } from './input-data';
import { listProviders } from './providers';
import { summarize, throughput } from './stats';

type Ort = typeof import('onnxruntime-node');

export interface EnvironmentProbe {
  snapshot(): Promise<EnvironmentSnapshot>;
}

export interface OnnxRunnerOptions {
  logger?: Logger;
  /** CPU frequency / temperature / load before and after a run; null skips it (tests, `bench --quick`). */
  environment?: EnvironmentProbe | null;
  /** Iterations between two RSS samples. */
  rssEvery?: number;
}

const BUSY_CPU_PERCENT = 50;
const HIGH_VARIANCE_P90_P50 = 1.5;

let ortModule: Ort | null = null;
function loadOrt(): Ort {
  if (!ortModule) {
    try {
      ortModule = require('onnxruntime-node') as Ort;
      // Keep native warnings (e.g. a provider library that is not installed) out of the agent's own logs.
      ortModule.env.logLevel = 'fatal';
    } catch (err) {
      throw new AgentError(
        'provider-unavailable',
        `onnxruntime-node cannot be loaded on this device (${(err as Error).message}).`,
        { cause: err },
      );
    }
  }
  return ortModule;
}

/** Runs a latency/throughput benchmark of one ONNX model with onnxruntime-node. */
export class OnnxRunner implements ModelRunner {
  private readonly logger: Logger;

  constructor(private readonly opts: OnnxRunnerOptions = {}) {
    this.logger = opts.logger ?? silentLogger();
  }

  async run(req: RunRequest): Promise<RunOutput> {
    const { settings, signal, onProgress } = req;
    if (settings.mode === 'accuracy') {
      throw new AgentError(
        'unsupported-mode',
        'Accuracy jobs need a labeled dataset, which this agent version cannot run yet; use mode latency or throughput.',
      );
    }
    const ort = loadOrt();
    checkProvider(settings.executionProvider);
    const envBefore = await this.snapshot();
    throwIfAborted(signal);

    let peakRss = process.memoryUsage.rss();
    const sampleRss = () => {
      const rss = process.memoryUsage.rss();
      if (rss > peakRss) peakRss = rss;
    };

    onProgress(0, 'load');
    const t0 = performance.now();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(req.modelPath, sessionOptions(settings));
    } catch (err) {
      const message = (err as Error).message;
      if (settings.executionProvider !== 'cpu') {
        throw new AgentError(
          'provider-unavailable',
          `Execution provider "${settings.executionProvider}" could not be initialised on this device (${firstLine(message)}); available providers: ${availableList()}.`,
          { cause: err },
        );
      }
      throw new AgentError('model-load-failed', `onnxruntime could not load the model (${firstLine(message)}).`, {
        cause: err,
      });
    }
    const sessionCreateMs = performance.now() - t0;
    sampleRss();

    try {
      const { feeds, batch } = buildFeeds(ort, session, settings);
      const runOnce = async () => {
        const start = performance.now();
        await session.run(feeds);
        return performance.now() - start;
      };

      const firstInferenceMs = await runOnce().catch((err: Error) => {
        throw new AgentError('run-failed', `The first inference failed (${firstLine(err.message)}).`, { cause: err });
      });
      sampleRss();
      throwIfAborted(signal);

      onProgress(0, 'warmup');
      for (let i = 0; i < settings.warmupIterations; i++) {
        await runOnce();
        throwIfAborted(signal);
        onProgress((i + 1) / settings.warmupIterations, 'warmup');
      }
      sampleRss();

      onProgress(0, 'measure');
      const rssEvery = Math.max(1, this.opts.rssEvery ?? 16);
      const latencies: number[] = [];
      const histogram = hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 3_600_000_000,
        numberOfSignificantValueDigits: 3,
      });
      const measureStart = performance.now();
      let elapsed = 0;
      try {
        for (;;) {
          const ms = await runOnce();
          latencies.push(ms);
          histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
          elapsed = performance.now() - measureStart;
          const n = latencies.length;
          if (n % rssEvery === 0) sampleRss();
          const done =
            (n >= settings.minIterations && elapsed >= settings.minDurationMs) || elapsed >= settings.maxDurationMs;
          onProgress(
            done
              ? 1
              : Math.min(
                  n / settings.minIterations,
                  settings.minDurationMs > 0 ? elapsed / settings.minDurationMs : 1,
                  0.99,
                ),
            'measure',
          );
          if (done) break;
          throwIfAborted(signal);
        }
        sampleRss();
        const encoded = hdr.encodeIntoCompressedBase64(histogram);
        const envAfter = await this.snapshot();
        const latencyMs = summarize(latencies);
        const environment = {
          agentVersion: AGENT_VERSION,
          nodeVersion: process.versions.node,
          onnxruntimeVersion: onnxruntimeVersion(),
          executionProvider: settings.executionProvider,
          intraOpThreads: settings.intraOpThreads,
          interOpThreads: settings.interOpThreads,
          modelSha256: req.modelSha256,
          datasetSha256: null,
          cpuFrequencyMHz: { before: envBefore?.cpuFrequencyMHz ?? null, after: envAfter?.cpuFrequencyMHz ?? null },
          temperatureC: { before: envBefore?.temperatureC ?? null, after: envAfter?.temperatureC ?? null },
          otherProcessesCpuPercent: envBefore?.cpuPercent ?? null,
        };
        return {
          metrics: {
            latencyMs,
            iterations: latencies.length,
            throughputIps: throughput(batch, latencies.length, elapsed),
            coldStart: { sessionCreateMs, firstInferenceMs },
            peakRssBytes: peakRss,
            top1: null,
            top5: null,
            accuracySamples: null,
            gflops: null,
          },
          histogram: encoded,
          environment,
          verdict: verdictOf(settings, latencyMs, environment),
        };
      } finally {
        histogram.destroy();
      }
    } finally {
      await session.release().catch((err: Error) => this.logger.warn({ err: err.message }, 'session release failed'));
    }
  }

  private async snapshot(): Promise<EnvironmentSnapshot | null> {
    if (!this.opts.environment) return null;
    try {
      return await this.opts.environment.snapshot();
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'environment snapshot unavailable');
      return null;
    }
  }
}

export function sessionOptions(settings: BenchmarkSettings): InferenceSession.SessionOptions {
  return {
    executionProviders: [settings.executionProvider],
    graphOptimizationLevel: settings.graphOptimizationLevel,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    ...(settings.intraOpThreads > 0 ? { intraOpNumThreads: settings.intraOpThreads } : {}),
    ...(settings.interOpThreads > 0 ? { interOpNumThreads: settings.interOpThreads } : {}),
  };
}

function checkProvider(name: string): void {
  const providers = listProviders();
  const known = providers.find((p) => p.name === name);
  if (!known || !known.usable) {
    const why = known ? 'its libraries are not installed' : 'onnxruntime-node does not know it on this platform';
    throw new AgentError(
      'provider-unavailable',
      `Execution provider "${name}" is not available on this device (${why}); available providers: ${availableList()}.`,
    );
  }
}

function availableList(): string {
  return (
    listProviders()
      .filter((p) => p.usable)
      .map((p) => p.name)
      .join(', ') || 'none'
  );
}

function buildFeeds(
  ort: Ort,
  session: InferenceSession,
  settings: BenchmarkSettings,
): { feeds: Record<string, OrtTensor>; batch: number } {
  const random = mulberry32(settings.seed);
  const feeds: Record<string, OrtTensor> = {};
  let batch = settings.batchSize;
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor)
      throw new AgentError(
        'unsupported-input',
        `Input "${meta.name}" is not a tensor; only tensor inputs can be benchmarked.`,
      );
    if (!FILLABLE_TYPES.includes(meta.type))
      throw new AgentError(
        'unsupported-input',
        `Input "${meta.name}" has element type ${meta.type}, which the agent cannot generate data for.`,
      );
    const first = meta.shape[0];
    if (typeof first === 'number' && first >= 0) {
      if (settings.batchSize !== 1 && settings.batchSize !== first) {
        throw new AgentError(
          'unsupported-input',
          `Input "${meta.name}" has a fixed batch dimension of ${first}, so batch size ${settings.batchSize} cannot run; use batchSize 1 or a model with a symbolic batch.`,
        );
      }
      batch = first;
    }
    const shape = resolveShape(meta.shape, settings.batchSize);
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[meta.name] = new ort.Tensor(
      meta.type as FillableType,
      fillData(meta.type as FillableType, size, random) as never,
      shape,
    );
  }
  return { feeds, batch: Math.max(1, batch) };
}

export function verdictOf(
  settings: BenchmarkSettings,
  latency: ReturnType<typeof summarize>,
  env: {
    cpuFrequencyMHz: { before: number | null; after: number | null };
    temperatureC: { after: number | null };
    otherProcessesCpuPercent: number | null;
  },
): Verdict {
  const reasons: Verdict['reasons'] = [];
  if (latency.count < settings.minIterations) {
    reasons.push({
      code: 'too-few-samples',
      detail: `only ${latency.count} of ${settings.minIterations} iterations fit within maxDurationMs (${settings.maxDurationMs} ms)`,
    });
  } else if (latency.unreliable.includes('p50') || latency.unreliable.includes('p90')) {
    reasons.push({
      code: 'too-few-samples',
      detail: `${latency.count} samples are too few for a trustworthy p90 (needs 100)`,
    });
  }
  const { before, after } = env.cpuFrequencyMHz;
  if (before !== null && after !== null && after < before * 0.9) {
    reasons.push({ code: 'throttled', detail: `CPU frequency fell from ${before} MHz to ${after} MHz during the run` });
  } else if (env.temperatureC.after !== null && env.temperatureC.after >= 85) {
    reasons.push({ code: 'throttled', detail: `CPU temperature reached ${env.temperatureC.after} °C` });
  }
  if (env.otherProcessesCpuPercent !== null && env.otherProcessesCpuPercent > BUSY_CPU_PERCENT) {
    reasons.push({
      code: 'busy',
      detail: `other processes used ${Math.round(env.otherProcessesCpuPercent)} % CPU before the run`,
    });
  }
  // Tail ratio rather than std/mean: a few GC pauses inflate std without making the typical latency unstable.
  if (!latency.unreliable.includes('p90') && latency.p50 > 0 && latency.p90 / latency.p50 > HIGH_VARIANCE_P90_P50) {
    reasons.push({ code: 'high-variance', detail: `p90 is ${(latency.p90 / latency.p50).toFixed(2)}× p50` });
  }
  return { status: reasons.length ? 'flagged' : 'valid', reasons };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new AgentError('cancelled', 'The run was aborted.');
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/\s+/g, ' ').trim().slice(0, 300);
}
