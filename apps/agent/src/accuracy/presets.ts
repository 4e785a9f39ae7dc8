import { PreprocessingSpecSchema, type PreprocessingSpec } from '@fleetbench/protocol';
import { AgentError } from '../util/errors';

/** Named preprocessing specs for `bench --preprocess NAME` (a JSON spec is accepted too). */
export const PRESETS: Record<string, PreprocessingSpec> = {
  /** PaddleClas / torchvision ImageNet evaluation: 256 → centre 224, RGB, /255, ImageNet mean/std, NCHW f32. */
  imagenet: PreprocessingSpecSchema.parse({}),
  /** Caffe-style: BGR, 0–255, per-channel mean subtraction, no std (std 1). */
  'imagenet-bgr-255': PreprocessingSpecSchema.parse({
    channelOrder: 'BGR',
    scale: 1,
    mean: [103.94, 116.78, 123.68],
    std: [1, 1, 1],
  }),
  /** MNIST: 28×28 gray, white digit on black, 0–255 (models/mnist.onnx of shared/data). */
  mnist: PreprocessingSpecSchema.parse({
    resizeShorter: 28,
    crop: 28,
    channels: 1,
    scale: 1,
    mean: [0, 0, 0],
    std: [1, 1, 1],
  }),
  /** ONNX Model Zoo MobileNetV2 (mobilenetv2-12-int8 in shared/data/MANIFEST.md): same as imagenet, bilinear. */
  'mobilenetv2-12': PreprocessingSpecSchema.parse({ resizeKernel: 'linear' }),
};

/** A preset name or a JSON spec (missing fields take the schema's defaults). */
export function resolvePreprocessing(arg: string): PreprocessingSpec {
  const preset = PRESETS[arg];
  if (preset) return preset;
  if (arg.trim().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(arg);
    } catch (err) {
      throw new AgentError('config-invalid', `--preprocess is not valid JSON (${(err as Error).message}).`);
    }
    const parsed = PreprocessingSpecSchema.safeParse(json);
    if (!parsed.success)
      throw new AgentError('config-invalid', `--preprocess is not a valid preprocessing spec: ${parsed.error.message}`);
    return parsed.data;
  }
  throw new AgentError(
    'config-invalid',
    `Unknown preprocessing preset "${arg}"; use one of ${Object.keys(PRESETS).join(', ')} or a JSON spec.`,
  );
}
