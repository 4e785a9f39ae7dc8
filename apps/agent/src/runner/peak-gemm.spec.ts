import { measurePeakGflops } from './peak-gemm';

it('measures a GEMM peak through onnxruntime', async () => {
  const r = await measurePeakGflops({ n: 256, durationMs: 150 });
  expect(r.runs).toBeGreaterThanOrEqual(5);
  // Any CPU that runs the agent does more than 0.5 GFLOP/s on a 256³ float GEMM.
  expect(r.gflops).toBeGreaterThan(0.5);
});
