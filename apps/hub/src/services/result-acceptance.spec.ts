import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import {
  BenchmarkSettingsSchema,
  ResultMessageSchema,
  settingsKey,
  type BenchmarkSettingsInput,
  type ResultMessage,
} from '@fleetbench/protocol';
import { resultMessage } from '../test-support/fixtures';
import { assessResult, histogramProblem, ResultRejectionCounter, type ResultJobFacts } from './result-acceptance';

const DEVICE = 'dev-1';
const SHA = 'b'.repeat(64);

function job(over: Partial<ResultJobFacts> = {}, settingsIn: BenchmarkSettingsInput = {}): ResultJobFacts {
  const settings = BenchmarkSettingsSchema.parse(settingsIn);
  return {
    id: 'job-1',
    deviceId: DEVICE,
    state: 'running',
    attempts: 1,
    timeoutMs: 600_000,
    settings,
    settingsKey: settingsKey(settings),
    model: { sha256: SHA, flops: null, inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 224, 224] }] },
    dataset: null,
    ...over,
  };
}

/** Nearest-rank percentile, as the agent computes it. */
const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];

/** What the agent's runner reports for these latencies (ms): summary, histogram, throughput of a back-to-back loop. */
function measured(j: ResultJobFacts, latencies: number[], batch = 1, overheadMs = 0.01): ResultMessage {
  const sorted = [...latencies].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const ms of latencies) h.recordValue(Math.max(1, Math.round(ms * 1000)));
  const histogram = hdr.encodeIntoCompressedBase64(h);
  const elapsed = sorted.reduce((a, b) => a + b + overheadMs, 0);
  const msg = resultMessage(j.id);
  msg.settings = BenchmarkSettingsSchema.parse(j.settings);
  msg.environment.modelSha256 = j.model.sha256;
  msg.histogram = histogram;
  msg.metrics = {
    ...msg.metrics,
    latencyMs: {
      p50: pct(sorted, 0.5),
      p90: pct(sorted, 0.9),
      p95: pct(sorted, 0.95),
      p99: pct(sorted, 0.99),
      mean,
      std,
      min: sorted[0],
      max: sorted[n - 1],
      count: n,
      p50Ci95: null,
      unreliable: [],
    },
    iterations: n,
    throughputIps: (batch * n * 1000) / elapsed,
  };
  return msg;
}

/** A seeded pseudo-random generator (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal-ish latencies around `median` ms with a heavy tail, as real runs look. */
function latencies(n: number, median: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    const tail = r() < 0.02 ? 1 + r() * 20 : 1;
    return median * Math.exp((u - 0.5) * 0.4) * tail;
  });
}

const reasonOf = (deviceId: string, msg: ResultMessage, j: ResultJobFacts | null) => {
  const a = assessResult(deviceId, msg, j);
  return a.ok ? 'ok' : a.reason;
};

describe('result acceptance: job state', () => {
  const honest = () => {
    const j = job();
    return { j, msg: measured(j, latencies(200, 5, 1)) };
  };

  it('accepts a result for the job assigned to or running on the device', () => {
    const { j, msg } = honest();
    expect(reasonOf(DEVICE, msg, j)).toBe('ok');
    expect(reasonOf(DEVICE, msg, { ...j, state: 'assigned' })).toBe('ok');
    expect(assessResult(DEVICE, msg, j)).toEqual({ ok: true, job: j });
  });

  it.each(['failed', 'cancelled'] as const)('rejects a result for a %s job, whatever its attempt', (state) => {
    const { j, msg } = honest();
    expect(reasonOf(DEVICE, msg, { ...j, state })).toBe('job-not-active');
    expect(reasonOf(DEVICE, { ...msg, attempt: j.attempts }, { ...j, state })).toBe('job-not-active');
  });

  it.each(['queued', 'succeeded'] as const)(
    'a %s job: a result naming an attempt the device was assigned is a late real measurement (stored once per attempt); one naming none is refused',
    (state) => {
      const { j, msg } = honest();
      expect(reasonOf(DEVICE, { ...msg, attempt: undefined }, { ...j, state })).toBe('job-not-active');
      expect(reasonOf(DEVICE, { ...msg, attempt: 1 }, { ...j, state, attempts: 2 })).toBe('ok');
      // Never assigned (a queued job with no attempt yet): refused.
      expect(reasonOf(DEVICE, { ...msg, attempt: 1 }, { ...j, state, attempts: 0 })).toBe('stale-attempt');
    },
  );

  it('rejects unknown and foreign jobs, a stale attempt, other settings or another model', () => {
    const { j, msg } = honest();
    expect(reasonOf(DEVICE, msg, null)).toBe('unknown-job');
    expect(reasonOf('dev-2', msg, j)).toBe('foreign-job');
    expect(reasonOf(DEVICE, { ...msg, attempt: 3 }, { ...j, attempts: 2 })).toBe('stale-attempt');
    expect(reasonOf(DEVICE, { ...msg, attempt: 0 }, { ...j, attempts: 2 })).toBe('stale-attempt');
    expect(reasonOf(DEVICE, { ...msg, attempt: 2 }, { ...j, attempts: 2 })).toBe('ok');
    expect(reasonOf(DEVICE, { ...msg, attempt: 1 }, { ...j, attempts: 2 })).toBe('ok'); // late, of an assigned attempt
    expect(reasonOf(DEVICE, { ...msg, settings: { ...msg.settings, batchSize: 64 } }, j)).toBe('settings-mismatch');
    expect(reasonOf(DEVICE, { ...msg, environment: { ...msg.environment, modelSha256: 'c'.repeat(64) } }, j)).toBe(
      'artifact-mismatch',
    );
  });
});

describe('result acceptance: honest measurements pass', () => {
  it("the protocol's golden result (packages/protocol/src/__fixtures__/valid/results.json)", () => {
    const golden = ResultMessageSchema.parse(
      JSON.parse(
        readFileSync(path.join(__dirname, '../../../../packages/protocol/src/__fixtures__/valid/results.json'), 'utf8'),
      ),
    );
    const j = job({ model: { sha256: golden.environment.modelSha256, flops: null, inputs: [] } }, golden.settings);
    expect(assessResult(DEVICE, golden, j)).toEqual({ ok: true, job: j });
  });

  it.each([
    [200, 5, 1],
    [1000, 0.05, 2],
    [150, 120, 3],
    [101, 0.004, 4],
    [5000, 1.7, 5],
    [30, 8, 6],
  ])('%i samples around %f ms (seed %i)', (n, median, seed) => {
    const j = job();
    const msg = measured(j, latencies(n, median, seed));
    if (n < 100) msg.verdict = { status: 'flagged', reasons: [{ code: 'too-few-samples', detail: 'few' }] };
    expect(assessResult(DEVICE, msg, j)).toEqual({ ok: true, job: j });
  });

  it('a fixed-batch model may measure more images per run than the requested batch', () => {
    const j = job({
      model: { sha256: SHA, flops: null, inputs: [{ name: 'x', dtype: 'float32', shape: [8, 3, 224, 224] }] },
    });
    const msg = measured(j, latencies(200, 5, 7), 8);
    expect(reasonOf(DEVICE, msg, j)).toBe('ok');
    const symbolic = job();
    expect(reasonOf(DEVICE, measured(symbolic, latencies(200, 5, 7), 8), symbolic)).toBe('implausible-throughput');
  });

  it('a throughput sweep: every batch size of the job, the headline figure is the largest', () => {
    const j = job({}, { mode: 'throughput', batchSize: 1, batchSizes: [1, 4] });
    const msg = measured(j, latencies(200, 6, 8), 4);
    const small = measured(j, latencies(200, 2, 9), 1);
    msg.metrics.throughputByBatch = [
      { batchSize: 1, throughputIps: small.metrics.throughputIps, iterations: 200, latencyMs: small.metrics.latencyMs },
      { batchSize: 4, throughputIps: msg.metrics.throughputIps, iterations: 200, latencyMs: msg.metrics.latencyMs },
    ];
    expect(reasonOf(DEVICE, msg, j)).toBe('ok');
    msg.metrics.throughputByBatch[1] = { ...msg.metrics.throughputByBatch[1], batchSize: 16 };
    expect(reasonOf(DEVICE, msg, j)).toBe('implausible-throughput');
  });

  it('accuracy: whole hits out of the samples, top-5 ≥ top-1, the job’s dataset', () => {
    const j = job({ dataset: { sha256: 'd'.repeat(64) } }, { mode: 'accuracy', maxSamples: 1000 });
    const msg = measured(j, latencies(1000, 3, 10));
    msg.environment.datasetSha256 = 'd'.repeat(64);
    msg.metrics = { ...msg.metrics, top1: 0.712, top5: 0.9, accuracySamples: 1000 };
    expect(reasonOf(DEVICE, msg, j)).toBe('ok');
    const forged = (over: Partial<ResultMessage['metrics']>) =>
      reasonOf(DEVICE, { ...msg, metrics: { ...msg.metrics, ...over } }, j);
    expect(forged({ top5: 0.5 })).toBe('implausible-accuracy');
    expect(forged({ top1: 0.7123 })).toBe('implausible-accuracy');
    expect(forged({ accuracySamples: 5000, top1: 0.7, top5: 0.9 })).toBe('implausible-accuracy');
    expect(forged({ top1: null })).toBe('implausible-accuracy');
    expect(reasonOf(DEVICE, { ...msg, environment: { ...msg.environment, datasetSha256: 'e'.repeat(64) } }, j)).toBe(
      'artifact-mismatch',
    );
  });
});

describe('result acceptance: forged figures', () => {
  const j = job();
  const base = measured(j, latencies(500, 5, 11));
  const forge = (mut: (m: ResultMessage) => void) => {
    const m = structuredClone(base);
    mut(m);
    return reasonOf(DEVICE, m, j);
  };

  it('a p50 of 1 ns, or below the histogram', () => {
    expect(
      forge((m) => {
        m.metrics.latencyMs = { ...m.metrics.latencyMs, p50: 1e-6, min: 1e-6 };
      }),
    ).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.latencyMs.p50 = m.metrics.latencyMs.p50 * 0.95))).toBe('histogram-mismatch');
    const { p90, p95 } = base.metrics.latencyMs;
    expect(forge((m) => void (m.metrics.latencyMs.p90 = (p90 + p95) / 2))).toBe('histogram-mismatch');
  });

  it('1e12 img/s, or throughput beyond batch × 1000 / mean latency', () => {
    expect(forge((m) => void (m.metrics.throughputIps = 1e12))).toBe('implausible-throughput');
    expect(forge((m) => void (m.metrics.throughputIps = (1000 / m.metrics.latencyMs.mean) * 1.2))).toBe(
      'implausible-throughput',
    );
  });

  it('throughput beyond any device for the model’s FLOPs, and gflops that do not follow from them', () => {
    const heavy = job({ model: { sha256: SHA, flops: 1e13, inputs: [] } });
    const m = measured(heavy, latencies(200, 0.01, 12));
    expect(reasonOf(DEVICE, m, heavy)).toBe('implausible-throughput');
    const mobilenet = job({ model: { sha256: SHA, flops: 6e8, inputs: [] } });
    const ok = measured(mobilenet, latencies(200, 5, 13));
    ok.metrics.gflops = (6e8 * ok.metrics.throughputIps) / 1e9;
    expect(reasonOf(DEVICE, ok, mobilenet)).toBe('ok');
    ok.metrics.gflops *= 10;
    expect(reasonOf(DEVICE, ok, mobilenet)).toBe('implausible-throughput');
  });

  it('percentiles out of order, non-finite or zero counts, a latency longer than the job may take', () => {
    expect(forge((m) => void (m.metrics.latencyMs.p90 = m.metrics.latencyMs.p50 / 2))).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.latencyMs.max = m.metrics.latencyMs.p99 / 2))).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.latencyMs.mean = Number.POSITIVE_INFINITY))).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.throughputIps = Number.NaN))).toBe('implausible-throughput');
    expect(
      forge((m) => {
        m.metrics.latencyMs.count = 0;
        m.metrics.iterations = 0;
      }),
    ).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.iterations = 7))).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.latencyMs.max = 1e9))).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.latencyMs.std = 1e6))).toBe('implausible-latency');
    expect(forge((m) => void (m.metrics.coldStart.sessionCreateMs = 1e12))).toBe('implausible-latency');
  });

  it('a sustained series on a burst job, or one that disagrees with itself; energy beyond one device', () => {
    const su = () => {
      const ips = base.metrics.throughputIps;
      const intervals = [0.9, 0.8].map((f, k) => ({
        endS: (k + 1) * 2,
        iterations: 250,
        p50Ms: base.metrics.latencyMs.p50,
        throughputIps: ips * f,
        cpuFrequencyMHz: null,
        temperatureC: null,
      }));
      return {
        durationS: 4,
        intervalS: 2,
        burstIps: ips * 0.9,
        sustainedIps: ips * 0.8,
        sustainedRatio: 0.8 / 0.9,
        throttleThreshold: 0.9,
        throttledAtS: 2,
        intervals,
      };
    };
    const sj = job({}, { sustainedMs: 4000 });
    const ok = measured(sj, latencies(500, 5, 11));
    ok.metrics.sustained = su();
    expect(reasonOf(DEVICE, ok, sj)).toBe('ok');
    const forgeS = (mut: (s: ReturnType<typeof su>) => void) => {
      const m = structuredClone(ok);
      mut(m.metrics.sustained!);
      return reasonOf(DEVICE, m, sj);
    };
    expect(forgeS((s) => void (s.sustainedRatio = 1))).toBe('implausible-throughput');
    expect(forgeS((s) => void (s.intervals[0]!.iterations = 400))).toBe('implausible-throughput');
    expect(forgeS((s) => void (s.intervals[1]!.throughputIps = 1e9))).toBe('implausible-throughput');
    expect(forge((m) => void (m.metrics.sustained = su()))).toBe('implausible-throughput'); // burst job
    const energy = { status: 'measured' as const, source: 'rapl' as const, scope: 'package-0', seconds: 10 };
    expect(
      forge((m) => void (m.metrics.energy = { ...energy, joules: 300, averageWatts: 30, joulesPerInference: 0.6 })),
    ).toBe('ok');
    expect(
      forge((m) => void (m.metrics.energy = { ...energy, joules: 300, averageWatts: 3, joulesPerInference: 0.6 })),
    ).toBe('implausible-throughput');
    expect(
      forge((m) => void (m.metrics.energy = { ...energy, joules: 1e7, averageWatts: 1e6, joulesPerInference: 1 })),
    ).toBe('implausible-throughput');
    expect(forge((m) => void (m.metrics.energy = { status: 'unavailable', reasons: [] }))).toBe('ok');
  });

  it('top-k on a latency job, a valid verdict with too few samples', () => {
    expect(forge((m) => void (m.metrics.top1 = 0.99))).toBe('implausible-accuracy');
    const few = measured(j, latencies(50, 5, 14));
    expect(reasonOf(DEVICE, few, j)).toBe('implausible-verdict');
  });

  it('a histogram with another sample count, coarsened, or not a histogram at all', () => {
    const other = measured(j, latencies(499, 5, 11)).histogram;
    expect(forge((m) => void (m.histogram = other))).toBe('histogram-mismatch');
    expect(forge((m) => void (m.histogram = 'bm90IGEgaGlzdG9ncmFt'))).toBe('histogram-mismatch');
    const coarse = hdr.build({
      lowestDiscernibleValue: 1000,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 1,
    });
    coarse.recordValueWithCount(5000, 500);
    expect(forge((m) => void (m.histogram = hdr.encodeIntoCompressedBase64(coarse)))).toBe('histogram-mismatch');
  });

  it('a zip bomb in the histogram is refused without inflating it', () => {
    const bomb = deflateSync(Buffer.alloc(16 * 1024 * 1024));
    const head = Buffer.alloc(8);
    head.writeInt32BE(0x1c849314, 0);
    head.writeInt32BE(bomb.length, 4);
    const before = process.memoryUsage().rss;
    expect(histogramProblem(Buffer.concat([head, bomb]).toString('base64'), base.metrics.latencyMs)).toMatch(
      /undecodable|buffer/i,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('ResultRejectionCounter', () => {
  it('counts per reason and in total', () => {
    const c = new ResultRejectionCounter();
    c.count('job-not-active');
    c.count('job-not-active');
    c.count('histogram-mismatch');
    expect(c.snapshot()).toEqual({ total: 3, byReason: { 'job-not-active': 2, 'histogram-mismatch': 1 } });
  });
});
