import * as hdr from 'hdr-histogram-js';
import { BenchmarkSettingsSchema, ResultMetricsSchema, type BenchmarkSettingsInput } from '@fleetbench/protocol';
import { AgentError } from '../util/errors';
import { OnnxRunner } from './onnx-runner';

const MNIST = '/work/shared/data/models/mnist.onnx';
const SHA = 'bd5891fdd7987910bfc3d8fc9a697a88e48309e26e529faa87931fba52904fe8';

const run = (input: BenchmarkSettingsInput, signal = new AbortController().signal, onProgress = jest.fn()) =>
  new OnnxRunner({ environment: null }).run({
    modelPath: MNIST,
    modelSha256: SHA,
    settings: BenchmarkSettingsSchema.parse(input),
    signal,
    onProgress,
  });

describe('OnnxRunner with the real mnist.onnx', () => {
  it('measures ~50 iterations with ordered percentiles and a decodable histogram', async () => {
    const onProgress = jest.fn();
    const out = await run(
      { minIterations: 50, minDurationMs: 0, warmupIterations: 5, intraOpThreads: 1 },
      undefined,
      onProgress,
    );
    const l = out.metrics.latencyMs;
    expect(l.count).toBeGreaterThanOrEqual(50);
    expect(out.metrics.iterations).toBe(l.count);
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.min).toBeLessThanOrEqual(l.p50);
    expect(l.unreliable).toEqual(expect.arrayContaining(['p90', 'p99']));
    expect(out.metrics.coldStart.sessionCreateMs).toBeGreaterThan(0);
    expect(out.metrics.coldStart.firstInferenceMs).toBeGreaterThan(0);
    expect(out.metrics.throughputIps).toBeGreaterThan(0);
    expect(out.metrics.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(() => ResultMetricsSchema.parse(out.metrics)).not.toThrow();
    expect(out.environment.modelSha256).toBe(SHA);
    expect(out.environment.onnxruntimeVersion).toBe('1.30.0');
    expect(out.verdict.reasons.map((r) => r.code)).toContain('too-few-samples');
    const h = hdr.decodeFromCompressedBase64(out.histogram!);
    expect(h.totalCount).toBe(l.count);
    expect(onProgress).toHaveBeenCalledWith(1, 'measure');
  });

  it('keeps running until minDurationMs is met, capped by maxDurationMs', async () => {
    const out = await run({ minIterations: 1, minDurationMs: 150, maxDurationMs: 5000, warmupIterations: 0 });
    expect(out.metrics.iterations).toBeGreaterThan(1);
    const capped = await run({ minIterations: 10_000_000, minDurationMs: 0, maxDurationMs: 100, warmupIterations: 0 });
    expect(capped.metrics.iterations).toBeLessThan(10_000_000);
    expect(capped.verdict.status).toBe('flagged');
    expect(capped.verdict.reasons[0].code).toBe('too-few-samples');
  });

  it('refuses the cuda provider with a clear provider-unavailable error naming the available ones', async () => {
    const err = await run({ executionProvider: 'cuda' }).catch((e) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('provider-unavailable');
    expect(err.message).toMatch(/"cuda"/);
    expect(err.message).toMatch(/available providers: .*cpu/);
  });

  it('refuses an unknown provider', async () => {
    const err = await run({ executionProvider: 'warp-drive' }).catch((e) => e);
    expect(err.code).toBe('provider-unavailable');
  });

  it('refuses a batch size the model cannot take and accuracy mode', async () => {
    expect((await run({ batchSize: 4 }).catch((e) => e)).code).toBe('unsupported-input');
    expect((await run({ mode: 'accuracy' }).catch((e) => e)).code).toBe('unsupported-mode');
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    const reason = new AgentError('timeout', 'too slow');
    setTimeout(() => ac.abort(reason), 50);
    const err = await run(
      { minIterations: 10_000_000, minDurationMs: 60_000, maxDurationMs: 60_000, warmupIterations: 0 },
      ac.signal,
    ).catch((e) => e);
    expect(err).toBe(reason);
  });
});
