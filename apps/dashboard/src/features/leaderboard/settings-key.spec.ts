import { BenchmarkSettingsSchema, formatComparabilityKey, type BenchmarkSettingsInput } from '@fleetbench/protocol';
import { describeSettingsKey } from './settings-key';

const key = (s: BenchmarkSettingsInput) => formatComparabilityKey(BenchmarkSettingsSchema.parse(s));

describe('describeSettingsKey', () => {
  it('words the keys the protocol produces', () => {
    expect(describeSettingsKey(key({}))).toBe('Latency · batch 1 · default threads · cpu · burst');
    expect(describeSettingsKey(key({ mode: 'throughput', batchSize: 32, intraOpThreads: 1 }))).toBe(
      'Throughput · batch 32 · 1 thread · cpu · burst',
    );
    expect(describeSettingsKey(key({ intraOpThreads: 4, interOpThreads: 2, executionProvider: 'cuda' }))).toBe(
      'Latency · batch 1 · 4 threads (2 inter-op) · cuda · burst',
    );
  });

  it('names what sets a key apart from the default: runner, optimisation level, sample limit', () => {
    expect(describeSettingsKey(key({ runner: 'trtexec', executionProvider: 'tensorrt' }))).toBe(
      'Latency · batch 1 · default threads · tensorrt · trtexec · burst',
    );
    expect(describeSettingsKey(key({ graphOptimizationLevel: 'disabled' }))).toBe(
      'Latency · batch 1 · default threads · cpu · no graph optimisation · burst',
    );
    expect(describeSettingsKey(key({ mode: 'accuracy', maxSamples: 500 }))).toBe(
      'Accuracy · batch 1 · default threads · cpu · 500 samples',
    );
  });

  it('labels burst and sustained runs so their figures are never read as the same kind', () => {
    expect(describeSettingsKey(key({ sustainedMs: 600_000 }))).toBe(
      'Latency · batch 1 · default threads · cpu · sustained 10 min',
    );
    expect(describeSettingsKey(key({ mode: 'throughput', sustainedMs: 90_000 }))).toMatch(/· sustained 90 s$/);
  });

  it('returns text that is no key unchanged', () => {
    expect(describeSettingsKey('published/t4-fp16')).toBe('published/t4-fp16');
    expect(describeSettingsKey('latency/bs1/t0x0/cpu')).toBe('latency/bs1/t0x0/cpu');
  });
});
