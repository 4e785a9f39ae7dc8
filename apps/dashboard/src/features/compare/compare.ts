// Hardware comparison maths (pure): per-model latency ratios, geometric means, heatmap scale, unit spread. The
// compared "subjects" are hardware classes or single devices; rows carry the subject id in `hardwareClassId`.

import { naturalCompare } from '../../lib/collate';

export type CompareBy = 'classes' | 'devices';

/** /compare URL for a subject kind, picked ids (first = baseline) and settings key. */
export function compareHref(by: CompareBy, ids: readonly string[], settingsKey: string): string {
  const q = new URLSearchParams();
  if (by === 'devices') q.set('by', 'devices');
  if (ids.length) q.set(by === 'devices' ? 'devices' : 'classes', ids.join(','));
  if (settingsKey) q.set('settings', settingsKey);
  return `/compare${q.size ? `?${q.toString()}` : ''}`;
}

/** Per-device rows (the hub's device leaderboard) as compare rows keyed by device id; no unit spread. */
export function deviceCompareRows(
  rows: readonly {
    deviceId: string;
    modelId: string;
    modelName: string;
    family: string | null;
    p50Ms: number;
    throughputIps: number;
    results: number;
  }[],
): CompareRowLike[] {
  return rows.map((r) => ({
    hardwareClassId: r.deviceId,
    modelId: r.modelId,
    modelName: r.modelName,
    family: r.family,
    p50Ms: r.p50Ms,
    throughputIps: r.throughputIps,
    results: r.results,
    unitSpread: null,
  }));
}

/**
 * A class leaderboard row cut to what the comparison reads: the page hands its rows to a client component, so every
 * field left on them is serialised into the page and parsed again in the browser.
 */
export function classCompareRow(row: CompareRowLike): CompareRowLike {
  const s = row.unitSpread;
  return {
    hardwareClassId: row.hardwareClassId,
    modelId: row.modelId,
    modelName: row.modelName,
    family: row.family,
    p50Ms: row.p50Ms,
    throughputIps: row.throughputIps,
    results: row.results,
    unitSpread: s ? { devices: s.devices, minP50Ms: s.minP50Ms, maxP50Ms: s.maxP50Ms, cv: s.cv } : null,
  };
}

export interface CompareRowLike {
  hardwareClassId: string;
  modelId: string;
  modelName: string;
  family: string | null;
  p50Ms: number;
  throughputIps: number;
  results: number;
  unitSpread?: { devices: number; minP50Ms: number; maxP50Ms: number; cv: number } | null;
}

export interface CompareModel {
  modelId: string;
  modelName: string;
  family: string | null;
  /** p50 per selected class (same order as `classIds`); null when the class has no result for the model. */
  p50: (number | null)[];
  /** p50 ÷ the baseline class's p50 (first class); null where either is missing. Below 1 = faster than baseline. */
  ratio: (number | null)[];
  /** p50 ÷ the model's fastest p50 among the classes (≥ 1), for the heatmap. */
  relative: (number | null)[];
  /** Index of the fastest class for this model. */
  fastest: number | null;
}

export interface CompareSummary {
  classId: string;
  /** Models with a result on this class and on the baseline. */
  common: number;
  /** Geometric mean of the per-model ratios to the baseline (the fair "x times faster" summary). */
  geomeanRatio: number | null;
  /** Models on which this class is the fastest. */
  wins: number;
}

export function geometricMean(xs: readonly number[]): number | null {
  const f = xs.filter((x) => x > 0 && Number.isFinite(x));
  if (!f.length) return null;
  return Math.exp(f.reduce((a, x) => a + Math.log(x), 0) / f.length);
}

/** Rows of several classes (one settings key) → one line per model present on at least one class. */
export function compareClasses(
  rows: readonly CompareRowLike[],
  classIds: readonly string[],
): { models: CompareModel[]; summary: CompareSummary[] } {
  const idx = new Map(classIds.map((id, i) => [id, i]));
  const byModel = new Map<string, CompareModel>();
  for (const r of rows) {
    const i = idx.get(r.hardwareClassId);
    if (i === undefined || !(r.p50Ms > 0)) continue;
    let m = byModel.get(r.modelId);
    if (!m) {
      m = {
        modelId: r.modelId,
        modelName: r.modelName,
        family: r.family,
        p50: classIds.map(() => null),
        ratio: [],
        relative: [],
        fastest: null,
      };
      byModel.set(r.modelId, m);
    }
    m.p50[i] = r.p50Ms;
  }
  const models = [...byModel.values()];
  for (const m of models) {
    const base = m.p50[0] ?? null;
    m.ratio = m.p50.map((v) => (v !== null && base !== null ? v / base : null));
    const present = m.p50.filter((v): v is number => v !== null);
    const min = present.length ? Math.min(...present) : null;
    m.relative = m.p50.map((v) => (v !== null && min !== null ? v / min : null));
    m.fastest = min === null ? null : m.p50.indexOf(min);
  }
  models.sort((a, b) => naturalCompare(a.modelName, b.modelName));
  const summary = classIds.map((classId, i) => {
    const ratios = models.map((m) => m.ratio[i]).filter((r): r is number => r !== null);
    return {
      classId,
      common: ratios.length,
      geomeanRatio: geometricMean(ratios),
      wins: models.filter((m) => m.fastest === i).length,
    };
  });
  return { models, summary };
}

/**
 * Heatmap cell colour for a model's p50 relative to its fastest class (1 = fastest): green → amber → red on a log
 * scale saturating at `maxRelative` (default 10×). Returns an HSL colour that reads on light and dark themes.
 */
export function heatColour(relative: number | null, maxRelative = 10): string {
  if (relative === null || !Number.isFinite(relative)) return 'transparent';
  const t = Math.min(1, Math.max(0, Math.log(relative) / Math.log(maxRelative)));
  const hue = 130 - 130 * t; // 130 green → 0 red
  return `hsl(${hue.toFixed(0)} 65% 45%)`;
}

/** "2.31× slower" / "1.8× faster" / "same" for a ratio to the baseline. */
export function describeRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  if (Math.abs(ratio - 1) < 0.005) return 'same';
  return ratio > 1 ? `${ratio.toFixed(2)}× slower` : `${(1 / ratio).toFixed(2)}× faster`;
}

export interface SpreadLine {
  classId: string;
  modelId: string;
  modelName: string;
  devices: number;
  minP50Ms: number;
  maxP50Ms: number;
  cv: number;
  /** (max − min) ÷ min. */
  range: number;
}

/** Unit-to-unit spread lines (classes with ≥ 2 devices), widest range first. */
export function spreadLines(rows: readonly CompareRowLike[], classIds: readonly string[]): SpreadLine[] {
  const want = new Set(classIds);
  const out: SpreadLine[] = [];
  for (const r of rows) {
    const s = r.unitSpread;
    if (!s || !want.has(r.hardwareClassId) || s.devices < 2) continue;
    out.push({
      classId: r.hardwareClassId,
      modelId: r.modelId,
      modelName: r.modelName,
      ...s,
      range: s.minP50Ms > 0 ? (s.maxP50Ms - s.minP50Ms) / s.minP50Ms : 0,
    });
  }
  return out.sort((a, b) => b.range - a.range || a.modelName.localeCompare(b.modelName));
}
