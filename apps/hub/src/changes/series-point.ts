import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import {
  CHANGE_DEFAULTS,
  medianEstimate,
  normalQuantile,
  proportionEstimate,
  rankedFromBuckets,
  throughputEstimate,
  type BenchmarkMode,
  type ChangeMetric,
  type Estimate,
  type Hardware,
  type RankedSample,
  type ResultEnvironment,
  type ResultMetrics,
  type SoftwareFingerprintParts,
} from '@fleetbench/protocol';
import { bucketOfRank, decodeHistogramShared } from '../services/hdr-histogram';
import { HISTOGRAM_LIMITS } from '../services/result-acceptance';

/** The figure a series of each mode follows: latency runs by p50, throughput sweeps by images/s, accuracy by top-1. */
export const METRIC_OF_MODE: Record<BenchmarkMode, ChangeMetric> = {
  latency: 'p50Ms',
  throughput: 'throughputIps',
  accuracy: 'top1',
};

interface HdrLike {
  totalCount: number;
  recordedValuesIterator: {
    reset(): void;
    hasNext(): boolean;
    next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
  };
}

/**
 * The agent's HDR histogram (compressed base64, µs) as ranked samples in ms; null when absent or undecodable.
 * Ingest accepted it already (result-acceptance.ts checks its header and counts), so it is a bounded decode: the
 * hub's own reader of the non-empty buckets (hdr-histogram.ts, the same buckets as hdr-histogram-js; a full counts
 * array per result cost the watch as much as the rest of its work), hdr-histogram-js for a histogram that reader
 * does not take (e.g. stored before acceptance checked the resolution).
 */
export function latencySampleOf(base64: string | null): RankedSample | null {
  if (!base64) return null;
  // Ingest decoded it a moment ago to accept it: usually a hit of the shared recent decodes.
  const h = decodeHistogramShared(base64, HISTOGRAM_LIMITS);
  if ('problem' in h) return latencySampleByLibrary(base64);
  if (h.totalCount <= 0) return null;
  // Ranks straight off the shared decode's cumulative counts: a per-result copy of its buckets was a sixth of
  // everything the hub allocated under load.
  return { count: h.totalCount, valueAtRank: (rank) => h.highest[bucketOfRank(h, rank)]! / 1000 };
}

/** {@link latencySampleOf} by hdr-histogram-js (its recorded values: each bucket's highest equivalent value). */
export function latencySampleByLibrary(base64: string): RankedSample | null {
  let h: HdrLike;
  try {
    h = decodeFromCompressedBase64(base64, 32, false) as unknown as HdrLike;
  } catch {
    return null;
  }
  const buckets: { value: number; count: number }[] = [];
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    buckets.push({ value: v.valueIteratedTo / 1000, count: v.countAtValueIteratedTo });
  }
  const sample = rankedFromBuckets(buckets);
  return sample.count > 0 ? sample : null;
}

/** What a result is made of, as far as its series needs. */
export interface SeriesResultFacts {
  mode: BenchmarkMode;
  metrics: ResultMetrics;
  histogram: string | null;
  environment: ResultEnvironment;
}

/**
 * The estimate of a result's series metric. p50 from the histogram when there is one; otherwise (external runners)
 * from the agent's 95 % order-statistic interval, widened to the watch's confidence as if it were normal.
 */
export function estimateOf(r: SeriesResultFacts): { metric: ChangeMetric; estimate: Estimate } {
  const metric = METRIC_OF_MODE[r.mode];
  const l = r.metrics.latencyMs;
  switch (metric) {
    case 'p50Ms': {
      const sample = latencySampleOf(r.histogram);
      if (sample) return { metric, estimate: { ...medianEstimate(sample), value: l.p50 } };
      if (!l.p50Ci95 || l.count < CHANGE_DEFAULTS.minSamples.p50Ms)
        return { metric, estimate: { value: l.p50, low: null, high: null } };
      const widen = normalQuantile(1 - (1 - CHANGE_DEFAULTS.confidence) / 2) / normalQuantile(0.975);
      return {
        metric,
        estimate: {
          value: l.p50,
          low: Math.max(0, l.p50 - (l.p50 - l.p50Ci95[0]) * widen),
          high: l.p50 + (l.p50Ci95[1] - l.p50) * widen,
        },
      };
    }
    case 'throughputIps':
      return { metric, estimate: throughputEstimate(r.metrics.throughputIps, l) };
    case 'top1':
      return {
        metric,
        estimate:
          r.metrics.top1 === null
            ? { value: 0, low: null, high: null }
            : proportionEstimate(r.metrics.top1, r.metrics.accuracySamples),
      };
  }
}

/** The software fingerprint of a result: its own versions, and the device's OS and kernel as last reported. */
export function fingerprintOf(env: ResultEnvironment, hardware: Hardware | null): SoftwareFingerprintParts {
  const runner = env.runner ?? 'onnxruntime-node';
  return {
    agent: env.agentVersion,
    onnxruntime: env.onnxruntimeVersion,
    node: env.nodeVersion,
    runner: env.runnerVersion ? `${runner} ${env.runnerVersion}` : runner,
    model: env.modelSha256,
    dataset: env.datasetSha256,
    ...(hardware ? { os: `${hardware.os.distro} ${hardware.os.release}`.trim(), kernel: hardware.os.kernel } : {}),
  };
}
