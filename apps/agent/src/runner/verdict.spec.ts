import { spawn, type ChildProcess } from 'node:child_process';
import { BenchmarkSettingsSchema } from '@fleetbench/protocol';
import { OnnxRunner } from './onnx-runner';
import {
  accuracyInconsistentRule,
  busyRule,
  degenerateOutputRule,
  highVarianceRule,
  throttledRule,
  tooFewSamplesRule,
  verdictOf,
  type VerdictInputs,
} from './verdict';
import { sharedPath } from '../../../../test/support/shared-data';

const MNIST = sharedPath('models/mnist.onnx');

/** A clean run: every rule passes. Each test changes one measured input to provoke one rule. */
const clean: VerdictInputs = {
  samples: 1000,
  minSamples: 100,
  unreliable: [],
  maxDurationMs: 60_000,
  otherProcessesCpuPercent: 2,
  cpuFrequencyMHz: { before: 2600, after: 2590 },
  thermalTripCrossed: false,
  temperatureC: { before: 50, after: 55 },
  perSecondMedianCv: 0.02,
};

describe('verdict rules (pure)', () => {
  it('a clean run is valid', () => {
    expect(verdictOf(clean)).toEqual({ status: 'valid', reasons: [] });
  });

  it('busy: other processes above 10 % of one core on average', () => {
    expect(busyRule({ ...clean, otherProcessesCpuPercent: 10 })).toBeNull();
    const r = busyRule({ ...clean, otherProcessesCpuPercent: 10.5 });
    expect(r?.code).toBe('busy');
    expect(r?.detail).toMatch(/10\.5 % of one core/);
    expect(busyRule({ ...clean, otherProcessesCpuPercent: null })).toBeNull();
  });

  it('throttled: frequency more than 10 % below its start value, or a thermal trip point crossed', () => {
    expect(throttledRule({ ...clean, cpuFrequencyMHz: { before: 2000, after: 1800 } })).toBeNull();
    expect(throttledRule({ ...clean, cpuFrequencyMHz: { before: 2000, after: 1799 } })?.code).toBe('throttled');
    expect(throttledRule({ ...clean, cpuFrequencyMHz: { before: null, after: 500 } })).toBeNull();
    const trip = throttledRule({ ...clean, thermalTripCrossed: true, temperatureC: { before: 70, after: 96 } });
    expect(trip?.code).toBe('throttled');
    expect(trip?.detail).toMatch(/trip point.*96/);
  });

  it('sustained runs report throttling and drift in their series instead of a throttled / high-variance flag', () => {
    const drifting = { ...clean, cpuFrequencyMHz: { before: 2000, after: 1200 }, perSecondMedianCv: 0.4 };
    expect(verdictOf(drifting).reasons.map((r) => r.code)).toEqual(['throttled', 'high-variance']);
    expect(verdictOf({ ...drifting, sustained: true })).toEqual({ status: 'valid', reasons: [] });
  });

  it('accuracy-inconsistent: top-5 below top-1 (an impossible pair)', () => {
    const acc = { top1: 0.5, top5: 0.8, samples: 100, constantScoreImages: 0, identicalOutputs: false };
    expect(accuracyInconsistentRule({ ...clean, accuracy: acc })).toBeNull();
    expect(accuracyInconsistentRule({ ...clean, accuracy: { ...acc, top5: 0.4 } })?.detail).toMatch(
      /top-5 \(40\.0 %\) is below top-1 \(50\.0 %\)/,
    );
  });

  it('degenerate-output: an image with every class scored alike, or the same scores for every image', () => {
    const acc = { top1: 0.001, top5: 1, samples: 1000, constantScoreImages: 0, identicalOutputs: false };
    expect(degenerateOutputRule({ ...clean, accuracy: acc })).toBeNull();
    expect(degenerateOutputRule({ ...clean, accuracy: { ...acc, constantScoreImages: 3 } })?.detail).toBe(
      '3 of 1000 images got the same score for every class',
    );
    const same = verdictOf({ ...clean, accuracy: { ...acc, identicalOutputs: true } });
    expect(same.status).toBe('flagged');
    expect(same.reasons[0].detail).toBe('all 1000 images got exactly the same scores');
  });

  it('high-variance: CV of per-second medians above 10 %', () => {
    expect(highVarianceRule({ ...clean, perSecondMedianCv: 0.1 })).toBeNull();
    expect(highVarianceRule({ ...clean, perSecondMedianCv: 0.25 })?.detail).toMatch(/25\.0 %/);
    expect(highVarianceRule({ ...clean, perSecondMedianCv: null })).toBeNull();
  });

  it('too-few-samples: below minIterations, below the dataset size, or too few for p50/p90', () => {
    expect(tooFewSamplesRule({ ...clean, samples: 99 })?.detail).toMatch(/99 of the required 100/);
    expect(tooFewSamplesRule({ ...clean, accuracySamples: { evaluated: 10, expected: 1000 } })?.code).toBe(
      'too-few-samples',
    );
    expect(
      tooFewSamplesRule({ ...clean, samples: 50, minSamples: 10, unreliable: ['p90', 'p95', 'p99'] })?.detail,
    ).toMatch(/p90 \(needs 100\)/);
    expect(tooFewSamplesRule({ ...clean, unreliable: ['p99'] })).toBeNull();
  });

  it('reports every failing rule at once', () => {
    const v = verdictOf({
      ...clean,
      samples: 5,
      otherProcessesCpuPercent: 80,
      thermalTripCrossed: true,
      perSecondMedianCv: 0.5,
    });
    expect(v.status).toBe('flagged');
    expect(v.reasons.map((r) => r.code)).toEqual(['too-few-samples', 'busy', 'throttled', 'high-variance']);
  });
});

describe('busy rule on a real run', () => {
  let burner: ChildProcess | null = null;
  afterEach(() => {
    burner?.kill('SIGKILL');
    burner = null;
  });

  it('flags a run while a child process burns a core', async () => {
    burner = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    const out = await new OnnxRunner().run({
      modelPath: MNIST,
      modelSha256: 'a'.repeat(64),
      settings: BenchmarkSettingsSchema.parse({
        intraOpThreads: 1,
        warmupIterations: 5,
        minIterations: 100,
        minDurationMs: 1200,
      }),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    // The burner alone is ~100 % of one core; allow for it being descheduled now and then.
    expect(out.environment.otherProcessesCpuPercent).toBeGreaterThan(50);
    expect(out.verdict.reasons.map((r) => r.code)).toContain('busy');
  }, 20_000);
});
