import { onnx } from 'onnx-proto';

/**
 * FLOPs of one inference at batch 1, counted from the graph: Conv, Gemm and MatMul (and their quantized QLinear
 * forms, whose integer multiply-adds count the same), 2 operations per multiply-add; element-wise work, pooling
 * and biases are ignored (they are a few % of a CNN). Shapes are propagated from the inputs (symbolic dimensions
 * = 1) through the common operators, with a little constant folding for Shape→Gather/Slice→Concat→Reshape chains;
 * Split, Slice, Reshape and Transpose carry the shapes of a ShuffleNet channel shuffle, Resize/Upsample those of
 * HRNet-style upsampling (constant scales or sizes).
 * Returns null when some Conv/Gemm/MatMul has a shape that cannot be known statically.
 */
export function countFlops(modelBytes: Uint8Array): { flops: number; counted: number } | null {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) return null;
  const shapes = new Map<string, number[]>();
  const consts = new Map<string, number[]>();
  const floats = new Map<string, number[]>();
  for (const init of graph.initializer ?? []) {
    const dims = (init.dims ?? []).map(Number);
    shapes.set(init.name ?? '', dims);
    const values = intValues(init);
    if (values) consts.set(init.name ?? '', values);
    const f = floatValues(init);
    if (f) floats.set(init.name ?? '', f);
  }
  for (const input of graph.input ?? []) {
    if (shapes.has(input.name ?? '')) continue;
    const dims = input.type?.tensorType?.shape?.dim;
    if (!dims) continue;
    shapes.set(
      input.name ?? '',
      dims.map((d) =>
        d.dimValue !== null && d.dimValue !== undefined && Number(d.dimValue) > 0 ? Number(d.dimValue) : 1,
      ),
    );
  }
  let flops = 0;
  let counted = 0;
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const ins = (node.input ?? []).map((n) => shapes.get(n));
    const attr = attributes(node);
    const out = node.output?.[0] ?? '';
    const set = (shape: number[] | undefined) => {
      if (shape) shapes.set(out, shape);
    };
    switch (op) {
      case 'Conv':
      case 'QLinearConv': {
        const x = ins[0];
        const w = op === 'Conv' ? ins[1] : ins[3];
        if (!x || !w) return null;
        const y = convShape(x, w[0], w.slice(2), attr);
        const group = Number(attr.group ?? 1);
        flops += 2 * y.reduce((a, b) => a * b, 1) * (x[1] / group) * w.slice(2).reduce((a, b) => a * b, 1);
        counted++;
        set(y);
        break;
      }
      case 'MatMul':
      case 'QLinearMatMul': {
        const a = ins[0];
        const b = op === 'MatMul' ? ins[1] : ins[3];
        if (!a || !b) return null;
        const m = a.length >= 2 ? a[a.length - 2] : 1;
        const k = a[a.length - 1];
        const n = b[b.length - 1];
        const batch = a.slice(0, -2).reduce((p, q) => p * q, 1);
        flops += 2 * batch * m * k * n;
        counted++;
        set([...a.slice(0, -1), n]);
        break;
      }
      case 'Gemm': {
        const a = ins[0];
        const b = ins[1];
        if (!a || !b) return null;
        const [m, k] = Number(attr.transA ?? 0) ? [a[1], a[0]] : [a[0], a[1]];
        const n = Number(attr.transB ?? 0) ? b[0] : b[1];
        flops += 2 * m * k * n;
        counted++;
        set([m, n]);
        break;
      }
      case 'MaxPool':
      case 'AveragePool':
      case 'QLinearAveragePool':
        if (ins[0]) set(convShape(ins[0], ins[0][1], (attr.kernel_shape as number[]) ?? [], attr));
        break;
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
      case 'QLinearGlobalAveragePool':
        if (ins[0])
          set(
            Number(attr.channels_last ?? 0)
              ? [ins[0][0], ...ins[0].slice(1, -1).map(() => 1), ins[0][ins[0].length - 1]]
              : [ins[0][0], ins[0][1], ...ins[0].slice(2).map(() => 1)],
          );
        break;
      case 'Flatten': {
        const x = ins[0];
        if (!x) break;
        const axis = norm(Number(attr.axis ?? 1), x.length);
        set([x.slice(0, axis).reduce((a, b) => a * b, 1), x.slice(axis).reduce((a, b) => a * b, 1)]);
        break;
      }
      case 'Reshape': {
        const x = ins[0];
        const target = consts.get(node.input?.[1] ?? '') ?? (attr.shape as number[] | undefined);
        if (!x || !target) break;
        const total = x.reduce((a, b) => a * b, 1);
        const dims = target.map((d, i) => (d === 0 ? x[i] : d));
        const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        set(dims.map((d) => (d === -1 ? total / known : d)));
        break;
      }
      case 'Split': {
        const x = ins[0];
        if (!x) break;
        const axis = norm(Number(attr.axis ?? 0), x.length);
        const outs = node.output ?? [];
        const given = consts.get(node.input?.[1] ?? '') ?? (attr.split as number[] | undefined);
        // Without sizes: equal parts (opset 18 num_outputs allows a smaller last part).
        const each = Math.ceil(x[axis] / Math.max(1, outs.length));
        const parts =
          given && given.length === outs.length
            ? given
            : outs.map((_, i) => Math.max(0, Math.min(each, x[axis] - i * each)));
        outs.forEach((name, i) => {
          const y = [...x];
          y[axis] = parts[i]!;
          shapes.set(name, y);
        });
        break;
      }
      case 'Slice': {
        const x = ins[0];
        // opset ≥ 10: starts, ends, axes, steps as inputs; opset 1: attributes.
        const arg = (k: number, name: string) =>
          node.input?.[k] ? consts.get(node.input[k]!) : (attr[name] as number[] | undefined);
        const starts = arg(1, 'starts');
        const ends = arg(2, 'ends');
        if (!x || !starts || !ends) break;
        const axes = arg(3, 'axes') ?? starts.map((_, i) => i);
        const steps = (node.input?.[4] ? consts.get(node.input[4]!) : undefined) ?? starts.map(() => 1);
        const y = [...x];
        const ranges: Array<[number, number, number]> = [];
        axes.forEach((a0, i) => {
          const a = norm(a0, x.length);
          const d = x[a]!;
          const step = steps[i] ?? 1;
          let start = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
          let end = ends[i]! < 0 ? ends[i]! + d : ends[i]!;
          if (step > 0) {
            start = Math.min(Math.max(start, 0), d);
            end = Math.min(Math.max(end, 0), d);
          } else {
            start = Math.min(Math.max(start, 0), d - 1);
            end = Math.min(Math.max(end, -1), d - 1);
          }
          y[a] = Math.max(0, Math.ceil((end - start) / step));
          if (a === 0) ranges.push([start, end, step]);
        });
        set(y);
        // Shape → Slice (a constant 1-D tensor, step 1): fold the values too.
        const c = consts.get(node.input?.[0] ?? '');
        if (c && x.length === 1 && ranges.length === 1 && ranges[0]![2] === 1)
          consts.set(out, c.slice(ranges[0]![0], ranges[0]![1]));
        break;
      }
      case 'Resize':
      case 'Upsample': {
        const x = ins[0];
        if (!x) break;
        const sizes = op === 'Resize' ? consts.get(node.input?.[3] ?? '') : undefined;
        const scales = floats.get(node.input?.[op === 'Resize' ? 2 : 1] ?? '') ?? (attr.scales as number[] | undefined);
        if (sizes && sizes.length === x.length) set(sizes);
        else if (scales && scales.length === x.length) set(x.map((d, i) => Math.floor(d * scales[i]!)));
        break;
      }
      case 'Transpose':
        if (ins[0]) {
          const perm = (attr.perm as number[]) ?? ins[0].map((_, i) => ins[0]!.length - 1 - i);
          set(perm.map((p) => ins[0]![p]));
        }
        break;
      case 'Concat': {
        const parts = (node.input ?? []).map((n) => consts.get(n));
        if (parts.every((p) => p)) {
          consts.set(out, parts.flat() as number[]);
          shapes.set(out, [parts.flat().length]);
          break;
        }
        const first = ins[0];
        if (!first || ins.some((s) => !s)) break;
        const axis = norm(Number(attr.axis ?? 0), first.length);
        const y = [...first];
        y[axis] = ins.reduce((a, s) => a + (s as number[])[axis], 0);
        set(y);
        break;
      }
      case 'Shape':
        if (ins[0]) {
          consts.set(out, ins[0]);
          set([ins[0].length]);
        }
        break;
      case 'Gather': {
        const data = consts.get(node.input?.[0] ?? '');
        const idx = consts.get(node.input?.[1] ?? '');
        if (data && idx) {
          const v = idx.map((i) => data[i < 0 ? i + data.length : i]);
          consts.set(out, v);
          set(ins[1]?.length === 0 ? [] : [v.length]);
        }
        break;
      }
      case 'Unsqueeze':
      case 'Squeeze': {
        const c = consts.get(node.input?.[0] ?? '');
        if (c) {
          consts.set(out, c);
          set([c.length]);
          break;
        }
        const x = ins[0];
        const axes = (attr.axes as number[]) ?? consts.get(node.input?.[1] ?? '');
        if (!x) break;
        if (op === 'Squeeze') {
          const ax = (axes ?? x.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => norm(a, x.length));
          set(x.filter((_, i) => !ax.includes(i)));
        } else if (axes) {
          const y = [...x];
          for (const a of [...axes].map((a) => norm(a, x.length + axes.length)).sort((p, q) => p - q))
            y.splice(a, 0, 1);
          set(y);
        }
        break;
      }
      case 'Constant': {
        const t = node.attribute?.find((a) => a.name === 'value')?.t;
        if (t) {
          shapes.set(out, (t.dims ?? []).map(Number));
          const v = intValues(t);
          if (v) consts.set(out, v);
        }
        break;
      }
      case 'QLinearAdd':
      case 'QLinearMul':
        set(broadcast(ins[0], ins[3]));
        break;
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Pow':
      case 'Max':
      case 'Min':
        set(broadcast(ins[0], ins[1]));
        break;
      default:
        // Unary and shape-preserving operators (Relu, Clip, BatchNormalization, Quantize/DequantizeLinear, Cast,
        // Softmax, Sigmoid, HardSwish, Dropout, Identity, LRN, ...).
        if (ins[0]) set(ins[0]);
    }
  }
  return counted > 0 ? { flops, counted } : null;
}

type Attrs = Record<string, number | string | number[]>;

function attributes(node: onnx.INodeProto): Attrs {
  const out: Attrs = {};
  for (const a of node.attribute ?? []) {
    if (a.ints && a.ints.length) out[a.name ?? ''] = a.ints.map(Number);
    else if (a.floats && a.floats.length) out[a.name ?? ''] = a.floats.map(Number);
    else if (a.s && a.s.length) out[a.name ?? ''] = Buffer.from(a.s).toString('utf8');
    else if (a.i !== null && a.i !== undefined) out[a.name ?? ''] = Number(a.i);
  }
  return out;
}

function convShape(x: number[], outChannels: number, kernel: number[], attr: Attrs): number[] {
  const spatial = x.slice(2);
  const strides = (attr.strides as number[]) ?? spatial.map(() => 1);
  const dilations = (attr.dilations as number[]) ?? spatial.map(() => 1);
  const pads = (attr.pads as number[]) ?? spatial.flatMap(() => [0, 0]);
  const autoPad = (attr.auto_pad as string) ?? 'NOTSET';
  const y = spatial.map((size, i) => {
    const k = (kernel[i] - 1) * dilations[i] + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / strides[i]);
    if (autoPad === 'VALID') return Math.floor((size - k) / strides[i]) + 1;
    const ceil = Number(attr.ceil_mode ?? 0) ? Math.ceil : Math.floor;
    return ceil((size + pads[i] + pads[i + spatial.length] - k) / strides[i]) + 1;
  });
  return [x[0], outChannels, ...y];
}

function broadcast(a: number[] | undefined, b: number[] | undefined): number[] | undefined {
  if (!a) return b;
  if (!b) return a;
  const n = Math.max(a.length, b.length);
  const pa = [...Array(n - a.length).fill(1), ...a];
  const pb = [...Array(n - b.length).fill(1), ...b];
  return pa.map((d, i) => Math.max(d, pb[i]));
}

function norm(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** float32 values of a small tensor (Resize scales). */
function floatValues(t: onnx.ITensorProto): number[] | null {
  if (t.dataType !== 1) return null;
  if (t.floatData && t.floatData.length) return t.floatData.length <= 64 ? t.floatData.map(Number) : null;
  const raw = t.rawData;
  if (!raw || raw.length > 4 * 64) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= raw.length; i += 4) out.push(view.getFloat32(i, true));
  return out;
}

/** int64/int32 tensor values, for constant folding of shapes (small tensors only). */
function intValues(t: onnx.ITensorProto): number[] | null {
  const INT64 = 7;
  const INT32 = 6;
  if (t.dataType !== INT64 && t.dataType !== INT32) return null;
  if (t.int64Data && t.int64Data.length) return t.int64Data.map(Number);
  if (t.int32Data && t.int32Data.length) return t.int32Data.map(Number);
  const raw = t.rawData;
  if (!raw || raw.length > 8 * 64) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  if (t.dataType === INT64) for (let i = 0; i + 8 <= raw.length; i += 8) out.push(Number(view.getBigInt64(i, true)));
  else for (let i = 0; i + 4 <= raw.length; i += 4) out.push(view.getInt32(i, true));
  return out;
}
