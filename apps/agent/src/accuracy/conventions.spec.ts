import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BenchmarkSettingsSchema, type PreprocessingSpec } from '@fleetbench/protocol';
import { OnnxRunner } from '../runner/onnx-runner';
import { conventionModel, type ConventionModelOptions } from '../test-support/convention-models';
import { colourDataset, tmpDir } from '../test-support/datasets';
import { sharedPath } from '../../../../test/support/shared-data';

/**
 * Conventions no shared model covers, built with the zoo's graph builder: every variant computes the same logits, so
 * the agent must give the same per-image top-5 for each (never a silent wrong figure), or a clear error.
 */
const SAMPLES = 40;
const cache = tmpDir('fb-conv-cache-');

async function run(
  model: ConventionModelOptions,
  spec: PreprocessingSpec = { preset: 'imagenet' },
  dataset?: string,
  runner: { signatureFromFileUpToBytes?: number } = {},
) {
  const modelPath = path.join(tmpDir('fb-conv-'), 'm.onnx');
  writeFileSync(modelPath, conventionModel(model));
  return new OnnxRunner({ environment: null, pixelCacheDir: cache, ...runner }).run({
    modelPath,
    modelSha256: 'd'.repeat(64),
    settings: BenchmarkSettingsSchema.parse({ mode: 'accuracy', warmupIterations: 0, maxSamples: SAMPLES }),
    preprocessing: spec,
    dataset: { path: dataset ?? sharedPath('imagenet-sample') },
    recordPredictions: true,
    signal: new AbortController().signal,
    onProgress: () => {},
  });
}

type Out = Awaited<ReturnType<typeof run>>;
const agreement = (a: Out, b: Out, k: 1 | 5) =>
  a.predictions!.filter((p, i) => p.top5.slice(0, k).join() === b.predictions![i].top5.slice(0, k).join()).length /
  a.predictions!.length;

describe('output and input conventions (zoo graph builder models, 1000 ImageNet labels)', () => {
  let base: Out;
  beforeAll(async () => {
    base = await run({ output: 'nc' });
  }, 60_000);

  it('[N,C] is the baseline: predictions vary from image to image', () => {
    expect(base.predictions).toHaveLength(SAMPLES);
    expect(new Set(base.predictions!.map((p) => p.top5[0])).size).toBeGreaterThan(1);
    expect(base.metrics.scoring).toMatchObject({ output: 'logits', classAxis: 1, classes: 1000, labelOffset: 0 });
    expect(base.verdict.reasons.map((r) => r.code)).not.toContain('degenerate-output');
  });

  it('[N,C,1,1] (Caffe) and [N,1,C]: the class axis is found, top-k as for [N,C]', async () => {
    const nc11 = await run({ output: 'nc11' }, { preset: 'imagenet' });
    expect(nc11.metrics.scoring).toMatchObject({ output: 'prob', outputShape: [1, 1000, 1, 1], classAxis: 1 });
    expect(agreement(nc11, base, 5)).toBe(1);
    expect(nc11.metrics.top1).toBe(base.metrics.top1);
    expect(nc11.metrics.top5).toBe(base.metrics.top5);
    // A model too large to parse before the session: the same facts come from the session.
    const late = await run({ output: 'nc11' }, { preset: 'imagenet' }, undefined, { signatureFromFileUpToBytes: 0 });
    expect(late.metrics.scoring).toEqual(nc11.metrics.scoring);
    expect(agreement(late, base, 5)).toBe(1);
    const n1c = await run({ output: 'n1c' });
    expect(n1c.metrics.scoring).toMatchObject({ outputShape: [1, 1, 1000], classAxis: 2 });
    expect(agreement(n1c, base, 5)).toBe(1);
  });

  it('float16 input and [N,C,1,1] float16 output (the SqueezeNet case): type read from the model', async () => {
    const half = await run({ output: 'nc11', dtype: 'float16' });
    expect(half.metrics.scoring).toMatchObject({ input: { dtype: 'float16' }, outputShape: [1, 1000, 1, 1] });
    // float16 weights and activations round the logits: near-ties may swap, the top-1 rarely.
    expect(agreement(half, base, 1)).toBeGreaterThanOrEqual(0.9);
    expect(half.metrics.top5!).toBeGreaterThanOrEqual(half.metrics.top1!);
  });

  it('several outputs: the first whose class count fits the labels, or --output NAME; a wrong one is an error', async () => {
    const three = await run({ output: 'three' });
    expect(three.metrics.scoring).toMatchObject({ output: 'probabilities', classes: 1000 });
    expect(three.metrics.scoring!.outputChoice).toMatch(/first of 3 outputs/);
    expect(agreement(three, base, 1)).toBe(1);
    const logits = await run({ output: 'three' }, { preset: 'imagenet', outputName: 'logits' });
    expect(logits.metrics.scoring).toMatchObject({ output: 'logits', outputChoice: 'chosen with --output logits' });
    expect(agreement(logits, base, 5)).toBe(1);
    const features = await run({ output: 'three' }, { preset: 'imagenet', outputName: 'features' }).catch((e) => e);
    expect(features.code).toBe('output-mismatch');
    expect(features.message).toMatch(/"features" has shape \[1,8\].*8 classes.*1000 labels/);
    const none = await run({ output: 'three' }, { preset: 'imagenet', outputName: 'nope' }).catch((e) => e);
    expect(none.message).toMatch(/no output named "nope".*features float32 \[1,8\]/);
  });

  it('1001 classes in float with NHWC input: offset 1, said in the result; tf-float normalisation', async () => {
    const nchw = await run({ output: 'nc' }, { preset: 'tf-float' });
    const tf = await run({ output: 'background', layout: 'NHWC' }, { preset: 'tf-float' });
    expect(tf.metrics.scoring).toMatchObject({
      classes: 1001,
      labelOffset: 1,
      preset: 'tf-float',
      input: { layout: 'NHWC', crop: 32, resizeShorter: 37 },
    });
    expect(tf.metrics.scoring!.labelOffsetReason).toMatch(/background/);
    expect(agreement(tf, nchw, 5)).toBe(1);
    // An explicit offset that does not fit is an error naming both shapes.
    const wrong = await run({ output: 'background' }, { preset: 'tf-float', labelOffset: 0 }).catch((e) => e);
    expect(wrong.message).toMatch(/\[1,1001\]: 1001 classes on axis 1, but the dataset has 1000 labels/);
  });

  it('a class count that does not fit the labels is an error naming both shapes, never a figure', async () => {
    const err = await run({ output: 'nc11', size: 16 }, { preset: 'imagenet' }, await colourDataset()).catch((e) => e);
    expect(err.code).toBe('output-mismatch');
    expect(err.message).toMatch(
      /"prob" has shape \[1,1000,1,1\]: 1000 classes on axis 1, but the dataset has 3 labels/,
    );
  });

  it('a crop that contradicts the model is an error; the crop follows a fixed input size', async () => {
    const err = await run({ output: 'nc' }, { preset: 'imagenet', crop: 224 }).catch((e) => e);
    expect(err.code).toBe('unsupported-input');
    expect(err.message).toMatch(/crop 224.*needs 32/);
    expect(base.metrics.scoring!.input).toMatchObject({ crop: 32, resizeShorter: 37 });
  });

  it('scores that are the same for every class are flagged (degenerate output)', async () => {
    const dead = await run({ output: 'constant' });
    expect(dead.metrics.scoring!.constantScoreImages).toBe(SAMPLES);
    expect(dead.verdict.status).toBe('flagged');
    expect(dead.verdict.reasons).toContainEqual({
      code: 'degenerate-output',
      detail: `${SAMPLES} of ${SAMPLES} images got the same score for every class`,
    });
  });
});
