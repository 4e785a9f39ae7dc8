import { analyseModelIo } from '@fleetbench/protocol';
import { describeInput, describePreset, describeScoredOutput } from './model-io';

describe('model input/output facts for the models page', () => {
  const tf = analyseModelIo(
    [{ name: 'input', dtype: 'uint8', shape: [1, 128, 128, 3] }],
    [{ name: 'MobilenetV1/Predictions/Reshape_1', dtype: 'uint8', shape: [1, 1001] }],
  );
  const caffe = analyseModelIo(
    [{ name: 'data_0', dtype: 'float16', shape: ['N', 3, 224, 224] }],
    [
      { name: 'features', dtype: 'float16', shape: ['N', 512, 13, 13] },
      { name: 'softmaxout_1', dtype: 'float16', shape: ['N', 1000, 1, 1] },
    ],
  );

  it('describes the input and the scored output as read from the model', () => {
    expect(describeInput(tf)).toBe('uint8 NHWC 3×128×128');
    expect(describeScoredOutput(tf)).toBe(
      'MobilenetV1/Predictions/Reshape_1 [1,1001] · 1001 classes on axis 1 · label offset 1',
    );
    expect(describeInput(caffe)).toBe('float16 NCHW 3×224×224');
    expect(describeScoredOutput(caffe)).toBe('softmaxout_1 [N,1000,1,1] · 1000 classes on axis 1 · 1st of 2 outputs');
    expect(describeInput(null)).toBe('—');
  });

  it('shows the stored preset, else the proposal marked as such', () => {
    expect(describePreset({ preprocessing: { preset: 'caffe' }, ioFacts: tf })).toEqual({
      text: 'caffe',
      proposed: false,
    });
    expect(describePreset({ preprocessing: null, ioFacts: tf })).toEqual({
      text: 'tf-uint8 (proposed)',
      proposed: true,
    });
    expect(describePreset({ preprocessing: { crop: 224 }, ioFacts: caffe }).text).toBe('custom spec');
  });
});
