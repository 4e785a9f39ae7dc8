import {
  HardwareSchema,
  median,
  reproduceCommand,
  SoftwareFingerprintSchema,
  type AccuracyScoring,
  type BenchmarkSettings,
  type JobState,
} from '@fleetbench/protocol';
import {
  REPORT_RESULT_LIMIT,
  type ReportCampaignRow,
  type ReportResultRow,
} from '../repositories/campaign-report.repository';
import { compareRankOrder } from './leaderboard-rank';

/** One model's figures on one hardware class under one comparability key, over this campaign's results only. */
export interface ReportRankRow {
  rank: number | null;
  modelName: string;
  p50Ms: number;
  p90Ms: number;
  /** From the stored latency summary (not a column); null when no result carries it. */
  p95Ms: number | null;
  p99Ms: number;
  throughputIps: number;
  /** Median of the model's accuracy results on this class in this campaign (flags are about timing), else the
   *  model's reference (published) figure; null: neither. `top1Source` says which. */
  top1: number | null;
  top1Source: 'measured' | 'reference' | null;
  top5: number | null;
  valid: number;
  flagged: number;
  /** Verdict reason codes of the flagged results. */
  reasons: string[];
}

export interface ReportGroup {
  hardwareClassName: string;
  settingsKey: string;
  rows: ReportRankRow[];
}

export interface ReportDevice {
  name: string;
  hardwareClassName: string;
  agentVersion: string | null;
  onnxruntimeVersion: string | null;
  nodeVersion: string | null;
  os: string | null;
  kernel: string | null;
  cpu: string | null;
  memoryBytes: number | null;
  /** Execution providers this device's results in the campaign ran on. */
  providers: string[];
}

export interface ReportResult {
  id: string;
  modelName: string;
  deviceName: string;
  hardwareClassName: string;
  measuredAt: Date;
  verdict: 'valid' | 'flagged';
  command: string;
}

export interface CampaignReport {
  id: string;
  name: string;
  state: string;
  createdAt: Date;
  updatedAt: Date;
  generatedAt: Date;
  models: string[];
  hardwareClasses: string[];
  settingsKeys: string[];
  jobCounts: Partial<Record<JobState, number>>;
  groups: ReportGroup[];
  devices: ReportDevice[];
  results: ReportResult[];
  /** True when the campaign has more results than one report lists (REPORT_RESULT_LIMIT, oldest first). */
  truncated: boolean;
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => a.localeCompare(b));
const groupBy = <T>(xs: T[], key: (x: T) => string) => {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
};

/** p95 from the stored ResultMetrics JSON (latencyMs.p95), tolerating absent or partial objects. */
const storedP95 = (r: ReportResultRow): number | null => {
  const p95 = (r.metrics as { latencyMs?: { p95?: unknown } } | null)?.latencyMs?.p95;
  return typeof p95 === 'number' ? p95 : null;
};

/** The model's reference top-1 (its registered referenceMetrics), when it has a usable one. */
const referenceTop1 = (r: ReportResultRow): number | null => {
  const top1 = (r.model.referenceMetrics as { top1?: unknown } | null)?.top1;
  return typeof top1 === 'number' && top1 >= 0 && top1 <= 1 ? top1 : null;
};

/** Ranked rows of one class × key: valid results ranked like the leaderboard, all-flagged models after them. */
function rankGroup(results: ReportResultRow[], accuracy: Map<string, ReportResultRow[]>): ReportRankRow[] {
  const rows = [...groupBy(results, (r) => r.modelId).values()].map((g) => {
    const valid = g.filter((r) => r.verdictStatus === 'valid');
    const basis = valid.length ? valid : g;
    const scored = accuracy.get(`${g[0].hardwareClassId}\u0000${g[0].modelId}`) ?? [];
    const flaggedReasons = g
      .filter((r) => r.verdictStatus === 'flagged')
      .flatMap((r) => (Array.isArray(r.verdictReasons) ? r.verdictReasons : []))
      .map((x) => String((x as { code?: unknown }).code ?? ''));
    const measured = median(scored.map((r) => r.top1));
    const reference = referenceTop1(g[0]);
    return {
      rank: null as number | null,
      modelName: g[0].model.name,
      p50Ms: median(basis.map((r) => r.p50Ms)) ?? NaN,
      p90Ms: median(basis.map((r) => r.p90Ms)) ?? NaN,
      p95Ms: median(basis.map(storedP95)),
      p99Ms: median(basis.map((r) => r.p99Ms)) ?? NaN,
      throughputIps: median(basis.map((r) => r.throughputIps)) ?? NaN,
      top1: measured ?? reference,
      top1Source: measured !== null ? ('measured' as const) : reference !== null ? ('reference' as const) : null,
      top5: median(scored.map((r) => r.top5)),
      valid: valid.length,
      flagged: g.length - valid.length,
      reasons: sorted(flaggedReasons.filter(Boolean)),
    };
  });
  rows.sort((a, b) => Number(b.valid > 0) - Number(a.valid > 0) || compareRankOrder(a, b));
  let next = 1;
  for (const r of rows) r.rank = r.valid > 0 ? next++ : null;
  return rows;
}

function describeDevice(d: ReportCampaignRow['jobs'][number]['device'], results: ReportResultRow[]): ReportDevice {
  const hw = HardwareSchema.safeParse(d.hardware);
  const sw = SoftwareFingerprintSchema.safeParse(d.software);
  const env = results.map((r) => r.environment as { executionProvider?: unknown });
  return {
    name: d.name,
    hardwareClassName: d.hardwareClass.name,
    agentVersion: sw.success ? sw.data.agentVersion : null,
    onnxruntimeVersion: sw.success ? sw.data.onnxruntimeVersion : null,
    nodeVersion: sw.success ? sw.data.nodeVersion : null,
    os: hw.success ? `${hw.data.os.distro} ${hw.data.os.release} (${hw.data.os.platform})` : null,
    kernel: hw.success ? hw.data.os.kernel : null,
    cpu: hw.success ? `${hw.data.cpu.model} (${hw.data.cpu.arch}, ${hw.data.cpu.logicalCores} threads)` : null,
    memoryBytes: hw.success ? hw.data.memoryBytes : null,
    providers: sorted(env.map((e) => (typeof e.executionProvider === 'string' ? e.executionProvider : ''))).filter(
      Boolean,
    ),
  };
}

/** Everything the report shows, computed from the campaign's rows; `hubUrl` goes into the reproduce commands. */
export function buildCampaignReport(
  campaign: ReportCampaignRow,
  results: ReportResultRow[],
  opts: { hubUrl: string; now: Date },
): CampaignReport {
  const jobCounts: Partial<Record<JobState, number>> = {};
  for (const j of campaign.jobs) jobCounts[j.state] = (jobCounts[j.state] ?? 0) + 1;
  const accuracy = groupBy(
    results.filter((r) => r.top1 !== null),
    (r) => `${r.hardwareClassId}\u0000${r.modelId}`,
  );
  const groups = [...groupBy(results, (r) => `${r.hardwareClass.name}\u0000${r.settingsKey}`).values()]
    .map((g) => ({
      hardwareClassName: g[0].hardwareClass.name,
      settingsKey: g[0].settingsKey,
      rows: rankGroup(g, accuracy),
    }))
    .sort(
      (a, b) => a.hardwareClassName.localeCompare(b.hardwareClassName) || a.settingsKey.localeCompare(b.settingsKey),
    );
  const devices = new Map(campaign.jobs.map((j) => [j.device.id, j.device]));
  const resultsByDevice = groupBy(results, (r) => r.deviceId);
  return {
    id: campaign.id,
    name: campaign.name,
    state: campaign.state,
    createdAt: campaign.createdAt,
    updatedAt: campaign.updatedAt,
    generatedAt: opts.now,
    models: sorted(campaign.jobs.map((j) => j.model.name)),
    hardwareClasses: sorted([...devices.values()].map((d) => d.hardwareClass.name)),
    // From the jobs, so a campaign still running lists every key it will measure.
    settingsKeys: sorted(campaign.jobs.map((j) => j.settingsKey)),
    jobCounts,
    truncated: results.length >= REPORT_RESULT_LIMIT,
    groups,
    devices: [...devices.values()]
      .map((d) => describeDevice(d, resultsByDevice.get(d.id) ?? []))
      .sort((a, b) => a.hardwareClassName.localeCompare(b.hardwareClassName) || a.name.localeCompare(b.name)),
    results: results.map((r) => ({
      id: r.id,
      modelName: r.model.name,
      deviceName: r.device.name,
      hardwareClassName: r.hardwareClass.name,
      measuredAt: r.measuredAt,
      verdict: r.verdictStatus,
      command: reproduceCommand({
        hubUrl: opts.hubUrl,
        modelSha256: String((r.environment as { modelSha256?: unknown }).modelSha256 ?? ''),
        modelName: r.model.name,
        settings: r.settings as unknown as BenchmarkSettings,
        scoring: (r.metrics as { scoring?: Pick<AccuracyScoring, 'preset' | 'output'> } | null)?.scoring ?? null,
      }),
    })),
  };
}
