import { BenchmarkSettingsSchema } from '@fleetbench/protocol';
import { bucketize, reproduceCommand, shellQuote } from './result-maths';

describe('bucketize', () => {
  it('spreads values over equal-width ms buckets and keeps the total count', () => {
    const b = bucketize(
      [
        { valueUs: 1000, count: 3 },
        { valueUs: 1500, count: 1 },
        { valueUs: 3000, count: 2 },
      ],
      4,
    );
    expect(b).toHaveLength(3);
    expect(b[0]).toEqual({ fromMs: 1, toMs: expect.closeTo(1.6667, 3), count: 4 });
    expect(b.reduce((a, x) => a + x.count, 0)).toBe(6);
    expect(b[2]!.count).toBe(2);
  });

  it('handles one value and no values', () => {
    expect(bucketize([{ valueUs: 2000, count: 5 }])).toEqual([{ fromMs: 2, toMs: 2, count: 5 }]);
    expect(bucketize([])).toEqual([]);
  });
});

describe('reproduceCommand', () => {
  it('repeats a sustained run with its length and interval', () => {
    const cmd = reproduceCommand({
      hubUrl: 'http://hub:4000',
      modelSha256: 'a'.repeat(64),
      modelName: 'm',
      settings: BenchmarkSettingsSchema.parse({ sustainedMs: 600_000, sustainedIntervalMs: 5000 }),
    });
    expect(cmd).toContain('--sustained 600s');
    expect(cmd).toContain('--sustained-interval 5s');
  });

  it('downloads the exact artifact and runs fleetbench-agent bench with the same settings', () => {
    const settings = BenchmarkSettingsSchema.parse({
      batchSize: 4,
      intraOpThreads: 2,
      minIterations: 50,
      minDurationMs: 2000,
      warmupIterations: 5,
    });
    const cmd = reproduceCommand({
      hubUrl: 'http://hub:4000/',
      modelSha256: 'a'.repeat(64),
      modelName: 'ResNet50 vd',
      settings,
    });
    expect(cmd).toContain(`-o ResNet50_vd.onnx http://hub:4000/api/v1/artifacts/${'a'.repeat(64)}`);
    expect(cmd).toMatch(/fleetbench-agent bench \\\n {2}--model ResNet50_vd\.onnx/);
    for (const f of [
      '--iterations 50',
      '--warmup 5',
      '--threads 2',
      '--duration 2',
      '--batch 4',
      '--provider cpu',
      '--json',
    ])
      expect(cmd).toContain(f);
    expect(cmd).not.toMatch(/--mode /);
    expect(cmd).not.toMatch(/--preprocess/);
  });

  it('accuracy results: the preset and output the agent scored', () => {
    const cmd = reproduceCommand({
      hubUrl: 'http://hub:4000',
      modelSha256: 'a'.repeat(64),
      modelName: 'mobilenet',
      settings: BenchmarkSettingsSchema.parse({ mode: 'accuracy' }),
      scoring: { preset: 'tf-uint8', output: 'MobilenetV1/Predictions/Reshape_1' },
    });
    for (const f of [
      '--mode accuracy',
      '--dataset DATASET_DIR',
      '--preprocess tf-uint8',
      '--output MobilenetV1/Predictions/Reshape_1',
    ])
      expect(cmd).toContain(f);
  });

  it('quotes shell arguments', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('cpu')).toBe('cpu');
  });
});

describe('bucketize with a heavy tail', () => {
  it('caps the cut at p50 + tailFactor × (p90 − p50) so the bulk gets most bars', () => {
    const values = [
      ...Array.from({ length: 90 }, (_, i) => ({ valueUs: 30 + (i % 10), count: 10 })), // 0.030–0.039 ms
      ...Array.from({ length: 9 }, (_, i) => ({ valueUs: 100 + i * 200, count: 10 })), // a long tail to 1.7 ms
      { valueUs: 24_000, count: 1 },
    ];
    const b = bucketize(values, 20, { trimPercentile: 99, tailFactor: 4 });
    expect(b.at(-1)!.overflow).toBe(true);
    expect(b.at(-1)!.fromMs).toBeLessThan(0.2);
    expect(b.slice(0, -1).filter((x) => x.count > 0).length).toBeGreaterThanOrEqual(6);
    expect(b.reduce((a, x) => a + x.count, 0)).toBe(991);
  });
});
