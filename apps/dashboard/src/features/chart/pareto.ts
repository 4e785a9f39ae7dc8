// Speed-vs-accuracy maths (pure): points, Pareto front, family colours, published reference series.

/** latency: p50 ms (lower is better); throughput: img/s; efficiency: img/s per W (both higher is better). */
export type XMetric = 'latency' | 'throughput' | 'efficiency';

/** The x metric named in a URL (`?x=`): latency unless it names another. */
export function parseXMetric(x: string | undefined): XMetric {
  return x === 'throughput' || x === 'efficiency' ? x : 'latency';
}

export interface ChartPoint {
  modelId: string;
  model: string;
  family: string;
  /** Latency (ms per batch), throughput (img/s) or img/s per W, depending on the chart's x metric. */
  x: number;
  /** Top-1, 0..1. */
  y: number;
  p50Ms: number | null;
  throughputIps: number | null;
  /** Images per second per watt; absent or null without an energy reading. */
  ipsPerWatt?: number | null;
  /** Where the top-1 comes from: measured on this hardware, or the published reference figure. */
  top1Source: 'measured' | 'reference';
  /** True for published reference hardware (PaddleClas tables), never mixed with measured points. */
  published: boolean;
}

/**
 * The Pareto-optimal points: no other point is at least as good on both axes and strictly better on one. Higher
 * top-1 is better; lower x is better for latency, higher x for throughput. Returned in ascending x (to draw a line).
 */
export function paretoFront<P extends { x: number; y: number }>(points: readonly P[], metric: XMetric): P[] {
  const lowerBetter = metric === 'latency';
  const valid = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  // Best x first; among equal x, best y first (so dominated duplicates are skipped).
  const sorted = valid.slice().sort((a, b) => (lowerBetter ? a.x - b.x : b.x - a.x) || b.y - a.y);
  const front: P[] = [];
  let bestY = -Infinity;
  for (const p of sorted) {
    if (p.y > bestY) {
      front.push(p);
      bestY = p.y;
    }
  }
  return front.sort((a, b) => a.x - b.x);
}

export interface MeasuredRowLike {
  modelId: string;
  modelName: string;
  family: string | null;
  p50Ms: number;
  throughputIps: number;
  top1: number | null;
  top1Source: 'measured' | 'reference' | null;
  results: number;
  /** Median average power of the results that measured energy, W; null/absent when none did. */
  averageWatts?: number | null;
}

/**
 * Speed per watt: median throughput (img/s) ÷ median average power (W) = images per joule. Null without a usable
 * power reading, so a model whose device could not measure energy is never drawn at zero.
 */
export function ipsPerWatt(throughputIps: number, averageWatts: number | null | undefined): number | null {
  if (averageWatts === null || averageWatts === undefined) return null;
  if (!(averageWatts > 0) || !Number.isFinite(averageWatts) || !(throughputIps >= 0)) return null;
  return throughputIps / averageWatts;
}

/**
 * Points of a measured leaderboard: rows with a top-1 and a positive x. Also counts the rows left out for want of a
 * top-1, and names the models left out of the speed-per-watt view for want of an energy reading.
 */
export function measuredPoints(
  rows: readonly MeasuredRowLike[],
  metric: XMetric,
): { points: ChartPoint[]; withoutTop1: number; withoutEnergy: string[] } {
  const points: ChartPoint[] = [];
  let withoutTop1 = 0;
  const withoutEnergy: string[] = [];
  for (const r of rows) {
    if (r.top1 === null) {
      withoutTop1++;
      continue;
    }
    const perWatt = ipsPerWatt(r.throughputIps, r.averageWatts);
    if (metric === 'efficiency' && perWatt === null) {
      withoutEnergy.push(r.modelName);
      continue;
    }
    const x = metric === 'latency' ? r.p50Ms : metric === 'throughput' ? r.throughputIps : perWatt!;
    if (!(x > 0) || !Number.isFinite(x)) continue;
    points.push({
      modelId: r.modelId,
      model: r.modelName,
      family: r.family ?? 'other',
      x,
      y: r.top1,
      p50Ms: r.p50Ms,
      throughputIps: r.throughputIps,
      ipsPerWatt: perWatt,
      top1Source: r.top1Source === 'measured' ? 'measured' : 'reference',
      published: false,
    });
  }
  return { points, withoutTop1, withoutEnergy };
}

export interface CatalogueLike {
  name: string;
  family: string;
  reference: { top1: number | null };
  v23Reference: { top1: number | null };
  publishedLatencies: Record<string, number | null>;
}

export interface ReferenceHardwareLike {
  id: string;
  name: string;
  batch: number;
  release: string;
}

/**
 * Points of one published reference hardware class from the zoo catalogue. Latencies are ms per batch; throughput
 * = batch × 1000 / latency. Top-1 is the figure of the same PaddleClas release as the latency table. PaddleClas
 * publishes no power figures: none for the speed-per-watt view.
 */
export function referencePoints(
  catalogue: readonly CatalogueLike[],
  hw: ReferenceHardwareLike,
  metric: XMetric,
): ChartPoint[] {
  const points: ChartPoint[] = [];
  if (metric === 'efficiency') return points;
  for (const e of catalogue) {
    const ms = e.publishedLatencies[hw.id];
    const top1 =
      hw.release === '2.3' ? (e.v23Reference.top1 ?? e.reference.top1) : (e.reference.top1 ?? e.v23Reference.top1);
    if (ms === null || ms === undefined || !(ms > 0) || top1 === null) continue;
    const ips = (hw.batch * 1000) / ms;
    points.push({
      modelId: `ref:${e.name}`,
      model: e.name,
      family: e.family,
      x: metric === 'latency' ? ms : ips,
      y: top1,
      p50Ms: ms,
      throughputIps: ips,
      top1Source: 'reference',
      published: true,
    });
  }
  return points;
}

/** Group points by family, families sorted by name (stable colours across pages). */
export function byFamily<P extends { family: string }>(points: readonly P[]): { family: string; points: P[] }[] {
  const m = new Map<string, P[]>();
  for (const p of points) {
    const l = m.get(p.family);
    if (l) l.push(p);
    else m.set(p.family, [p]);
  }
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([family, pts]) => ({ family, points: pts }));
}

/** 24 distinguishable hues (works on light and dark backgrounds). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#ff7f0e',
  '#393b79',
  '#637939',
  '#8c6d31',
  '#843c39',
];

/** A family's colour: stable (hash of the name), independent of which families are on screen. */
export function familyColour(family: string): string {
  let h = 2166136261;
  for (let i = 0; i < family.length; i++) h = Math.imul(h ^ family.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

/** Ticks for a log axis: 1-2-5 steps per decade inside [min, max] (at least the two ends when the range is narrow). */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min)) return min > 0 ? [min] : [];
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min && v <= max) out.push(Number(v.toPrecision(6)));
    }
  }
  return out.length >= 2 ? out : [Number(min.toPrecision(3)), Number(max.toPrecision(3))];
}

/** Linear ticks every `step` between lo and hi (inclusive, rounded to the step). */
export function stepTicks(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(6)));
  return out;
}
