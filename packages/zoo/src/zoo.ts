/** The public zoo API: catalogue look-ups, architecture descriptions (no weights) and deterministic builds. */
import { recipeFor } from './architectures/registry';
import { CATALOGUE_ENTRIES } from './catalogue.generated';
import type { CatalogueEntry } from './catalogue.types';
import { GraphBuilder, type ArchitectureCounters, type StageInfo } from './graph/graph-builder';
import { RECIPE_FORMAT, serialise, type ExternalDataFile, type TensorDescription } from './graph/onnx-serialiser';
import { paddleClasPreprocessing } from './preprocessing';
import type { PreprocessingSpec } from '@fleetbench/protocol';

export type ZooErrorCode = 'UNKNOWN_MODEL' | 'NO_ARCHITECTURE' | 'UNSUPPORTED_VARIANT' | 'INVALID_RECIPE';

export class ZooError extends Error {
  constructor(
    readonly code: ZooErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ZooError';
  }
}

/** Crop size used where PaddleClas published none (RepVGG, PP-LCNet, ESNet rows). */
export const DEFAULT_INPUT_SIZE = 224;

export const catalogue: readonly CatalogueEntry[] = CATALOGUE_ENTRIES;

const byName = new Map(catalogue.map((e) => [e.name, e]));

export function getModel(name: string): CatalogueEntry | undefined {
  return byName.get(name);
}

function requireModel(name: string): CatalogueEntry {
  const entry = byName.get(name);
  if (!entry) {
    throw new ZooError(
      'UNKNOWN_MODEL',
      `"${name}" is not in the PaddleClas catalogue; see listModels() for the names.`,
    );
  }
  return entry;
}

/** Family names in catalogue order, each once. */
export function listFamilies(): string[] {
  const seen: string[] = [];
  for (const e of catalogue) if (!seen.includes(e.family)) seen.push(e.family);
  return seen;
}

/** Names of the models this package can build (an architecture builder exists). */
export function listBuildableModels(): string[] {
  return catalogue.filter((e) => recipeFor(e.name)).map((e) => e.name);
}

export function hasArchitecture(name: string): boolean {
  return !!byName.get(name) && !!recipeFor(name);
}

export function inputSizeOf(entry: CatalogueEntry): number {
  return entry.inputSize ?? DEFAULT_INPUT_SIZE;
}

function trace(name: string): { entry: CatalogueEntry; graph: GraphBuilder; architecture: string } {
  const entry = requireModel(name);
  const recipe = recipeFor(name);
  if (!recipe) {
    throw new ZooError(
      'NO_ARCHITECTURE',
      `No architecture builder exists yet for ${name} (family ${entry.family}); its published figures are in the catalogue only.`,
    );
  }
  const graph = new GraphBuilder(inputSizeOf(entry));
  graph.finish(recipe.build(graph));
  return { entry, graph, architecture: recipe.architecture };
}

export interface ArchitectureDescription {
  name: string;
  /** The architecture it shares with its base model (e.g. ResNet50_vd for ResNet50_vd_ssld). */
  architecture: string;
  family: string;
  inputSize: number;
  /** All parameters, BatchNorm running statistics included (PaddleClas 2.3 convention). */
  params: number;
  /** Trainable parameters only (PaddleClas 2.0 convention). */
  trainableParams: number;
  /** Multiply-accumulates of convolutions and fully connected layers at batch 1. */
  macs: number;
  /** 2 × MACs, the convention of the 2.0-era FLOPs column. */
  flops: number;
  /** FLOPs as paddle.flops counts them (2.3 convention: MACs once, plus BN, bias and pooling). */
  paddleFlops: number;
  stages: StageInfo[];
  counts: ArchitectureCounters;
  nodes: number;
  outputShape: number[];
}

/** Shapes, parameter and MAC counts from the graph definition, without materialising a single weight. */
export function describeArchitecture(name: string): ArchitectureDescription {
  const { entry, graph, architecture } = trace(name);
  const { trainable, total } = graph.paramCounts();
  return {
    name,
    architecture,
    family: entry.family,
    inputSize: graph.inputSize,
    params: total,
    trainableParams: trainable,
    macs: graph.macs,
    flops: 2 * graph.macs,
    paddleFlops: graph.paddleFlops,
    stages: graph.stages,
    counts: { ...graph.counters },
    nodes: graph.nodes.length,
    outputShape: [...graph.output!.shape],
  };
}

/**
 * fp32: float32 weights, input and output. fp16: every weight and float constant rounded to float16 (the same
 * seeded stream, round to nearest-even), float16 input and output (no Cast nodes in the graph; onnxruntime's CPU
 * provider inserts its own casts around operators it has no float16 kernel for). Feed it IEEE half bits
 * (`new ort.Tensor('float16', Uint16Array, dims)`); `preprocessingFor(name, 'fp16')` says inputDtype float16.
 */
export type ModelVariant = 'fp32' | 'fp16';
export const MODEL_VARIANTS: readonly ModelVariant[] = ['fp32', 'fp16'];

export interface BuildModelOptions {
  name: string;
  /** Seed of the deterministic weights (default 0). */
  seed?: number;
  /** fp32 (default) or fp16 (see ModelVariant). */
  variant?: ModelVariant;
  /**
   * Weights above this many bytes go to ONNX external data files (default 1 GiB). Lowering it changes the bytes and
   * the sha256, so it is for tests of the external-data path only, never part of a recipe.
   */
  externalDataThresholdBytes?: number;
}

export interface BuiltModel {
  /** The ONNX ModelProto (opset 13, IR 7, batch dimension symbolic "N"). */
  bytes: Uint8Array;
  /** sha256 (hex) of `bytes`, followed for external data by each file's UTF-8 name, a 0 byte and its bytes. */
  sha256: string;
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  /** Weight files for models over 1 GiB of weights (ONNX external data), to be written beside the .onnx file. */
  externalData: ExternalDataFile[];
  recipe: { name: string; seed: number; variant: ModelVariant; format: string };
}

/** Builds a model deterministically: the same recipe gives identical bytes on every platform. */
export function buildModel(options: BuildModelOptions): BuiltModel {
  const seed = options.seed ?? 0;
  const variant = options.variant ?? 'fp32';
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ZooError('INVALID_RECIPE', `seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
  if (!MODEL_VARIANTS.includes(variant)) {
    throw new ZooError(
      'UNSUPPORTED_VARIANT',
      `variant "${String(variant)}" is not available; use one of ${MODEL_VARIANTS.join(', ')}.`,
    );
  }
  const { graph, architecture } = trace(options.name);
  const model = serialise(graph, {
    modelName: options.name,
    seed,
    dtype: variant === 'fp16' ? 'float16' : 'float32',
    ...(options.externalDataThresholdBytes !== undefined
      ? { externalDataThreshold: options.externalDataThresholdBytes }
      : {}),
    metadata: [
      ['fleetbench.recipe.name', options.name],
      ['fleetbench.recipe.seed', String(seed)],
      ['fleetbench.recipe.variant', variant],
      ['fleetbench.recipe.format', RECIPE_FORMAT],
      ['fleetbench.architecture', architecture],
      ['fleetbench.weights', 'deterministic, untrained: accuracy figures are PaddleClas published values'],
    ],
  });
  return {
    bytes: model.bytes,
    sha256: model.sha256,
    inputs: model.inputs,
    outputs: model.outputs,
    externalData: model.externalData,
    recipe: { name: options.name, seed, variant, format: RECIPE_FORMAT },
  };
}

/** PaddleClas's eval preprocessing for the model (resize short side, centre crop, RGB, ImageNet mean/std, NCHW). */
export function preprocessingFor(name: string, variant: ModelVariant = 'fp32'): PreprocessingSpec {
  const entry = requireModel(name);
  const crop = inputSizeOf(entry);
  const spec = paddleClasPreprocessing(name, crop, entry.resizeShort ?? (crop === 224 ? 256 : crop));
  return variant === 'fp16' ? { ...spec, inputDtype: 'float16' } : spec;
}
