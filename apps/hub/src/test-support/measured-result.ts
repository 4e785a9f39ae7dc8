import * as hdr from 'hdr-histogram-js';
import type { JobAssignMessage, ResultMessage } from '@fleetbench/protocol';
import { resultMessage } from './fixtures';

/** Deterministic log-normal latencies (ms) around `medianMs` with spread `sigma`, as one seeded run would give. */
export function seededLatencies(seed: number, n: number, medianMs: number, sigma = 0.03): number[] {
  let a = seed >>> 0;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from(
    { length: n },
    () => medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
  );
}

/**
 * The result the agent would publish for an assignment and these latencies: the summary (nearest-rank percentiles of
 * whole µs), the HDR histogram (µs, 3 significant digits, as the agent records it) and the onnxruntime version.
 */
export function measuredResult(job: JobAssignMessage, ms: number[], onnxruntimeVersion: string): ResultMessage {
  const msg = resultMessage(job);
  const us = ms.map((v) => Math.max(1, Math.round(v * 1000))).sort((a, b) => a - b);
  const sorted = us.map((v) => v / 1000);
  const n = sorted.length;
  const pct = (q: number) => sorted[Math.min(n, Math.max(1, Math.ceil(q * n))) - 1]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const v of us) h.recordValue(v);
  msg.histogram = hdr.encodeIntoCompressedBase64(h);
  msg.metrics = {
    ...msg.metrics,
    latencyMs: {
      p50: pct(0.5),
      p90: pct(0.9),
      p95: pct(0.95),
      p99: pct(0.99),
      mean,
      std,
      min: sorted[0]!,
      max: sorted[n - 1]!,
      count: n,
      p50Ci95: null,
      unreliable: [],
    },
    iterations: n,
    throughputIps: (n * 1000) / sorted.reduce((a, b) => a + b + 0.01, 0),
  };
  msg.environment.onnxruntimeVersion = onnxruntimeVersion;
  return msg;
}
