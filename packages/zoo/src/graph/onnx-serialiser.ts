/**
 * Turns a recorded graph (graph-builder.ts) into an ONNX ModelProto with deterministic weights, using the ONNX
 * protobuf definitions from npm (onnx-proto). Byte-for-byte determinism: nodes, attributes and initialisers are
 * written in recording order, every float comes from prng.ts, and nothing depends on the clock or platform.
 */
import { createHash } from 'node:crypto';
import { onnx } from 'onnx-proto';
import type { GraphBuilder, ParamSpec } from './graph-builder';
import { fillUniform, hash32 } from './prng';

export const OPSET_VERSION = 13;
export const IR_VERSION = 7;
/** Bumped whenever the bytes a recipe produces change; part of the model's metadata. */
export const RECIPE_FORMAT = 'fleetbench-zoo/1';
/** Above this many bytes of weights the model keeps them in external data files (protobuf caps a message at 2 GB). */
export const EXTERNAL_DATA_THRESHOLD = 1 << 30;
/** Each external data file holds at most this many bytes (typed arrays stay well below every engine's limit). */
export const EXTERNAL_FILE_LIMIT = 1 << 30;

export interface ExternalDataFile {
  /** File name, relative to the .onnx file. */
  path: string;
  bytes: Uint8Array;
}

export type FloatType = 'float32' | 'float16';

export interface TensorDescription {
  name: string;
  dtype: FloatType;
  shape: Array<number | string>;
}

export interface SerialisedModel {
  bytes: Uint8Array;
  externalData: ExternalDataFile[];
  /** sha256 of `bytes`, followed, for external data, by each file's UTF-8 name, a 0 byte and its bytes. */
  sha256: string;
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  weightBytes: number;
}

export interface SerialiseOptions {
  modelName: string;
  seed: number;
  batch?: number | 'N';
  metadata?: Array<[string, string]>;
  externalDataThreshold?: number;
  /**
   * Element type of the weights, the float constants (except Resize scales, which ONNX keeps float32) and the
   * graph's input and output (default float32). float16 weights are the float32 stream rounded to nearest-even.
   */
  dtype?: FloatType;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toLittleEndian32(bytes: Uint8Array): void {
  if (littleEndian) return;
  for (let i = 0; i < bytes.length; i += 4) {
    const a = bytes[i]!;
    const b = bytes[i + 1]!;
    bytes[i] = bytes[i + 3]!;
    bytes[i + 1] = bytes[i + 2]!;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a float32 value, rounded to nearest, ties to even (integer operations only). */
export function float32ToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // Inf, NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal → ±0
    const m = mant | 0x800000; // implicit 1
    const shift = 14 - e; // 14..24
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rest > mid || (rest === mid && half & 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and 0x7bff + 1 = 0x7c00 = Inf).
  return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half);
}

function toHalfInto(src: Float32Array, out: Uint8Array): void {
  for (let i = 0; i < src.length; i++) {
    const h = float32ToHalfBits(src[i]!);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
}

/** Small-variance values: activations stay finite through 200+ layers (variance 1/fan-in, BN ≈ identity). */
export function fillParam(p: ParamSpec, out: Float32Array, seed: number): void {
  const state = hash32(seed, p.name);
  switch (p.init) {
    case 'kaiming':
      return fillUniform(out, state, 0, Math.sqrt(3 / p.fanIn));
    case 'bias':
      return fillUniform(out, state, 0, 0.01);
    case 'bnScale':
      return fillUniform(out, state, 1, 0.05);
    case 'bnBias':
      return fillUniform(out, state, 0, 0.01);
    case 'bnMean':
      return fillUniform(out, state, 0, 0.01);
    case 'bnVar':
      return fillUniform(out, state, 1.05, 0.05);
  }
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function attribute(name: string, v: import('./graph-builder').AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (v.kind) {
    case 'int':
      return { name, type: T.INT, i: v.value };
    case 'ints':
      return { name, type: T.INTS, ints: v.value };
    case 'float':
      return { name, type: T.FLOAT, f: v.value };
    case 'string':
      return { name, type: T.STRING, s: utf8(v.value) };
  }
}

function valueInfo(name: string, shape: Array<number | string>, dtype: FloatType): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: dtype === 'float16' ? onnx.TensorProto.DataType.FLOAT16 : onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export function serialise(g: GraphBuilder, o: SerialiseOptions): SerialisedModel {
  if (!g.output) throw new Error('graph has no output (call finish())');
  const batch = o.batch ?? 'N';
  const DT = onnx.TensorProto.DataType;
  const dtype = o.dtype ?? 'float32';
  const half = dtype === 'float16';
  const elementBytes = half ? 2 : 4;
  const FLOAT = half ? DT.FLOAT16 : DT.FLOAT;
  const elementCount = (p: ParamSpec) => p.dims.reduce((a, b) => a * b, 1);
  const weightBytes = g.params.reduce((s, p) => s + elementBytes * elementCount(p), 0);
  const external = weightBytes > (o.externalDataThreshold ?? EXTERNAL_DATA_THRESHOLD);

  // Plan external files first (64-byte aligned tensors), so each file is one allocation filled in place.
  const files: Array<{ path: string; size: number; bytes?: Uint8Array }> = [];
  const placement: Array<{ file: number; offset: number }> = [];
  if (external) {
    for (const p of g.params) {
      const len = elementBytes * elementCount(p);
      let f = files[files.length - 1];
      let offset = f ? Math.ceil(f.size / 64) * 64 : 0;
      if (!f || offset + len > EXTERNAL_FILE_LIMIT) {
        f = { path: `${o.modelName}.weights.${files.length}.bin`, size: 0 };
        files.push(f);
        offset = 0;
      }
      placement.push({ file: files.length - 1, offset });
      f.size = offset + len;
    }
    for (const f of files) f.bytes = new Uint8Array(f.size);
  }

  const initializer: onnx.ITensorProto[] = [];
  g.params.forEach((p, i) => {
    const n = elementCount(p);
    if (external) {
      const { file, offset } = placement[i]!;
      const f = files[file]!;
      if (half) {
        const data = new Float32Array(n);
        fillParam(p, data, o.seed);
        toHalfInto(data, new Uint8Array(f.bytes!.buffer, offset, 2 * n));
      } else {
        const view = new Float32Array(f.bytes!.buffer, offset, n);
        fillParam(p, view, o.seed);
        toLittleEndian32(new Uint8Array(f.bytes!.buffer, offset, 4 * n));
      }
      initializer.push({
        name: p.name,
        dims: p.dims,
        dataType: FLOAT,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: f.path },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(elementBytes * n) },
        ],
      });
    } else {
      const data = new Float32Array(n);
      fillParam(p, data, o.seed);
      let raw = new Uint8Array(data.buffer);
      if (half) toHalfInto(data, (raw = new Uint8Array(2 * n)));
      else toLittleEndian32(raw);
      initializer.push({ name: p.name, dims: p.dims, dataType: FLOAT, rawData: raw });
    }
  });
  for (const c of g.floatConstants) {
    const values = new Float32Array(c.values);
    if (half && !c.float32) {
      const raw = new Uint8Array(2 * values.length);
      toHalfInto(values, raw);
      initializer.push({ name: c.name, dims: c.dims, dataType: DT.FLOAT16, rawData: raw });
      continue;
    }
    const raw = new Uint8Array(values.buffer);
    toLittleEndian32(raw);
    initializer.push({ name: c.name, dims: c.dims, dataType: DT.FLOAT, rawData: raw });
  }
  for (const c of g.constants) {
    const raw = new Uint8Array(8 * c.int64.length);
    const dv = new DataView(raw.buffer);
    c.int64.forEach((v, k) => dv.setBigInt64(8 * k, BigInt(v), true));
    initializer.push({ name: c.name, dims: c.dims, dataType: DT.INT64, rawData: raw });
  }

  const inputShape: Array<number | string> = [batch, ...g.input.shape];
  const outputShape: Array<number | string> = [batch, ...g.output.shape];
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'fleetbench-zoo',
    producerVersion: RECIPE_FORMAT,
    docString: `${o.modelName}: PaddleClas architecture with deterministic (untrained) weights, seed ${o.seed}`,
    graph: {
      name: o.modelName,
      node: g.nodes.map((n) => ({
        name: n.name,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: n.attributes.map(([k, v]) => attribute(k, v)),
      })),
      initializer,
      input: [valueInfo(g.input.name, inputShape, dtype)],
      output: [
        valueInfo(g.output.name, outputShape, dtype),
        ...g.extraOutputs.map((t) => valueInfo(t.name, [batch, ...t.shape], dtype)),
      ],
    },
    metadataProps: (o.metadata ?? []).map(([key, value]) => ({ key, value })),
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  const hash = createHash('sha256').update(bytes);
  const externalData: ExternalDataFile[] = files.map((f) => ({ path: f.path, bytes: f.bytes! }));
  for (const f of externalData) {
    hash.update(utf8(f.path));
    hash.update(new Uint8Array([0]));
    hash.update(f.bytes);
  }
  return {
    bytes,
    externalData,
    sha256: hash.digest('hex'),
    inputs: [{ name: g.input.name, dtype, shape: inputShape }],
    outputs: [
      { name: g.output.name, dtype, shape: outputShape },
      ...g.extraOutputs.map((t) => ({ name: t.name, dtype, shape: [batch, ...t.shape] })),
    ],
    weightBytes,
  };
}
