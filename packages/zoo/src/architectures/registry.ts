/**
 * Model name → architecture. Distilled (_ssld), retrained (_v2), FixRes (Fix_) and quantised (_int8) releases
 * share their base model's architecture, so the name is normalised before it is matched.
 */
import type { GraphBuilder, Tensor } from '../graph/graph-builder';
import { alexNet, darkNet53, denseNet, DENSENET_CONFIG, dpn, DPN_CONFIG, squeezeNet, vgg } from './classic';
import { hrnet } from './hrnet';
import { googLeNet, inceptionV3, inceptionV4, xception, xceptionDeeplab } from './inception';
import {
  efficientNet,
  EFFICIENTNET_PARAMS,
  ghostNet,
  mobileNetV1,
  mobileNetV2,
  mobileNetV3,
  ppLcNet,
  shuffleNetV2,
} from './mobile';
import { resnet } from './resnet';

export type ArchitectureFn = (b: GraphBuilder) => Tensor;

export interface ArchitectureRecipe {
  /** The base architecture after dropping release suffixes, e.g. ResNet50_vd for ResNet50_vd_ssld_v2. */
  architecture: string;
  build: ArchitectureFn;
}

const RESNET_DEPTHS: Record<number, [number, number, number, number]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
  200: [3, 12, 48, 3],
};

/** "x0_25" → 0.25; absent → 1. */
function scaleOf(s: string | undefined): number {
  return s ? Number(s.replace('_', '.')) : 1;
}

export function baseArchitecture(name: string): string {
  return name
    .replace(/^Fix_/, '')
    .replace(/_ssld_int8$/, '')
    .replace(/_ssld_v2$/, '')
    .replace(/_ssld$/, '')
    .replace(/^(ResNet50_vd)_v2$/, '$1');
}

export function recipeFor(name: string): ArchitectureRecipe | undefined {
  const arch = baseArchitecture(name);
  const build = match(arch);
  return build ? { architecture: arch, build } : undefined;
}

function match(a: string): ArchitectureFn | undefined {
  let m: RegExpMatchArray | null;
  if ((m = a.match(/^ResNet(18|34|50|101|152|200)(_vc|_vd)?$/))) {
    const depth = Number(m[1]);
    const variant = m[2];
    return (b) =>
      resnet(b, {
        depths: RESNET_DEPTHS[depth]!,
        block: depth < 50 ? 'basic' : 'bottleneck',
        stem: variant ? 'deep' : 'classic',
        avgDown: variant === '_vd',
      });
  }
  if (a === 'ResNet50_ACNet_deploy') return match('ResNet50');
  if (a === 'ResNet50_ACNet') return (b) => resnet(b, { depths: RESNET_DEPTHS[50]!, block: 'bottleneck', acnet: true });
  if ((m = a.match(/^(SE_)?ResNeXt(50|101|152)(_vd)?_(32|64)x4d$/))) {
    const [, se, depth, vd, card] = m;
    return (b) =>
      resnet(b, {
        depths: RESNET_DEPTHS[Number(depth)]!,
        block: 'bottleneck',
        stem: vd ? (se ? 'deep128' : 'deep') : 'classic',
        avgDown: !!vd,
        cardinality: Number(card),
        baseWidth: 4,
        ...(se ? { seReduction: 16 } : {}),
      });
  }
  if (a === 'SENet154_vd') {
    return (b) =>
      resnet(b, {
        depths: RESNET_DEPTHS[152]!,
        block: 'bottleneck',
        stem: 'deep128',
        avgDown: true,
        cardinality: 64,
        baseWidth: 4,
        seReduction: 16,
      });
  }
  if ((m = a.match(/^ResNeXt101_32x(8|16|32|48)d_wsl$/))) {
    const width = Number(m[1]);
    return (b) => resnet(b, { depths: RESNET_DEPTHS[101]!, block: 'bottleneck', cardinality: 32, baseWidth: width });
  }
  if ((m = a.match(/^SE_ResNet(18|34|50)_vd$/))) {
    const depth = Number(m[1]);
    return (b) =>
      resnet(b, {
        depths: RESNET_DEPTHS[depth]!,
        block: depth < 50 ? 'basic' : 'bottleneck',
        stem: 'deep',
        avgDown: true,
        seReduction: 16,
      });
  }
  if ((m = a.match(/^Res2Net(50|101|200)(_vd)?_(\d+)w_(\d+)s$/))) {
    const [, depth, vd, w, s] = m;
    return (b) =>
      resnet(b, {
        depths: RESNET_DEPTHS[Number(depth)]!,
        block: 'res2net',
        stem: vd ? 'deep' : 'classic',
        avgDown: !!vd,
        baseWidth: Number(w),
        scales: Number(s),
      });
  }
  if ((m = a.match(/^MobileNetV1(?:_x(\d_\d+))?$/))) {
    const scale = scaleOf(m[1]);
    return (b) => mobileNetV1(b, scale);
  }
  if ((m = a.match(/^MobileNetV2(?:_x(\d_\d+))?$/))) {
    const scale = scaleOf(m[1]);
    return (b) => mobileNetV2(b, scale);
  }
  if ((m = a.match(/^MobileNetV3_(large|small)_x(\d_\d+)$/))) {
    const size = m[1] as 'large' | 'small';
    const scale = scaleOf(m[2]);
    return (b) => mobileNetV3(b, size, scale);
  }
  if ((m = a.match(/^ShuffleNetV2(?:_x(\d_\d+))?(_swish)?$/))) {
    const scale = scaleOf(m[1]);
    const act = m[2] ? 'swish' : 'relu';
    return (b) => shuffleNetV2(b, scale, act);
  }
  if ((m = a.match(/^PPLCNet_x(\d_\d+)$/))) {
    const scale = scaleOf(m[1]);
    return (b) => ppLcNet(b, scale);
  }
  if ((m = a.match(/^GhostNet_x(\d_\d+)$/))) {
    const scale = scaleOf(m[1]);
    return (b) => ghostNet(b, scale);
  }
  if ((m = a.match(/^EfficientNet(B\d)(_small)?$/)) && EFFICIENTNET_PARAMS[m[1]!]) {
    const [w, d] = EFFICIENTNET_PARAMS[m[1]!]!;
    const useSe = !m[2];
    return (b) => efficientNet(b, w, d, useSe);
  }
  if ((m = a.match(/^DenseNet(\d+)$/)) && DENSENET_CONFIG[Number(m[1])]) {
    const depth = Number(m[1]);
    return (b) => denseNet(b, depth);
  }
  if ((m = a.match(/^DPN(\d+)$/)) && DPN_CONFIG[Number(m[1])]) {
    const depth = Number(m[1]);
    return (b) => dpn(b, depth);
  }
  if ((m = a.match(/^VGG(11|13|16|19)$/))) {
    const depth = Number(m[1]) as 11 | 13 | 16 | 19;
    return (b) => vgg(b, depth);
  }
  if (a === 'AlexNet') return alexNet;
  if (a === 'SqueezeNet1_0') return (b) => squeezeNet(b, '1_0');
  if (a === 'SqueezeNet1_1') return (b) => squeezeNet(b, '1_1');
  if (a === 'DarkNet53') return darkNet53;
  if (a === 'GoogLeNet') return googLeNet;
  if (a === 'InceptionV3') return inceptionV3;
  if (a === 'InceptionV4') return inceptionV4;
  if (a === 'Xception41') return (b) => xception(b, 3, 8);
  if (a === 'Xception65') return (b) => xception(b, 3, 16);
  if (a === 'Xception71') return (b) => xception(b, 5, 16);
  if (a === 'Xception41_deeplab') return (b) => xceptionDeeplab(b, 8);
  if (a === 'Xception65_deeplab') return (b) => xceptionDeeplab(b, 16);
  if ((m = a.match(/^(SE_)?HRNet_W(\d+)_C$/))) {
    const width = Number(m[2]);
    const se = !!m[1];
    return (b) => hrnet(b, width, se);
  }
  return undefined;
}
