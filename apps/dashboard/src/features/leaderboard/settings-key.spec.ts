import { settingsKey, BenchmarkSettingsSchema } from '@fleetbench/protocol';
import { compareSettingsKeys, describeSettingsKey, parseSettingsKey } from './settings-key';

describe('settings keys', () => {
  it('parses what the protocol produces', () => {
    const key = settingsKey(
      BenchmarkSettingsSchema.parse({ batchSize: 8, intraOpThreads: 4, executionProvider: 'cpu' }),
    );
    expect(parseSettingsKey(key)).toEqual({
      mode: 'latency',
      batchSize: 8,
      intraOpThreads: 4,
      interOpThreads: 0,
      executionProvider: 'cpu',
    });
  });

  it('describes keys for people', () => {
    expect(describeSettingsKey('latency/bs1/t0x0/cpu')).toBe('Latency · batch 1 · default threads · cpu');
    expect(describeSettingsKey('throughput/bs32/t1x0/cpu')).toBe('Throughput · batch 32 · 1 thread · cpu');
    expect(describeSettingsKey('latency/bs1/t4x2/cuda')).toBe('Latency · batch 1 · 4 threads (2 inter-op) · cuda');
    expect(describeSettingsKey('published/t4-fp16')).toBe('published/t4-fp16');
  });

  it('orders latency first, then by batch size numerically', () => {
    const keys = [
      'throughput/bs8/t0x0/cpu',
      'weird',
      'latency/bs16/t0x0/cpu',
      'latency/bs2/t0x0/cpu',
      'latency/bs2/t0x0/cpu',
    ];
    expect([...keys].sort(compareSettingsKeys)).toEqual([
      'latency/bs2/t0x0/cpu',
      'latency/bs2/t0x0/cpu',
      'latency/bs16/t0x0/cpu',
      'throughput/bs8/t0x0/cpu',
      'weird',
    ]);
  });
});
