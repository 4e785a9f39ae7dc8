import { z } from 'zod';

/**
 * How an image becomes a model input (used by the agent's accuracy runs and stored with models on the hub).
 *
 * Every field is optional: what the model itself states (input element type, layout, height/width, channel count,
 * which output holds the class scores and how many classes it has) is read from the model by the agent, and the
 * normalisation comes from `preset` (default `imagenet`, see PREPROCESSING_PRESETS). A field given here overrides the
 * preset; a field that contradicts the model (a crop of 224 for a model that takes 128×128, float32 for a uint8
 * input, NCHW for an NHWC input) is an error, never a silent wrong accuracy.
 */
export const PreprocessingSpecSchema = z.object({
  /** Added (issue 12): name of a PREPROCESSING_PRESETS entry whose values fill the fields not given here. */
  preset: z
    .string()
    .min(1)
    .max(64)
    .refine((name) => Object.hasOwn(PREPROCESSING_PRESETS, name), {
      message: 'unknown preset; use imagenet, caffe, tf-uint8, tf-float, paddle or mnist',
    })
    .optional(),
  /** Resize the shorter side to this many pixels (absent: crop ÷ cropRatio). */
  resizeShorter: z.number().int().positive().optional(),
  /** Centre crop (square); absent: the model's fixed height/width, else 224. */
  crop: z.number().int().positive().optional(),
  /** Added (issue 12): crop ÷ resized shorter side when resizeShorter is absent (0.875 = 224 of 256). */
  cropRatio: z.number().gt(0).max(1).optional(),
  channelOrder: z.enum(['RGB', 'BGR']).optional(),
  scale: z.number().positive().optional(),
  mean: z.tuple([z.number(), z.number(), z.number()]).optional(),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
  /** Absent: read from the model's input shape. */
  layout: z.enum(['NCHW', 'NHWC']).optional(),
  /** Absent: the model input's element type. uint8 takes the pixels as they are, int8 takes pixel − 128. */
  inputDtype: z.enum(['float32', 'float16', 'uint8', 'int8']).optional(),
  output: z.enum(['logits', 'probabilities']).optional(),
  /** Optional (added for the agent's accuracy runs). 1 = grayscale input (e.g. MNIST); absent = the model's. */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  /** Resize kernel; absent = 'linear' (bilinear, what the reference accuracies were measured with). */
  resizeKernel: z.enum(['nearest', 'linear', 'cubic', 'lanczos3']).optional(),
  /**
   * Optional (added for the agent). How the longer side's length is rounded after scaling the shorter side to
   * resizeShorter: 'round' (absent; PaddleClas `int(round(w · s))`, sharp's own rounding, and what the reference
   * accuracies of shared/data were measured with) or 'floor' (torchvision `int(size · long / short)`).
   */
  resizeRounding: z.enum(['round', 'floor']).optional(),
  /**
   * Model output index = dataset label + labelOffset (1 for 1001-class models with a background class). Absent: 0,
   * or 1 when the scored output has exactly one class more than the dataset has labels.
   */
  labelOffset: z.number().int().min(0).optional(),
  /** Added (issue 12): the output to score when the model has several (absent: the rule of selectOutput). */
  outputName: z.string().min(1).max(256).optional(),
});
export type PreprocessingSpec = z.infer<typeof PreprocessingSpecSchema>;

// ---- presets and model input/output facts (issue 12) -------------------------------------------------------------

/** A preprocessing spec with every pixel decision made (what the agent runs after reading the model). */
export interface ResolvedPreprocessing {
  preset: string | null;
  resizeShorter: number;
  crop: number;
  channelOrder: 'RGB' | 'BGR';
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  layout: 'NCHW' | 'NHWC';
  inputDtype: 'float32' | 'float16' | 'uint8' | 'int8';
  output: 'logits' | 'probabilities';
  channels: 1 | 3;
  resizeKernel: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
  resizeRounding: 'round' | 'floor';
}

export interface PreprocessingPreset {
  /** Where these values come from (shown by `bench --help`, the README and the dashboard). */
  source: string;
  spec: PreprocessingSpec;
}

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/**
 * Named normalisations for the common model families. A preset says how pixels are normalised (and the crop ratio,
 * resize kernel and rounding); the input size, layout and element type come from the model.
 */
export const PREPROCESSING_PRESETS: Record<string, PreprocessingPreset> = {
  imagenet: {
    source:
      'torchvision ImageNet evaluation (references/classification, ImageClassification transform): resize the shorter side to 256, centre-crop 224 (ratio 0.875), RGB, /255, mean [0.485,0.456,0.406], std [0.229,0.224,0.225]; bilinear, longer side rounded (the measurement in shared/data/MANIFEST.md)',
    spec: { cropRatio: 0.875, channelOrder: 'RGB', scale: 1 / 255, mean: IMAGENET_MEAN, std: IMAGENET_STD },
  },
  caffe: {
    source:
      'Caffe / BVLC ImageNet models (ilsvrc_2012_mean, e.g. SqueezeNet, GoogLeNet, VGG converted from Caffe): BGR, 0..255, minus the per-channel mean [103.94,116.78,123.68] (B,G,R), no std; resize 256 → centre crop 224 (ratio 0.875)',
    spec: { cropRatio: 0.875, channelOrder: 'BGR', scale: 1, mean: [103.94, 116.78, 123.68], std: [1, 1, 1] },
  },
  'tf-uint8': {
    source:
      'TensorFlow / TFLite quantized models (TF-slim preprocess_for_eval central_crop 0.875; the graph dequantizes): RGB, raw 0..255 (uint8 as is, int8 as value − 128, float as 0..255)',
    spec: { cropRatio: 0.875, channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  },
  'tf-float': {
    source:
      'TensorFlow / Keras float models (inception preprocessing, MobileNet preprocess_input): RGB, (x − 127.5) / 127.5 into [−1, 1], central crop 0.875',
    spec: { cropRatio: 0.875, channelOrder: 'RGB', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
  },
  paddle: {
    source:
      'PaddleClas eval (ResizeImage resize_short 256, CropImage 224, NormalizeImage scale 1/255 with ImageNet mean/std, RGB, NCHW); other input sizes keep the ratio 224/256',
    spec: {
      resizeShorter: 256,
      crop: 224,
      cropRatio: 0.875,
      channelOrder: 'RGB',
      scale: 1 / 255,
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
    },
  },
  mnist: {
    source: 'MNIST (shared/data models/mnist.onnx): 28×28 gray, white digit on black, 0..255',
    spec: { resizeShorter: 28, crop: 28, channels: 1, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
  },
  'imagenet-bgr-255': {
    source: 'alias of caffe (kept for existing registrations)',
    spec: { cropRatio: 0.875, channelOrder: 'BGR', scale: 1, mean: [103.94, 116.78, 123.68], std: [1, 1, 1] },
  },
  'mobilenetv2-12': {
    source: 'ONNX Model Zoo MobileNetV2 (mobilenetv2-12-int8 in shared/data/MANIFEST.md): same as imagenet',
    spec: { cropRatio: 0.875, channelOrder: 'RGB', scale: 1 / 255, mean: IMAGENET_MEAN, std: IMAGENET_STD },
  },
};

/** Element types whose values are taken as raw pixels, so a preset that normalises to other values cannot feed them. */
export const INTEGER_INPUT_TYPES = ['uint8', 'int8'] as const;

/** The per-tensor facts of a model signature (name, element type, shape with symbolic dims as strings). */
export interface IoTensor {
  name: string;
  dtype: string;
  shape: Array<number | string>;
}

export const ModelInputFactsSchema = z.object({
  name: z.string(),
  dtype: z.string(),
  shape: z.array(z.union([z.number(), z.string()])),
  /** null when the shape does not say (e.g. all dims symbolic). */
  layout: z.enum(['NCHW', 'NHWC']).nullable(),
  channels: z.number().int().nullable(),
  /** null when symbolic. */
  height: z.number().int().nullable(),
  width: z.number().int().nullable(),
});
export type ModelInputFacts = z.infer<typeof ModelInputFactsSchema>;

export const ModelOutputFactsSchema = z.object({
  name: z.string(),
  dtype: z.string(),
  shape: z.array(z.union([z.number(), z.string()])),
  /** The one axis after the batch axis that is not 1 (null: none or several, so this output holds no class scores). */
  classAxis: z.number().int().nullable(),
  /** Classes on that axis; null when the axis is symbolic (known at run time). */
  classes: z.number().int().nullable(),
});
export type ModelOutputFacts = z.infer<typeof ModelOutputFactsSchema>;

/** What the hub and the agent read from a model's signature, and the preset proposed for it. */
export const ModelIoFactsSchema = z.object({
  input: ModelInputFactsSchema.nullable(),
  outputs: z.array(ModelOutputFactsSchema),
  /** The output scored by default (selectOutput without a dataset): null when none holds class scores. */
  scoredOutput: z.string().nullable(),
  /** 1 when the scored output has 1001 classes (ImageNet with a background class at index 0), else 0. */
  labelOffset: z.number().int(),
  proposedPreset: z.string().nullable(),
  /** Why proposedPreset was chosen, or why the model cannot be scored as a classifier. */
  notes: z.array(z.string()),
});
export type ModelIoFacts = z.infer<typeof ModelIoFactsSchema>;

const FLOAT_TYPES = ['float32', 'float16', 'float64', 'float', 'double'];
const SCORE_TYPES = [...FLOAT_TYPES, 'uint8', 'int8', 'uint16', 'int16', 'int32'];

/** Layout, channels and fixed height/width of an image input of rank 4 (NCHW when the channel axis says so). */
export function inputFacts(t: IoTensor): ModelInputFacts {
  const dim = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : null);
  const base = { name: t.name, dtype: t.dtype, shape: t.shape };
  if (t.shape.length !== 4) return { ...base, layout: null, channels: null, height: null, width: null };
  const [, d1, d2, d3] = t.shape.map(dim);
  const isC = (d: number | null) => d === 1 || d === 3;
  let layout: 'NCHW' | 'NHWC' | null = null;
  if (isC(d1) && !isC(d3)) layout = 'NCHW';
  else if (isC(d3) && !isC(d1)) layout = 'NHWC';
  else if (isC(d1) && isC(d3)) layout = d2 === d1 ? null : 'NCHW';
  if (layout === 'NCHW') return { ...base, layout, channels: d1, height: d2, width: d3 };
  if (layout === 'NHWC') return { ...base, layout, channels: d3, height: d1, width: d2 };
  return { ...base, layout: null, channels: null, height: null, width: null };
}

/** The class axis of an output: the only axis after the batch axis whose size is not 1. */
export function outputFacts(t: IoTensor): ModelOutputFacts {
  const base = { name: t.name, dtype: t.dtype, shape: t.shape };
  if (!SCORE_TYPES.includes(t.dtype) || t.shape.length === 0) return { ...base, classAxis: null, classes: null };
  // [C] (no batch axis) is taken as one sample's scores.
  if (t.shape.length === 1) {
    const c = t.shape[0];
    return { ...base, classAxis: 0, classes: typeof c === 'number' && c > 0 ? c : null };
  }
  const candidates = t.shape.map((d, i) => ({ d, i })).filter(({ d, i }) => i > 0 && d !== 1);
  if (candidates.length !== 1) return { ...base, classAxis: null, classes: null };
  const { d, i } = candidates[0]!;
  return { ...base, classAxis: i, classes: typeof d === 'number' && d > 0 ? d : null };
}

/**
 * The output to score. `wanted` (the user's --output) wins and must exist. Otherwise: among outputs with a class axis,
 * the first (graph order) whose class count is the dataset's label count (+ 1 for a background class); without a
 * label count, the first with more than one class — probability and logit outputs rank alike, and a model's
 * auxiliary outputs (features, argmax indices) do not have the label count on a single axis.
 */
export function selectOutput(
  outputs: ModelOutputFacts[],
  labels: number | null,
  wanted?: string,
): { output: ModelOutputFacts | null; why: string } {
  const list = outputs.map((o) => `${o.name} ${o.dtype} [${o.shape.join(',')}]`).join('; ');
  if (wanted !== undefined) {
    const o = outputs.find((x) => x.name === wanted) ?? null;
    return { output: o, why: o ? `chosen with --output ${wanted}` : `no output named "${wanted}" (outputs: ${list})` };
  }
  const scored = outputs.filter((o) => o.classAxis !== null);
  const fits = (o: ModelOutputFacts) =>
    labels === null ? o.classes === null || o.classes > 1 : o.classes === labels || o.classes === labels + 1;
  const pick = scored.find(fits) ?? (labels === null ? null : scored.find((o) => o.classes === null)) ?? null;
  if (pick)
    return {
      output: pick,
      why:
        outputs.length === 1
          ? 'the only output'
          : `first of ${outputs.length} outputs whose class axis ${labels === null ? 'has more than one class' : `has ${labels} (+1) classes`}`,
    };
  // One candidate that does not fit: the caller names its shape against the labels.
  if (scored.length === 1 && labels !== null)
    return { output: scored[0]!, why: outputs.length === 1 ? 'the only output' : 'the only output with a class axis' };
  return {
    output: null,
    why:
      labels === null
        ? `no output has a single class axis (outputs: ${list})`
        : `no output has ${labels} or ${labels + 1} classes on a single axis (outputs: ${list})`,
  };
}

/** Facts of a model signature plus the preset proposed for it (the hub stores them at registration). */
export function analyseModelIo(inputs: IoTensor[], outputs: IoTensor[]): ModelIoFacts {
  const notes: string[] = [];
  const images = inputs.map(inputFacts).filter((i) => i.layout !== null);
  const input = images[0] ?? (inputs[0] ? inputFacts(inputs[0]) : null);
  if (inputs.length !== 1) notes.push(`${inputs.length} inputs: accuracy runs need exactly one image input`);
  const outs = outputs.map(outputFacts);
  const { output } = selectOutput(outs, null);
  if (!output) notes.push('no output holds class scores on a single axis');
  const labelOffset = output?.classes === 1001 ? 1 : 0;
  if (labelOffset) notes.push('1001 classes: index 0 is taken as a background class (label offset 1)');
  let proposedPreset: string | null = null;
  if (input && input.layout) {
    const integer = (INTEGER_INPUT_TYPES as readonly string[]).includes(input.dtype);
    if (input.channels === 1) {
      proposedPreset = 'mnist';
      notes.push('one input channel: gray 0..255 (mnist)');
    } else if (integer) {
      proposedPreset = 'tf-uint8';
      notes.push(`${input.dtype} input: raw pixels, normalised inside the graph (tf-uint8)`);
    } else if (input.layout === 'NHWC' || labelOffset === 1) {
      proposedPreset = 'tf-float';
      notes.push(`${input.layout === 'NHWC' ? 'NHWC float input' : '1001 classes'}: TensorFlow convention (tf-float)`);
    } else if (output && output.shape.length === 4) {
      proposedPreset = 'caffe';
      notes.push('NCHW input and an [N,C,1,1] output: Caffe convention (caffe); check against the model card');
    } else {
      proposedPreset = 'imagenet';
      notes.push('NCHW float input: torchvision convention (imagenet); check against the model card');
    }
  } else if (input) notes.push(`input "${input.name}" [${input.shape.join(',')}] is not an image tensor of rank 4`);
  return { input, outputs: outs, scoredOutput: output?.name ?? null, labelOffset, proposedPreset, notes };
}
