/**
 * Built vs published: compares the parameter and FLOPs counts of each built architecture with PaddleClas's
 * published figures, under each release's convention (REPORT.md §2):
 *   2.0 docs: params = trainable parameters, FLOPs = 2 × multiply-adds;
 *   2.3 overview: params include BN running statistics, FLOPs = paddle.flops (multiply-adds once, plus BN etc.).
 * A model matches when its params are within 1% of one published figure and its FLOPs within 10% of one.
 */
import { COUNT_EXCEPTIONS } from './count-exceptions';
import { describeArchitecture, getModel } from './zoo';

export const PARAMS_TOLERANCE = 0.01;
export const FLOPS_TOLERANCE = 0.1;

export interface FigureMatch {
  /** Which published figure and which of our counts were compared. */
  figure: 'v20' | 'v23';
  ours: number;
  published: number;
  /** Signed relative deviation (ours / published − 1). */
  deviation: number;
}

export interface CountCheck {
  name: string;
  family: string;
  in117: boolean;
  paramsM: { total: number; trainable: number };
  macsG: number;
  params: FigureMatch | null;
  flops: FigureMatch | null;
  paramsOk: boolean;
  flopsOk: boolean;
  ok: boolean;
  /** Explanation from count-exceptions.ts when the model is a listed exception. */
  exception: string | null;
  /** The larger of the best params and best FLOPs relative deviations (for "worst" tables). */
  worst: number;
}

function best(candidates: FigureMatch[]): FigureMatch | null {
  let pick: FigureMatch | null = null;
  for (const c of candidates) if (!pick || Math.abs(c.deviation) < Math.abs(pick.deviation)) pick = c;
  return pick;
}

/** Our figure against each published one that exists, under the same release's convention. */
function compare(figures: [FigureMatch['figure'], number, number | null | undefined][]): FigureMatch[] {
  return figures
    .filter((f): f is [FigureMatch['figure'], number, number] => !!f[2])
    .map(([figure, ours, published]) => ({ figure, ours, published, deviation: ours / published - 1 }));
}

export function checkCounts(name: string): CountCheck {
  const entry = getModel(name)!;
  const d = describeArchitecture(name);
  const M = 1e6;
  const G = 1e9;
  const params = best(
    compare([
      ['v20', d.trainableParams / M, entry.params.v20M],
      ['v23', d.params / M, entry.params.v23M],
    ]),
  );
  const flops = best(
    compare([
      ['v20', d.flops / G, entry.flops.v20G],
      ['v23', d.paddleFlops / G, entry.flops.v23G],
    ]),
  );
  const paramsOk = !!params && Math.abs(params.deviation) <= PARAMS_TOLERANCE;
  const flopsOk = !!flops && Math.abs(flops.deviation) <= FLOPS_TOLERANCE;
  return {
    name,
    family: entry.family,
    in117: entry.in117,
    paramsM: { total: d.params / M, trainable: d.trainableParams / M },
    macsG: d.macs / G,
    params,
    flops,
    paramsOk,
    flopsOk,
    ok: paramsOk && flopsOk,
    exception: COUNT_EXCEPTIONS[name] ?? null,
    worst: Math.max(params ? Math.abs(params.deviation) : Infinity, flops ? Math.abs(flops.deviation) : Infinity),
  };
}
