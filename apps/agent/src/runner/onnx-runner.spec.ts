import * as hdr from 'hdr-histogram-js';
import { BenchmarkSettingsSchema, ResultMetricsSchema, type BenchmarkSettingsInput } from '@fleetbench/protocol';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { energyProbes } from '../probe/energy/energy';
import { AgentError } from '../util/errors';
import { OnnxRunner } from './onnx-runner';
import { chooseScoredOutput, rankOf, topK } from './scoring';
import { sharedPath } from '../../../../test/support/shared-data';

const MNIST = sharedPath('models/mnist.onnx');
const SHA = 'bd5891fdd7987910bfc3d8fc9a697a88e48309e26e529faa87931fba52904fe8';

const run = (input: BenchmarkSettingsInput, signal = new AbortController().signal, onProgress = jest.fn()) =>
  new OnnxRunner({ environment: null }).run({
    modelPath: MNIST,
    modelSha256: SHA,
    settings: BenchmarkSettingsSchema.parse(input),
    signal,
    onProgress,
  });

describe('OnnxRunner with the real mnist.onnx', () => {
  it('measures ~50 iterations with ordered percentiles and a decodable histogram', async () => {
    const onProgress = jest.fn();
    const out = await run(
      { minIterations: 50, minDurationMs: 0, warmupIterations: 5, intraOpThreads: 1 },
      undefined,
      onProgress,
    );
    const l = out.metrics.latencyMs;
    expect(l.count).toBeGreaterThanOrEqual(50);
    expect(out.metrics.iterations).toBe(l.count);
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.min).toBeLessThanOrEqual(l.p50);
    expect(l.unreliable).toEqual(expect.arrayContaining(['p90', 'p99']));
    expect(out.metrics.coldStart.sessionCreateMs).toBeGreaterThan(0);
    expect(out.metrics.coldStart.firstInferenceMs).toBeGreaterThan(0);
    expect(out.metrics.throughputIps).toBeGreaterThan(0);
    expect(out.metrics.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(() => ResultMetricsSchema.parse(out.metrics)).not.toThrow();
    expect(out.environment.modelSha256).toBe(SHA);
    expect(out.environment.onnxruntimeVersion).toBe('1.30.0');
    expect(out.verdict.reasons.map((r) => r.code)).toContain('too-few-samples');
    const h = hdr.decodeFromCompressedBase64(out.histogram!);
    expect(h.totalCount).toBe(l.count);
    expect(onProgress).toHaveBeenCalledWith(1, 'measure');
  });

  it('keeps running until minDurationMs is met, capped by maxDurationMs', async () => {
    const out = await run({ minIterations: 1, minDurationMs: 150, maxDurationMs: 5000, warmupIterations: 0 });
    expect(out.metrics.iterations).toBeGreaterThan(1);
    const capped = await run({ minIterations: 10_000_000, minDurationMs: 0, maxDurationMs: 100, warmupIterations: 0 });
    expect(capped.metrics.iterations).toBeLessThan(10_000_000);
    expect(capped.verdict.status).toBe('flagged');
    expect(capped.verdict.reasons[0].code).toBe('too-few-samples');
  });

  it('a sustained run measures for its length, records intervals with the machine readings, and is not flagged for drift', async () => {
    let t = 0;
    const out = await new OnnxRunner({
      environment: null,
      machineSampler: () => ({ cpuFrequencyMHz: 2000, temperatureC: 40 + t++ }),
    }).run({
      modelPath: MNIST,
      modelSha256: SHA,
      settings: BenchmarkSettingsSchema.parse({
        sustainedMs: 1200,
        sustainedIntervalMs: 300,
        minIterations: 10_000_000,
        maxDurationMs: 100,
        warmupIterations: 2,
      }),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    const su = out.metrics.sustained!;
    expect(ResultMetricsSchema.parse(out.metrics).sustained).toEqual(su);
    expect(su.intervals).toHaveLength(4);
    expect(su.intervals.map((i) => i.temperatureC)).toEqual([40, 41, 42, 43]);
    expect(su.intervals.reduce((n, i) => n + i.iterations, 0)).toBe(out.metrics.iterations);
    expect(su.durationS).toBeGreaterThanOrEqual(1.2);
    expect(su.burstIps).toBe(su.intervals[0].throughputIps);
    expect(su.sustainedRatio).toBeGreaterThan(0);
    // minIterations and maxDurationMs do not apply: the run lasted its 1.2 s, and no too-few-samples flag.
    expect(out.verdict.reasons.map((r) => r.code)).not.toContain('too-few-samples');
    const plain = await run({ minIterations: 5, minDurationMs: 0, warmupIterations: 0 });
    expect(plain.metrics.sustained).toBeUndefined();
  });

  it('measures the energy of the timed loop from the first source that opens, per inference', async () => {
    const sys = mkdtempSync(path.join(tmpdir(), 'fb-sys-'));
    try {
      const hwmon = path.join(sys, 'class/hwmon/hwmon0');
      mkdirSync(hwmon, { recursive: true });
      writeFileSync(path.join(hwmon, 'name'), 'acpi_power_meter\n');
      writeFileSync(path.join(hwmon, 'power1_input'), '12000000\n'); // 12 W
      const out = await new OnnxRunner({ environment: null, energy: (p) => energyProbes(p, { sysRoot: sys }) }).run({
        modelPath: MNIST,
        modelSha256: SHA,
        settings: BenchmarkSettingsSchema.parse({ minIterations: 20, minDurationMs: 300, warmupIterations: 0 }),
        signal: new AbortController().signal,
        onProgress: () => {},
      });
      const e = ResultMetricsSchema.parse(out.metrics).energy!;
      if (e.status !== 'measured') throw new Error(JSON.stringify(e));
      expect(e.source).toBe('hwmon-power');
      expect(e.averageWatts).toBeCloseTo(12, 1);
      expect(e.seconds).toBeGreaterThanOrEqual(0.25);
      expect(e.joulesPerInference).toBeCloseTo(e.joules / out.metrics.iterations, 5);
    } finally {
      rmSync(sys, { recursive: true, force: true });
    }
    // Where no source measures (this machine's /sys, read as is), the result says why for each.
    const plain = await run({ minIterations: 5, minDurationMs: 0, warmupIterations: 0 });
    expect(plain.metrics.energy).toBeDefined();
  });

  it('refuses the cuda provider with a clear provider-unavailable error naming the available ones', async () => {
    const err = await run({ executionProvider: 'cuda' }).catch((e) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('provider-unavailable');
    expect(err.message).toMatch(/"cuda"/);
    expect(err.message).toMatch(/available providers: .*cpu/);
    // Not verifiable on these machines (no GPU): the path stops here, naming what is missing.
    expect(err.message).toMatch(/libonnxruntime_providers_cuda\.so is not installed/);
    expect(err.message).toMatch(/missing system libraries: .*libcudart\.so\.12/);
    const trt = await run({ executionProvider: 'tensorrt' }).catch((e) => e);
    expect(trt.code).toBe('provider-unavailable');
    expect(trt.message).toMatch(/libnvinfer\.so\.10/);
  });

  it('refuses an unknown provider', async () => {
    const err = await run({ executionProvider: 'warp-drive' }).catch((e) => e);
    expect(err.code).toBe('provider-unavailable');
  });

  it('refuses a batch size the model cannot take and accuracy mode', async () => {
    expect((await run({ batchSize: 4 }).catch((e) => e)).code).toBe('unsupported-input');
    expect((await run({ mode: 'accuracy' }).catch((e) => e)).code).toBe('unsupported-mode');
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    const reason = new AgentError('timeout', 'too slow');
    setTimeout(() => ac.abort(reason), 50);
    const err = await run(
      { minIterations: 10_000_000, minDurationMs: 60_000, maxDurationMs: 60_000, warmupIterations: 0 },
      ac.signal,
    ).catch((e) => e);
    expect(err).toBe(reason);
  });
});

describe('OnnxRunner measurements', () => {
  const MOBILENET = sharedPath('models/mobilenetv2-12-int8.onnx');

  it('throughput mode sweeps batch sizes and reports images/s for each, GFLOP/s and its share of the peak', async () => {
    const out = await new OnnxRunner({ environment: null, peakGflops: 100 }).run({
      modelPath: MOBILENET,
      modelSha256: SHA,
      settings: BenchmarkSettingsSchema.parse({
        mode: 'throughput',
        batchSizes: [1, 2],
        minIterations: 4,
        minDurationMs: 0,
        warmupIterations: 1,
      }),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    const sweep = out.metrics.throughputByBatch!;
    expect(sweep.map((b) => b.batchSize)).toEqual([1, 2]);
    for (const b of sweep) {
      expect(b.iterations).toBeGreaterThanOrEqual(4);
      expect(b.throughputIps).toBeGreaterThan(0);
    }
    expect(out.metrics.throughputIps).toBeCloseTo(sweep[1].throughputIps, 6);
    expect(out.metrics.gflops).toBeGreaterThan(0);
    expect(out.metrics.gflops! / out.metrics.throughputIps).toBeCloseTo(0.6, 1);
    expect(out.metrics.peakShare).toBeCloseTo(out.metrics.gflops! / 100, 3);
    expect(hdr.decodeFromCompressedBase64(out.histogram!).totalCount).toBe(sweep[1].iterations);
  }, 30_000);

  it('uses the job’s FLOPs over the graph count, warms up for a duration, and reads the environment', async () => {
    const started = Date.now();
    const out = await new OnnxRunner().run({
      modelPath: MNIST,
      modelSha256: SHA,
      flops: 1e9,
      settings: BenchmarkSettingsSchema.parse({
        minIterations: 20,
        minDurationMs: 0,
        warmupIterations: 0,
        warmupDurationMs: 300,
      }),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(out.metrics.gflops! / out.metrics.throughputIps).toBeCloseTo(1, 3);
    expect(out.environment.runner).toBe('onnxruntime-node');
    expect(out.environment.nodeVersion).toBe(process.versions.node);
    if (process.platform === 'linux') {
      expect(out.environment.otherProcessesCpuPercent).not.toBeNull();
      expect(out.environment.cpuFrequencyMHz.before).toBeGreaterThan(0);
    }
    expect(out.metrics.coldStart.sessionCreateMs).toBeGreaterThan(0);
  });
});

describe('rankOf', () => {
  it('ranks ties as a stable descending sort does: an equal score with a lower class index ranks ahead', () => {
    const scores = [1, 3, 3, 2, 3];
    expect(rankOf(scores, 0, 5, 1)).toBe(0);
    expect(rankOf(scores, 0, 5, 2)).toBe(1);
    expect(rankOf(scores, 0, 5, 4)).toBe(2);
    expect(rankOf(scores, 0, 5, 3)).toBe(3);
    expect(topK(scores, 0, 5, 5)).toEqual([1, 2, 4, 3, 0]);
    expect(topK(scores, 0, 5, 2)).toEqual([1, 2]);
  });

  it('a label outside the classes is an error (it used to rank as "classes", inside top-5 for < 5 classes)', () => {
    // [N,1000,1,1] read with the last axis as classes: 1 class, every label out of range.
    expect(() => rankOf([0.3], 0, 1, 7)).toThrow(/Label 7 is outside the model's 1 classes/);
    expect(() => rankOf([1, 2, 3], 0, 3, -1)).toThrow(/outside/);
  });
});

describe('chooseScoredOutput', () => {
  const f32 = (...dims: number[]) => ({ dims, type: 'float32' as const });
  it('finds the class axis of [N,C], [N,C,1,1], [N,1,C] and [C]; offset 1 for one class more', () => {
    for (const [dims, axis] of [
      [[1, 1000], 1],
      [[1, 1000, 1, 1], 1],
      [[1, 1, 1000], 2],
      [[1000], 0],
    ] as const) {
      const r = chooseScoredOutput({ outputNames: ['y'] }, { y: f32(...dims) }, 1, 1000, undefined);
      expect(r).toMatchObject({ output: 'y', classAxis: axis, classes: 1000, labelOffset: 0 });
    }
    const bg = chooseScoredOutput({ outputNames: ['y'] }, { y: f32(4, 1001) }, 4, 1000, undefined);
    expect(bg).toMatchObject({ classes: 1001, labelOffset: 1 });
  });

  it('refuses shapes without one class axis, a batch axis that is not the batch, and a class count off the labels', () => {
    const pick =
      (dims: number[], batch = 1, labels = 1000) =>
      () =>
        chooseScoredOutput({ outputNames: ['y'] }, { y: f32(...dims) }, batch, labels, undefined);
    expect(pick([1, 10, 10])).toThrow(/no output has 1000 or 1001 classes on a single axis.*y float32 \[1,10,10\]/);
    expect(pick([1, 1000], 4)).toThrow(/for a batch of 4; its first axis must be the batch/);
    expect(pick([1, 1000], 1, 10)).toThrow(/\[1,1000\]: 1000 classes on axis 1, but the dataset has 10 labels/);
  });
});
