/**
 * A small graph-building DSL for inference graphs. It records nodes, parameter *specs* (shape, initialiser kind,
 * fan-in), output shapes, parameter counts and multiply-accumulates as the graph is built, and never allocates a
 * weight: describing even the 829M-parameter ResNeXt101_32x48d_wsl takes milliseconds. The ONNX serialiser
 * (onnx-serialiser.ts) materialises deterministic weights from the recorded specs.
 *
 * Shapes are per sample, [C, H, W] (or [F] after flattening); the batch dimension is symbolic ("N") in the graph.
 */

export interface Tensor {
  readonly name: string;
  /** Per-sample shape, without the batch dimension. */
  readonly shape: readonly number[];
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

export interface NodeSpec {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  /** Attributes in insertion order (the serialiser keeps that order, so bytes never depend on Map ordering). */
  attributes: Array<[string, AttributeValue]>;
}

/** How the serialiser fills a parameter. `fanIn` scales the `kaiming` kind to variance 1/fanIn. */
export type ParamInit = 'kaiming' | 'bias' | 'bnScale' | 'bnBias' | 'bnMean' | 'bnVar';

export interface ParamSpec {
  name: string;
  dims: number[];
  init: ParamInit;
  fanIn: number;
  /** False for BatchNorm running statistics: PaddleClas 2.0 counted only trainable parameters. */
  trainable: boolean;
}

/** An int64 constant (Reshape shapes, Split sizes): no weights, not counted as parameters. */
export interface ConstantSpec {
  name: string;
  dims: number[];
  int64: number[];
}

export interface StageInfo {
  name: string;
  shape: number[];
}

export interface ConvOptions {
  stride?: number | [number, number];
  /** Symmetric padding per axis; defaults to "same" for odd kernels (k >> 1), times dilation. */
  pad?: number | [number, number];
  /** Explicit [top, left, bottom, right] padding (wins over `pad`). */
  pads?: [number, number, number, number];
  groups?: number;
  dilation?: number;
  bias?: boolean;
}

export type Activation = 'relu' | 'relu6' | 'leaky' | 'swish' | 'hardswish' | 'sigmoid' | 'hardsigmoid' | 'none';

export interface ArchitectureCounters {
  convs: number;
  groupedConvs: number;
  depthwiseConvs: number;
  batchNorms: number;
  fullyConnected: number;
  seBlocks: number;
  /** Parallel paths that start from one tensor (inception branches, two-path shuffle units, HRNet streams...). */
  branches: number;
  residualAdds: number;
  concats: number;
}

function pair(v: number | [number, number]): [number, number] {
  return Array.isArray(v) ? v : [v, v];
}

function outDim(size: number, k: number, s: number, p0: number, p1: number, d: number, ceil = false): number {
  const eff = (k - 1) * d + 1;
  const num = size + p0 + p1 - eff;
  return (ceil ? Math.ceil(num / s) : Math.floor(num / s)) + 1;
}

export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly params: ParamSpec[] = [];
  readonly constants: ConstantSpec[] = [];
  readonly stages: StageInfo[] = [];
  readonly counters: ArchitectureCounters = {
    convs: 0,
    groupedConvs: 0,
    depthwiseConvs: 0,
    batchNorms: 0,
    fullyConnected: 0,
    seBlocks: 0,
    branches: 0,
    residualAdds: 0,
    concats: 0,
  };
  /** Multiply-accumulates of convolutions and fully connected layers (what paddle.flops and the papers count). */
  macs = 0;
  /**
   * FLOPs as paddle.flops (PaddleClas 2.3) counts them: conv = output × (kernel ops + bias), fc = in × out,
   * BN = 2 × elements, average pools = output elements (adaptive: × window + 1), activations and adds free.
   */
  paddleFlops = 0;
  private nextId = 0;
  private readonly scopes: string[] = [];
  readonly input: Tensor;
  output: Tensor | undefined;
  /** Graph outputs after `output`, in order (models with several outputs). */
  readonly extraOutputs: Tensor[] = [];
  private nchwInput: Tensor | undefined;

  constructor(
    readonly inputSize: number,
    readonly inputName = 'x',
    channels = 3,
    /** NHWC: the graph input is [H, W, C] (TensorFlow convention) and `image` transposes it once to [C, H, W]. */
    readonly inputLayout: 'NCHW' | 'NHWC' = 'NCHW',
  ) {
    this.input =
      inputLayout === 'NHWC'
        ? { name: inputName, shape: [inputSize, inputSize, channels] }
        : { name: inputName, shape: [channels, inputSize, inputSize] };
  }

  /** The input as [C, H, W] (a Transpose of an NHWC input, made once). */
  get image(): Tensor {
    if (this.inputLayout === 'NCHW') return this.input;
    if (!this.nchwInput) {
      const [h, w, c] = this.input.shape as [number, number, number];
      // A fixed name (not from the counter), so every later node and weight is named, and seeded, as in NCHW.
      const name = `${this.input.name}.nchw`;
      this.nodes.push({
        name,
        op: 'Transpose',
        inputs: [this.input.name],
        outputs: [name],
        attributes: [['perm', { kind: 'ints', value: [0, 3, 1, 2] }]],
      });
      this.nchwInput = { name, shape: [c, h, w] };
    }
    return this.nchwInput;
  }

  /** Runs `body` with `name` prefixed to every node and parameter it creates (readable, stable names). */
  scope<T>(name: string, body: () => T): T {
    this.scopes.push(name);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  private fresh(kind: string): string {
    const prefix = this.scopes.length ? `${this.scopes.join('.')}.` : '';
    return `${prefix}${kind}_${this.nextId++}`;
  }

  private addNode(op: string, inputs: string[], attributes: Array<[string, AttributeValue]>, outputs = 1): string[] {
    const name = this.fresh(op.toLowerCase());
    const outs = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}:${i}`));
    this.nodes.push({ name, op, inputs, outputs: outs, attributes });
    return outs;
  }

  private param(base: string, dims: number[], init: ParamInit, fanIn: number, trainable = true): string {
    const name = `${base}.${init === 'kaiming' ? 'weight' : init}`;
    this.params.push({ name, dims, init, fanIn, trainable });
    return name;
  }

  private int64Constant(values: number[]): string {
    const name = this.fresh('const');
    this.constants.push({ name, dims: [values.length], int64: values });
    return name;
  }

  markStage(name: string, t: Tensor): Tensor {
    this.stages.push({ name, shape: [...t.shape] });
    return t;
  }

  /** Records `n` parallel branches that start from one tensor (for structure tests). */
  branch(n: number): void {
    this.counters.branches += n;
  }

  conv(x: Tensor, outChannels: number, kernel: number | [number, number], o: ConvOptions = {}): Tensor {
    const [c, h, w] = x.shape as [number, number, number];
    const [kh, kw] = pair(kernel);
    const [sh, sw] = pair(o.stride ?? 1);
    const d = o.dilation ?? 1;
    const groups = o.groups ?? 1;
    if (c % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`conv groups ${groups} do not divide channels ${c}→${outChannels}`);
    }
    const [ph, pw] = pair(o.pad ?? [((kh - 1) * d) >> 1, ((kw - 1) * d) >> 1]);
    const pads = o.pads ?? [ph, pw, ph, pw];
    const oh = outDim(h, kh, sh, pads[0], pads[2], d);
    const ow = outDim(w, kw, sw, pads[1], pads[3], d);
    const base = this.fresh('conv');
    const fanIn = (c / groups) * kh * kw;
    const wName = this.param(base, [outChannels, c / groups, kh, kw], 'kaiming', fanIn);
    const inputs = [x.name, wName];
    if (o.bias) inputs.push(this.param(base, [outChannels], 'bias', fanIn));
    const attrs: Array<[string, AttributeValue]> = [
      ['dilations', { kind: 'ints', value: [d, d] }],
      ['group', { kind: 'int', value: groups }],
      ['kernel_shape', { kind: 'ints', value: [kh, kw] }],
      ['pads', { kind: 'ints', value: [...pads] }],
      ['strides', { kind: 'ints', value: [sh, sw] }],
    ];
    const [out] = this.addNode('Conv', inputs, attrs);
    this.macs += outChannels * oh * ow * fanIn;
    this.paddleFlops += outChannels * oh * ow * (fanIn + (o.bias ? 1 : 0));
    this.counters.convs++;
    if (groups > 1) {
      if (groups === c && groups === outChannels) this.counters.depthwiseConvs++;
      else this.counters.groupedConvs++;
    }
    return { name: out!, shape: [outChannels, oh, ow] };
  }

  bn(x: Tensor, epsilon = 1e-5): Tensor {
    const ch = x.shape[0]!;
    const base = this.fresh('bn');
    const inputs = [
      x.name,
      this.param(base, [ch], 'bnScale', 1),
      this.param(base, [ch], 'bnBias', 1),
      this.param(base, [ch], 'bnMean', 1, false),
      this.param(base, [ch], 'bnVar', 1, false),
    ];
    this.paddleFlops += 2 * x.shape.reduce((a, v) => a * v, 1);
    const [out] = this.addNode('BatchNormalization', inputs, [['epsilon', { kind: 'float', value: epsilon }]]);
    this.counters.batchNorms++;
    return { name: out!, shape: x.shape };
  }

  act(x: Tensor, a: Activation): Tensor {
    switch (a) {
      case 'none':
        return x;
      case 'relu':
        return this.unary(x, 'Relu');
      case 'sigmoid':
        return this.unary(x, 'Sigmoid');
      case 'relu6': {
        const [out] = this.addNode('Clip', [x.name, this.floatScalar(0), this.floatScalar(6)], []);
        return { name: out!, shape: x.shape };
      }
      case 'leaky': {
        const [out] = this.addNode('LeakyRelu', [x.name], [['alpha', { kind: 'float', value: 0.1 }]]);
        return { name: out!, shape: x.shape };
      }
      case 'hardsigmoid': {
        // Paddle's hard_sigmoid (slope 0.2, offset 0.5), as MobileNetV3's SE uses it.
        const [out] = this.addNode(
          'HardSigmoid',
          [x.name],
          [
            ['alpha', { kind: 'float', value: 0.2 }],
            ['beta', { kind: 'float', value: 0.5 }],
          ],
        );
        return { name: out!, shape: x.shape };
      }
      case 'swish':
        return this.mul(x, this.unary(x, 'Sigmoid'));
      case 'hardswish': {
        // HardSwish is opset 14; opset 13 spells it x * HardSigmoid(x; 1/6, 0.5).
        const [hs] = this.addNode(
          'HardSigmoid',
          [x.name],
          [
            ['alpha', { kind: 'float', value: 1 / 6 }],
            ['beta', { kind: 'float', value: 0.5 }],
          ],
        );
        return this.mul(x, { name: hs!, shape: x.shape });
      }
    }
  }

  /** Fixed float constants (Clip bounds, Resize scales): not weights, not counted as parameters. */
  readonly floatConstants: Array<{ name: string; dims: number[]; values: number[]; float32?: true }> = [];
  private floatScalar(v: number): string {
    const name = `clip_bound_${v}`;
    if (!this.floatConstants.some((c) => c.name === name)) this.floatConstants.push({ name, dims: [], values: [v] });
    return name;
  }

  private unary(x: Tensor, op: string): Tensor {
    const [out] = this.addNode(op, [x.name], []);
    return { name: out!, shape: x.shape };
  }

  /** conv → BN → activation, the PaddleClas ConvBNLayer. */
  convBn(x: Tensor, out: number, k: number | [number, number], a: Activation = 'relu', o: ConvOptions = {}): Tensor {
    return this.act(this.bn(this.conv(x, out, k, o)), a);
  }

  /** BN → activation → conv (pre-activation, DenseNet/DPN). */
  bnActConv(x: Tensor, out: number, k: number | [number, number], o: ConvOptions = {}, a: Activation = 'relu'): Tensor {
    return this.conv(this.act(this.bn(x), a), out, k, o);
  }

  add(a: Tensor, b: Tensor): Tensor {
    this.sameShape(a, b, 'Add');
    const [out] = this.addNode('Add', [a.name, b.name], []);
    this.counters.residualAdds++;
    return { name: out!, shape: a.shape };
  }

  /** Elementwise product; `b` may be [C,1,1] (SE scaling) and broadcasts. */
  mul(a: Tensor, b: Tensor): Tensor {
    const [out] = this.addNode('Mul', [a.name, b.name], []);
    return { name: out!, shape: a.shape };
  }

  concat(xs: Tensor[]): Tensor {
    const [, h, w] = xs[0]!.shape;
    for (const t of xs) {
      if (t.shape[1] !== h || t.shape[2] !== w) {
        throw new Error(`concat of mismatched shapes ${xs.map((s) => s.shape.join('x')).join(', ')}`);
      }
    }
    const [out] = this.addNode(
      'Concat',
      xs.map((t) => t.name),
      [['axis', { kind: 'int', value: 1 }]],
    );
    this.counters.concats++;
    const c = xs.reduce((s, t) => s + t.shape[0]!, 0);
    return { name: out!, shape: [c, h!, w!] };
  }

  /** Splits channels into the given sizes. */
  split(x: Tensor, sizes: number[]): Tensor[] {
    const total = sizes.reduce((s, v) => s + v, 0);
    if (total !== x.shape[0]) throw new Error(`split ${sizes.join('+')} ≠ ${x.shape[0]} channels`);
    const outs = this.addNode(
      'Split',
      [x.name, this.int64Constant(sizes)],
      [['axis', { kind: 'int', value: 1 }]],
      sizes.length,
    );
    return outs.map((name, i) => ({ name, shape: [sizes[i]!, ...x.shape.slice(1)] }));
  }

  /** Keeps the first `channels` channels (GhostNet trims its concatenation to the output width). */
  sliceChannels(x: Tensor, channels: number): Tensor {
    if (channels === x.shape[0]) return x;
    return this.split(x, [channels, x.shape[0]! - channels])[0]!;
  }

  maxPool(x: Tensor, k: number, s: number, pad = 0, ceil = false): Tensor {
    return this.pool('MaxPool', x, k, s, pad, ceil);
  }

  avgPool(x: Tensor, k: number, s: number, pad = 0, ceil = false, countIncludePad = false): Tensor {
    return this.pool('AveragePool', x, k, s, pad, ceil, countIncludePad);
  }

  private pool(
    op: string,
    x: Tensor,
    k: number,
    s: number,
    pad: number,
    ceil: boolean,
    countIncludePad = false,
  ): Tensor {
    const [c, h, w] = x.shape as [number, number, number];
    const attrs: Array<[string, AttributeValue]> = [];
    if (ceil) attrs.push(['ceil_mode', { kind: 'int', value: 1 }]);
    if (op === 'AveragePool' && countIncludePad) attrs.push(['count_include_pad', { kind: 'int', value: 1 }]);
    attrs.push(['kernel_shape', { kind: 'ints', value: [k, k] }]);
    attrs.push(['pads', { kind: 'ints', value: [pad, pad, pad, pad] }]);
    attrs.push(['strides', { kind: 'ints', value: [s, s] }]);
    let oh = outDim(h, k, s, pad, pad, 1, ceil);
    let ow = outDim(w, k, s, pad, pad, 1, ceil);
    // ONNX/PyTorch rule: with ceil_mode the last window must start inside the (left-padded) input.
    if (ceil && (oh - 1) * s >= h + pad) oh--;
    if (ceil && (ow - 1) * s >= w + pad) ow--;
    const [out] = this.addNode(op, [x.name], attrs);
    if (op === 'AveragePool') this.paddleFlops += c * oh * ow;
    return { name: out!, shape: [c, oh, ow] };
  }

  globalAvgPool(x: Tensor): Tensor {
    this.paddleFlops += x.shape[0]! * (x.shape[1]! * x.shape[2]! + 1);
    const [out] = this.addNode('GlobalAveragePool', [x.name], []);
    return { name: out!, shape: [x.shape[0]!, 1, 1] };
  }

  /** Nearest-neighbour upsampling by an integer factor (HRNet fuse layers). */
  upsample(x: Tensor, factor: number): Tensor {
    const [c, h, w] = x.shape as [number, number, number];
    const scales = this.fresh('scales');
    // Resize scales are float32 in every ONNX variant of the graph (float32: true keeps them so in fp16 builds).
    this.floatConstants.push({ name: scales, dims: [4], values: [1, 1, factor, factor], float32: true });
    const [out] = this.addNode(
      'Resize',
      [x.name, '', scales],
      [
        ['mode', { kind: 'string', value: 'nearest' }],
        ['nearest_mode', { kind: 'string', value: 'floor' }],
      ],
    );
    return { name: out!, shape: [c, h * factor, w * factor] };
  }

  flatten(x: Tensor): Tensor {
    const [out] = this.addNode('Flatten', [x.name], [['axis', { kind: 'int', value: 1 }]]);
    return { name: out!, shape: [x.shape.reduce((a, b) => a * b, 1)] };
  }

  /** Fully connected layer with bias (Gemm, weight [out, in]). */
  fc(x: Tensor, out: number): Tensor {
    if (x.shape.length !== 1) x = this.flatten(x);
    const inF = x.shape[0]!;
    const base = this.fresh('fc');
    const wName = this.param(base, [out, inF], 'kaiming', inF);
    const bName = this.param(base, [out], 'bias', inF);
    const [o] = this.addNode('Gemm', [x.name, wName, bName], [['transB', { kind: 'int', value: 1 }]]);
    this.macs += inF * out;
    this.paddleFlops += inF * out;
    this.counters.fullyConnected++;
    return { name: o!, shape: [out] };
  }

  /** Squeeze-and-excitation: global pool → 1x1 (bias) → act → 1x1 (bias) → gate → scale. */
  se(x: Tensor, squeezed: number, inner: Activation = 'relu', gate: Activation = 'sigmoid'): Tensor {
    return this.scope('se', () => {
      const c = x.shape[0]!;
      let s = this.globalAvgPool(x);
      s = this.act(this.conv(s, squeezed, 1, { bias: true }), inner);
      s = this.act(this.conv(s, c, 1, { bias: true }), gate);
      this.counters.seBlocks++;
      return this.mul(x, s);
    });
  }

  /** Channel shuffle via Reshape→Transpose→Reshape; 0 in a shape copies the (symbolic) batch dimension. */
  channelShuffle(x: Tensor, groups: number): Tensor {
    const [c, h, w] = x.shape as [number, number, number];
    const [r1] = this.addNode('Reshape', [x.name, this.int64Constant([0, groups, c / groups, h, w])], []);
    const [t] = this.addNode('Transpose', [r1!], [['perm', { kind: 'ints', value: [0, 2, 1, 3, 4] }]]);
    const [r2] = this.addNode('Reshape', [t!, this.int64Constant([0, c, h, w])], []);
    return { name: r2!, shape: x.shape };
  }

  /** Reshape to a per-sample shape (the batch dimension is kept): e.g. [C] → [C, 1, 1] as Caffe models output. */
  reshape(x: Tensor, shape: number[]): Tensor {
    const [out] = this.addNode('Reshape', [x.name, this.int64Constant([0, ...shape])], []);
    return { name: out!, shape };
  }

  /** x · factor (a constant). */
  scale(x: Tensor, factor: number): Tensor {
    const [out] = this.addNode('Mul', [x.name, this.floatScalar(factor)], []);
    return { name: out!, shape: x.shape };
  }

  /** Softmax over the last axis. */
  softmax(x: Tensor): Tensor {
    const [out] = this.addNode('Softmax', [x.name], [['axis', { kind: 'int', value: -1 }]]);
    return { name: out!, shape: x.shape };
  }

  /** [C] → [C + 1] with a "background" class at index 0 scored below every other class (TF-slim 1001 classes). */
  prependBackground(x: Tensor): Tensor {
    const [min] = this.addNode(
      'ReduceMin',
      [x.name],
      [
        ['axes', { kind: 'ints', value: [1] }],
        ['keepdims', { kind: 'int', value: 1 }],
      ],
    );
    const [bg] = this.addNode('Sub', [min!, this.floatScalar(1)], []);
    const [out] = this.addNode('Concat', [bg!, x.name], [['axis', { kind: 'int', value: 1 }]]);
    return { name: out!, shape: [x.shape[0]! + 1] };
  }

  /** Adds a further graph output (after `output`). */
  addOutput(x: Tensor, name: string): Tensor {
    this.addNode('Identity', [x.name], []);
    this.nodes[this.nodes.length - 1]!.outputs = [name];
    const t = { name, shape: x.shape };
    this.extraOutputs.push(t);
    return t;
  }

  /** Marks the graph output. */
  finish(x: Tensor, name = 'logits'): Tensor {
    this.addNode('Identity', [x.name], []);
    this.nodes[this.nodes.length - 1]!.outputs = [name];
    this.output = { name, shape: x.shape };
    return this.output;
  }

  private sameShape(a: Tensor, b: Tensor, op: string): void {
    if (a.shape.join('x') !== b.shape.join('x')) {
      throw new Error(`${op} of mismatched shapes ${a.shape.join('x')} and ${b.shape.join('x')}`);
    }
  }

  /** Parameter counts: trainable (PaddleClas 2.0 convention) and all, with BN running statistics (2.3). */
  paramCounts(): { trainable: number; total: number } {
    let trainable = 0;
    let total = 0;
    for (const p of this.params) {
      const n = p.dims.reduce((a, b) => a * b, 1);
      total += n;
      if (p.trainable) trainable += n;
    }
    return { trainable, total };
  }
}
