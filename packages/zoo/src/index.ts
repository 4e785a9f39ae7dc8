/**
 * @fleetbench/zoo — the PaddleClas model library as recipes: the published catalogue (generated from the
 * research CSV), the published reference hardware, and ONNX architecture builders with deterministic weights.
 */
export {
  buildModel,
  catalogue,
  DEFAULT_INPUT_SIZE,
  describeArchitecture,
  getModel,
  hasArchitecture,
  listBuildableModels,
  listFamilies,
  MODEL_VARIANTS,
  preprocessingFor,
  ZooError,
} from './zoo';
export type { ArchitectureDescription, BuildModelOptions, BuiltModel, ModelVariant, ZooErrorCode } from './zoo';
export { REFERENCE_HARDWARE as referenceHardware } from './reference-hardware';
export type { ReferenceHardware } from './reference-hardware';
export type { CatalogueEntry, ReferenceHardwareId } from './catalogue.types';
export { countFlops } from './onnx-flops';
export { readOnnxSignature, type OnnxSignature } from './onnx-signature';
export { checkCounts, FLOPS_TOLERANCE, PARAMS_TOLERANCE } from './count-check';
export type { CountCheck, FigureMatch } from './count-check';
export { COUNT_EXCEPTIONS } from './count-exceptions';
export type { ExternalDataFile, TensorDescription } from './graph/onnx-serialiser';
export { IR_VERSION, OPSET_VERSION, RECIPE_FORMAT } from './graph/onnx-serialiser';
export type { ArchitectureCounters, StageInfo, Tensor as GraphTensor } from './graph/graph-builder';
// The graph builder and serialiser, for small test models of other conventions (agent accuracy tests).
export { GraphBuilder } from './graph/graph-builder';
export { serialise } from './graph/onnx-serialiser';
export { buildModelFiles, buildModelFilesSync, sha256OfBuiltFiles } from './build-files';
export type { BuildFilesOptions, BuiltModelSummary } from './build-files';
