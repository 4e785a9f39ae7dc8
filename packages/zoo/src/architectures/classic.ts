/**
 * VGG (Simonyan & Zisserman 2014), AlexNet (Krizhevsky et al. 2012), SqueezeNet (Iandola et al. 2016),
 * DenseNet (Huang et al. 2017), DPN (Chen et al. 2017) and DarkNet53 (Redmon & Farhadi 2018), as PaddleClas
 * defines them.
 */
import type { GraphBuilder, Tensor } from '../graph/graph-builder';

export function vgg(b: GraphBuilder, depth: 11 | 13 | 16 | 19): Tensor {
  const counts = { 11: [1, 1, 2, 2, 2], 13: [2, 2, 2, 2, 2], 16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4] }[depth];
  let x: Tensor = b.input;
  counts.forEach((n, stage) => {
    const c = Math.min(64 << stage, 512);
    b.scope(`stage${stage + 1}`, () => {
      for (let i = 0; i < n; i++) x = b.act(b.conv(x, c, 3, { bias: true }), 'relu');
      x = b.maxPool(x, 2, 2);
    });
    b.markStage(`stage${stage + 1}`, x);
  });
  x = b.act(b.fc(x, 4096), 'relu');
  x = b.act(b.fc(x, 4096), 'relu');
  return b.fc(x, 1000);
}

export function alexNet(b: GraphBuilder): Tensor {
  let x = b.act(b.conv(b.input, 64, 11, { stride: 4, pad: 2, bias: true }), 'relu');
  x = b.markStage('conv1', b.maxPool(x, 3, 2));
  x = b.act(b.conv(x, 192, 5, { pad: 2, bias: true }), 'relu');
  x = b.markStage('conv2', b.maxPool(x, 3, 2));
  x = b.act(b.conv(x, 384, 3, { bias: true }), 'relu');
  x = b.act(b.conv(x, 256, 3, { bias: true }), 'relu');
  x = b.act(b.conv(x, 256, 3, { bias: true }), 'relu');
  x = b.markStage('conv5', b.maxPool(x, 3, 2));
  x = b.act(b.fc(x, 4096), 'relu');
  x = b.act(b.fc(x, 4096), 'relu');
  return b.fc(x, 1000);
}

function fire(b: GraphBuilder, x: Tensor, squeeze: number, expand: number): Tensor {
  return b.scope('fire', () => {
    const s = b.act(b.conv(x, squeeze, 1, { bias: true }), 'relu');
    b.branch(2);
    const e1 = b.act(b.conv(s, expand, 1, { bias: true }), 'relu');
    const e3 = b.act(b.conv(s, expand, 3, { bias: true }), 'relu');
    return b.concat([e1, e3]);
  });
}

export function squeezeNet(b: GraphBuilder, version: '1_0' | '1_1'): Tensor {
  let x: Tensor;
  if (version === '1_0') {
    x = b.act(b.conv(b.input, 96, 7, { stride: 2, pad: 0, bias: true }), 'relu');
    x = b.markStage('conv1', b.maxPool(x, 3, 2, 0, true));
    x = fire(b, x, 16, 64);
    x = fire(b, x, 16, 64);
    x = fire(b, x, 32, 128);
    x = b.markStage('fire4', b.maxPool(x, 3, 2, 0, true));
    x = fire(b, x, 32, 128);
    x = fire(b, x, 48, 192);
    x = fire(b, x, 48, 192);
    x = fire(b, x, 64, 256);
    x = b.markStage('fire8', b.maxPool(x, 3, 2, 0, true));
    x = fire(b, x, 64, 256);
  } else {
    x = b.act(b.conv(b.input, 64, 3, { stride: 2, pad: 0, bias: true }), 'relu');
    x = b.markStage('conv1', b.maxPool(x, 3, 2, 0, true));
    x = fire(b, x, 16, 64);
    x = fire(b, x, 16, 64);
    x = b.markStage('fire3', b.maxPool(x, 3, 2, 0, true));
    x = fire(b, x, 32, 128);
    x = fire(b, x, 32, 128);
    x = b.markStage('fire5', b.maxPool(x, 3, 2, 0, true));
    x = fire(b, x, 48, 192);
    x = fire(b, x, 48, 192);
    x = fire(b, x, 64, 256);
    x = fire(b, x, 64, 256);
  }
  b.markStage('fire9', x);
  x = b.act(b.conv(x, 1000, 1, { bias: true }), 'relu');
  return b.flatten(b.globalAvgPool(x));
}

export const DENSENET_CONFIG: Record<number, [init: number, growth: number, blocks: number[]]> = {
  121: [64, 32, [6, 12, 24, 16]],
  161: [96, 48, [6, 12, 36, 24]],
  169: [64, 32, [6, 12, 32, 32]],
  201: [64, 32, [6, 12, 48, 32]],
  264: [64, 32, [6, 12, 64, 48]],
};

export function denseNet(b: GraphBuilder, depth: number): Tensor {
  const [init, growth, blocks] = DENSENET_CONFIG[depth]!;
  let x = b.convBn(b.input, init, 7, 'relu', { stride: 2 });
  x = b.markStage('stem', b.maxPool(x, 3, 2, 1));
  blocks.forEach((n, bi) => {
    b.scope(`block${bi + 1}`, () => {
      for (let i = 0; i < n; i++) {
        let y = b.bnActConv(x, 4 * growth, 1);
        y = b.bnActConv(y, growth, 3);
        x = b.concat([x, y]);
      }
      b.markStage(`block${bi + 1}`, x);
      if (bi < blocks.length - 1) {
        x = b.bnActConv(x, Math.floor(x.shape[0]! / 2), 1);
        x = b.avgPool(x, 2, 2);
      }
    });
  });
  x = b.act(b.bn(x), 'relu');
  return b.fc(b.globalAvgPool(x), 1000);
}

export const DPN_CONFIG: Record<
  number,
  { init: number; kR: number; groups: number; kSec: number[]; incSec: number[]; small: boolean }
> = {
  68: { init: 10, kR: 128, groups: 32, kSec: [3, 4, 12, 3], incSec: [16, 32, 32, 64], small: true },
  92: { init: 64, kR: 96, groups: 32, kSec: [3, 4, 20, 3], incSec: [16, 32, 24, 128], small: false },
  98: { init: 96, kR: 160, groups: 40, kSec: [3, 6, 20, 3], incSec: [16, 32, 32, 128], small: false },
  107: { init: 128, kR: 200, groups: 50, kSec: [4, 8, 20, 3], incSec: [20, 64, 64, 128], small: false },
  131: { init: 128, kR: 160, groups: 40, kSec: [4, 8, 28, 3], incSec: [16, 32, 32, 128], small: false },
};

export function dpn(b: GraphBuilder, depth: number): Tensor {
  const c = DPN_CONFIG[depth]!;
  const bwFactor = c.small ? 1 : 4;
  let x = b.convBn(b.input, c.init, c.small ? 3 : 7, 'relu', { stride: 2 });
  x = b.markStage('stem', b.maxPool(x, 3, 2, 1));
  // Dual path state: the residual path (resid) and the densely connected path (dense).
  let resid: Tensor | undefined;
  let dense: Tensor | undefined;
  for (let stage = 0; stage < 4; stage++) {
    const bw = (64 << stage) * bwFactor;
    const inc = c.incSec[stage]!;
    const r = Math.floor((c.kR * bw) / (64 * bwFactor));
    b.scope(`stage${stage + 2}`, () => {
      for (let i = 0; i < c.kSec[stage]!; i++) {
        const xIn = resid && dense ? b.concat([resid, dense]) : x;
        const stride = i === 0 && stage > 0 ? 2 : 1;
        let sResid: Tensor;
        let sDense: Tensor;
        if (i === 0) {
          b.branch(2);
          const proj = b.bnActConv(xIn, bw + 2 * inc, 1, { stride });
          [sResid, sDense] = b.split(proj, [bw, 2 * inc]) as [Tensor, Tensor];
        } else {
          sResid = resid!;
          sDense = dense!;
        }
        let y = b.bnActConv(xIn, r, 1);
        y = b.bnActConv(y, r, 3, { stride, groups: c.groups });
        y = b.bnActConv(y, bw + inc, 1);
        const [yResid, yDense] = b.split(y, [bw, inc]) as [Tensor, Tensor];
        resid = b.add(sResid, yResid);
        dense = b.concat([sDense, yDense]);
      }
    });
    const [h, w] = resid!.shape.slice(1) as [number, number];
    b.markStage(`stage${stage + 2}`, { name: resid!.name, shape: [resid!.shape[0]! + dense!.shape[0]!, h, w] });
    x = resid!;
  }
  x = b.act(b.bn(b.concat([resid!, dense!])), 'relu');
  return b.fc(b.globalAvgPool(x), 1000);
}

export function darkNet53(b: GraphBuilder): Tensor {
  let x = b.convBn(b.input, 32, 3, 'leaky');
  b.markStage('stem', x);
  [1, 2, 8, 8, 4].forEach((n, stage) => {
    const c = 64 << stage;
    b.scope(`stage${stage + 1}`, () => {
      x = b.convBn(x, c, 3, 'leaky', { stride: 2 });
      for (let i = 0; i < n; i++) {
        let y = b.convBn(x, c / 2, 1, 'leaky');
        y = b.convBn(y, c, 3, 'leaky');
        x = b.add(x, y);
      }
    });
    b.markStage(`stage${stage + 1}`, x);
  });
  return b.fc(b.globalAvgPool(x), 1000);
}
