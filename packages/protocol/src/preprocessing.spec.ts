import {
  analyseModelIo,
  inputFacts,
  outputFacts,
  PREPROCESSING_PRESETS,
  PreprocessingSpecSchema,
  selectOutput,
} from './preprocessing';

const t = (name: string, dtype: string, shape: Array<number | string>) => ({ name, dtype, shape });

describe('model input/output facts', () => {
  it('reads layout, channels and fixed size from an image input', () => {
    expect(inputFacts(t('x', 'float32', ['N', 3, 224, 224]))).toMatchObject({
      layout: 'NCHW',
      channels: 3,
      height: 224,
      width: 224,
    });
    expect(inputFacts(t('x', 'uint8', [1, 128, 128, 3]))).toMatchObject({ layout: 'NHWC', height: 128 });
    expect(inputFacts(t('x', 'float32', ['N', 3, 'H', 'W']))).toMatchObject({ layout: 'NCHW', height: null });
    expect(inputFacts(t('x', 'float32', [1, 1, 28, 28]))).toMatchObject({ layout: 'NCHW', channels: 1 });
    expect(inputFacts(t('x', 'float32', ['N', 'C', 'H', 'W'])).layout).toBeNull();
  });

  it('finds the class axis: the one axis after the batch that is not 1', () => {
    expect(outputFacts(t('y', 'float32', ['N', 1000]))).toMatchObject({ classAxis: 1, classes: 1000 });
    expect(outputFacts(t('y', 'float16', ['N', 1000, 1, 1]))).toMatchObject({ classAxis: 1, classes: 1000 });
    expect(outputFacts(t('y', 'uint8', [1, 1, 1001]))).toMatchObject({ classAxis: 2, classes: 1001 });
    expect(outputFacts(t('y', 'float32', ['N', 'C']))).toMatchObject({ classAxis: 1, classes: null });
    expect(outputFacts(t('y', 'float32', ['N', 7, 7, 512])).classAxis).toBeNull();
    expect(outputFacts(t('y', 'int64', ['N', 1000])).classAxis).toBeNull();
  });

  it('chooses the first output whose class count fits the labels; a name overrides', () => {
    const outs = [
      t('features', 'float32', ['N', 1280]),
      t('probs', 'float32', ['N', 1001]),
      t('logits', 'float32', ['N', 1000]),
    ].map(outputFacts);
    expect(selectOutput(outs, 1000).output?.name).toBe('probs');
    expect(selectOutput(outs, 1280).output?.name).toBe('features');
    expect(selectOutput(outs, null).output?.name).toBe('features');
    expect(selectOutput(outs, 1000, 'logits').output?.name).toBe('logits');
    expect(selectOutput(outs, 1000, 'x').why).toMatch(/no output named "x"/);
    expect(selectOutput(outs, 10).output).toBeNull();
  });

  it('proposes a preset from the signature', () => {
    const propose = (input: ReturnType<typeof t>, output: ReturnType<typeof t>) =>
      analyseModelIo([input], [output]).proposedPreset;
    expect(propose(t('x', 'float32', ['N', 3, 224, 224]), t('y', 'float32', ['N', 1000]))).toBe('imagenet');
    expect(propose(t('x', 'float16', ['N', 3, 227, 227]), t('y', 'float16', ['N', 1000, 1, 1]))).toBe('caffe');
    expect(propose(t('x', 'uint8', [1, 224, 224, 3]), t('y', 'float32', [1, 1000]))).toBe('tf-uint8');
    expect(propose(t('x', 'int8', [1, 224, 224, 3]), t('y', 'int8', [1, 1000]))).toBe('tf-uint8');
    expect(propose(t('x', 'float32', [1, 224, 224, 3]), t('y', 'float32', [1, 1001]))).toBe('tf-float');
    const facts = analyseModelIo([t('x', 'float32', ['N', 3, 224, 224])], [t('y', 'float32', ['N', 1001])]);
    expect(facts.labelOffset).toBe(1);
    expect(facts.notes.join()).toMatch(/background/);
    expect(
      analyseModelIo([t('a', 'float32', [1, 4]), t('b', 'float32', [1, 4])], [t('y', 'float32', [1, 2])]).notes[0],
    ).toMatch(/2 inputs/);
  });

  it('a spec names a known preset', () => {
    expect(PreprocessingSpecSchema.parse({ preset: 'tf-float' })).toEqual({ preset: 'tf-float' });
    const bad = PreprocessingSpecSchema.safeParse({ preset: 'tf_uint8' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/unknown preset/);
    expect(PreprocessingSpecSchema.safeParse({ preset: 'toString' }).success).toBe(false);
  });

  it('every preset says where it comes from', () => {
    for (const name of ['imagenet', 'caffe', 'tf-uint8', 'tf-float', 'paddle'])
      expect(PREPROCESSING_PRESETS[name]?.source.length).toBeGreaterThan(20);
  });
});
