/**
 * The ResNet family as PaddleClas builds it: ResNet (He et al. 2016), ResNet_vc/vd ("bag of tricks": deep stem,
 * average-pool shortcut), ResNeXt (Xie et al. 2017, grouped 3x3), SE variants (Hu et al. 2018), SENet154_vd,
 * ResNeXt101 WSL (Mahajan et al. 2018), Res2Net (Gao et al. 2019) and ACNet (Ding et al. 2019).
 */
import type { GraphBuilder, Tensor } from '../graph/graph-builder';

export interface ResNetOptions {
  depths: [number, number, number, number];
  block: 'basic' | 'bottleneck' | 'res2net';
  /** classic: 7x7/2 conv; deep: 3x3 32-32-64 (vc/vd); deep128: 3x3 64-64-128 (SE_ResNeXt_vd, SENet154_vd). */
  stem?: 'classic' | 'deep' | 'deep128';
  /** vd: 2x2 average pool before the 1x1 projection of downsampling shortcuts. */
  avgDown?: boolean;
  cardinality?: number;
  /** Width per group in the first stage (ResNeXt "4d"), so the 3x3 width is baseWidth * cardinality * 2^stage. */
  baseWidth?: number;
  seReduction?: number;
  /** Res2Net scales (s) and base width (w) */
  scales?: number;
  /** ACNet: every k>1 convolution also gets 1xk and kx1 branches, each with BN, summed before the activation. */
  acnet?: boolean;
  classes?: number;
}

export function resnet(b: GraphBuilder, o: ResNetOptions): Tensor {
  const cardinality = o.cardinality ?? 1;
  const baseWidth = o.baseWidth ?? 64;
  const expansion = o.block === 'basic' ? 1 : 4;

  const convBnAct = (x: Tensor, out: number, k: number, act: 'relu' | 'none', stride = 1, groups = 1): Tensor => {
    if (!o.acnet || k === 1) return b.convBn(x, out, k, act, { stride, groups });
    // ACNet training-time block: square, horizontal and vertical kernels share the input and are summed.
    b.branch(3);
    const sq = b.bn(b.conv(x, out, k, { stride, groups }));
    const hor = b.bn(b.conv(x, out, [1, k], { stride, groups, pad: [0, k >> 1] }));
    const ver = b.bn(b.conv(x, out, [k, 1], { stride, groups, pad: [k >> 1, 0] }));
    return b.act(b.add(b.add(sq, hor), ver), act);
  };

  let x: Tensor = b.input;
  b.scope('stem', () => {
    if ((o.stem ?? 'classic') === 'classic') {
      x = convBnAct(x, 64, 7, 'relu', 2);
    } else {
      const w = o.stem === 'deep128' ? [64, 64, 128] : [32, 32, 64];
      x = convBnAct(x, w[0]!, 3, 'relu', 2);
      x = convBnAct(x, w[1]!, 3, 'relu');
      x = convBnAct(x, w[2]!, 3, 'relu');
    }
    x = b.maxPool(x, 3, 2, 1);
  });
  b.markStage('stem', x);

  for (let stage = 0; stage < 4; stage++) {
    const planes = 64 << stage;
    const out = planes * expansion;
    b.scope(`stage${stage + 1}`, () => {
      for (let i = 0; i < o.depths[stage]!; i++) {
        const stride = i === 0 && stage > 0 ? 2 : 1;
        const inC = x.shape[0]!;
        const input = x;
        let y: Tensor;
        if (o.block === 'basic') {
          y = convBnAct(input, planes, 3, 'relu', stride);
          y = convBnAct(y, planes, 3, 'none');
        } else if (o.block === 'bottleneck') {
          const width = Math.floor((planes * baseWidth) / 64) * cardinality;
          y = convBnAct(input, width, 1, 'relu');
          y = convBnAct(y, width, 3, 'relu', stride, cardinality);
          y = convBnAct(y, out, 1, 'none');
        } else {
          const width = baseWidth << stage;
          const s = o.scales!;
          y = convBnAct(input, width * s, 1, 'relu');
          const parts = b.split(y, Array(s).fill(width));
          b.branch(s);
          const ys: Tensor[] = [];
          for (let k = 0; k < s - 1; k++) {
            const src = k === 0 || stride === 2 ? parts[k]! : b.add(parts[k]!, ys[k - 1]!);
            ys.push(convBnAct(src, width, 3, 'relu', stride));
          }
          ys.push(stride === 1 ? parts[s - 1]! : b.avgPool(parts[s - 1]!, 3, stride, 1));
          y = convBnAct(b.concat(ys), out, 1, 'none');
        }
        if (o.seReduction) y = b.se(y, Math.floor(out / o.seReduction));
        let shortcut = input;
        if (stride !== 1 || inC !== out) {
          b.branch(2);
          if (o.avgDown && stride !== 1) {
            shortcut = b.convBn(b.avgPool(input, 2, 2, 0, true), out, 1, 'none');
          } else {
            shortcut = b.convBn(input, out, 1, 'none', { stride });
          }
        }
        x = b.act(b.add(y, shortcut), 'relu');
      }
    });
    b.markStage(`stage${stage + 1}`, x);
  }
  x = b.globalAvgPool(x);
  return b.fc(x, o.classes ?? 1000);
}
