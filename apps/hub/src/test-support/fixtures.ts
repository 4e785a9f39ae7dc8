import {
  PROTOCOL_MAJOR,
  type Hardware,
  type JobAssignMessage,
  type ResultMessage,
  type SoftwareFingerprint,
} from '@fleetbench/protocol';
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

/**
 * A plausible result (no histogram) for a job id, or — like the real agent — for the assignment it answers: then it
 * carries that job's attempt, settings, model and dataset hashes, and top-k figures when the job is an accuracy job.
 */
export function resultMessage(
  job: string | JobAssignMessage,
  over: { p50?: number; throughput?: number; top1?: number | null; flagged?: boolean; msgId?: string } = {},
): ResultMessage {
  const msg = baseResult(typeof job === 'string' ? job : job.jobId, over);
  if (typeof job === 'string') return msg;
  msg.attempt = job.attempt;
  msg.settings = job.settings;
  msg.environment.modelSha256 = job.model.sha256;
  if (job.settings.mode === 'accuracy') {
    msg.environment.datasetSha256 = job.dataset?.sha256 ?? null;
    const samples = job.settings.maxSamples ?? 1000;
    const top1 = Math.round((over.top1 ?? 0.5) * samples) / samples;
    msg.metrics = { ...msg.metrics, top1, top5: Math.min(1, top1 + Math.round(0.2 * samples) / samples) };
    msg.metrics.accuracySamples = samples;
  }
  return msg;
}

function baseResult(
  jobId: string,
  over: { p50?: number; throughput?: number; top1?: number | null; flagged?: boolean; msgId?: string },
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
