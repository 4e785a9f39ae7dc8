import { reproduceCommand, shellQuote } from './reproduce';
import { BenchmarkSettingsSchema } from './settings';

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
