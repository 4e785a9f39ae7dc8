import { readFileSync } from 'node:fs';
import { buildModel, describeArchitecture } from '@fleetbench/zoo';
import { countFlops } from './flops';
import { matMulModel } from './tiny-models';
import { sharedPath } from '../../../../test/support/shared-data';

describe('countFlops', () => {
  it('mnist: two 5×5 SAME convolutions and a 256×10 MatMul', () => {
    // conv1 28·28·8·(1·25) + conv2 14·14·16·(8·25) + matmul 256·10 multiply-adds, ×2
    const expected = 2 * (28 * 28 * 8 * 25 + 14 * 14 * 16 * 200 + 256 * 10);
    expect(countFlops(readFileSync(sharedPath('models/mnist.onnx')))).toEqual({ flops: expected, counted: 3 });
  });

  it('mobilenetv2-12-int8: 52 QLinearConv + the classifier, ≈ 0.6 GFLOP (300 M multiply-adds)', () => {
    const r = countFlops(readFileSync(sharedPath('models/mobilenetv2-12-int8.onnx')))!;
    expect(r.counted).toBe(53);
    expect(r.flops / 1e9).toBeGreaterThan(0.58);
    expect(r.flops / 1e9).toBeLessThan(0.63);
  });

  it('ShuffleNetV2 (channel shuffle through Reshape/Transpose and Split) gets FLOPs', () => {
    const bytes = buildModel({ name: 'ShuffleNetV2_x0_25' }).bytes;
    expect(countFlops(bytes)?.flops).toBe(describeArchitecture('ShuffleNetV2_x0_25').flops);
  });

  it('a MatMul built in memory', () => {
    expect(countFlops(matMulModel(4, 8))).toEqual({ flops: 2 * 4 * 8 * 8, counted: 1 });
  });
});
