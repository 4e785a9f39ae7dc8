import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type * as Hdr from 'hdr-histogram-js';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type {
  BenchmarkSettings,
  LatencySummary,
  PreprocessingSpec,
  ResultEnvironment,
  ResultMetrics,
} from '@fleetbench/protocol';
import { loadDataset } from '../accuracy/dataset';
import { openPixelSource } from '../accuracy/pixel-cache';
import { allocateInput, inputShape, pixelSpecOf, pixelsToInput } from '../accuracy/preprocess';
import type { ModelRunner, RunOutput, RunRequest } from '../core/ports';
import {
  compareEnvironment,
  PeakRssMeter,
  readEnvironment,
  type EnvironmentReading,
  type RunEnvironmentFigures,
} from '../probe/run-environment';
import { AgentError } from '../util/errors';
import { silentLogger, type Logger } from '../util/logger';
import { AGENT_VERSION, onnxruntimeVersion } from '../version';
import { FILLABLE_TYPES, fillData, fromHalfBits, mulberry32, resolveShape, type FillableType } from './input-data';
import { loadOrt, type Ort } from './ort';
import { listProviders } from './providers';
import { coefficientOfVariation, perWindowMedians, summarize, throughput } from './stats';
import { verdictOf } from './verdict';

/** Where before/after readings of the machine come from; tests substitute made-up readings. */
export interface EnvironmentSource {
  read(): EnvironmentReading;
}

export const procEnvironment: EnvironmentSource = { read: readEnvironment };

export interface OnnxRunnerOptions {
  logger?: Logger;
  /** CPU times, frequency and thermal zones before and after a run; null skips them (all figures null). */
  environment?: EnvironmentSource | null;
  /** The device's measured peak GFLOP/s (HardwareSchema.peakGflops), for ResultMetrics.peakShare. */
  peakGflops?: number | null;
  /** Root folder of the preprocessed-pixel cache for accuracy runs; null disables the cache. */
  pixelCacheDir?: string | null;
  /** Count FLOPs from the graph when the job does not carry them (models up to this size; 0 disables). */
  countFlopsUpToBytes?: number;
}

interface PreparedAccuracy {
  ds: Awaited<ReturnType<typeof loadDataset>>;
  pixels: Awaited<ReturnType<typeof openPixelSource>>;
}

/** One measured loop: latencies and end times (ms since the loop started). */
interface Measured {
  latencies: number[];
  endTimes: number[];
  elapsedMs: number;
  batch: number;
}

/** Runs latency, throughput and accuracy benchmarks of one ONNX model with onnxruntime-node. */
export class OnnxRunner implements ModelRunner {
  private readonly logger: Logger;
  private readonly env: EnvironmentSource | null;

  constructor(private readonly opts: OnnxRunnerOptions = {}) {
    this.logger = opts.logger ?? silentLogger();
    this.env = opts.environment === undefined ? procEnvironment : opts.environment;
  }

  async run(req: RunRequest): Promise<RunOutput> {
    const { settings, signal, onProgress } = req;
    if (settings.mode === 'accuracy' && (!req.dataset || !req.preprocessing)) {
      throw new AgentError(
        'unsupported-mode',
        req.dataset
          ? 'Accuracy jobs need the model’s preprocessing spec (resize, crop, mean/std, …); register the model with one.'
          : 'Accuracy jobs need a labeled dataset; attach one to the campaign (or pass --dataset DIR to bench).',
      );
    }
    const ort = loadOrt();
    checkProvider(settings.executionProvider);
    const flops = req.flops ?? (await this.graphFlops(req.modelPath));
    const envBefore = this.readEnv();
    const rss = new PeakRssMeter();
    rss.start();
    throwIfAborted(signal);

    // Accuracy runs open their dataset first: decoding starts while the session is created, and a run that must
    // decode (no pixel cache yet) gives inference one intra-op thread when the job leaves the count to onnxruntime,
    // so the decoders get the other cores (one thread is also the cheapest in CPU per image: 1.7 vs 2.0 ms for
    // mobilenetv2-12-int8 here). Timed figures then belong to that thread count, reported in the environment.
    const prepared = settings.mode === 'accuracy' ? await this.prepareAccuracy(req) : null;
    const runSettings =
      prepared && !prepared.pixels.cached && settings.intraOpThreads === 0
        ? { ...settings, intraOpThreads: 1 }
        : settings;
    onProgress(0, 'load');
    const t0 = performance.now();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(
        req.modelPath,
        sessionOptions(runSettings, { decoding: !!prepared && !prepared.pixels.cached }),
      );
    } catch (err) {
      await prepared?.pixels.close();
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
    rss.sample();

    // Loaded per run, not at start-up: hdr-histogram-js costs ~15 MB of resident memory the idle daemon need not hold.
    const hdr = require('hdr-histogram-js') as typeof Hdr;
    const histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    try {
      let main: Measured;
      let firstInferenceMs: number;
      let byBatch: NonNullable<ResultMetrics['throughputByBatch']> | undefined;
      let accuracy: { top1: number; top5: number; samples: number; expected: number; endToEndIps: number } | null =
        null;
      let datasetSha256: string | null = null;

      if (settings.mode === 'accuracy') {
        const acc = await this.accuracy(ort, session, req, prepared!, histogram, rss);
        main = acc.measured;
        firstInferenceMs = acc.firstInferenceMs;
        accuracy = acc.accuracy;
        datasetSha256 = req.dataset?.sha256 ?? acc.datasetSha256;
      } else {
        const sizes = batchSizesOf(session, settings, this.logger);
        byBatch = [];
        main = undefined as unknown as Measured;
        firstInferenceMs = 0;
        for (const [k, size] of sizes.entries()) {
          const feeds = buildFeeds(ort, session, settings, size);
          // A fixed batch dimension wins over the requested size (batchSize 1 on a batch-8 model measures 8).
          const actual = Math.max(1, Object.values(feeds)[0]?.dims[0] ?? size);
          const runOnce = async () => {
            const start = performance.now();
            await session.run(feeds);
            return performance.now() - start;
          };
          if (k === 0) {
            firstInferenceMs = await runOnce().catch((err: Error) => {
              throw new AgentError('run-failed', `The first inference failed (${firstLine(err.message)}).`, {
                cause: err,
              });
            });
          }
          const phase = sizes.length > 1 ? `measure bs${size}` : 'measure';
          await warmUp(runOnce, settings, signal, (p) =>
            onProgress(p, sizes.length > 1 ? `warmup bs${size}` : 'warmup'),
          );
          rss.sample();
          // Only the reported configuration goes into the histogram (the largest batch of a sweep).
          const record = k === sizes.length - 1 ? histogram : null;
          const measured = await measureLoop(runOnce, settings, signal, actual, record, rss, (p) =>
            onProgress(sizes.length > 1 ? (k + p) / sizes.length : p, phase),
          );
          if (settings.mode === 'throughput')
            byBatch.push({
              batchSize: actual,
              throughputIps: throughput(actual, measured.latencies.length, measured.elapsedMs),
              iterations: measured.latencies.length,
              latencyMs: summarize(measured.latencies),
            });
          main = measured;
        }
        onProgress(1, 'measure');
      }

      const envAfter = this.readEnv();
      const figures: RunEnvironmentFigures =
        envBefore && envAfter
          ? compareEnvironment(envBefore, envAfter)
          : {
              cpuFrequencyMHz: { before: null, after: null },
              temperatureC: { before: null, after: null },
              otherProcessesCpuPercent: null,
              thermalTripCrossed: null,
            };
      const latencyMs: LatencySummary = summarize(main.latencies);
      const windowMedians = perWindowMedians(main.latencies, main.endTimes);
      const perSecondMedianCv = coefficientOfVariation(windowMedians);
      const throughputIps =
        settings.mode === 'accuracy'
          ? inferenceRate(main)
          : throughput(main.batch, main.latencies.length, main.elapsedMs);
      const gflops = flops ? round3((flops * throughputIps) / 1e9) : null;
      const peak = this.opts.peakGflops ?? null;
      const environment: ResultEnvironment = {
        agentVersion: AGENT_VERSION,
        nodeVersion: process.versions.node,
        onnxruntimeVersion: onnxruntimeVersion(),
        executionProvider: settings.executionProvider,
        intraOpThreads: runSettings.intraOpThreads,
        interOpThreads: settings.interOpThreads,
        modelSha256: req.modelSha256,
        datasetSha256,
        cpuFrequencyMHz: figures.cpuFrequencyMHz,
        temperatureC: figures.temperatureC,
        otherProcessesCpuPercent: figures.otherProcessesCpuPercent,
        thermalTripCrossed: figures.thermalTripCrossed,
        runner: 'onnxruntime-node',
      };
      const metrics: ResultMetrics = {
        latencyMs,
        iterations: main.latencies.length,
        throughputIps,
        coldStart: { sessionCreateMs, firstInferenceMs },
        peakRssBytes: rss.peakBytes(),
        top1: accuracy?.top1 ?? null,
        top5: accuracy?.top5 ?? null,
        accuracySamples: accuracy?.samples ?? null,
        gflops,
        peakShare: gflops !== null && peak ? round3(gflops / peak) : null,
        perSecondMedianCv: perSecondMedianCv === null ? null : round3(perSecondMedianCv),
        ...(byBatch && settings.mode === 'throughput' ? { throughputByBatch: byBatch } : {}),
        ...(accuracy ? { endToEndIps: accuracy.endToEndIps } : {}),
      };
      const verdict = verdictOf({
        samples: main.latencies.length,
        // Accuracy runs measure every sample once: the sample count, not minIterations, is what they need.
        minSamples: settings.mode === 'accuracy' ? 0 : settings.minIterations,
        accuracySamples: accuracy ? { evaluated: accuracy.samples, expected: accuracy.expected } : null,
        unreliable: latencyMs.unreliable,
        maxDurationMs: settings.maxDurationMs,
        otherProcessesCpuPercent: figures.otherProcessesCpuPercent,
        cpuFrequencyMHz: figures.cpuFrequencyMHz,
        thermalTripCrossed: figures.thermalTripCrossed,
        temperatureC: figures.temperatureC,
        perSecondMedianCv,
      });
      return { metrics, histogram: hdr.encodeIntoCompressedBase64(histogram), environment, verdict };
    } finally {
      histogram.destroy();
      await prepared?.pixels.close();
      await session.release().catch((err: Error) => this.logger.warn({ err: err.message }, 'session release failed'));
    }
  }

  private readEnv(): EnvironmentReading | null {
    if (!this.env) return null;
    try {
      return this.env.read();
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'environment reading unavailable');
      return null;
    }
  }

  private async graphFlops(modelPath: string): Promise<number | null> {
    const limit = this.opts.countFlopsUpToBytes ?? 256 * 2 ** 20;
    if (limit <= 0) return null;
    try {
      const st = await fs.stat(modelPath);
      if (st.size > limit) return null;
      // onnx-proto is loaded only when FLOPs are counted (keeps the idle daemon small).
      const { countFlops } = require('./flops') as typeof import('./flops');
      return countFlops(await fs.readFile(modelPath))?.flops ?? null;
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'FLOPs could not be counted from the graph');
      return null;
    }
  }

  /** Loads the dataset and opens its pixels (from the cache, or decoding ahead on all cores from now on). */
  private async prepareAccuracy(req: RunRequest): Promise<PreparedAccuracy> {
    req.onProgress(0, 'dataset');
    const ds = await loadDataset(req.dataset!.path, { labelsFile: req.dataset!.labelsFile });
    const spec = req.preprocessing as PreprocessingSpec;
    const pixels = await openPixelSource(ds, pixelSpecOf(spec), { cacheRoot: this.opts.pixelCacheDir ?? null });
    return { ds, pixels };
  }

  /** Top-1/top-5 over the dataset, batch by batch, with every session.run timed like a latency run. */
  private async accuracy(
    ort: Ort,
    session: InferenceSession,
    req: RunRequest,
    { ds, pixels }: PreparedAccuracy,
    histogram: Hdr.Histogram,
    rss: PeakRssMeter,
  ) {
    const { settings, signal, onProgress } = req;
    const spec = req.preprocessing as PreprocessingSpec;
    const total = Math.min(ds.samples.length, settings.maxSamples ?? Infinity);
    const meta = session.inputMetadata;
    if (meta.length !== 1 || !meta[0].isTensor)
      throw new AgentError(
        'unsupported-input',
        `Accuracy runs need a model with one tensor input; this one has ${meta.length}.`,
      );
    const input = meta[0];
    if (input.type !== spec.inputDtype)
      throw new AgentError(
        'unsupported-input',
        `The model input "${input.name}" is ${input.type}, but the preprocessing spec produces ${spec.inputDtype}; fix inputDtype.`,
      );
    const fixedBatch = typeof input.shape[0] === 'number' && input.shape[0] > 0 ? input.shape[0] : null;
    const batch = fixedBatch ?? settings.batchSize;
    if (fixedBatch !== null && settings.batchSize !== 1 && settings.batchSize !== fixedBatch)
      throw new AgentError(
        'unsupported-input',
        `Input "${input.name}" has a fixed batch of ${fixedBatch}; use batchSize 1.`,
      );
    const expectShape = inputShape(spec, batch);
    const mismatch = input.shape.some((d, i) => typeof d === 'number' && d > 0 && d !== expectShape[i]);
    if (mismatch || input.shape.length !== expectShape.length)
      throw new AgentError(
        'unsupported-input',
        `The model input "${input.name}" has shape [${input.shape.join(',')}], but the preprocessing spec produces [${expectShape.join(',')}]; check crop, channels and layout.`,
      );
    const outputName = session.outputNames[0];
    const offset = spec.labelOffset ?? 0;
    const latencies: number[] = [];
    const endTimes: number[] = [];
    let top1 = 0;
    let top5 = 0;
    let evaluated = 0;
    let firstInferenceMs = 0;
    const buffer = allocateInput(spec, batch);
    // One feeds object per tensor size, reused for every batch (the tensor is a view of `buffer`, refilled in place).
    const feedsBySize = new Map<number, Record<string, OrtTensor>>();
    const feedsOf = (n: number) => {
      let feeds = feedsBySize.get(n);
      if (!feeds) {
        const data = buffer.subarray(0, (buffer.length / batch) * n);
        feeds = { [input.name]: new ort.Tensor(spec.inputDtype, data as never, inputShape(spec, n)) };
        feedsBySize.set(n, feeds);
      }
      return feeds;
    };
    const fill = async (start: number, n: number) => {
      for (let j = 0; j < n; j++)
        pixelsToInput(pixels.peek?.(start + j) ?? (await pixels.get(start + j)), spec, buffer, j);
    };
    // Cold start and warm-up on the first batch (its pixels are needed first anyway).
    const firstN = Math.min(batch, total);
    await fill(0, firstN);
    const t0 = performance.now();
    await session.run(feedsOf(fixedBatch ?? firstN));
    firstInferenceMs = performance.now() - t0;
    for (let i = 0; i < settings.warmupIterations; i++) await session.run(feedsOf(fixedBatch ?? firstN));
    onProgress(0, 'accuracy');
    const loopStart = performance.now();
    for (let start = 0; start < total; start += batch) {
      throwIfAborted(signal);
      const n = Math.min(batch, total - start);
      if (start > 0) await fill(start, n);
      // A fixed-batch model gets a full tensor; the padding rows' outputs are ignored.
      const feeds = feedsOf(fixedBatch ?? n);
      const t = performance.now();
      const out = await session.run(feeds);
      const ms = performance.now() - t;
      latencies.push(ms);
      endTimes.push(performance.now() - loopStart);
      histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
      const scores = out[outputName];
      const classes = scores.dims[scores.dims.length - 1];
      const data = scores.data as Float32Array | Uint16Array;
      const half = scores.type === 'float16';
      for (let j = 0; j < n; j++) {
        const label = ds.samples[start + j].label + offset;
        const rank = rankOf(data, j * classes, classes, label, half);
        if (rank === 0) top1++;
        if (rank < 5) top5++;
      }
      evaluated += n;
      if (latencies.length % 16 === 0) rss.sample();
      onProgress(evaluated / total, 'accuracy');
    }
    const wallMs = performance.now() - loopStart;
    return {
      measured: { latencies, endTimes, elapsedMs: wallMs, batch } satisfies Measured,
      firstInferenceMs,
      datasetSha256: ds.sha256,
      accuracy: {
        top1: evaluated ? top1 / evaluated : 0,
        top5: evaluated ? top5 / evaluated : 0,
        samples: evaluated,
        expected: total,
        endToEndIps: wallMs > 0 ? round3((evaluated * 1000) / wallMs) : 0,
      },
    };
  }
}

/**
 * Rank of `label` among the scores of one sample (0 = highest), as a stable descending sort ranks it: a class with
 * an equal score ranks ahead when its index is lower. Quantized models have few distinct logits, so ties are
 * common (15 of the 1000 sample images for mobilenetv2-12-int8 tie at the top); counting them in the label's
 * favour would overstate top-1 (83.2 % instead of the reference 82.3 %).
 */
export function rankOf(data: ArrayLike<number>, offset: number, classes: number, label: number, half = false): number {
  if (label < 0 || label >= classes) return classes;
  const value = (i: number) => (half ? fromHalfBits(data[offset + i]) : data[offset + i]);
  const target = value(label);
  let rank = 0;
  for (let i = 0; i < classes; i++) {
    const v = value(i);
    if (v > target || (v === target && i < label)) rank++;
  }
  return rank;
}

async function warmUp(
  runOnce: () => Promise<number>,
  settings: BenchmarkSettings,
  signal: AbortSignal,
  onProgress: (p: number) => void,
): Promise<void> {
  const start = performance.now();
  const minMs = settings.warmupDurationMs ?? 0;
  for (let i = 0; i < settings.warmupIterations || performance.now() - start < minMs; i++) {
    await runOnce();
    throwIfAborted(signal);
    onProgress(
      Math.min(
        1,
        settings.warmupIterations ? (i + 1) / settings.warmupIterations : 1,
        minMs ? (performance.now() - start) / minMs : 1,
      ),
    );
  }
}

/**
 * The timed loop: the timed region is exactly `await session.run(feeds)` (as a bare loop would time it); the
 * bookkeeping between two runs is outside it. Runs until both minIterations and minDurationMs are met, capped by
 * maxDurationMs.
 */
async function measureLoop(
  runOnce: () => Promise<number>,
  settings: BenchmarkSettings,
  signal: AbortSignal,
  batch: number,
  histogram: Hdr.Histogram | null,
  rss: PeakRssMeter,
  onProgress: (p: number) => void,
): Promise<Measured> {
  const latencies: number[] = [];
  const endTimes: number[] = [];
  const start = performance.now();
  let elapsed = 0;
  for (;;) {
    const ms = await runOnce();
    elapsed = performance.now() - start;
    latencies.push(ms);
    endTimes.push(elapsed);
    histogram?.recordValue(Math.max(1, Math.round(ms * 1000)));
    const n = latencies.length;
    if ((n & 15) === 0) rss.sample();
    const done =
      (n >= settings.minIterations && elapsed >= settings.minDurationMs) || elapsed >= settings.maxDurationMs;
    if (done) break;
    if ((n & 7) === 0)
      onProgress(
        Math.min(n / settings.minIterations, settings.minDurationMs > 0 ? elapsed / settings.minDurationMs : 1, 0.99),
      );
    throwIfAborted(signal);
  }
  rss.sample();
  return { latencies, endTimes, elapsedMs: elapsed, batch };
}

function inferenceRate(m: Measured): number {
  const sum = m.latencies.reduce((a, b) => a + b, 0);
  return sum > 0 ? round3((m.latencies.length * m.batch * 1000) / sum) : 0;
}

export function sessionOptions(
  settings: BenchmarkSettings,
  { decoding = settings.mode === 'accuracy' }: { decoding?: boolean } = {},
): InferenceSession.SessionOptions {
  return {
    executionProviders: [settings.executionProvider],
    graphOptimizationLevel: settings.graphOptimizationLevel,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    ...(settings.intraOpThreads > 0 ? { intraOpNumThreads: settings.intraOpThreads } : {}),
    ...(settings.interOpThreads > 0 ? { interOpNumThreads: settings.interOpThreads } : {}),
    // Accuracy runs that decode images on the same cores while the session runs: idle intra-op threads must sleep
    // instead of spinning, or they starve the decoders (session.intra_op.allow_spinning; the Node binding passes
    // `extra` through as session config entries). From the pixel cache nothing else runs, so they spin as in
    // latency runs (sleeping threads cost a wake-up per run: ~30 % of inference-only images/s on 2 cores).
    ...(decoding ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
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

/** The batch sizes to measure: the sweep (throughput mode) or batchSize, minus what a fixed-batch model refuses. */
function batchSizesOf(session: InferenceSession, settings: BenchmarkSettings, logger: Logger): number[] {
  const wanted =
    settings.mode === 'throughput' && settings.batchSizes ? [...new Set(settings.batchSizes)] : [settings.batchSize];
  const fixed = session.inputMetadata
    .map((m) => (m.isTensor && typeof m.shape[0] === 'number' && m.shape[0] >= 0 ? m.shape[0] : null))
    .find((d) => d !== null);
  if (fixed === undefined || fixed === null) return wanted;
  const ok = wanted.filter((b) => b === fixed || b === 1);
  const name = session.inputMetadata[0]?.name;
  if (ok.length === 0)
    throw new AgentError(
      'unsupported-input',
      `Input "${name}" has a fixed batch dimension of ${fixed}, so batch size ${wanted.join('/')} cannot run; use batchSize 1 or a model with a symbolic batch.`,
    );
  if (ok.length < wanted.length)
    logger.warn(
      { fixed, skipped: wanted.filter((b) => !ok.includes(b)) },
      'model has a fixed batch; batch sizes skipped',
    );
  return ok;
}

function buildFeeds(
  ort: Ort,
  session: InferenceSession,
  settings: BenchmarkSettings,
  batchSize: number,
): Record<string, OrtTensor> {
  const random = mulberry32(settings.seed);
  const feeds: Record<string, OrtTensor> = {};
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
    const shape = resolveShape(meta.shape, batchSize);
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[meta.name] = new ort.Tensor(
      meta.type as FillableType,
      fillData(meta.type as FillableType, size, random) as never,
      shape,
    );
  }
  return feeds;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new AgentError('cancelled', 'The run was aborted.');
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/\s+/g, ' ').trim().slice(0, 300);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
