/**
 * Whether a result message may be stored: pure rules over the message and the job it names (no I/O), so the ingest
 * path — whichever shape it has — asks one question and gets `accept` or a reason. An enrolled device is trusted to
 * publish only under its own id (the broker enforces that), not to tell the truth: every figure that reaches a
 * leaderboard is checked here against the job's own record and against what the measurement method can produce.
 */
import {
  BenchmarkSettingsSchema,
  settingsKey,
  type BenchmarkSettings,
  type LatencySummary,
  type ResultMessage,
} from '@fleetbench/protocol';
import { bucketOfRank, decodeHistogramShared, type HistogramLimits } from './hdr-histogram';

/** What the check needs to know about the job a result names (a subset of the hub's job row). */
export interface ResultJobFacts {
  id: string;
  deviceId: string;
  state: 'queued' | 'assigned' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** Attempts started so far; the running attempt is this number. */
  attempts: number;
  timeoutMs: number;
  settings: unknown;
  settingsKey: string;
  model: { sha256: string; flops: number | null; inputs?: unknown };
  dataset?: { sha256: string } | null;
}

export const RESULT_REJECTION_REASONS = [
  'unknown-job',
  'foreign-job',
  'job-not-active',
  'stale-attempt',
  'duplicate-attempt',
  'settings-mismatch',
  'artifact-mismatch',
  'implausible-latency',
  'implausible-throughput',
  'implausible-accuracy',
  'implausible-verdict',
  'histogram-mismatch',
] as const;
export type ResultRejectionReason = (typeof RESULT_REJECTION_REASONS)[number];

export type ResultAcceptance<J = unknown> =
  { ok: true; job: J } | { ok: false; reason: ResultRejectionReason; detail: string };
/** The value rules' answer (no job attached). */
type ValuesAcceptance = { ok: true } | { ok: false; reason: ResultRejectionReason; detail: string };

/** Limits of the measurement method (documented in apps/hub/README.md, "Result acceptance"). */
export const RESULT_LIMITS = {
  /** No session.run of onnxruntime takes under 1 µs; the agent's histogram cannot even record less. */
  minLatencyMs: 0.001,
  /** Relative slack on throughput ≤ batch × 1000 / mean latency (elapsed time covers every timed run). */
  throughputSlack: 0.01,
  /** External tools (trtexec) overlap copies and compute of consecutive runs: throughput ≤ this × batch / min. */
  externalPipelineFactor: 8,
  /** Achieved FLOP/s above this is no single device's (≈ 10× the densest accelerator's peak). */
  maxFlopsPerSecond: 2e16,
  /** A `valid` verdict needs a trustworthy p90 (the agent's rule: 10 / (1 − 0.9) samples). */
  minValidSamples: 100,
  /** Average power above this is no single device's (an 8-GPU server draws ~10 kW). */
  maxDeviceWatts: 100_000,
  /** HDR histograms the agent writes: µs resolution, 3 significant digits; a forger may not coarsen them. */
  histogramMaxSignificantDigits: 4,
  histogramMinSignificantDigits: 2,
  histogramMaxHighestTrackable: 2 ** 43,
  /** Inflated histogram payload; the agent's are a few kB. */
  histogramMaxInflatedBytes: 512 * 1024,
} as const;

const ACTIVE: ResultJobFacts['state'][] = ['assigned', 'running'];

const reject = (reason: ResultRejectionReason, detail: string) => ({ ok: false as const, reason, detail });

/**
 * Accept a result only for a job assigned to or running on `deviceId`, for its current attempt (when the message
 * names one), with the job's settings and artifacts, and with values the measurement could have produced.
 */
export function assessResult<J extends ResultJobFacts>(
  deviceId: string,
  msg: ResultMessage,
  job: J | null,
): ResultAcceptance<J> {
  if (!job) return reject('unknown-job', 'no job with this id');
  if (job.deviceId !== deviceId) return reject('foreign-job', 'the job belongs to another device');
  // The attempt the hub assigned to this device: its one result is a real measurement even when it arrives late (after
  // a fault the job may have been re-queued, or completed by another attempt), so it is stored — exactly once per
  // attempt (unique jobId + attempt). Never for an attempt that was not assigned, nor for a failed or cancelled job.
  if (job.state === 'failed' || job.state === 'cancelled') return reject('job-not-active', `the job is ${job.state}`);
  if (msg.attempt === undefined) {
    // Agents that do not name the attempt: only while the job is theirs right now.
    if (!ACTIVE.includes(job.state))
      return reject('job-not-active', `the job is ${job.state}, not assigned to or running on the device`);
  } else if (msg.attempt < 1 || msg.attempt > job.attempts)
    return reject('stale-attempt', `attempt ${msg.attempt} was never assigned (the job is on attempt ${job.attempts})`);
  const parsed = jobSettings(job);
  if (!parsed.success) return reject('settings-mismatch', "the job's stored settings do not parse");
  const settings = parsed.data;
  if (settingsKey(msg.settings) !== job.settingsKey)
    return reject('settings-mismatch', `settings ${settingsKey(msg.settings)} are not the job's ${job.settingsKey}`);
  if (msg.environment.modelSha256 !== job.model.sha256)
    return reject('artifact-mismatch', "environment.modelSha256 is not the job's model");
  if (job.dataset && settings.mode === 'accuracy' && msg.environment.datasetSha256 !== job.dataset.sha256)
    return reject('artifact-mismatch', "environment.datasetSha256 is not the job's dataset");
  const values = assessValues(msg, settings, job);
  return values.ok ? { ok: true, job } : values;
}

/**
 * The job's stored settings, parsed once per job row: a batch of results usually names a few jobs many times, and
 * the parse is a zod pass per call. Keyed by the row object, so a re-read job is parsed afresh.
 */
const parsedSettings = new WeakMap<object, ReturnType<typeof BenchmarkSettingsSchema.safeParse>>();
function jobSettings(job: ResultJobFacts): ReturnType<typeof BenchmarkSettingsSchema.safeParse> {
  let parsed = parsedSettings.get(job);
  if (!parsed) parsedSettings.set(job, (parsed = BenchmarkSettingsSchema.safeParse(job.settings)));
  return parsed;
}

/** The value rules alone (the job's identity already checked). */
export function assessValues(
  msg: ResultMessage,
  settings: BenchmarkSettings,
  job: Pick<ResultJobFacts, 'timeoutMs' | 'model'>,
): ValuesAcceptance {
  const m = msg.metrics;
  const external = (msg.environment.runner ?? 'onnxruntime-node') !== 'onnxruntime-node';
  const batch = maxBatch(settings, fixedBatchOf(job.model.inputs));

  const bad = latencyProblem(m.latencyMs, job.timeoutMs, !external);
  if (bad) return reject('implausible-latency', bad);
  if (m.iterations !== m.latencyMs.count)
    return reject('implausible-latency', `iterations ${m.iterations} ≠ latency sample count ${m.latencyMs.count}`);
  // null: the runner could not measure that part of the cold start (external tools).
  for (const [k, v] of Object.entries(m.coldStart))
    if (v !== null && (!Number.isFinite(v) || v > job.timeoutMs))
      return reject('implausible-latency', `coldStart.${k} = ${v} ms`);

  const thr = throughputProblem(m.throughputIps, m.latencyMs, batch, external);
  if (thr) return reject('implausible-throughput', thr);
  if (m.throughputByBatch) {
    for (const row of m.throughputByBatch) {
      if (row.batchSize > batch)
        return reject('implausible-throughput', `batch ${row.batchSize} is not in the job's sweep`);
      const lat = latencyProblem(row.latencyMs, job.timeoutMs, !external);
      if (lat) return reject('implausible-latency', `batch ${row.batchSize}: ${lat}`);
      const t = throughputProblem(row.throughputIps, row.latencyMs, row.batchSize, external);
      if (t) return reject('implausible-throughput', `batch ${row.batchSize}: ${t}`);
    }
    const last = m.throughputByBatch.at(-1);
    if (last && !close(last.throughputIps, m.throughputIps, 1e-6, 1e-6))
      return reject('implausible-throughput', 'the headline throughput is not the sweep’s largest batch');
  }
  const flops = job.model.flops;
  if (flops && flops * m.throughputIps > RESULT_LIMITS.maxFlopsPerSecond)
    return reject(
      'implausible-throughput',
      `${(flops * m.throughputIps).toExponential(2)} FLOP/s is beyond any single device`,
    );
  if (flops && m.gflops != null && !close(m.gflops, (flops * m.throughputIps) / 1e9, 1e-3, 2e-3))
    return reject('implausible-throughput', `gflops ${m.gflops} ≠ model FLOPs × throughput`);

  const extra = sustainedProblem(msg, settings, batch, job.timeoutMs) ?? energyProblem(msg);
  if (extra) return reject('implausible-throughput', extra);

  const acc = accuracyProblem(msg, settings);
  if (acc) return reject('implausible-accuracy', acc);

  if (msg.verdict.status === 'valid' && m.latencyMs.count < RESULT_LIMITS.minValidSamples)
    return reject('implausible-verdict', `a valid verdict needs ${RESULT_LIMITS.minValidSamples} samples`);
  if (
    msg.verdict.status === 'valid' &&
    !external &&
    settings.mode !== 'accuracy' &&
    m.latencyMs.count < settings.minIterations
  )
    return reject('implausible-verdict', `valid with ${m.latencyMs.count} of ${settings.minIterations} iterations`);

  if (msg.histogram !== null) {
    const h = histogramProblem(msg.histogram, m.latencyMs);
    if (h) return reject('histogram-mismatch', h);
  }
  return { ok: true };
}

function latencyProblem(l: LatencySummary, timeoutMs: number, sequential: boolean): string | null {
  const values = [l.min, l.p50, l.p90, l.p95, l.p99, l.max, l.mean, l.std];
  if (!values.every(Number.isFinite)) return 'a latency figure is not a finite number';
  if (l.count < 1) return 'no latency samples';
  if (l.min < RESULT_LIMITS.minLatencyMs) return `min ${l.min} ms is below ${RESULT_LIMITS.minLatencyMs} ms`;
  const order: [string, number][] = [
    ['min', l.min],
    ['p50', l.p50],
    ['p90', l.p90],
    ['p95', l.p95],
    ['p99', l.p99],
    ['max', l.max],
  ];
  for (let i = 1; i < order.length; i++)
    if (order[i][1] < order[i - 1][1]) return `${order[i][0]} ${order[i][1]} < ${order[i - 1][0]} ${order[i - 1][1]}`;
  if (l.mean < l.min || l.mean > l.max) return `mean ${l.mean} outside [min, max]`;
  // A sample standard deviation never exceeds the range.
  if (l.std > l.max - l.min + 1e-9) return `std ${l.std} exceeds max − min`;
  if (l.max > timeoutMs) return `max ${l.max} ms exceeds the job's time limit`;
  // The timed runs of the agent's loop follow each other: together they fit in the job's time limit.
  if (sequential && l.count * l.mean > timeoutMs * 1.05) return `${l.count} runs of ${l.mean} ms exceed the time limit`;
  if (l.p50Ci95) {
    const [lo, hi] = l.p50Ci95;
    if (!(lo <= l.p50 && l.p50 <= hi && lo >= l.min && hi <= l.max))
      return 'p50Ci95 does not bracket p50 within [min, max]';
  }
  return null;
}

function throughputProblem(ips: number, l: LatencySummary, batch: number, external: boolean): string | null {
  if (!Number.isFinite(ips)) return 'throughput is not a finite number';
  // The agent's loop: ips = batch × n × 1000 / elapsed and elapsed ≥ Σ latency = n × mean.
  const bound = external
    ? (batch * 1000 * RESULT_LIMITS.externalPipelineFactor) / l.min
    : ((batch * 1000) / l.mean) * (1 + RESULT_LIMITS.throughputSlack) + 0.001;
  if (ips > bound) return `${ips} img/s at batch ≤ ${batch} is more than ${round(bound)} the latency allows`;
  return null;
}

/** A sustained series (issue 13) only on a sustained job, within its runs, its time limit and its own figures. */
function sustainedProblem(
  msg: ResultMessage,
  settings: BenchmarkSettings,
  batch: number,
  timeoutMs: number,
): string | null {
  const su = msg.metrics.sustained;
  const wanted = settings.sustainedMs !== undefined && settings.mode !== 'accuracy';
  if (!su) return null; // an agent without sustained support measured a burst; the key still says sustained
  if (!wanted) return 'a sustained series on a job that is not sustained';
  if (su.durationS * 1000 > timeoutMs) return `a sustained run of ${su.durationS} s exceeds the job's time limit`;
  const runs = su.intervals.reduce((n, i) => n + i.iterations, 0);
  if (runs > msg.metrics.iterations) return `the intervals hold ${runs} runs, the result ${msg.metrics.iterations}`;
  // Every run takes at least the fastest latency: no interval can go faster than batch ÷ min.
  const ceiling = ((batch * 1000) / msg.metrics.latencyMs.min) * (1 + RESULT_LIMITS.throughputSlack);
  if (su.intervals.some((i) => !Number.isFinite(i.throughputIps) || i.throughputIps > ceiling))
    return `an interval is faster than batch × 1000 / min latency (${ceiling.toFixed(1)} img/s)`;
  if (su.intervals.length && !close(su.burstIps, su.intervals[0]!.throughputIps, 1e-3, 1e-3))
    return 'burstIps is not the first interval’s throughput';
  if (su.burstIps > 0 && !close(su.sustainedRatio, su.sustainedIps / su.burstIps, 2e-3, 2e-3))
    return 'sustainedRatio is not sustainedIps ÷ burstIps';
  return null;
}

/** A measured energy reading (issue 13) whose figures agree with each other and with one device's power. */
function energyProblem(msg: ResultMessage): string | null {
  const e = msg.metrics.energy;
  if (!e || e.status !== 'measured') return null;
  if (![e.joules, e.seconds, e.averageWatts, e.joulesPerInference].every(Number.isFinite)) return 'energy not finite';
  if (e.averageWatts > RESULT_LIMITS.maxDeviceWatts) return `${e.averageWatts} W is beyond any single device`;
  if (e.seconds > 0 && !close(e.averageWatts, e.joules / e.seconds, 1e-2, 1e-2))
    return 'averageWatts is not joules ÷ seconds';
  return null;
}

function accuracyProblem(msg: ResultMessage, settings: BenchmarkSettings): string | null {
  const { top1, top5, accuracySamples } = msg.metrics;
  if (settings.mode !== 'accuracy') {
    if (top1 !== null || top5 !== null) return 'top-k figures on a job that is not an accuracy job';
    return null;
  }
  if (top1 === null || top5 === null || accuracySamples === null || accuracySamples < 1)
    return 'an accuracy result needs top1, top5 and accuracySamples ≥ 1';
  if (![top1, top5].every((v) => Number.isFinite(v) && v >= 0 && v <= 1)) return 'top-k outside [0, 1]';
  if (top5 < top1) return `top5 ${top5} < top1 ${top1}`;
  if (settings.maxSamples !== undefined && accuracySamples > settings.maxSamples)
    return `${accuracySamples} samples, the job allows ${settings.maxSamples}`;
  // top-k = hits ÷ samples: both must be whole numbers of hits.
  for (const [k, v] of [
    ['top1', top1],
    ['top5', top5],
  ] as const) {
    const hits = v * accuracySamples;
    if (Math.abs(hits - Math.round(hits)) > 1e-6 * Math.max(1, accuracySamples))
      return `${k} ${v} is no whole number of hits out of ${accuracySamples}`;
  }
  return null;
}

/** The largest batch one timed run of the job can have: its sweep, or a model's fixed batch dimension. */
function maxBatch(settings: BenchmarkSettings, fixed: number | null): number {
  return Math.max(settings.batchSize, ...(settings.batchSizes ?? []), fixed ?? 1);
}

/** First input's leading dimension when the model fixes it (TensorSpec shapes: numbers or symbolic names). */
export function fixedBatchOf(inputs: unknown): number | null {
  if (!Array.isArray(inputs) || !inputs.length) return null;
  const shape = (inputs[0] as { shape?: unknown }).shape;
  const first = Array.isArray(shape) ? shape[0] : undefined;
  return typeof first === 'number' && Number.isInteger(first) && first > 0 && first <= 65536 ? first : null;
}

function close(a: number, b: number, abs: number, rel: number): boolean {
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}

const round = (v: number) => Math.round(v * 1000) / 1000;

// ---- HDR histogram --------------------------------------------------------------------------------------------

/** What {@link histogramProblem} accepts; the regression watch decodes with the same (and so shares its decodes). */
export const HISTOGRAM_LIMITS: HistogramLimits = {
  minSignificantDigits: RESULT_LIMITS.histogramMinSignificantDigits,
  maxSignificantDigits: RESULT_LIMITS.histogramMaxSignificantDigits,
  maxHighestTrackable: RESULT_LIMITS.histogramMaxHighestTrackable,
  maxInflatedBytes: RESULT_LIMITS.histogramMaxInflatedBytes,
};

/**
 * Checks the agent's HDR histogram (compressed base64 of hdr-histogram-js, values in µs) against the summary: same
 * sample count, and min, p50, p90, p95, p99 and max each inside the histogram bucket of its rank (± one rank for
 * float rounding of q × n, ± 1 µs for the agent's rounding to whole µs). The header is checked before decoding, so a
 * forged histogram cannot make the hub allocate more than a few hundred kB (no zip bomb, no giant counts array).
 */
export function histogramProblem(base64: string, l: LatencySummary): string | null {
  const h = decodeHistogramShared(base64, HISTOGRAM_LIMITS);
  if ('problem' in h) return h.problem;
  const n = h.totalCount;
  if (n === 0) return 'empty histogram';
  if (n !== l.count) return `histogram holds ${n} samples, the summary ${l.count}`;
  const within = (name: string, ms: number, rank: number): string | null => {
    const us = ms * 1000;
    const from = Math.max(1, h.lowest[bucketOfRank(h, rank - 1)]) - 1;
    const to = h.highest[bucketOfRank(h, rank + 1)] + 1;
    return us >= from && us <= to
      ? null
      : `${name} ${ms} ms is outside the histogram's [${from / 1000}, ${to / 1000}] ms`;
  };
  const rank = (q: number) => Math.ceil(q * n);
  return (
    within('min', l.min, 1) ??
    within('p50', l.p50, rank(0.5)) ??
    within('p90', l.p90, rank(0.9)) ??
    within('p95', l.p95, rank(0.95)) ??
    within('p99', l.p99, rank(0.99)) ??
    within('max', l.max, n)
  );
}

// ---- counter ----------------------------------------------------------------------------------------------------

/** Rejected results since the process started, per reason (GET /health shows it). */
export class ResultRejectionCounter {
  private readonly counts = new Map<ResultRejectionReason, number>();

  count(reason: ResultRejectionReason): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  snapshot(): { total: number; byReason: Partial<Record<ResultRejectionReason, number>> } {
    const byReason = Object.fromEntries(this.counts) as Partial<Record<ResultRejectionReason, number>>;
    return { total: [...this.counts.values()].reduce((a, b) => a + b, 0), byReason };
  }
}

/** The process's counter: ingest (whichever path) counts into it, health reads it. */
export const resultRejections = new ResultRejectionCounter();
