import { onnx } from 'onnx-proto';

/** Small ONNX graphs built in memory with onnx-proto: the peak-GEMM probe, and test models for other dtypes. */

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
const UINT8 = onnx.TensorProto.DataType.UINT8;

type Dim = number | string;

function valueInfo(name: string, elemType: number, shape: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function encode(graph: onnx.IGraphProto, opset = 13): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'fleetbench-agent',
    graph,
  }).finish();
}

/** Y = A × B with B a constant n×n matrix: 2·m·n² FLOPs per run. */
export function matMulModel(m: number, n: number): Uint8Array {
  const weights = new Float32Array(n * n);
  for (let i = 0; i < weights.length; i++) weights[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  return encode({
    name: 'peak-gemm',
    node: [{ opType: 'MatMul', input: ['A', 'B'], output: ['Y'] }],
    initializer: [
      {
        name: 'B',
        dataType: FLOAT,
        dims: [n, n],
        rawData: new Uint8Array(weights.buffer),
      },
    ],
    input: [valueInfo('A', FLOAT, [m, n])],
    output: [valueInfo('Y', FLOAT, [m, n])],
  });
}

/**
 * A "classifier" whose score for class c is the mean of input channel c: x[N,3,H,W] → ReduceMean over H,W → [N,3].
 * With `dtype` float16 or uint8 the input (and for float16 the output) use that type, with Casts around the float
 * computation, so the accuracy pipeline's dtype handling can be checked end to end without a trained model.
 */
export function channelMeanClassifier(
  dtype: 'float32' | 'float16' | 'uint8',
  size: number,
  layout: 'NCHW' | 'NHWC' = 'NCHW',
): Uint8Array {
  const elem = dtype === 'float16' ? FLOAT16 : dtype === 'uint8' ? UINT8 : FLOAT;
  const nodes: onnx.INodeProto[] = [];
  let x = 'x';
  if (dtype !== 'float32') {
    nodes.push({ opType: 'Cast', input: [x], output: ['xf'], attribute: [intAttr('to', FLOAT)] });
    x = 'xf';
  }
  const axes = layout === 'NCHW' ? [2, 3] : [1, 2];
  nodes.push({
    opType: 'ReduceMean',
    input: [x],
    output: [dtype === 'float16' ? 'mean' : 'scores'],
    attribute: [intsAttr('axes', axes), intAttr('keepdims', 0)],
  });
  if (dtype === 'float16')
    nodes.push({ opType: 'Cast', input: ['mean'], output: ['scores'], attribute: [intAttr('to', FLOAT16)] });
  const inShape: Dim[] = layout === 'NCHW' ? ['N', 3, size, size] : ['N', size, size, 3];
  return encode({
    name: `channel-mean-${dtype}`,
    node: nodes,
    input: [valueInfo('x', elem, inShape)],
    output: [valueInfo('scores', dtype === 'float16' ? FLOAT16 : FLOAT, ['N', 3])],
  });
}

function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}
function intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}
