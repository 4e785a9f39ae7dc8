/**
 * Structure against each family paper's architecture table: per-stage output shapes ([C, H, W] per sample) and
 * the numbers of grouped/depthwise convolutions, SE blocks and branches.
 */
import { describeArchitecture } from './index';

function shapes(name: string): Record<string, number[]> {
  return Object.fromEntries(describeArchitecture(name).stages.map((s) => [s.name, s.shape]));
}

describe('architecture structure', () => {
  it('ResNet50 (He et al. 2016, Table 1)', () => {
    expect(shapes('ResNet50')).toEqual({
      stem: [64, 56, 56],
      stage1: [256, 56, 56],
      stage2: [512, 28, 28],
      stage3: [1024, 14, 14],
      stage4: [2048, 7, 7],
    });
    // 1 stem conv + 16 blocks × 3 + 4 projection shortcuts; one fc.
    expect(describeArchitecture('ResNet50').counts).toMatchObject({
      convs: 53,
      fullyConnected: 1,
      residualAdds: 16,
      groupedConvs: 0,
    });
    expect(describeArchitecture('ResNet18').counts).toMatchObject({ convs: 20, residualAdds: 8 });
  });

  it('ResNet50_vd: three-conv stem and average-pooled shortcuts (He et al. 2019, bag of tricks)', () => {
    const d = describeArchitecture('ResNet50_vd');
    expect(d.counts.convs).toBe(55);
    expect(shapes('ResNet50_vd').stage4).toEqual([2048, 7, 7]);
    expect(describeArchitecture('ResNet200_vd').counts.residualAdds).toBe(3 + 12 + 48 + 3);
  });

  it('ResNeXt50_32x4d (Xie et al. 2017, Table 1): one 32-group 3x3 per block', () => {
    const d = describeArchitecture('ResNeXt50_32x4d');
    expect(d.counts.groupedConvs).toBe(16);
    expect(shapes('ResNeXt50_32x4d').stage4).toEqual([2048, 7, 7]);
    expect(describeArchitecture('ResNeXt101_32x8d_wsl').counts.groupedConvs).toBe(33);
  });

  it('SE-ResNeXt50 and SENet154 (Hu et al. 2018, Table 1): one SE block per residual block', () => {
    expect(describeArchitecture('SE_ResNeXt50_32x4d').counts).toMatchObject({ seBlocks: 16, groupedConvs: 16 });
    expect(describeArchitecture('SENet154_vd').counts).toMatchObject({ seBlocks: 50, groupedConvs: 50 });
    expect(describeArchitecture('SE_ResNet18_vd').counts.seBlocks).toBe(8);
  });

  it('Res2Net50_26w_4s (Gao et al. 2019): four scales per block', () => {
    const d = describeArchitecture('Res2Net50_26w_4s');
    // Each block: 1x1, three 3x3 on 26w·2^stage splits, 1x1; plus stem and 4 projection shortcuts.
    expect(d.counts.convs).toBe(1 + 16 * 5 + 4);
    expect(d.counts.branches).toBe(16 * 4 + 4 * 2);
    expect(shapes('Res2Net50_26w_4s').stage4).toEqual([2048, 7, 7]);
  });

  it('MobileNetV1 (Howard et al. 2017, Table 1): 13 depthwise-separable blocks', () => {
    expect(describeArchitecture('MobileNetV1').counts).toMatchObject({ depthwiseConvs: 13, convs: 27 });
    expect(shapes('MobileNetV1')).toMatchObject({ stem: [32, 112, 112], stage1: [64, 112, 112], stage5: [1024, 7, 7] });
    expect(shapes('MobileNetV1_x0_25').stage5).toEqual([256, 7, 7]);
  });

  it('MobileNetV2 (Sandler et al. 2018, Table 2)', () => {
    expect(describeArchitecture('MobileNetV2').counts).toMatchObject({ depthwiseConvs: 17, residualAdds: 10 });
    expect(shapes('MobileNetV2')).toEqual({
      stem: [32, 112, 112],
      group1: [16, 112, 112],
      group2: [24, 56, 56],
      group3: [32, 28, 28],
      group4: [64, 14, 14],
      group5: [96, 14, 14],
      group6: [160, 7, 7],
      group7: [320, 7, 7],
    });
  });

  it('MobileNetV3 large/small (Howard et al. 2019, Tables 1 and 2)', () => {
    expect(describeArchitecture('MobileNetV3_large_x1_0').counts).toMatchObject({ depthwiseConvs: 15, seBlocks: 8 });
    expect(describeArchitecture('MobileNetV3_small_x1_0').counts).toMatchObject({ depthwiseConvs: 11, seBlocks: 9 });
    expect(shapes('MobileNetV3_large_x1_0')).toMatchObject({ stem: [16, 112, 112], stride32: [160, 7, 7] });
    expect(shapes('MobileNetV3_small_x1_0')).toMatchObject({ stride32: [96, 7, 7] });
  });

  it('ShuffleNetV2 1x (Ma et al. 2018, Table 5)', () => {
    expect(shapes('ShuffleNetV2')).toEqual({
      stem: [24, 56, 56],
      stage2: [116, 28, 28],
      stage3: [232, 14, 14],
      stage4: [464, 7, 7],
    });
    // 16 units with two branches; downsampling units have a depthwise conv on each branch.
    expect(describeArchitecture('ShuffleNetV2').counts).toMatchObject({ depthwiseConvs: 19, branches: 32 });
  });

  it('GhostNet 1.0x (Han et al. 2020, Table 1)', () => {
    const d = describeArchitecture('GhostNet_x1_0');
    expect(d.counts.seBlocks).toBe(7);
    expect(shapes('GhostNet_x1_0')).toMatchObject({ stem: [16, 112, 112], block16: [160, 7, 7] });
  });

  it('PP-LCNet x1.0 (Cui et al. 2021, Table 1): 13 depthwise blocks, SE in the last two', () => {
    expect(describeArchitecture('PPLCNet_x1_0').counts).toMatchObject({ depthwiseConvs: 13, seBlocks: 2 });
    expect(shapes('PPLCNet_x1_0')).toEqual({
      stem: [16, 112, 112],
      block1: [32, 112, 112],
      block3: [64, 56, 56],
      block5: [128, 28, 28],
      block11: [256, 14, 14],
      block13: [512, 7, 7],
    });
  });

  it('EfficientNetB0 (Tan & Le 2019, Table 1)', () => {
    expect(shapes('EfficientNetB0')).toEqual({
      stem: [32, 112, 112],
      stage1: [16, 112, 112],
      stage2: [24, 56, 56],
      stage3: [40, 28, 28],
      stage4: [80, 14, 14],
      stage5: [112, 14, 14],
      stage6: [192, 7, 7],
      stage7: [320, 7, 7],
    });
    expect(describeArchitecture('EfficientNetB0').counts).toMatchObject({ depthwiseConvs: 16, seBlocks: 16 });
    expect(describeArchitecture('EfficientNetB0_small').counts.seBlocks).toBe(0);
    expect(shapes('EfficientNetB7').stage7).toEqual([640, 19, 19]);
  });

  it('DenseNet121 (Huang et al. 2017, Table 1)', () => {
    expect(shapes('DenseNet121')).toEqual({
      stem: [64, 56, 56],
      block1: [256, 56, 56],
      block2: [512, 28, 28],
      block3: [1024, 14, 14],
      block4: [1024, 7, 7],
    });
    expect(describeArchitecture('DenseNet121').counts.convs).toBe(1 + 2 * 58 + 3);
  });

  it('DPN92 (Chen et al. 2017, Table 1): grouped 3x3 in every dual-path block', () => {
    const d = describeArchitecture('DPN92');
    expect(d.counts.groupedConvs).toBe(3 + 4 + 20 + 3);
    expect(shapes('DPN92')).toMatchObject({ stage2: [336, 56, 56], stage5: [2688, 7, 7] });
  });

  it('VGG16, AlexNet and SqueezeNet', () => {
    expect(describeArchitecture('VGG16').counts).toMatchObject({ convs: 13, fullyConnected: 3 });
    expect(shapes('VGG16').stage5).toEqual([512, 7, 7]);
    expect(shapes('AlexNet')).toEqual({ conv1: [64, 27, 27], conv2: [192, 13, 13], conv5: [256, 6, 6] });
    expect(describeArchitecture('SqueezeNet1_0').counts).toMatchObject({ branches: 16, concats: 8 });
    expect(shapes('SqueezeNet1_0').fire9).toEqual([512, 13, 13]);
  });

  it('GoogLeNet (Szegedy et al. 2015, Table 1): nine four-branch inception modules', () => {
    expect(describeArchitecture('GoogLeNet').counts).toMatchObject({ branches: 36, concats: 9 });
    expect(shapes('GoogLeNet')).toEqual({
      stem: [192, 28, 28],
      inception3: [480, 28, 28],
      inception4: [832, 14, 14],
      inception5: [1024, 7, 7],
    });
  });

  it('InceptionV3 and InceptionV4 (Szegedy et al. 2016/2017)', () => {
    expect(shapes('InceptionV3')).toEqual({
      stem: [192, 35, 35],
      mixed5: [288, 35, 35],
      mixed6: [768, 17, 17],
      mixed7: [2048, 8, 8],
    });
    expect(shapes('InceptionV4')).toEqual({
      stem: [384, 35, 35],
      inceptionA: [384, 35, 35],
      inceptionB: [1024, 17, 17],
      inceptionC: [1536, 8, 8],
    });
  });

  it('Xception41 (Chollet 2017, Figure 5): depthwise separable everywhere', () => {
    expect(shapes('Xception41')).toEqual({
      stem: [64, 150, 150],
      entry: [728, 19, 19],
      middle: [728, 19, 19],
      exit: [2048, 10, 10],
    });
    expect(describeArchitecture('Xception41').counts.depthwiseConvs).toBe(3 * 2 + 8 * 3 + 4);
    expect(describeArchitecture('Xception65_deeplab').counts.depthwiseConvs).toBe(3 * 3 + 16 * 3 + 2 * 3);
  });

  it('HRNet_W18_C (Wang et al. 2019): four parallel resolutions', () => {
    const s = shapes('HRNet_W18_C');
    expect(s).toMatchObject({
      'stage4.branch1': [18, 56, 56],
      'stage4.branch2': [36, 28, 28],
      'stage4.branch3': [72, 14, 14],
      'stage4.branch4': [144, 7, 7],
      head: [2048, 7, 7],
    });
  });

  it('DarkNet53 (Redmon & Farhadi 2018, Table 1)', () => {
    expect(shapes('DarkNet53')).toEqual({
      stem: [32, 256, 256],
      stage1: [64, 128, 128],
      stage2: [128, 64, 64],
      stage3: [256, 32, 32],
      stage4: [512, 16, 16],
      stage5: [1024, 8, 8],
    });
    expect(describeArchitecture('DarkNet53').counts).toMatchObject({ convs: 52, residualAdds: 23 });
  });
});
