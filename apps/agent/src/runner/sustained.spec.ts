import { SustainedSummarySchema, type SustainedInterval } from '@fleetbench/protocol';
import { effectiveIntervalMs, IntervalRecorder, summarizeSustained } from './sustained';

const interval = (endS: number, throughputIps: number): SustainedInterval => ({
  endS,
  iterations: 10,
  p50Ms: 1000 / throughputIps,
  throughputIps,
  cpuFrequencyMHz: null,
  temperatureC: null,
});
const series = (ips: number[]) => ips.map((t, i) => interval((i + 1) * 10, t));

describe('IntervalRecorder', () => {
  it('closes an interval with the first run ending past its boundary and samples the machine then', () => {
    let mhz = 3000;
    const sample = jest.fn(() => ({ cpuFrequencyMHz: (mhz -= 100), temperatureC: 60 }));
    const rec = new IntervalRecorder(1000, 2, sample);
    // 4 runs of 250 ms in the first second, then 2 runs of 500 ms, then a 100 ms tail (under half an interval).
    [250, 500, 750, 1000].forEach((end) => rec.add(250, end));
    rec.add(500, 1500);
    rec.add(500, 2000);
    rec.add(100, 2100);
    const out = rec.finish();
    expect(out).toEqual([
      { endS: 1, iterations: 4, p50Ms: 250, throughputIps: 8, cpuFrequencyMHz: 2900, temperatureC: 60 },
      { endS: 2, iterations: 2, p50Ms: 500, throughputIps: 4, cpuFrequencyMHz: 2800, temperatureC: 60 },
    ]);
    expect(sample).toHaveBeenCalledTimes(2);
  });

  it('one run longer than several intervals makes one interval of its real length', () => {
    const rec = new IntervalRecorder(1000, 1, () => ({ cpuFrequencyMHz: null, temperatureC: null }));
    rec.add(3500, 3500);
    rec.add(400, 3900);
    const out = rec.finish();
    expect(out.map((i) => [i.endS, i.iterations, i.throughputIps])).toEqual([[3.5, 1, 0.286]]);
  });
});

describe('summarizeSustained', () => {
  it('a device that holds its speed: ratio ≈ 1 and no throttling', () => {
    const s = summarizeSustained(series([100, 99, 101, 100, 97, 98]), 60, 10)!;
    expect(s.burstIps).toBe(100);
    expect(s.sustainedIps).toBe(98); // median of 100, 97, 98 (intervals ending after 30 s)
    expect(s.sustainedRatio).toBe(0.98);
    expect(s.throttledAtS).toBeNull();
    expect(() => SustainedSummarySchema.parse(s)).not.toThrow();
  });

  it('a device that throttles after 20 s: sustained is the second half, throttling starts where the drop lasts', () => {
    const s = summarizeSustained(series([100, 97, 85, 70, 62, 60, 61, 60]), 80, 10)!;
    expect(s.sustainedIps).toBe(60.5);
    expect(s.sustainedRatio).toBe(0.605);
    expect(s.throttledAtS).toBe(20);
  });

  it('one slow interval that recovers is not throttling; a drop in the last interval is', () => {
    expect(summarizeSustained(series([100, 80, 99, 100]), 40, 10)!.throttledAtS).toBeNull();
    expect(summarizeSustained(series([100, 80, 99, 85]), 40, 10)!.throttledAtS).toBe(30);
  });

  it('no intervals, no summary', () => expect(summarizeSustained([], 5, 10)).toBeNull());
});

it('widens the interval to keep at most 1440 per run', () => {
  expect(effectiveIntervalMs(600_000)).toBe(10_000);
  expect(effectiveIntervalMs(24 * 3600_000)).toBe(60_000);
  expect(effectiveIntervalMs(60_000, 500)).toBe(500);
});
