import {
  INTEGER_INPUT_TYPES,
  PREPROCESSING_PRESETS,
  PreprocessingSpecSchema,
  formatZodError,
  type ModelInputFacts,
  type PreprocessingSpec,
  type ResolvedPreprocessing,
} from '@fleetbench/protocol';
import { AgentError } from '../util/errors';

/** Named preprocessing specs for `bench --preprocess NAME` (packages/protocol PREPROCESSING_PRESETS, with sources). */
export const PRESETS: Record<string, PreprocessingSpec> = Object.fromEntries(
  Object.entries(PREPROCESSING_PRESETS).map(([name, p]) => [name, { ...p.spec, preset: name }]),
);

/** A preset name or a JSON spec (fields not given come from its `preset`, default imagenet, and from the model). */
export function resolvePreprocessing(arg: string): PreprocessingSpec {
  const preset = PRESETS[arg];
  if (preset) return { preset: arg };
  if (arg.trim().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(arg);
    } catch (err) {
      throw new AgentError('config-invalid', `--preprocess is not valid JSON (${(err as Error).message}).`);
    }
    const parsed = PreprocessingSpecSchema.safeParse(json);
    if (!parsed.success)
      throw new AgentError(
        'config-invalid',
        `--preprocess is not a valid preprocessing spec: ${formatZodError(parsed.error)}.`,
      );
    presetOf(parsed.data);
    return parsed.data;
  }
  throw new AgentError(
    'config-invalid',
    `Unknown preprocessing preset "${arg}"; use one of ${Object.keys(PRESETS).join(', ')} or a JSON spec.`,
  );
}

/** The spec's preset; without one, `imagenet`, or `tf-uint8` (raw pixels) for a uint8/int8 input. */
function presetOf(spec: PreprocessingSpec, inputDtype?: string): { name: string; spec: PreprocessingSpec } {
  const integer = (INTEGER_INPUT_TYPES as readonly string[]).includes(inputDtype ?? '');
  const name = spec.preset ?? (integer ? 'tf-uint8' : 'imagenet');
  const p = PREPROCESSING_PRESETS[name];
  if (!p)
    throw new AgentError(
      'config-invalid',
      `Unknown preprocessing preset "${name}"; use one of ${Object.keys(PREPROCESSING_PRESETS).join(', ')}.`,
    );
  return { name, spec: p.spec };
}

const DEFAULT_CROP = 224;
const INPUT_TYPES = ['float32', 'float16', 'uint8', 'int8'] as const;

/**
 * The spec the agent runs: the user's fields, then the preset's, then what the model states. The model decides the
 * element type, layout, channels and (when fixed) height/width; the crop follows the model and the resize keeps the
 * preset's crop ratio. A field the user gave that contradicts the model is an error naming both.
 */
export function resolveAgainstModel(spec: PreprocessingSpec, input: ModelInputFacts): ResolvedPreprocessing {
  const preset = presetOf(spec, input.dtype);
  const given = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as PreprocessingSpec;
  const p = preset.spec;
  const where = `the model input "${input.name}" (${input.dtype} [${input.shape.join(',')}])`;
  const contradicts = (field: string, mine: unknown, model: unknown) =>
    new AgentError(
      'unsupported-input',
      `The preprocessing says ${field} ${JSON.stringify(mine)}, but ${where} needs ${JSON.stringify(model)}; leave ${field} out (the agent reads it from the model) or use the model it was meant for.`,
    );

  if (!(INPUT_TYPES as readonly string[]).includes(input.dtype))
    throw new AgentError(
      'unsupported-input',
      `Accuracy runs feed images as float32, float16, uint8 or int8, but ${where} is ${input.dtype}.`,
    );
  const inputDtype = input.dtype as ResolvedPreprocessing['inputDtype'];
  if (given.inputDtype && given.inputDtype !== inputDtype)
    throw contradicts('inputDtype', given.inputDtype, inputDtype);

  if (given.layout && input.layout && given.layout !== input.layout)
    throw contradicts('layout', given.layout, input.layout);
  const layout = input.layout ?? given.layout ?? 'NCHW';

  const modelChannels = input.channels === 1 || input.channels === 3 ? input.channels : null;
  if (input.channels !== null && modelChannels === null)
    throw new AgentError(
      'unsupported-input',
      `${where} has ${input.channels} channels; accuracy runs feed 1 (gray) or 3 (colour).`,
    );
  if (given.channels && modelChannels && given.channels !== modelChannels)
    throw contradicts('channels', given.channels, modelChannels);
  const channels = modelChannels ?? given.channels ?? p.channels ?? 3;

  if (input.height !== null && input.width !== null && input.height !== input.width)
    throw new AgentError(
      'unsupported-input',
      `${where} is ${input.height}×${input.width}; accuracy runs feed square centre crops only.`,
    );
  const fixed = input.height ?? input.width;
  if (given.crop && fixed && given.crop !== fixed) throw contradicts('crop', given.crop, fixed);
  const crop = fixed ?? given.crop ?? p.crop ?? DEFAULT_CROP;
  // The preset's own resize when its crop is the one used (paddle: 256 for 224), else the crop ratio.
  const resizeShorter =
    given.resizeShorter ??
    (p.resizeShorter && p.crop === crop && !given.cropRatio
      ? p.resizeShorter
      : Math.round(crop / (given.cropRatio ?? p.cropRatio ?? 0.875)));

  const scale = given.scale ?? p.scale ?? 1 / 255;
  const mean = given.mean ?? p.mean ?? [0.485, 0.456, 0.406];
  const std = given.std ?? p.std ?? [0.229, 0.224, 0.225];
  if ((INTEGER_INPUT_TYPES as readonly string[]).includes(inputDtype)) {
    const identity = scale === 1 && mean.every((m) => m === 0) && std.every((s) => s === 1);
    if (!identity)
      throw new AgentError(
        'unsupported-input',
        `${where} takes raw pixels (${inputDtype === 'int8' ? 'pixel − 128' : '0..255'}; the graph normalises them), but preset ${preset.name}${given.scale || given.mean || given.std ? ' with the given scale/mean/std' : ''} normalises to other values (scale ${scale}, mean [${mean.join(',')}], std [${std.join(',')}]); use --preprocess tf-uint8.`,
      );
  }
  return {
    preset: preset.name,
    resizeShorter,
    crop,
    channelOrder: given.channelOrder ?? p.channelOrder ?? 'RGB',
    scale,
    mean,
    std,
    layout,
    inputDtype,
    output: given.output ?? p.output ?? 'logits',
    channels,
    resizeKernel: given.resizeKernel ?? p.resizeKernel ?? 'linear',
    resizeRounding: given.resizeRounding ?? p.resizeRounding ?? 'round',
  };
}
