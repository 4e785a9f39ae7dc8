/**
 * Mobile families as PaddleClas defines them: MobileNetV1 (Howard et al. 2017), MobileNetV2 (Sandler et al. 2018),
 * MobileNetV3 (Howard et al. 2019), ShuffleNetV2 (Ma et al. 2018), GhostNet (Han et al. 2020) and
 * EfficientNet (Tan & Le 2019).
 */
import type { Activation, GraphBuilder, Tensor } from '../graph/graph-builder';

export function makeDivisible(v: number, divisor = 8, minValue?: number): number {
  const min = minValue ?? divisor;
  let n = Math.max(min, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

export function mobileNetV1(b: GraphBuilder, scale: number): Tensor {
  const s = (c: number) => Math.floor(c * scale);
  let x = b.convBn(b.input, s(32), 3, 'relu', { stride: 2 });
  b.markStage('stem', x);
  // (in, out, stride) of each depthwise-separable block, in channels before scaling.
  const cfg: Array<[number, number]> = [
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
    [512, 2],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [1024, 2],
    [1024, 1],
  ];
  let stage = 1;
  cfg.forEach(([out, stride], i) => {
    b.scope(`block${i + 1}`, () => {
      const c = x.shape[0]!;
      x = b.convBn(x, c, 3, 'relu', { stride, groups: c });
      x = b.convBn(x, s(out), 1, 'relu');
    });
    const next = cfg[i + 1];
    if (!next || next[1] === 2) b.markStage(`stage${stage++}`, x);
  });
  return b.fc(b.globalAvgPool(x), 1000);
}

export function mobileNetV2(b: GraphBuilder, scale: number): Tensor {
  const cfg: Array<[number, number, number, number]> = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let x = b.convBn(b.input, Math.floor(32 * scale), 3, 'relu6', { stride: 2 });
  b.markStage('stem', x);
  cfg.forEach(([t, c, n, s], gi) => {
    b.scope(`group${gi + 1}`, () => {
      for (let i = 0; i < n; i++) {
        const stride = i === 0 ? s : 1;
        const inC = x.shape[0]!;
        const out = Math.floor(c * scale);
        // PaddleClas keeps the 1x1 expansion even when t = 1.
        let y = b.convBn(x, Math.round(inC * t), 1, 'relu6');
        y = b.convBn(y, y.shape[0]!, 3, 'relu6', { stride, groups: y.shape[0]! });
        y = b.convBn(y, out, 1, 'none');
        x = i > 0 ? b.add(x, y) : y;
      }
    });
    b.markStage(`group${gi + 1}`, x);
  });
  x = b.convBn(x, scale > 1 ? Math.floor(1280 * scale) : 1280, 1, 'relu6');
  return b.fc(b.globalAvgPool(x), 1000);
}

type V3Row = [k: number, exp: number, c: number, se: boolean, act: Activation, s: number];
const V3_LARGE: V3Row[] = [
  [3, 16, 16, false, 'relu', 1],
  [3, 64, 24, false, 'relu', 2],
  [3, 72, 24, false, 'relu', 1],
  [5, 72, 40, true, 'relu', 2],
  [5, 120, 40, true, 'relu', 1],
  [5, 120, 40, true, 'relu', 1],
  [3, 240, 80, false, 'hardswish', 2],
  [3, 200, 80, false, 'hardswish', 1],
  [3, 184, 80, false, 'hardswish', 1],
  [3, 184, 80, false, 'hardswish', 1],
  [3, 480, 112, true, 'hardswish', 1],
  [3, 672, 112, true, 'hardswish', 1],
  [5, 672, 160, true, 'hardswish', 2],
  [5, 960, 160, true, 'hardswish', 1],
  [5, 960, 160, true, 'hardswish', 1],
];
const V3_SMALL: V3Row[] = [
  [3, 16, 16, true, 'relu', 2],
  [3, 72, 24, false, 'relu', 2],
  [3, 88, 24, false, 'relu', 1],
  [5, 96, 40, true, 'hardswish', 2],
  [5, 240, 40, true, 'hardswish', 1],
  [5, 240, 40, true, 'hardswish', 1],
  [5, 120, 48, true, 'hardswish', 1],
  [5, 144, 48, true, 'hardswish', 1],
  [5, 288, 96, true, 'hardswish', 2],
  [5, 576, 96, true, 'hardswish', 1],
  [5, 576, 96, true, 'hardswish', 1],
];

export function mobileNetV3(b: GraphBuilder, size: 'large' | 'small', scale: number): Tensor {
  const rows = size === 'large' ? V3_LARGE : V3_SMALL;
  const squeeze = size === 'large' ? 960 : 576;
  let x = b.convBn(b.input, makeDivisible(16 * scale), 3, 'hardswish', { stride: 2 });
  b.markStage('stem', x);
  rows.forEach(([k, exp, c, se, act, s], i) => {
    b.scope(`block${i + 1}`, () => {
      const inC = x.shape[0]!;
      const mid = makeDivisible(scale * exp);
      const out = makeDivisible(scale * c);
      let y = b.convBn(x, mid, 1, act);
      y = b.convBn(y, mid, k, act, { stride: s, groups: mid });
      if (se) y = b.se(y, Math.floor(mid / 4), 'relu', 'hardsigmoid');
      y = b.convBn(y, out, 1, 'none');
      x = s === 1 && inC === out ? b.add(x, y) : y;
    });
    const next = rows[i + 1];
    if (!next || next[5] === 2)
      b.markStage(`stride${2 * 2 ** rows.slice(0, i + 1).filter((r) => r[5] === 2).length}`, x);
  });
  x = b.convBn(x, makeDivisible(scale * squeeze), 1, 'hardswish');
  x = b.globalAvgPool(x);
  x = b.act(b.conv(x, 1280, 1), 'hardswish');
  return b.fc(x, 1000);
}

const SHUFFLE_CHANNELS: Record<string, number[]> = {
  '0.25': [24, 24, 48, 96, 512],
  '0.33': [24, 32, 64, 128, 512],
  '0.5': [24, 48, 96, 192, 1024],
  '1': [24, 116, 232, 464, 1024],
  '1.5': [24, 176, 352, 704, 1024],
  '2': [24, 224, 488, 976, 2048],
};

export function shuffleNetV2(b: GraphBuilder, scale: number, act: Activation = 'relu'): Tensor {
  const ch = SHUFFLE_CHANNELS[String(scale)];
  if (!ch) throw new Error(`ShuffleNetV2 has no x${scale} variant`);
  let x = b.convBn(b.input, ch[0]!, 3, act, { stride: 2 });
  x = b.maxPool(x, 3, 2, 1);
  b.markStage('stem', x);
  [4, 8, 4].forEach((repeats, stage) => {
    const out = ch[stage + 1]!;
    const half = out / 2;
    b.scope(`stage${stage + 2}`, () => {
      for (let i = 0; i < repeats; i++) {
        b.branch(2);
        if (i === 0) {
          const inC = x.shape[0]!;
          let l = b.convBn(x, inC, 3, 'none', { stride: 2, groups: inC });
          l = b.convBn(l, half, 1, act);
          let r = b.convBn(x, half, 1, act);
          r = b.convBn(r, half, 3, 'none', { stride: 2, groups: half });
          r = b.convBn(r, half, 1, act);
          x = b.channelShuffle(b.concat([l, r]), 2);
        } else {
          const [l, r0] = b.split(x, [half, half]);
          let r = b.convBn(r0!, half, 1, act);
          r = b.convBn(r, half, 3, 'none', { groups: half });
          r = b.convBn(r, half, 1, act);
          x = b.channelShuffle(b.concat([l!, r]), 2);
        }
      }
    });
    b.markStage(`stage${stage + 2}`, x);
  });
  x = b.convBn(x, ch[4]!, 1, act);
  return b.fc(b.globalAvgPool(x), 1000);
}

const GHOST_CFG: Array<[k: number, exp: number, c: number, se: boolean, s: number]> = [
  [3, 16, 16, false, 1],
  [3, 48, 24, false, 2],
  [3, 72, 24, false, 1],
  [5, 72, 40, true, 2],
  [5, 120, 40, true, 1],
  [3, 240, 80, false, 2],
  [3, 200, 80, false, 1],
  [3, 184, 80, false, 1],
  [3, 184, 80, false, 1],
  [3, 480, 112, true, 1],
  [3, 672, 112, true, 1],
  [5, 672, 160, true, 2],
  [5, 960, 160, false, 1],
  [5, 960, 160, true, 1],
  [5, 960, 160, false, 1],
  [5, 960, 160, true, 1],
];

function ghostModule(b: GraphBuilder, x: Tensor, out: number, relu: boolean): Tensor {
  const init = Math.ceil(out / 2);
  const a: Activation = relu ? 'relu' : 'none';
  const primary = b.convBn(x, init, 1, a);
  const cheap = b.convBn(primary, init, 3, a, { groups: init });
  return b.sliceChannels(b.concat([primary, cheap]), out);
}

export function ghostNet(b: GraphBuilder, scale: number): Tensor {
  let x = b.convBn(b.input, makeDivisible(16 * scale, 4), 3, 'relu', { stride: 2 });
  b.markStage('stem', x);
  GHOST_CFG.forEach(([k, exp, c, se, s], i) => {
    b.scope(`block${i + 1}`, () => {
      const inC = x.shape[0]!;
      const hidden = makeDivisible(exp * scale, 4);
      const out = makeDivisible(c * scale, 4);
      let y = ghostModule(b, x, hidden, true);
      if (s > 1) y = b.convBn(y, hidden, k, 'none', { stride: s, groups: hidden });
      if (se) y = b.se(y, Math.floor(hidden / 4), 'relu', 'hardsigmoid');
      y = ghostModule(b, y, out, false);
      let shortcut = x;
      if (s !== 1 || inC !== out) {
        b.branch(2);
        shortcut = b.convBn(x, inC, k, 'none', { stride: s, groups: inC });
        shortcut = b.convBn(shortcut, out, 1, 'none');
      }
      x = b.add(y, shortcut);
    });
    const next = GHOST_CFG[i + 1];
    if (!next || next[4] === 2) b.markStage(`block${i + 1}`, x);
  });
  x = b.convBn(x, makeDivisible(960 * scale, 4), 1, 'relu');
  x = b.globalAvgPool(x);
  x = b.convBn(x, 1280, 1, 'relu');
  return b.fc(x, 1000);
}

const EFFICIENT_BLOCKS: Array<[repeats: number, k: number, s: number, e: number, i: number, o: number]> = [
  [1, 3, 1, 1, 32, 16],
  [2, 3, 2, 6, 16, 24],
  [2, 5, 2, 6, 24, 40],
  [3, 3, 2, 6, 40, 80],
  [3, 5, 1, 6, 80, 112],
  [4, 5, 2, 6, 112, 192],
  [1, 3, 1, 6, 192, 320],
];

export const EFFICIENTNET_PARAMS: Record<string, [width: number, depth: number, resolution: number]> = {
  B0: [1.0, 1.0, 224],
  B1: [1.0, 1.1, 240],
  B2: [1.1, 1.2, 260],
  B3: [1.2, 1.4, 300],
  B4: [1.4, 1.8, 380],
  B5: [1.6, 2.2, 456],
  B6: [1.8, 2.6, 528],
  B7: [2.0, 3.1, 600],
};

export function efficientNet(b: GraphBuilder, width: number, depth: number, useSe = true): Tensor {
  const rf = (f: number) => {
    const v = f * width;
    let n = Math.max(8, Math.floor((v + 4) / 8) * 8);
    if (n < 0.9 * v) n += 8;
    return n;
  };
  let x = b.convBn(b.input, rf(32), 3, 'swish', { stride: 2 });
  b.markStage('stem', x);
  EFFICIENT_BLOCKS.forEach(([repeats, k, s, e, , o], gi) => {
    b.scope(`stage${gi + 1}`, () => {
      const n = Math.ceil(depth * repeats);
      for (let i = 0; i < n; i++) {
        const inC = x.shape[0]!;
        const out = rf(o);
        const stride = i === 0 ? s : 1;
        let y = e !== 1 ? b.convBn(x, inC * e, 1, 'swish') : x;
        y = b.convBn(y, y.shape[0]!, k, 'swish', { stride, groups: y.shape[0]! });
        if (useSe) y = b.se(y, Math.max(1, Math.floor(inC * 0.25)), 'swish', 'sigmoid');
        y = b.convBn(y, out, 1, 'none');
        x = stride === 1 && inC === out ? b.add(x, y) : y;
      }
    });
    b.markStage(`stage${gi + 1}`, x);
  });
  x = b.convBn(x, rf(1280), 1, 'swish');
  return b.fc(b.globalAvgPool(x), 1000);
}

const LCNET_CFG: Array<[k: number, inC: number, outC: number, s: number, se: boolean]> = [
  [3, 16, 32, 1, false],
  [3, 32, 64, 2, false],
  [3, 64, 64, 1, false],
  [3, 64, 128, 2, false],
  [3, 128, 128, 1, false],
  [3, 128, 256, 2, false],
  [5, 256, 256, 1, false],
  [5, 256, 256, 1, false],
  [5, 256, 256, 1, false],
  [5, 256, 256, 1, false],
  [5, 256, 256, 1, false],
  [5, 256, 512, 2, true],
  [5, 512, 512, 1, true],
];

/** PP-LCNet (Cui et al. 2021): depthwise-separable blocks with hard-swish, SE only in the last two. */
export function ppLcNet(b: GraphBuilder, scale: number): Tensor {
  let x = b.convBn(b.input, makeDivisible(16 * scale), 3, 'hardswish', { stride: 2 });
  b.markStage('stem', x);
  LCNET_CFG.forEach(([k, , outC, s, se], i) => {
    b.scope(`block${i + 1}`, () => {
      const c = x.shape[0]!;
      let y = b.convBn(x, c, k, 'hardswish', { stride: s, groups: c });
      if (se) y = b.se(y, Math.floor(c / 4), 'relu', 'hardsigmoid');
      x = b.convBn(y, makeDivisible(outC * scale), 1, 'hardswish');
    });
    const next = LCNET_CFG[i + 1];
    if (!next || next[3] === 2) b.markStage(`block${i + 1}`, x);
  });
  x = b.globalAvgPool(x);
  x = b.act(b.conv(x, 1280, 1), 'hardswish');
  return b.fc(x, 1000);
}
