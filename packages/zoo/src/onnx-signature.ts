import type { TensorSpec } from '@fleetbench/protocol';
import { onnx } from 'onnx-proto';

// Shared by the hub (model registration) and the agent (input facts before the session exists).

/** onnx.TensorProto.DataType → name. */
const DTYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

export interface OnnxSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

function tensorSpec(v: onnx.IValueInfoProto): TensorSpec {
  const t = v.type?.tensorType;
  return {
    name: v.name ?? '',
    dtype: DTYPES[t?.elemType ?? 0] ?? `type${t?.elemType ?? 0}`,
    shape: (t?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : '?')),
  };
}

/** Reads a model's graph inputs (minus initializers) and outputs; null when the bytes are not an ONNX model. */
export function readOnnxSignature(bytes: Uint8Array): OnnxSignature | null {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return null;
  }
  const graph = model.graph;
  if (!graph || !model.irVersion || !graph.node?.length || !graph.output?.length) return null;
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(tensorSpec);
  if (!inputs.length) return null;
  return { inputs, outputs: graph.output.map(tensorSpec) };
}
