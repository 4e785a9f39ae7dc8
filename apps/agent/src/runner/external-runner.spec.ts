import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BenchmarkSettingsSchema, ResultMetricsSchema } from '@fleetbench/protocol';
import { tmpDir } from '../test-support/datasets';
import { ExternalToolRunner, parsePerfTest, parseTrtexec, RunnerSelector, summaryFromTool } from './external-runner';

const fixture = (name: string) => readFileSync(path.join(__dirname, '__fixtures__', name), 'utf8');

describe('trtexec output parser (real public logs)', () => {
  it('TensorRT 8.6 performance summary', () => {
    const f = parseTrtexec(fixture('trtexec-8.6.log'));
    expect(f.toolVersion).toBe('8.6.3');
    expect(f.device).toBe('NVIDIA GeForce RTX 2080');
    expect(f.throughputQps).toBe(130.298);
    expect(f.latencyMs).toEqual({
      min: 5.38672,
      max: 13.3664,
      mean: 7.60628,
      p50: 7.16092,
      p90: 10.2996,
      p95: 10.8698,
      p99: 12.9675,
    });
    expect(f.walltimeS).toBe(3.00082);
    expect(f.iterations).toBe(391);
  });

  it('TensorRT 7 "Host Latency" block', () => {
    const f = parseTrtexec(fixture('trtexec-7.log'));
    expect(f.latencyMs).toEqual({ min: 1.64058, max: 6.2915, mean: 1.66069, p50: 1.65601, p99: 1.67065 });
    expect(f.throughputQps).toBeNull(); // it printed 0 qps
    expect(f.walltimeS).toBe(3.00461);
    const s = summaryFromTool(f);
    expect(s.unreliable).toEqual(expect.arrayContaining(['p90', 'p95']));
  });
});

describe('onnxruntime_perf_test output parser (real public logs)', () => {
  it('current output with percentiles in seconds', () => {
    const f = parsePerfTest(fixture('onnxruntime_perf_test-new.log'));
    expect(f.iterations).toBe(1000);
    expect(f.latencyMs.p50).toBeCloseTo(58.7108, 3);
    expect(f.latencyMs.p99).toBeCloseTo(61.9517, 3);
    expect(f.latencyMs.mean).toBeCloseTo(58.8053, 4);
    expect(f.throughputQps).toBeCloseTo(1000 / 58.8102, 4);
  });

  it('2020 output with session creation time', () => {
    const f = parsePerfTest(fixture('onnxruntime_perf_test-2020.log'));
    expect(f.sessionCreateMs).toBeCloseTo(1841.49, 2);
    expect(f.iterations).toBe(1);
    expect(f.latencyMs).toEqual({ mean: 734.606 });
  });
});

describe('ExternalToolRunner', () => {
  const settings = BenchmarkSettingsSchema.parse({ runner: 'trtexec', minIterations: 100 });
  const req = {
    modelPath: '/m.onnx',
    modelSha256: 'd'.repeat(64),
    settings,
    signal: new AbortController().signal,
    onProgress: () => {},
  };

  it('fails the job clearly when the tool is not installed', async () => {
    const err = await new RunnerSelector(
      { run: jest.fn() },
      { trtexec: new ExternalToolRunner('trtexec', { envPath: '/nonexistent' }) },
    )
      .run(req)
      .catch((e) => e);
    expect(err.code).toBe('runner-missing');
    expect(err.message).toMatch(/trtexec is not installed on this device/);
  });

  it('runs an installed tool and maps its figures into a result', async () => {
    const dir = tmpDir('fb-tool-');
    const bin = path.join(dir, 'trtexec');
    writeFileSync(
      bin,
      `#!/bin/sh\necho "args: $*" >&2\ncat ${path.join(__dirname, '__fixtures__', 'trtexec-8.6.log')}\n`,
    );
    chmodSync(bin, 0o755);
    const out = await new ExternalToolRunner('trtexec', { envPath: dir }).run({ ...req, flops: 1e9 });
    expect(out.metrics.latencyMs.p50).toBe(7.16092);
    expect(out.metrics.throughputIps).toBe(130.298);
    expect(out.metrics.gflops).toBeCloseTo(130.298);
    expect(out.environment.runner).toBe('trtexec');
    expect(out.environment.runnerVersion).toBe('8.6.3');
    // What the tool does not print is unknown (null), not 0, so it cannot drag a leaderboard median down.
    expect(out.metrics.peakRssBytes).toBeNull();
    expect(out.metrics.coldStart).toEqual({ sessionCreateMs: null, firstInferenceMs: null });
    expect(() => ResultMetricsSchema.parse(out.metrics)).not.toThrow();
  });

  it('reports a failing tool with the end of its output', async () => {
    const dir = tmpDir('fb-tool-');
    const bin = path.join(dir, 'onnxruntime_perf_test');
    writeFileSync(bin, '#!/bin/sh\necho "model file not found" >&2\nexit 3\n');
    chmodSync(bin, 0o755);
    const err = await new ExternalToolRunner('onnxruntime_perf_test', { envPath: dir })
      .run({ ...req, settings: { ...settings, runner: 'onnxruntime_perf_test' } })
      .catch((e) => e);
    expect(err.code).toBe('run-failed');
    expect(err.message).toMatch(/exited with code 3: model file not found/);
  });
});
