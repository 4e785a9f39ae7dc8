import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type * as Hdr from 'hdr-histogram-js';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import {
  inputFacts,
  type AccuracyScoring,
  type BenchmarkSettings,
  type IoTensor,
  type PreprocessingSpec,
  type ResolvedPreprocessing,
  type EnergyReading,
  type ResultEnvironment,
  type ResultMetrics,
} from '@fleetbench/protocol';
import { loadDataset } from '../accuracy/dataset';
import { energyProbes, finishEnergy, openEnergy } from '../probe/energy/energy';
import type { EnergyProbe } from '../probe/energy/meters';
import { openPixelSource } from '../accuracy/pixel-cache';
import { resolveAgainstModel } from '../accuracy/presets';
import { allocateInput, inputShape, pixelSpecOf, pixelsToInput } from '../accuracy/preprocess';
import type { ImagePrediction, ModelRunner, RunOutput, RunRequest } from '../core/ports';
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
import { FILLABLE_TYPES, fillData, mulberry32, resolveShape, type FillableType } from './input-data';
import { loadOrt, type Ort } from './ort';
import { diagnoseProviders, loaderLibraries } from './provider-diagnosis';
import { bindingDir, listProviders } from './providers';
import { coefficientOfVariation, perWindowMedians, summarize, throughput } from './stats';
import { effectiveIntervalMs, IntervalRecorder, sysfsSampler, type MachineSampler } from './sustained';
import { verdictOf } from './verdict';
import { measureLoop, throwIfAborted, warmUp, type Measured } from './measure-loop';
import { chooseScoredOutput, isConstant, rankOf, topK } from './scoring';

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
  /** Accuracy runs read the model's signature from files up to this size before the session exists (default 256 MiB;
   *  larger ones, or 0, through the session, and decoding starts after it). */
  signatureFromFileUpToBytes?: number;
  /** Energy sources for a provider (default: RAPL, hwmon, INA3221 or nvidia-smi under /sys); null skips energy. */
  energy?: ((provider: string) => EnergyProbe[]) | null;
  /** Sustained runs: what reads CPU frequency and temperature at each interval (default: sysfs). */
  machineSampler?: MachineSampler;
}

interface PreparedAccuracy {
  ds: Awaited<ReturnType<typeof loadDataset>>;
  pixels: Awaited<ReturnType<typeof openPixelSource>>;
  /** The preprocessing after reading the model (element type, layout, size from its input). */
  spec: ResolvedPreprocessing;
  inputName: string;
}

/** A model signature (inputs, outputs) as read from the file or from the session. */
interface Signature {
  inputs: IoTensor[];
  outputs: IoTensor[];
}

/** What openSession hands to the measuring step. */
interface OpenedSession {
  session: InferenceSession;
  sessionCreateMs: number;
  prepared: PreparedAccuracy | null;
  /** The settings the session was created with (intra-op threads may differ from the job's, see openSession). */
  runSettings: BenchmarkSettings;
}

/** Accuracy figures of a run (null for latency and throughput runs). */
interface AccuracyFigures {
  top1: number;
  top5: number;
  samples: number;
  expected: number;
  endToEndIps: number;
  scoring: AccuracyScoring;
  identicalOutputs: boolean;
}

/** What a measuring step found: the reported loop, the first inference, and the mode's extras. */
interface MeasuredRun {
  main: Measured;
  firstInferenceMs: number;
  byBatch?: NonNullable<ResultMetrics['throughputByBatch']>;
  accuracy: AccuracyFigures | null;
  predictions?: ImagePrediction[];
  datasetSha256: string | null;
  /** Energy over the reported configuration's loop, when a meter was found. */
  energy?: EnergyReading;
}

/** Runs latency, throughput and accuracy benchmarks of one ONNX model with onnxruntime-node. */
export class OnnxRunner implements ModelRunner {
  private readonly logger: Logger;
  private readonly env: EnvironmentSource | null;

  constructor(private readonly opts: OnnxRunnerOptions = {}) {
    this.logger = opts.logger ?? silentLogger();
    this.env = opts.environment === undefined ? procEnvironment : opts.environment;
  }

  /** One benchmark: open the session, measure (latency/throughput loop or accuracy pass), then figures and verdict. */
  async run(req: RunRequest): Promise<RunOutput> {
    requireAccuracyInputs(req);
    const ort = loadOrt();
    await checkProvider(req.settings.executionProvider);
    const { flops, signature } = await this.readGraph(req);
    const envBefore = this.readEnv();
    const rss = new PeakRssMeter();
    rss.start();
    throwIfAborted(req.signal);
    const opened = await this.openSession(ort, req, signature, rss);
    const { session, prepared } = opened;

    // Loaded per run, not at start-up: hdr-histogram-js costs ~15 MB of resident memory the idle daemon need not hold.
    const hdr: typeof Hdr = await import('hdr-histogram-js');
    const histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    try {
      const measured =
        req.settings.mode === 'accuracy'
          ? await this.measureAccuracy(ort, session, req, prepared!, histogram, rss)
          : await this.measureLatency(ort, session, req, histogram, rss);
      const figures = environmentFigures(envBefore, this.readEnv());
      const metrics = this.metricsOf(req.settings, measured, opened.sessionCreateMs, flops, rss);
      return {
        metrics,
        histogram: hdr.encodeIntoCompressedBase64(histogram),
        environment: environmentOf(req, opened.runSettings, measured.datasetSha256, figures),
        verdict: verdictOfRun(req.settings, measured, metrics, figures),
        ...(measured.predictions ? { predictions: measured.predictions } : {}),
      };
    } finally {
      histogram.destroy();
      await prepared?.pixels.close();
      await session.release().catch((err: Error) => this.logger.warn({ err: err.message }, 'session release failed'));
    }
  }

  /**
   * Creates the session (and, for accuracy runs, opens the dataset). Accuracy runs open their dataset first: decoding
   * starts while the session is created, and a run that must decode (no pixel cache yet) gives inference one intra-op
   * thread when the job leaves the count to onnxruntime, so the decoders get the other cores (one thread is also the
   * cheapest in CPU per image: 1.7 vs 2.0 ms for mobilenetv2-12-int8 here). Timed figures then belong to that thread
   * count, reported in the environment. The model's input facts (element type, layout, size) decide the pixels, so
   * they are read from the file first; a file too large to parse cheaply is read through the session instead
   * (decoding then starts after it).
   */
  private async openSession(
    ort: Ort,
    req: RunRequest,
    signature: Signature | null,
    rss: PeakRssMeter,
  ): Promise<OpenedSession> {
    const { settings } = req;
    let prepared = signature ? await this.prepareAccuracy(req, signature) : null;
    const decoding = settings.mode === 'accuracy' && (!prepared || !prepared.pixels.cached);
    const runSettings = decoding && settings.intraOpThreads === 0 ? { ...settings, intraOpThreads: 1 } : settings;
    req.onProgress(0, 'load');
    const t0 = performance.now();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(req.modelPath, sessionOptions(runSettings, { decoding }));
    } catch (err) {
      await prepared?.pixels.close();
      throw sessionCreateError(settings.executionProvider, err);
    }
    const sessionCreateMs = performance.now() - t0;
    rss.sample();
    if (settings.mode === 'accuracy' && !prepared) {
      try {
        prepared = await this.prepareAccuracy(req, signatureOf(session));
      } catch (err) {
        await session.release().catch(() => {});
        throw err;
      }
    }
    return { session, sessionCreateMs, prepared, runSettings };
  }

  private async measureAccuracy(
    ort: Ort,
    session: InferenceSession,
    req: RunRequest,
    prepared: PreparedAccuracy,
    histogram: Hdr.Histogram,
    rss: PeakRssMeter,
  ): Promise<MeasuredRun> {
    const acc = await this.accuracy(ort, session, req, prepared, histogram, rss);
    return {
      main: acc.measured,
      firstInferenceMs: acc.firstInferenceMs,
      accuracy: acc.accuracy,
      predictions: acc.predictions,
      datasetSha256: req.dataset?.sha256 ?? acc.datasetSha256,
    };
  }

  /**
   * Latency and throughput runs: each batch size of the sweep (one for latency) is warmed up and measured; the last
   * one is the reported configuration (and the only one recorded in the histogram).
   */
  private async measureLatency(
    ort: Ort,
    session: InferenceSession,
    req: RunRequest,
    histogram: Hdr.Histogram,
    rss: PeakRssMeter,
  ): Promise<MeasuredRun> {
    const { settings, signal, onProgress } = req;
    const sizes = batchSizesOf(session, settings, this.logger);
    const byBatch: NonNullable<ResultMetrics['throughputByBatch']> = [];
    let main: Measured | null = null;
    let firstInferenceMs = 0;
    let energy: EnergyReading | undefined;
    // Sources are found before anything is timed; the meter runs over the reported configuration's loop only.
    const energySources = this.opts.energy === undefined ? energyProbes : this.opts.energy;
    const opened = energySources ? await openEnergy(energySources(settings.executionProvider)) : null;
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
      await warmUp(runOnce, settings, signal, (p) => onProgress(p, sizes.length > 1 ? `warmup bs${size}` : 'warmup'));
      rss.sample();
      // Only the reported configuration goes into the histogram (the largest batch of a sweep).
      const last = k === sizes.length - 1;
      const record = last ? histogram : null;
      // A sustained run measures the reported configuration for its whole length; a sweep's other sizes are bursts.
      const sustainedMs = last ? (settings.sustainedMs ?? null) : null;
      const recorder = sustainedMs
        ? new IntervalRecorder(
            effectiveIntervalMs(sustainedMs, settings.sustainedIntervalMs),
            actual,
            this.opts.machineSampler ?? sysfsSampler,
          )
        : null;
      if (last && opened && 'meter' in opened) opened.meter.start();
      try {
        main = await measureLoop(
          runOnce,
          settings,
          signal,
          actual,
          record,
          rss,
          (p) => onProgress(sizes.length > 1 ? (k + p) / sizes.length : p, sustainedMs ? 'sustained' : phase),
          recorder,
        );
      } catch (err) {
        if (last && opened) await finishEnergy(opened, 0); // stops the meter (and nvidia-smi) of an aborted run
        throw err;
      }
      if (last && opened) energy = await finishEnergy(opened, main.latencies.length * actual);
      if (settings.mode === 'throughput')
        byBatch.push({
          batchSize: actual,
          throughputIps: throughput(actual, main.latencies.length, main.elapsedMs),
          iterations: main.latencies.length,
          latencyMs: summarize(main.latencies),
        });
    }
    if (!main) throw new AgentError('run-failed', 'The model offers no batch size to measure.');
    onProgress(1, 'measure');
    return {
      main,
      firstInferenceMs,
      byBatch: settings.mode === 'throughput' ? byBatch : undefined,
      accuracy: null,
      datasetSha256: null,
      energy,
    };
  }

  /** ResultMetrics of a measured run: latency summary, throughput, cold start, memory, GFLOP/s, accuracy. */
  private metricsOf(
    settings: BenchmarkSettings,
    { main, firstInferenceMs, byBatch, accuracy, energy }: MeasuredRun,
    sessionCreateMs: number,
    flops: number | null,
    rss: PeakRssMeter,
  ): ResultMetrics {
    const perSecondMedianCv = coefficientOfVariation(perWindowMedians(main.latencies, main.endTimes));
    const throughputIps =
      settings.mode === 'accuracy'
        ? inferenceRate(main)
        : throughput(main.batch, main.latencies.length, main.elapsedMs);
    const gflops = flops ? round3((flops * throughputIps) / 1e9) : null;
    const peak = this.opts.peakGflops ?? null;
    return {
      latencyMs: summarize(main.latencies),
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
      ...(byBatch ? { throughputByBatch: byBatch } : {}),
      ...(accuracy ? { endToEndIps: accuracy.endToEndIps, scoring: accuracy.scoring } : {}),
      ...(main.sustained ? { sustained: main.sustained } : {}),
      ...(energy ? { energy } : {}),
    };
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

  /**
   * FLOPs from the graph (unless the job gives them) and, for accuracy runs, the signature: the file is read once, up
   * to a size, and its bytes are dropped before anything is measured.
   */
  private async readGraph(req: RunRequest): Promise<{ flops: number | null; signature: Signature | null }> {
    const flopsLimit = this.opts.countFlopsUpToBytes ?? 256 * 2 ** 20;
    const needFlops = req.flops == null && flopsLimit > 0;
    const sigLimit = req.settings.mode === 'accuracy' ? (this.opts.signatureFromFileUpToBytes ?? 256 * 2 ** 20) : 0;
    const bytes = await this.readModelBytes(req.modelPath, Math.max(needFlops ? flopsLimit : 0, sigLimit));
    return {
      flops: req.flops ?? (needFlops && bytes && bytes.length <= flopsLimit ? this.graphFlops(bytes) : null),
      signature: bytes && bytes.length <= sigLimit ? this.signature(bytes) : null,
    };
  }

  /** The model file's bytes when it is at most `limit` bytes (0: not needed), else null. */
  private async readModelBytes(modelPath: string, limit: number): Promise<Uint8Array | null> {
    if (limit <= 0) return null;
    try {
      const st = await fs.stat(modelPath);
      return st.size > limit ? null : await fs.readFile(modelPath);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'model file not readable before the session');
      return null;
    }
  }

  private graphFlops(bytes: Uint8Array): number | null {
    try {
      // onnx-proto is loaded only when FLOPs are counted (keeps the idle daemon small).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- sync lazy load, see above
      const { countFlops } = require('./flops') as typeof import('./flops');
      return countFlops(bytes)?.flops ?? null;
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'FLOPs could not be counted from the graph');
      return null;
    }
  }

  /** The model's graph inputs and outputs (null when the bytes do not parse as a model). */
  private signature(bytes: Uint8Array): Signature | null {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the zoo (catalogue, builders) loads only when a model is read
      const { readOnnxSignature } = require('@fleetbench/zoo') as typeof import('@fleetbench/zoo');
      return readOnnxSignature(bytes);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'model signature not readable from the file');
      return null;
    }
  }

  /**
   * Resolves the preprocessing against the model's input (element type, layout, size), loads the dataset and opens
   * its pixels (from the cache, or decoding ahead on all cores from now on).
   */
  private async prepareAccuracy(req: RunRequest, sig: Signature): Promise<PreparedAccuracy> {
    req.onProgress(0, 'dataset');
    if (sig.inputs.length !== 1)
      throw new AgentError(
        'unsupported-input',
        `Accuracy runs need a model with one image input; this one has ${sig.inputs.length} (${sig.inputs.map((i) => `${i.name} ${i.dtype} [${i.shape.join(',')}]`).join('; ')}).`,
      );
    const spec = resolveAgainstModel(req.preprocessing as PreprocessingSpec, inputFacts(sig.inputs[0]));
    const ds = await loadDataset(req.dataset!.path, { labelsFile: req.dataset!.labelsFile });
    const pixels = await openPixelSource(ds, pixelSpecOf(spec), { cacheRoot: this.opts.pixelCacheDir ?? null });
    this.logger.debug({ spec }, 'preprocessing resolved against the model');
    return { ds, pixels, spec, inputName: sig.inputs[0].name };
  }

  /** Top-1/top-5 over the dataset, batch by batch, with every session.run timed like a latency run. */
  private async accuracy(
    ort: Ort,
    session: InferenceSession,
    req: RunRequest,
    { ds, pixels, spec }: PreparedAccuracy,
    histogram: Hdr.Histogram,
    rss: PeakRssMeter,
  ) {
    const { settings, signal, onProgress } = req;
    const total = Math.min(ds.samples.length, settings.maxSamples ?? Infinity);
    const meta = session.inputMetadata;
    if (meta.length !== 1 || !meta[0].isTensor)
      throw new AgentError(
        'unsupported-input',
        `Accuracy runs need a model with one tensor input; this one has ${meta.length}.`,
      );
    const input = meta[0];
    // Safety net: the session must agree with the facts read from the file (resolveAgainstModel checked those).
    if (input.type !== spec.inputDtype)
      throw new AgentError(
        'unsupported-input',
        `The model input "${input.name}" is ${input.type}, but the preprocessing produces ${spec.inputDtype}.`,
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
        `The model input "${input.name}" has shape [${input.shape.join(',')}], but the preprocessing produces [${expectShape.join(',')}]; check crop, channels and layout.`,
      );
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
    // Cold start and warm-up on the first batch (its pixels are needed first anyway). The first run returns every
    // output: the one to score is chosen from their actual shapes, and later runs fetch only it.
    const firstN = Math.min(batch, total);
    await fill(0, firstN);
    const t0 = performance.now();
    const first = await session.run(feedsOf(fixedBatch ?? firstN));
    firstInferenceMs = performance.now() - t0;
    const target = chooseScoredOutput(session, first, fixedBatch ?? firstN, ds.labels.length, req.preprocessing);
    const fetches = [target.output];
    for (let i = 0; i < settings.warmupIterations; i++) await session.run(feedsOf(fixedBatch ?? firstN), fetches);
    const scoring: AccuracyScoring = {
      ...target,
      labels: ds.labels.length,
      preset: spec.preset,
      input: {
        name: input.name,
        dtype: spec.inputDtype,
        layout: spec.layout,
        channels: spec.channels,
        crop: spec.crop,
        resizeShorter: spec.resizeShorter,
      },
      constantScoreImages: 0,
    };
    const { classes, labelOffset } = target;
    const predictions: ImagePrediction[] | undefined = req.recordPredictions ? [] : undefined;
    let firstScores: number[] | null = null;
    let identicalOutputs = true;
    onProgress(0, 'accuracy');
    const loopStart = performance.now();
    for (let start = 0; start < total; start += batch) {
      throwIfAborted(signal);
      const n = Math.min(batch, total - start);
      if (start > 0) await fill(start, n);
      // A fixed-batch model gets a full tensor; the padding rows' outputs are ignored.
      const feeds = feedsOf(fixedBatch ?? n);
      const t = performance.now();
      const out = await session.run(feeds, fetches);
      const ms = performance.now() - t;
      latencies.push(ms);
      endTimes.push(performance.now() - loopStart);
      histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
      const scores = out[target.output];
      const data = scores.data as ArrayLike<number>;
      if (data.length < n * classes)
        throw new AgentError(
          'run-failed',
          `Output "${target.output}" returned ${data.length} values of shape [${scores.dims.join(',')}] for ${n} images of ${classes} classes.`,
        );
      const half = scores.type === 'float16';
      for (let j = 0; j < n; j++) {
        const sample = ds.samples[start + j];
        const at = j * classes;
        const rank = rankOf(data, at, classes, sample.label + labelOffset, half);
        if (rank === 0) top1++;
        if (rank < 5) top5++;
        if (isConstant(data, at, classes)) scoring.constantScoreImages++;
        if (identicalOutputs) {
          if (!firstScores) firstScores = Array.from({ length: classes }, (_, c) => data[at + c]);
          else if (firstScores.some((v, c) => v !== data[at + c])) identicalOutputs = false;
        }
        predictions?.push({
          file: sample.rel,
          label: sample.label,
          top5: topK(data, at, classes, 5, half).map((c) => c - labelOffset),
        });
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
      predictions,
      accuracy: {
        top1: evaluated ? top1 / evaluated : 0,
        top5: evaluated ? top5 / evaluated : 0,
        samples: evaluated,
        expected: total,
        endToEndIps: wallMs > 0 ? round3((evaluated * 1000) / wallMs) : 0,
        scoring,
        identicalOutputs: evaluated > 1 && identicalOutputs,
      },
    };
  }
}

/** Accuracy jobs need a dataset and the model's preprocessing; say which is missing and how to give it. */
function requireAccuracyInputs(req: RunRequest): void {
  if (req.settings.mode !== 'accuracy' || (req.dataset && req.preprocessing)) return;
  throw new AgentError(
    'unsupported-mode',
    req.dataset
      ? 'Accuracy jobs need the model’s preprocessing (a preset such as imagenet, caffe, tf-uint8, tf-float or paddle; the input type, layout and size are read from the model); register the model with one.'
      : 'Accuracy jobs need a labeled dataset; attach one to the campaign (or pass --dataset DIR to bench).',
  );
}

/** A session that could not be created: the provider's fault when one other than the CPU was asked for. */
function sessionCreateError(provider: string, err: unknown): AgentError {
  const message = (err as Error).message;
  if (provider !== 'cpu')
    return new AgentError(
      'provider-unavailable',
      `Execution provider "${provider}" could not be initialised on this device (${firstLine(message)}); available providers: ${availableList()}.`,
      { cause: err },
    );
  return new AgentError('model-load-failed', `onnxruntime could not load the model (${firstLine(message)}).`, {
    cause: err,
  });
}

/** Before/after comparison of the machine; all null when either reading is missing. */
function environmentFigures(
  before: EnvironmentReading | null,
  after: EnvironmentReading | null,
): RunEnvironmentFigures {
  if (before && after) return compareEnvironment(before, after);
  return {
    cpuFrequencyMHz: { before: null, after: null },
    temperatureC: { before: null, after: null },
    otherProcessesCpuPercent: null,
    thermalTripCrossed: null,
  };
}

function environmentOf(
  req: RunRequest,
  runSettings: BenchmarkSettings,
  datasetSha256: string | null,
  figures: RunEnvironmentFigures,
): ResultEnvironment {
  return {
    agentVersion: AGENT_VERSION,
    nodeVersion: process.versions.node,
    onnxruntimeVersion: onnxruntimeVersion(),
    executionProvider: req.settings.executionProvider,
    intraOpThreads: runSettings.intraOpThreads,
    interOpThreads: req.settings.interOpThreads,
    modelSha256: req.modelSha256,
    datasetSha256,
    cpuFrequencyMHz: figures.cpuFrequencyMHz,
    temperatureC: figures.temperatureC,
    otherProcessesCpuPercent: figures.otherProcessesCpuPercent,
    thermalTripCrossed: figures.thermalTripCrossed,
    runner: 'onnxruntime-node',
  };
}

function verdictOfRun(
  settings: BenchmarkSettings,
  { main, accuracy }: MeasuredRun,
  metrics: ResultMetrics,
  figures: RunEnvironmentFigures,
) {
  return verdictOf({
    samples: main.latencies.length,
    // Accuracy runs measure every sample once: the sample count, not minIterations, is what they need.
    // Sustained runs measure for a fixed time, not an iteration count.
    minSamples: settings.mode === 'accuracy' || main.sustained ? 0 : settings.minIterations,
    sustained: !!main.sustained,
    accuracySamples: accuracy ? { evaluated: accuracy.samples, expected: accuracy.expected } : null,
    unreliable: metrics.latencyMs.unreliable,
    maxDurationMs: settings.maxDurationMs,
    otherProcessesCpuPercent: figures.otherProcessesCpuPercent,
    cpuFrequencyMHz: figures.cpuFrequencyMHz,
    thermalTripCrossed: figures.thermalTripCrossed,
    temperatureC: figures.temperatureC,
    perSecondMedianCv: coefficientOfVariation(perWindowMedians(main.latencies, main.endTimes)),
    accuracy: accuracy
      ? {
          top1: accuracy.top1,
          top5: accuracy.top5,
          samples: accuracy.samples,
          constantScoreImages: accuracy.scoring.constantScoreImages,
          identicalOutputs: accuracy.identicalOutputs,
        }
      : null,
  });
}

function signatureOf(session: InferenceSession): Signature {
  const tensor = (m: InferenceSession.ValueMetadata): IoTensor => ({
    name: m.name,
    dtype: m.isTensor ? m.type : 'non-tensor',
    shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : d)) : [],
  });
  return { inputs: session.inputMetadata.map(tensor), outputs: session.outputMetadata.map(tensor) };
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

async function checkProvider(name: string): Promise<void> {
  const providers = listProviders();
  const known = providers.find((p) => p.name === name);
  if (!known || !known.usable) {
    const why = known
      ? ((
          await diagnoseProviders({
            backends: [{ name, bundled: false }],
            binDir: bindingDir(),
            systemLibs: loaderLibraries(),
          })
        )[0]?.detail ?? 'its libraries are not installed')
      : 'onnxruntime-node does not know it on this platform';
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

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/\s+/g, ' ').trim().slice(0, 300);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
