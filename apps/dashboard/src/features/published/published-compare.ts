// Fleet hardware against PaddleClas's published hardware, model by model (pure). The published side is never
// mixed into fleet figures: each row keeps both numbers and says which is which.
import { geometricMean } from '../compare/compare';

export interface FleetFigure {
  modelId: string;
  modelName: string;
  family: string | null;
  /** Median p50 over the class's valid results (the leaderboard's figure), ms per batch. */
  p50Ms: number;
  results: number;
}

export interface PublishedEntry {
  name: string;
  family: string;
  publishedLatencies: Record<string, number | null>;
}

export interface PublishedComparisonRow {
  modelId: string;
  modelName: string;
  family: string | null;
  fleetP50Ms: number;
  results: number;
  /** PaddleClas's published latency on the reference hardware, ms per batch. */
  publishedMs: number;
  /** fleet ÷ published: above 1 the fleet class is slower than the published hardware. */
  ratio: number;
}

export interface PublishedComparison {
  rows: PublishedComparisonRow[];
  /** Fleet models without a published figure on this hardware (not in the catalogue, or PaddleClas published none). */
  unmatched: string[];
  /** Geometric mean of the ratios (null without a matched model). */
  geomeanRatio: number | null;
}

/** Matches fleet models to catalogue entries by name (zoo models carry their catalogue name). */
export function compareWithPublished(
  fleet: readonly FleetFigure[],
  catalogue: readonly PublishedEntry[],
  referenceId: string,
): PublishedComparison {
  const byName = new Map(catalogue.map((e) => [e.name, e]));
  const rows: PublishedComparisonRow[] = [];
  const unmatched: string[] = [];
  for (const f of fleet) {
    const published = byName.get(f.modelName)?.publishedLatencies[referenceId] ?? null;
    if (published === null || !(published > 0) || !(f.p50Ms > 0)) {
      unmatched.push(f.modelName);
      continue;
    }
    rows.push({
      modelId: f.modelId,
      modelName: f.modelName,
      family: f.family ?? byName.get(f.modelName)?.family ?? null,
      fleetP50Ms: f.p50Ms,
      results: f.results,
      publishedMs: published,
      ratio: f.p50Ms / published,
    });
  }
  rows.sort((a, b) => a.ratio - b.ratio || a.modelName.localeCompare(b.modelName));
  return { rows, unmatched: [...new Set(unmatched)].sort(), geomeanRatio: geometricMean(rows.map((r) => r.ratio)) };
}

/** "3.10× slower than published" / "1.25× faster than published". */
export function describePublishedRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  if (Math.abs(ratio - 1) < 0.005) return 'same as published';
  return ratio > 1 ? `${ratio.toFixed(2)}× slower than published` : `${(1 / ratio).toFixed(2)}× faster than published`;
}
