import { PreprocessingSpecSchema, type PreprocessingSpec } from '@fleetbench/protocol';

/** ImageNet mean/std on [0,1] RGB, as in PaddleClas's NormalizeImage. */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/**
 * PaddleClas eval preset: resize the short side (cv2 bilinear), centre-crop, RGB, scale 1/255, ImageNet
 * mean/std, NCHW float32. TNT_small alone uses mean = std = 0.5 (REPORT.md §4).
 */
export function paddleClasPreprocessing(name: string, crop: number, resizeShort: number): PreprocessingSpec {
  const half = name.startsWith('TNT');
  return PreprocessingSpecSchema.parse({
    resizeShorter: resizeShort,
    crop,
    channelOrder: 'RGB',
    scale: 1 / 255,
    mean: half ? [0.5, 0.5, 0.5] : IMAGENET_MEAN,
    std: half ? [0.5, 0.5, 0.5] : IMAGENET_STD,
    layout: 'NCHW',
    inputDtype: 'float32',
    output: 'logits',
  });
}
