import * as hdr from 'hdr-histogram-js';
import { hardware, resultMessage } from '../test-support/fixtures';
import { estimateOf, fingerprintOf, latencySampleByLibrary, latencySampleOf } from './series-point';

describe('latencySampleOf', () => {
  it('gives the same ranked values as hdr-histogram-js on random histograms (and falls back to it off limits)', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    for (let trial = 0; trial < 100; trial++) {
      const digits = 2 + (trial % 3);
      const highest = [3_600_000_000, 2 ** 20, 10_000, 2 ** 43][trial % 4]!;
      const h = hdr.build({
        // Every 10th: a resolution ingest does not take (lowest 10 µs); the library reads it.
        lowestDiscernibleValue: trial % 10 === 9 ? 10 : 1,
        highestTrackableValue: highest,
        numberOfSignificantValueDigits: digits as 2 | 3 | 4,
      });
      const n = 1 + Math.floor(random() * 2000);
      for (let i = 0; i < n; i++)
        h.recordValue(Math.min(highest, Math.floor(Math.exp(random() * Math.log(highest + 1)) - 1)));
      if (trial % 7 === 0) h.recordValueWithCount(Math.floor(random() * highest), 1 + Math.floor(random() * 1e6));
      const encoded = hdr.encodeIntoCompressedBase64(h);
      const mine = latencySampleOf(encoded)!;
      const ref = latencySampleByLibrary(encoded)!;
      expect(mine.count).toBe(ref.count);
      for (let r = 0; r <= ref.count + 1; r += Math.max(1, Math.floor(ref.count / 97)))
        expect(mine.valueAtRank(r)).toBe(ref.valueAtRank(r));
      for (const q of [0.5, 0.9, 0.99])
        expect(mine.valueAtRank(Math.ceil(q * ref.count))).toBe(ref.valueAtRank(Math.ceil(q * ref.count)));
    }
    expect(latencySampleByLibrary('not a histogram')).toBeNull();
  });

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
