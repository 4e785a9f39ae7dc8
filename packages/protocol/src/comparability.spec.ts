import { ZodError } from 'zod';
import {
  compareComparabilityKeys,
  comparabilityOf,
  ComparabilityKeyStringSchema,
  formatComparabilityKey,
  parseComparabilityKey,
  settingsKey,
} from './comparability';
import { median } from './median';
import { BenchmarkSettingsSchema, type BenchmarkSettingsInput } from './settings';

const key = (s: BenchmarkSettingsInput) => formatComparabilityKey(BenchmarkSettingsSchema.parse(s));

describe('formatComparabilityKey', () => {
  it('spells out every default, the runner and the optimisation level', () => {
    expect(key({})).toBe('latency/bs1/t0x0/cpu/onnxruntime-node/opt-all');
    expect(
      key({ mode: 'throughput', batchSize: 4, intraOpThreads: 2, interOpThreads: 1, executionProvider: 'cuda' }),
    ).toBe('throughput/bs4/t2x1/cuda/onnxruntime-node/opt-all');
  });

  it('separates what makes results incomparable and pools what does not', () => {
    const base = key({});
    expect(key({ runner: 'onnxruntime-node' })).toBe(base);
    // Procedure, not conditions: more iterations or another seed measure the same thing.
    expect(key({ minIterations: 5000, warmupIterations: 0, seed: 7, minDurationMs: 0, maxDurationMs: 9 })).toBe(base);
    const different: BenchmarkSettingsInput[] = [
      { runner: 'trtexec' },
      { runner: 'onnxruntime_perf_test' },
      { graphOptimizationLevel: 'basic' },
      { graphOptimizationLevel: 'disabled' },
      { executionProvider: 'xnnpack' },
      { batchSize: 2 },
      { intraOpThreads: 4 },
      { interOpThreads: 2 },
      { mode: 'throughput' },
      { mode: 'accuracy' },
    ];
    const keys = different.map(key);
    expect(new Set([base, ...keys]).size).toBe(different.length + 1);
  });

  it('keys a throughput sweep by the batch whose figures it reports (the last distinct size)', () => {
    expect(key({ mode: 'throughput', batchSizes: [1, 4, 8] })).toBe(key({ mode: 'throughput', batchSize: 8 }));
    expect(key({ mode: 'throughput', batchSizes: [8, 1, 8] })).toBe(key({ mode: 'throughput', batchSize: 1 }));
    // The agent sweeps only in throughput mode.
    expect(key({ mode: 'latency', batchSize: 2, batchSizes: [1, 8] })).toBe(key({ batchSize: 2 }));
  });

  it('carries an accuracy sample limit, and only for accuracy runs', () => {
    expect(key({ mode: 'accuracy', maxSamples: 500 })).toBe('accuracy/bs1/t0x0/cpu/onnxruntime-node/opt-all/n500');
    expect(key({ mode: 'latency', maxSamples: 500 })).toBe(key({}));
  });

  it('keys a sustained run by its length, apart from burst runs and from other lengths (not for accuracy)', () => {
    expect(key({ sustainedMs: 600_000 })).toBe('latency/bs1/t0x0/cpu/onnxruntime-node/opt-all/sustained600s');
    expect(key({ sustainedMs: 600_000, sustainedIntervalMs: 5000 })).toBe(key({ sustainedMs: 600_000 }));
    expect(new Set([key({}), key({ sustainedMs: 600_000 }), key({ sustainedMs: 1_800_000 })]).size).toBe(3);
    expect(key({ mode: 'accuracy', sustainedMs: 600_000 })).toBe(key({ mode: 'accuracy' }));
  });

  it('settingsKey is the same function under its old name', () => {
    const s = BenchmarkSettingsSchema.parse({ runner: 'trtexec', batchSize: 3 });
    expect(settingsKey(s)).toBe(formatComparabilityKey(s));
  });
});

describe('parseComparabilityKey', () => {
  const samples: BenchmarkSettingsInput[] = [
    {},
    { mode: 'throughput', batchSizes: [1, 16], intraOpThreads: 8, interOpThreads: 2, executionProvider: 'cuda' },
    { mode: 'accuracy', maxSamples: 50, runner: 'onnxruntime_perf_test', graphOptimizationLevel: 'extended' },
    { runner: 'trtexec', executionProvider: 'tensorrt', batchSize: 1024 },
    // Provider text with the separator and the escape character still round-trips.
    { executionProvider: 'vendor/npu%2F 100%' },
    { mode: 'throughput', batchSize: 4, sustainedMs: 90_500 },
    { executionProvider: 'sustained5s', sustainedMs: 5000 },
  ];

  it.each(samples)('round-trips %j', (input) => {
    const s = BenchmarkSettingsSchema.parse(input);
    const text = formatComparabilityKey(s);
    const parsed = parseComparabilityKey(text);
    expect(parsed).toEqual(comparabilityOf(s));
    expect(parsed.executionProvider).toBe(s.executionProvider);
    expect(formatComparabilityKey(parsed)).toBe(text);
  });

  it('reads every field', () => {
    expect(parseComparabilityKey('accuracy/bs8/t4x1/cuda/trtexec/opt-basic/n500')).toEqual({
      mode: 'accuracy',
      batchSize: 8,
      intraOpThreads: 4,
      interOpThreads: 1,
      executionProvider: 'cuda',
      runner: 'trtexec',
      graphOptimizationLevel: 'basic',
      maxSamples: 500,
      sustainedS: null,
    });
    expect(parseComparabilityKey('throughput/bs4/t0x0/cpu/onnxruntime-node/opt-all/sustained600s')).toMatchObject({
      mode: 'throughput',
      maxSamples: null,
      sustainedS: 600,
    });
  });

  it.each([
    ['the pre-runner key format', 'latency/bs1/t0x0/cpu', /6 segments|4 segments/],
    ['an unknown mode', 'fast/bs1/t0x0/cpu/onnxruntime-node/opt-all', /mode/],
    ['an unknown runner', 'latency/bs1/t0x0/cpu/tflite/opt-all', /runner/],
    ['an unknown level', 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-max', /graphOptimizationLevel/],
    ['batch 0', 'latency/bs0/t0x0/cpu/onnxruntime-node/opt-all', /batchSize/],
    ['a leading zero', 'latency/bs01/t0x0/cpu/onnxruntime-node/opt-all', /batch segment/],
    ['a bad threads segment', 'latency/bs1/t0/cpu/onnxruntime-node/opt-all', /threads segment/],
    ['an empty provider', 'latency/bs1/t0x0//onnxruntime-node/opt-all', /executionProvider/],
    ['a non-canonical escape', 'latency/bs1/t0x0/a%2fb/onnxruntime-node/opt-all', /provider segment/],
    ['a sample limit outside accuracy', 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all/n5', /accuracy runs only/],
    ['a bad sample limit', 'accuracy/bs1/t0x0/cpu/onnxruntime-node/opt-all/x5', /samples segment/],
    ['a sustained accuracy run', 'accuracy/bs1/t0x0/cpu/onnxruntime-node/opt-all/sustained60s', /not accuracy/],
    ['a sustained length of 0', 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all/sustained0s', /sustainedS/],
  ])('rejects %s with a ZodError naming the problem', (_what, text, why) => {
    expect(() => parseComparabilityKey(text)).toThrow(ZodError);
    const r = ComparabilityKeyStringSchema.safeParse(text);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(why);
  });
});

describe('compareComparabilityKeys', () => {
  it('orders by mode, batch, threads, provider, runner, level and sample limit; non-keys last', () => {
    const keys = [
      'not a key',
      key({ mode: 'accuracy', maxSamples: 10 }),
      key({ mode: 'accuracy' }),
      key({ mode: 'throughput' }),
      key({ runner: 'trtexec' }),
      key({ graphOptimizationLevel: 'disabled' }),
      key({ executionProvider: 'xnnpack' }),
      key({ intraOpThreads: 2 }),
      key({ batchSize: 4 }),
      key({ sustainedMs: 60_000 }),
      key({}),
    ];
    expect([...keys].sort(compareComparabilityKeys)).toEqual([
      key({}),
      key({ sustainedMs: 60_000 }),
      key({ graphOptimizationLevel: 'disabled' }),
      key({ runner: 'trtexec' }),
      key({ executionProvider: 'xnnpack' }),
      key({ intraOpThreads: 2 }),
      key({ batchSize: 4 }),
      key({ mode: 'throughput' }),
      key({ mode: 'accuracy' }),
      key({ mode: 'accuracy', maxSamples: 10 }),
      'not a key',
    ]);
  });
});

describe('median', () => {
  it('skips unknown figures instead of counting them as 0', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, null, 1, undefined, 3, NaN, Infinity])).toBe(3);
    expect(median([null, undefined])).toBeNull();
    expect(median([])).toBeNull();
    expect(median(new Float64Array([3, 1, 2]))).toBe(2);
  });
});
