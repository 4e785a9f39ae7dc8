import {
  BenchmarkSettingsSchema,
  type ChannelPayload,
  type JobAssignMessage,
  type ResultMessage,
} from '@fleetbench/protocol';
import type {
  ArtifactStore,
  Clock,
  ModelRunner,
  OutboxStore,
  PublishChannel,
  PublishOptions,
  RunOutput,
  RunRequest,
  Transport,
} from '../core/ports';

export interface Published {
  channel: PublishChannel;
  payload: unknown;
  opts: PublishOptions;
}

/** Records publishes; `failNext` makes publishes reject (broker down) until cleared. */
export class FakeTransport implements Transport {
  published: Published[] = [];
  down = false;
  async publish<C extends PublishChannel>(channel: C, payload: ChannelPayload<C>, opts: PublishOptions): Promise<void> {
    await Promise.resolve();
    if (this.down) throw new Error('not connected');
    this.published.push({ channel, payload: structuredClone(payload), opts });
  }
  on<C extends PublishChannel>(channel: C): ChannelPayload<C>[] {
    return this.published.filter((p) => p.channel === channel).map((p) => p.payload as ChannelPayload<C>);
  }
}

/** Manual clock: timers fire only when advance() passes them. */
export class FakeClock implements Clock {
  private t = Date.parse('2026-01-01T00:00:00Z');
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at <= this.t) {
        this.timers.delete(id);
        timer.fn();
      }
    }
  }
  get pending(): number {
    return this.timers.size;
  }
}

export class MemoryOutboxStore implements OutboxStore {
  files = new Map<string, ResultMessage>();
  async write(msg: ResultMessage): Promise<void> {
    this.files.set(msg.msgId, structuredClone(msg));
  }
  async list(): Promise<ResultMessage[]> {
    return [...this.files.keys()].sort().map((k) => this.files.get(k)!);
  }
  async remove(msgId: string): Promise<void> {
    this.files.delete(msgId);
  }
}

export class FakeArtifacts implements ArtifactStore {
  fail: Error | null = null;
  async fetch(model: { sha256: string }): Promise<string> {
    await Promise.resolve();
    if (this.fail) throw this.fail;
    return `/cache/${model.sha256}`;
  }
  async fetchDataset(dataset: { sha256: string }): Promise<string> {
    await Promise.resolve();
    if (this.fail) throw this.fail;
    return `/datasets/${dataset.sha256}`;
  }
}

/** A runner whose runs the test finishes by hand (`release`) or that fail on request. */
export class FakeRunner implements ModelRunner {
  calls: RunRequest[] = [];
  private waiting: Array<{ resolve: (o: RunOutput) => void; reject: (e: unknown) => void; req: RunRequest }> = [];
  auto = true;
  fail: Error | null = null;

  run(req: RunRequest): Promise<RunOutput> {
    this.calls.push(req);
    if (this.fail) {
      const err = this.fail;
      this.fail = null;
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, req };
      req.signal.addEventListener(
        'abort',
        () => {
          this.waiting = this.waiting.filter((w) => w !== entry);
          reject(req.signal.reason);
        },
        { once: true },
      );
      if (this.auto) {
        queueMicrotask(() => {
          req.onProgress(0.5, 'measure');
          req.onProgress(1, 'measure');
          resolve(fakeOutput(req));
        });
      } else this.waiting.push(entry);
    });
  }

  /** Completes the oldest held run. */
  release(): void {
    const next = this.waiting.shift();
    if (!next) throw new Error('no run is waiting');
    next.req.onProgress(1, 'measure');
    next.resolve(fakeOutput(next.req));
  }
}

export function fakeOutput(req: RunRequest): RunOutput {
  return {
    metrics: {
      latencyMs: {
        p50: 1,
        p90: 2,
        p95: 2.5,
        p99: 3,
        mean: 1.2,
        std: 0.3,
        min: 0.8,
        max: 3.1,
        count: 100,
        p50Ci95: [0.9, 1.1],
        unreliable: ['p95', 'p99'],
      },
      iterations: 100,
      throughputIps: 800,
      coldStart: { sessionCreateMs: 12, firstInferenceMs: 3 },
      peakRssBytes: 50_000_000,
      top1: null,
      top5: null,
      accuracySamples: null,
      gflops: null,
    },
    histogram: null,
    environment: {
      agentVersion: '0.1.0',
      nodeVersion: '20.0.0',
      onnxruntimeVersion: '1.30.0',
      executionProvider: req.settings.executionProvider,
      intraOpThreads: req.settings.intraOpThreads,
      interOpThreads: req.settings.interOpThreads,
      modelSha256: req.modelSha256,
      datasetSha256: null,
      cpuFrequencyMHz: { before: null, after: null },
      temperatureC: { before: null, after: null },
      otherProcessesCpuPercent: null,
    },
    verdict: { status: 'valid', reasons: [] },
  };
}

let seq = 0;
export function assign(jobId: string, extra: Partial<JobAssignMessage> = {}): JobAssignMessage {
  const sha256 = (seq++ % 16).toString(16).repeat(64);
  return {
    v: 1,
    kind: 'assign',
    ts: '2026-01-01T00:00:00.000Z',
    jobId,
    campaignId: 'c1',
    attempt: 1,
    model: { modelId: 'm1', name: 'mnist', sha256, sizeBytes: 26627, downloadPath: `/api/v1/artifacts/${sha256}` },
    settings: BenchmarkSettingsSchema.parse({ minIterations: 10 }),
    timeoutMs: 60_000,
    ...extra,
  };
}

/** Lets pending promise callbacks (several hops deep) run. */
export async function flushPromises(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
