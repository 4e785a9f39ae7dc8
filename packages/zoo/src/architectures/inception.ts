/**
 * GoogLeNet (Szegedy et al. 2015), InceptionV3 (Szegedy et al. 2016), InceptionV4 (Szegedy et al. 2017),
 * Xception (Chollet 2017) and the DeepLabv3+ Xception variant (Chen et al. 2018), as PaddleClas defines them.
 */
import type { GraphBuilder, Tensor } from '../graph/graph-builder';

type K = number | [number, number];

/** PaddleClas GoogLeNet: plain conv + ReLU (no BN, no bias), true 5x5 branches. */
export function googLeNet(b: GraphBuilder): Tensor {
  const conv = (x: Tensor, c: number, k: number, stride = 1) => b.act(b.conv(x, c, k, { stride }), 'relu');
  const inception = (x: Tensor, f1: number, f3r: number, f3: number, f5r: number, f5: number, proj: number) =>
    b.scope('inception', () => {
      b.branch(4);
      const a = conv(x, f1, 1);
      const c3 = conv(conv(x, f3r, 1), f3, 3);
      const c5 = conv(conv(x, f5r, 1), f5, 5);
      const p = conv(b.maxPool(x, 3, 1, 1), proj, 1);
      return b.concat([a, c3, c5, p]);
    });
  let x = conv(b.input, 64, 7, 2);
  x = b.maxPool(x, 3, 2, 0, true);
  x = conv(x, 64, 1);
  x = conv(x, 192, 3);
  x = b.markStage('stem', b.maxPool(x, 3, 2, 0, true));
  x = inception(x, 64, 96, 128, 16, 32, 32);
  x = inception(x, 128, 128, 192, 32, 96, 64);
  x = b.markStage('inception3', x);
  x = b.maxPool(x, 3, 2, 0, true);
  x = inception(x, 192, 96, 208, 16, 48, 64);
  x = inception(x, 160, 112, 224, 24, 64, 64);
  x = inception(x, 128, 128, 256, 24, 64, 64);
  x = inception(x, 112, 144, 288, 32, 64, 64);
  x = inception(x, 256, 160, 320, 32, 128, 128);
  x = b.markStage('inception4', x);
  x = b.maxPool(x, 3, 2, 0, true);
  x = inception(x, 256, 160, 320, 32, 128, 128);
  x = inception(x, 384, 192, 384, 48, 128, 128);
  x = b.markStage('inception5', x);
  return b.fc(b.globalAvgPool(x), 1000);
}

/** Parameters of GoogLeNet's two training-only auxiliary classifiers (not part of the inference graph). */
export function googLeNetAuxParams(): number {
  // avg pool 5/3 → 1x1 conv 128 (no bias) → fc 1152→1024 → fc 1024→1000, after inception 4a (512 ch) and
  // 4d (528 ch). PaddleClas declares the first fc with 1152 = 128·3·3 inputs.
  return [512, 528].reduce((s, c) => s + c * 128 + 1152 * 1024 + 1024 + 1024 * 1000 + 1000, 0);
}

export function inceptionV3(b: GraphBuilder): Tensor {
  const cb = (x: Tensor, c: number, k: K, stride = 1, pad?: number | [number, number]) =>
    b.convBn(x, c, k, 'relu', { stride, ...(pad !== undefined ? { pad } : {}) });
  const avg = (x: Tensor) => b.avgPool(x, 3, 1, 1);
  const A = (x: Tensor, pf: number) => {
    b.branch(4);
    return b.concat([cb(x, 64, 1), cb(cb(x, 48, 1), 64, 5), cb(cb(cb(x, 64, 1), 96, 3), 96, 3), cb(avg(x), pf, 1)]);
  };
  const B = (x: Tensor) => {
    b.branch(3);
    return b.concat([cb(x, 384, 3, 2, 0), cb(cb(cb(x, 64, 1), 96, 3), 96, 3, 2, 0), b.maxPool(x, 3, 2)]);
  };
  const C = (x: Tensor, c7: number) => {
    b.branch(4);
    return b.concat([
      cb(x, 192, 1),
      cb(cb(cb(x, c7, 1), c7, [1, 7]), 192, [7, 1]),
      cb(cb(cb(cb(cb(x, c7, 1), c7, [7, 1]), c7, [1, 7]), c7, [7, 1]), 192, [1, 7]),
      cb(avg(x), 192, 1),
    ]);
  };
  const D = (x: Tensor) => {
    b.branch(3);
    return b.concat([
      cb(cb(x, 192, 1), 320, 3, 2, 0),
      cb(cb(cb(cb(x, 192, 1), 192, [1, 7]), 192, [7, 1]), 192, 3, 2, 0),
      b.maxPool(x, 3, 2),
    ]);
  };
  const E = (x: Tensor) => {
    b.branch(4);
    const b3 = cb(x, 384, 1);
    const d = cb(cb(x, 448, 1), 384, 3);
    b.branch(4);
    return b.concat([
      cb(x, 320, 1),
      cb(b3, 384, [1, 3]),
      cb(b3, 384, [3, 1]),
      cb(d, 384, [1, 3]),
      cb(d, 384, [3, 1]),
      cb(avg(x), 192, 1),
    ]);
  };
  let x = cb(b.input, 32, 3, 2, 0);
  x = cb(x, 32, 3, 1, 0);
  x = cb(x, 64, 3);
  x = b.maxPool(x, 3, 2);
  x = cb(x, 80, 1);
  x = cb(x, 192, 3, 1, 0);
  x = b.markStage('stem', b.maxPool(x, 3, 2));
  x = b.scope('mixed5', () => A(A(A(x, 32), 64), 64));
  x = b.markStage('mixed5', x);
  x = b.scope('mixed6', () => C(C(C(C(B(x), 128), 160), 160), 192));
  x = b.markStage('mixed6', x);
  x = b.scope('mixed7', () => E(E(D(x))));
  x = b.markStage('mixed7', x);
  return b.fc(b.globalAvgPool(x), 1000);
}

export function inceptionV4(b: GraphBuilder): Tensor {
  const cb = (x: Tensor, c: number, k: K, stride = 1, pad?: number | [number, number]) =>
    b.convBn(x, c, k, 'relu', { stride, ...(pad !== undefined ? { pad } : {}) });
  const avg = (x: Tensor) => b.avgPool(x, 3, 1, 1);
  let x = cb(b.input, 32, 3, 2, 0);
  x = cb(x, 32, 3, 1, 0);
  x = cb(x, 64, 3);
  b.branch(2);
  x = b.concat([b.maxPool(x, 3, 2), cb(x, 96, 3, 2, 0)]);
  b.branch(2);
  x = b.concat([cb(cb(x, 64, 1), 96, 3, 1, 0), cb(cb(cb(cb(x, 64, 1), 64, [1, 7]), 64, [7, 1]), 96, 3, 1, 0)]);
  b.branch(2);
  x = b.concat([cb(x, 192, 3, 2, 0), b.maxPool(x, 3, 2)]);
  x = b.markStage('stem', x);
  x = b.scope('inceptionA', () => {
    let y = x;
    for (let i = 0; i < 4; i++) {
      b.branch(4);
      y = b.concat([cb(y, 96, 1), cb(cb(y, 64, 1), 96, 3), cb(cb(cb(y, 64, 1), 96, 3), 96, 3), cb(avg(y), 96, 1)]);
    }
    return y;
  });
  x = b.markStage('inceptionA', x);
  b.branch(3);
  x = b.concat([cb(x, 384, 3, 2, 0), cb(cb(cb(x, 192, 1), 224, 3), 256, 3, 2, 0), b.maxPool(x, 3, 2)]);
  x = b.scope('inceptionB', () => {
    let y = x;
    for (let i = 0; i < 7; i++) {
      b.branch(4);
      y = b.concat([
        cb(y, 384, 1),
        cb(cb(cb(y, 192, 1), 224, [1, 7]), 256, [7, 1]),
        cb(cb(cb(cb(cb(y, 192, 1), 192, [7, 1]), 224, [1, 7]), 224, [7, 1]), 256, [1, 7]),
        cb(avg(y), 128, 1),
      ]);
    }
    return y;
  });
  x = b.markStage('inceptionB', x);
  b.branch(3);
  x = b.concat([
    cb(cb(x, 192, 1), 192, 3, 2, 0),
    cb(cb(cb(cb(x, 256, 1), 256, [1, 7]), 320, [7, 1]), 320, 3, 2, 0),
    b.maxPool(x, 3, 2),
  ]);
  x = b.scope('inceptionC', () => {
    let y = x;
    for (let i = 0; i < 3; i++) {
      b.branch(4);
      const b1 = cb(y, 384, 1);
      const b2 = cb(cb(cb(y, 384, 1), 448, [3, 1]), 512, [1, 3]);
      y = b.concat([
        cb(y, 256, 1),
        cb(b1, 256, [1, 3]),
        cb(b1, 256, [3, 1]),
        cb(b2, 256, [1, 3]),
        cb(b2, 256, [3, 1]),
        cb(avg(y), 256, 1),
      ]);
    }
    return y;
  });
  x = b.markStage('inceptionC', x);
  return b.fc(b.globalAvgPool(x), 1000);
}

/** PaddleClas Xception41/65/71: separable conv = 1x1 pointwise + BN, then 3x3 depthwise + BN. */
export function xception(b: GraphBuilder, entryBlocks: 3 | 5, middleBlocks: number): Tensor {
  const sep = (x: Tensor, c: number, stride = 1) => {
    const p = b.convBn(x, c, 1, 'none');
    return b.convBn(p, c, 3, 'none', { stride, groups: c });
  };
  let x = b.convBn(b.input, 32, 3, 'relu', { stride: 2 });
  x = b.convBn(x, 64, 3, 'relu');
  b.markStage('stem', x);
  const entry: Array<[number, number, boolean]> =
    entryBlocks === 3
      ? [
          [128, 2, false],
          [256, 2, true],
          [728, 2, true],
        ]
      : [
          [128, 2, false],
          [256, 1, true],
          [256, 2, true],
          [728, 1, true],
          [728, 2, true],
        ];
  x = b.scope('entry', () => {
    let y = x;
    for (const [c, s, reluFirst] of entry) {
      b.branch(2);
      const short = b.conv(y, c, 1, { stride: s });
      let z = sep(reluFirst ? b.act(y, 'relu') : y, c);
      z = sep(b.act(z, 'relu'), c);
      y = b.add(short, b.maxPool(z, 3, s, 1));
    }
    return y;
  });
  b.markStage('entry', x);
  x = b.scope('middle', () => {
    let y = x;
    for (let i = 0; i < middleBlocks; i++) {
      let z = y;
      for (let k = 0; k < 3; k++) z = sep(b.act(z, 'relu'), 728);
      y = b.add(y, z);
    }
    return y;
  });
  b.markStage('middle', x);
  x = b.scope('exit', () => {
    b.branch(2);
    const short = b.conv(x, 1024, 1, { stride: 2 });
    let z = sep(b.act(x, 'relu'), 728);
    z = sep(b.act(z, 'relu'), 1024);
    let y = b.add(short, b.maxPool(z, 3, 2, 1));
    y = b.act(sep(y, 1536), 'relu');
    return b.act(sep(y, 2048), 'relu');
  });
  b.markStage('exit', x);
  return b.fc(b.globalAvgPool(x), 1000);
}

/** DeepLabv3+ Xception (xception_deeplab): depthwise 3x3 + BN then pointwise + BN, three per block. */
export function xceptionDeeplab(b: GraphBuilder, middleBlocks: number): Tensor {
  const sep = (x: Tensor, c: number, stride: number, actInside: boolean) => {
    const a = actInside ? 'relu' : 'none';
    const d = b.convBn(x, x.shape[0]!, 3, a, { stride, groups: x.shape[0]! });
    return b.convBn(d, c, 1, a);
  };
  const block = (
    x: Tensor,
    cs: [number, number, number],
    stride: number,
    skip: 'conv' | 'sum' | 'none',
    actInside = false,
  ) =>
    b.scope('block', () => {
      let z = x;
      cs.forEach((c, i) => {
        if (!actInside) z = b.act(z, 'relu');
        z = sep(z, c, i === 2 ? stride : 1, actInside);
      });
      if (skip === 'none') return z;
      b.branch(2);
      const short = skip === 'conv' ? b.convBn(x, cs[2], 1, 'none', { stride }) : x;
      return b.add(z, short);
    });
  let x = b.convBn(b.input, 32, 3, 'relu', { stride: 2 });
  x = b.convBn(x, 64, 3, 'relu');
  b.markStage('stem', x);
  for (const c of [128, 256, 728]) x = block(x, [c, c, c], 2, 'conv');
  b.markStage('entry', x);
  for (let i = 0; i < middleBlocks; i++) x = block(x, [728, 728, 728], 1, 'sum');
  b.markStage('middle', x);
  x = block(x, [728, 1024, 1024], 2, 'conv');
  x = block(x, [1536, 1536, 2048], 1, 'none', true);
  b.markStage('exit', x);
  return b.fc(b.globalAvgPool(x), 1000);
}
