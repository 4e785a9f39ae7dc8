import { performance } from 'node:perf_hooks';
import { matMulModel } from './tiny-models';
import { loadOrt } from './ort';

export interface PeakGemmResult {
  /** Best GFLOP/s over the timed runs. */
  gflops: number;
  n: number;
  runs: number;
  threads: number;
}

/**
 * The device's practical float32 peak: a square MatMul through onnxruntime (the same kernels and threads the
 * benchmarks use), repeated for `durationMs`; the best run counts, as a peak should.
 */
export async function measurePeakGflops(
  opts: { n?: number; durationMs?: number; threads?: number } = {},
): Promise<PeakGemmResult> {
  const ort = loadOrt();
  const n = opts.n ?? 512;
  const threads = opts.threads ?? 0;
  const session = await ort.InferenceSession.create(matMulModel(n, n), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
  });
  try {
    const a = new Float32Array(n * n).map((_, i) => ((i % 97) - 48) / 97);
    const feeds = { A: new ort.Tensor('float32', a, [n, n]) };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const flops = 2 * n * n * n;
    const deadline = performance.now() + (opts.durationMs ?? 1000);
    let best = Infinity;
    let runs = 0;
    do {
      const t0 = performance.now();
      await session.run(feeds);
      best = Math.min(best, performance.now() - t0);
      runs++;
    } while (performance.now() < deadline || runs < 5);
    return { gflops: Math.round(flops / (best / 1000) / 1e7) / 100, n, runs, threads };
  } finally {
    await session.release();
  }
}
