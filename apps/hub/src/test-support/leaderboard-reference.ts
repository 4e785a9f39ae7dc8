// The leaderboard computed in JavaScript from raw result rows: the reference the PostgreSQL read model
// (repositories/leaderboard.repository.ts) is checked against in leaderboard.medium.spec.ts. Not used by the hub.
import { median, type EnergySource, type LeaderboardRow } from '@fleetbench/protocol';
import { rankLeaderboard } from '../utils/leaderboard-rank';

/** Median of the known figures (see protocol `median`); NaN only when none is known, for the required columns. */
function medianOrNaN(xs: Iterable<number | null | undefined>): number {
  return median(xs) ?? NaN;
}

interface MetricExtras {
  coldStartMs: number | null;
  peakRssBytes: number | null;
  gflops: number | null;
  peakShare: number | null;
  joulesPerInference: number | null;
  averageWatts: number | null;
  energySource: EnergySource | null;
}

/** Read the extra figures out of a stored ResultMetrics JSON, tolerating absent/partial objects. */
export function metricExtras(metrics: unknown): MetricExtras {
  const m = (metrics && typeof metrics === 'object' ? metrics : {}) as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const cs = (m.coldStart && typeof m.coldStart === 'object' ? m.coldStart : {}) as Record<string, unknown>;
  const create = num(cs.sessionCreateMs);
  const first = num(cs.firstInferenceMs);
  // Energy counts only when measured: an 'unavailable' reading (or none) is unknown, never 0.
  const e = (m.energy && typeof m.energy === 'object' ? m.energy : {}) as Record<string, unknown>;
  const measured = e.status === 'measured';
  return {
    // Cold start is session creation plus the first inference: unknown when either part is (external tools).
    coldStartMs: create !== null && first !== null ? create + first : null,
    peakRssBytes: num(m.peakRssBytes),
    gflops: num(m.gflops),
    peakShare: num(m.peakShare),
    joulesPerInference: measured ? num(e.joulesPerInference) : null,
    averageWatts: measured ? num(e.averageWatts) : null,
    energySource: measured && typeof e.source === 'string' ? (e.source as EnergySource) : null,
  };
}

/** Unit-to-unit spread of per-device median p50s; null with fewer than two devices. */
export function unitSpread(samples: { deviceId: string; p50Ms: number }[]): LeaderboardRow['unitSpread'] {
  const byDevice = new Map<string, number[]>();
  for (const s of samples) {
    const l = byDevice.get(s.deviceId);
    if (l) l.push(s.p50Ms);
    else byDevice.set(s.deviceId, [s.p50Ms]);
  }
  if (byDevice.size < 2) return null;
  const meds = [...byDevice.values()].map(medianOrNaN);
  const mean = meds.reduce((a, b) => a + b, 0) / meds.length;
  const variance = meds.reduce((a, b) => a + (b - mean) ** 2, 0) / (meds.length - 1);
  return {
    devices: meds.length,
    minP50Ms: Math.min(...meds),
    maxP50Ms: Math.max(...meds),
    cv: mean > 0 ? Math.sqrt(variance) / mean : 0,
  };
}

/** The columns of one result the leaderboard aggregates. */
export interface LeaderboardSample {
  hardwareClassId: string;
  settingsKey: string;
  modelId: string;
  deviceId: string;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  throughputIps: number;
  top1: number | null;
  verdictStatus: 'valid' | 'flagged';
  measuredAt: Date;
  /** The stored ResultMetrics JSON (cold start, peak RSS, GFLOP/s, peak share, energy). */
  metrics?: unknown;
}

export interface LeaderboardModelInfo {
  name: string;
  family: string | null;
  referenceTop1: number | null;
}

/**
 * One row per (hardware class, settingsKey, model): medians of p50/p90/p99/throughput over valid results; flagged
 * results are counted but not ranked (a group with only flagged results is listed after the ranked ones, its medians
 * taken over the flagged results). top1: measured (median over accuracy results (flags are about timing) of the model on that class,
 * else on any class) or the model's reference figure.
 */
export function computeLeaderboard(
  samples: LeaderboardSample[],
  models: Map<string, LeaderboardModelInfo>,
  classNames: Map<string, string>,
  accuracy: { modelId: string; hardwareClassId: string; top1: number | null }[],
): LeaderboardRow[] {
  const groups = new Map<string, LeaderboardSample[]>();
  for (const s of samples) {
    const k = `${s.hardwareClassId}\u0000${s.settingsKey}\u0000${s.modelId}`;
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  // Accuracy samples indexed by model once (a filter per group is quadratic on large fleets).
  const accuracyByModel = new Map<string, { hardwareClassId: string; top1: number }[]>();
  for (const a of accuracy) {
    if (a.top1 === null) continue;
    const l = accuracyByModel.get(a.modelId);
    if (l) l.push({ hardwareClassId: a.hardwareClassId, top1: a.top1 });
    else accuracyByModel.set(a.modelId, [{ hardwareClassId: a.hardwareClassId, top1: a.top1 }]);
  }
  const rows: (Omit<LeaderboardRow, 'rank'> & { ranked: boolean })[] = [];
  for (const g of groups.values()) {
    const { hardwareClassId, settingsKey, modelId } = g[0];
    const valid = g.filter((s) => s.verdictStatus === 'valid');
    const basis = valid.length ? valid : g;
    const model = models.get(modelId);
    const modelAccuracy = accuracyByModel.get(modelId) ?? [];
    const sameClass = modelAccuracy.filter((a) => a.hardwareClassId === hardwareClassId);
    const anyClass = sameClass.length ? sameClass : modelAccuracy;
    const extras = basis.map((b) => metricExtras(b.metrics));
    const measured = median(anyClass.map((a) => a.top1));
    const reference = model?.referenceTop1 ?? null;
    rows.push({
      hardwareClassId,
      hardwareClassName: classNames.get(hardwareClassId) ?? hardwareClassId,
      settingsKey,
      modelId,
      modelName: model?.name ?? modelId,
      family: model?.family ?? null,
      devices: new Set(valid.map((s) => s.deviceId)).size,
      results: valid.length,
      p50Ms: medianOrNaN(basis.map((s) => s.p50Ms)),
      p90Ms: medianOrNaN(basis.map((s) => s.p90Ms)),
      p99Ms: medianOrNaN(basis.map((s) => s.p99Ms)),
      throughputIps: medianOrNaN(basis.map((s) => s.throughputIps)),
      top1: measured ?? reference,
      top1Source: measured !== null ? 'measured' : reference !== null ? 'reference' : null,
      flaggedResults: g.length - valid.length,
      coldStartMs: median(extras.map((e) => e.coldStartMs)),
      peakRssBytes: median(extras.map((e) => e.peakRssBytes)),
      gflops: median(extras.map((e) => e.gflops)),
      peakShare: median(extras.map((e) => e.peakShare)),
      joulesPerInference: median(extras.map((e) => e.joulesPerInference)),
      averageWatts: median(extras.map((e) => e.averageWatts)),
      energySources: [...new Set(extras.flatMap((e) => (e.energySource ? [e.energySource] : [])))].sort(),
      unitSpread: unitSpread(valid),
      ranked: valid.length > 0,
    });
  }
  return rankLeaderboard(rows);
}
