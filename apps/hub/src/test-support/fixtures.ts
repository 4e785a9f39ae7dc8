import { PROTOCOL_MAJOR, type Hardware, type ResultMessage, type SoftwareFingerprint } from '@fleetbench/protocol';
import { ulid } from 'ulid';

export const hardware = (over: Partial<Hardware['cpu']> = {}): Hardware => ({
  cpu: {
    vendor: 'Intel',
    model: 'Xeon Test',
    arch: 'x64',
    physicalCores: 2,
    logicalCores: 2,
    maxFrequencyMHz: 3000,
    ...over,
  },
  memoryBytes: 8 * 2 ** 30,
  accelerators: [],
  os: { platform: 'linux', distro: 'debian', release: '12', kernel: '6.1' },
});

export const software: SoftwareFingerprint = {
  agentVersion: '0.1.0',
  nodeVersion: '20.20.2',
  onnxruntimeVersion: '1.30.0',
  executionProviders: ['cpu'],
};

export function resultMessage(
  jobId: string,
  over: { p50?: number; throughput?: number; top1?: number | null; flagged?: boolean; msgId?: string } = {},
): ResultMessage {
  const p50 = over.p50 ?? 5;
  return {
    v: PROTOCOL_MAJOR,
    msgId: over.msgId ?? ulid(),
    ts: new Date().toISOString(),
    jobId,
    settings: {
      mode: 'latency',
      batchSize: 1,
      intraOpThreads: 0,
      interOpThreads: 0,
      executionProvider: 'cpu',
      graphOptimizationLevel: 'all',
      warmupIterations: 10,
      minIterations: 100,
      minDurationMs: 1000,
      maxDurationMs: 60000,
      seed: 1,
    },
    metrics: {
      latencyMs: {
        p50,
        p90: p50 * 1.2,
        p95: p50 * 1.3,
        p99: p50 * 1.5,
        mean: p50,
        std: 0.1,
        min: p50 * 0.9,
        max: p50 * 2,
        count: 200,
        p50Ci95: null,
        unreliable: [],
      },
      iterations: 200,
      throughputIps: over.throughput ?? 1000 / p50,
      coldStart: { sessionCreateMs: 10, firstInferenceMs: 3 },
      peakRssBytes: 1e8,
      top1: over.top1 ?? null,
      top5: null,
      accuracySamples: null,
      gflops: null,
    },
    histogram: null,
    environment: {
      agentVersion: '0.1.0',
      nodeVersion: '20',
      onnxruntimeVersion: '1.30.0',
      executionProvider: 'cpu',
      intraOpThreads: 0,
      interOpThreads: 0,
      modelSha256: 'a'.repeat(64),
      datasetSha256: null,
      cpuFrequencyMHz: { before: null, after: null },
      temperatureC: { before: null, after: null },
      otherProcessesCpuPercent: null,
    },
    verdict: over.flagged
      ? { status: 'flagged', reasons: [{ code: 'busy', detail: 'load' }] }
      : { status: 'valid', reasons: [] },
  };
}
