import { describeEnergy, describeSustained } from './sustained-words';

const summary = {
  durationS: 600.2,
  intervalS: 10,
  burstIps: 120,
  sustainedIps: 104.4,
  sustainedRatio: 0.87,
  throttleThreshold: 0.9,
  throttledAtS: 240,
  intervals: [],
};

it('describes a sustained run: ratio to burst, throttling onset, length', () => {
  expect(describeSustained(summary)).toMatch(
    /^87\.0 % of burst \(104(\.4)? of 120 img\/s\); throttling from 240 s · 600 s/,
  );
  expect(describeSustained({ ...summary, throttledAtS: null })).toContain('no lasting drop below 90 % of burst');
});

it('describes energy, or why it is unavailable', () => {
  expect(
    describeEnergy({
      status: 'measured',
      source: 'rapl',
      scope: 'package-0',
      seconds: 10,
      joules: 32.1,
      averageWatts: 3.21,
      joulesPerInference: 0.0124,
    }),
  ).toBe('3.21 W average · 12.4 mJ per inference · 80.6 img/s per W (rapl: package-0)');
  expect(describeEnergy({ status: 'unavailable', reasons: [{ source: 'rapl', reason: 'permission denied' }] })).toBe(
    'unavailable: rapl: permission denied',
  );
});
