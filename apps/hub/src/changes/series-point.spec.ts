import * as hdr from 'hdr-histogram-js';
import { hardware, resultMessage } from '../test-support/fixtures';
import { estimateOf, fingerprintOf, latencySampleOf } from './series-point';

describe('latencySampleOf', () => {
  it('reads the HDR histogram in ms (to its 1-in-1000 resolution), and gives null for none or garbage', () => {
    const h = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: 3,
    });
    for (const us of [1000, 2000, 2000, 3000]) h.recordValue(us);
    const s = latencySampleOf(hdr.encodeIntoCompressedBase64(h))!;
    expect(s.count).toBe(4);
    [1, 2, 2, 3].forEach((ms, i) => {
      expect(Math.abs(s.valueAtRank(i + 1) - ms)).toBeLessThanOrEqual(ms / 1000);
    });
    expect(latencySampleOf(null)).toBeNull();
    expect(latencySampleOf('not a histogram')).toBeNull();
  });
});

describe('estimateOf', () => {
  it('without a histogram widens the agent’s 95 % p50 interval to the watch’s confidence', () => {
    const msg = resultMessage('j1', { p50: 10 });
    msg.metrics.latencyMs.p50Ci95 = [9.8, 10.2];
    const { metric, estimate } = estimateOf({ mode: 'latency', ...msg });
    expect(metric).toBe('p50Ms');
    expect(estimate.value).toBe(10);
    expect(estimate.low!).toBeCloseTo(10 - 0.2 * (3.2905 / 1.96), 3);
    expect(estimate.high!).toBeCloseTo(10 + 0.2 * (3.2905 / 1.96), 3);
  });

  it('gives no interval when neither a histogram nor a p50 interval was sent (nothing to compare with)', () => {
    const msg = resultMessage('j1', { p50: 10 });
    expect(estimateOf({ mode: 'latency', ...msg }).estimate).toEqual({ value: 10, low: null, high: null });
  });

  it('follows throughput for throughput runs and top-1 over the scored images for accuracy runs', () => {
    const msg = resultMessage('j1', { p50: 10, throughput: 100 });
    expect(estimateOf({ mode: 'throughput', ...msg })).toMatchObject({
      metric: 'throughputIps',
      estimate: { value: 100 },
    });
    msg.metrics.top1 = 0.7;
    msg.metrics.accuracySamples = 1000;
    const acc = estimateOf({ mode: 'accuracy', ...msg });
    expect(acc.metric).toBe('top1');
    expect(acc.estimate.low!).toBeLessThan(0.7);
    expect(acc.estimate.high!).toBeGreaterThan(0.7);
  });
});

describe('fingerprintOf', () => {
  it('takes versions from the result and OS and kernel from the device', () => {
    const msg = resultMessage('j1');
    msg.environment.runner = 'trtexec';
    msg.environment.runnerVersion = '10.3';
    expect(fingerprintOf(msg.environment, hardware())).toEqual({
      agent: '0.1.0',
      onnxruntime: '1.30.0',
      node: '20',
      runner: 'trtexec 10.3',
      model: 'a'.repeat(64),
      dataset: null,
      os: 'debian 12',
      kernel: '6.1',
    });
    expect(fingerprintOf(msg.environment, null)).not.toHaveProperty('kernel');
  });
});
