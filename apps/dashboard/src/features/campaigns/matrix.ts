// Campaign form maths (pure): settings matrix, model picks by family, re-run request.
import type {
  BenchmarkSettingsInput,
  Campaign,
  CreateCampaignRequestInput,
  DeviceSelector,
} from '@fleetbench/protocol';

/** "1, 4,8" → [1, 4, 8]; duplicates removed, order kept; throws on anything that is not a list of integers ≥ min. */
export function parseIntList(text: string, what: string, min = 0): number[] {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (!parts.length) throw new Error(`${what}: give at least one value`);
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < min) throw new Error(`${what}: "${p}" is not an integer ≥ ${min}`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

export function parseWordList(text: string, what: string): string[] {
  const parts = [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
  if (!parts.length) throw new Error(`${what}: give at least one value`);
  return parts;
}

export interface MatrixInput {
  mode: 'latency' | 'throughput' | 'accuracy';
  batchSizes: number[];
  threads: number[];
  providers: string[];
  minIterations?: number;
  minDurationMs?: number;
  warmupIterations?: number;
  /** Sustained runs (issue 13): measure each combination for this long, recording intervals. */
  sustainedMs?: number;
}

/** Cartesian product batch × threads × provider (the hub completes every entry with its defaults). */
export function expandMatrix(m: MatrixInput): BenchmarkSettingsInput[] {
  const out: BenchmarkSettingsInput[] = [];
  for (const executionProvider of m.providers)
    for (const intraOpThreads of m.threads)
      for (const batchSize of m.batchSizes)
        out.push({
          mode: m.mode,
          batchSize,
          intraOpThreads,
          executionProvider,
          ...(m.minIterations !== undefined ? { minIterations: m.minIterations } : {}),
          ...(m.minDurationMs !== undefined ? { minDurationMs: m.minDurationMs } : {}),
          ...(m.warmupIterations !== undefined ? { warmupIterations: m.warmupIterations } : {}),
          ...(m.sustainedMs !== undefined ? { sustainedMs: m.sustainedMs } : {}),
        });
  return out;
}

/** The hub's default job time limit (15 min), raised for a sustained run: its length plus half again and 5 minutes
 *  for loading and warm-up (the hub wants the run within 90 % of the limit), at most 24 h. */
export function timeoutForSustained(sustainedMs: number | undefined): number | undefined {
  if (sustainedMs === undefined) return undefined;
  return Math.min(24 * 3600_000, Math.max(15 * 60_000, Math.ceil(sustainedMs * 1.5) + 5 * 60_000));
}

/** Model ids from individually ticked models plus whole families, de-duplicated, in catalogue order. */
export function pickModels(
  models: readonly { id: string; family: string | null }[],
  ids: readonly string[],
  families: readonly string[],
): string[] {
  const want = new Set(ids);
  const fams = new Set(families);
  return models.filter((m) => want.has(m.id) || (m.family !== null && fams.has(m.family))).map((m) => m.id);
}

export function buildSelector(
  kind: string,
  values: { ids: string[]; tags: string[]; classes: string[] },
): DeviceSelector {
  switch (kind) {
    case 'all':
      return { all: true, ids: [], tags: [], hardwareClassIds: [] };
    case 'tags':
      return { all: false, ids: [], tags: values.tags, hardwareClassIds: [] };
    case 'classes':
      return { all: false, ids: [], tags: [], hardwareClassIds: values.classes };
    default:
      return { all: false, ids: values.ids, tags: [], hardwareClassIds: [] };
  }
}

/**
 * A new campaign with the same models, devices and settings as an earlier one. When the hub returns the original
 * request, the re-run reuses it as is (device selector included: "all" or tags also reach devices enrolled since);
 * otherwise it targets the devices the jobs ran on, with the distinct job settings.
 */
export function rerunRequest(
  c: Pick<Campaign, 'name' | 'jobs'> & { request?: Campaign['request'] },
  now = new Date(),
): CreateCampaignRequestInput {
  const base = c.name.replace(/ \(re-run [^)]*\)$/, '');
  const name = `${base} (re-run ${now.toISOString().slice(0, 16).replace('T', ' ')})`.slice(0, 200);
  if (c.request) {
    const r = c.request;
    return {
      name,
      modelIds: [...r.modelIds],
      devices: { ...r.devices },
      settings: [...r.settings],
      timeoutMs: r.timeoutMs,
      maxAttempts: r.maxAttempts,
      ...(r.datasetId ? { datasetId: r.datasetId } : {}),
    };
  }
  const jobs = c.jobs ?? [];
  if (!jobs.length) throw new Error('this campaign has no jobs to re-run');
  const modelIds = [...new Set(jobs.map((j) => j.modelId))];
  const ids = [...new Set(jobs.map((j) => j.deviceId))];
  const settings = new Map<string, BenchmarkSettingsInput>();
  for (const j of jobs)
    if (!settings.has(JSON.stringify(j.settings))) settings.set(JSON.stringify(j.settings), j.settings);
  return {
    name,
    modelIds,
    devices: { all: false, ids, tags: [], hardwareClassIds: [] },
    settings: [...settings.values()],
  };
}

/** What the campaign page's job table shows of a result (no histogram, environment or settings). */
export interface JobResult {
  id: string;
  jobId: string;
  p50Ms: number;
  throughputIps: number;
  valid: boolean;
}

export function jobResultFromSummary(r: {
  id: string;
  jobId: string;
  p50Ms: number;
  throughputIps: number;
  verdictStatus: string;
}): JobResult {
  return {
    id: r.id,
    jobId: r.jobId,
    p50Ms: r.p50Ms,
    throughputIps: r.throughputIps,
    valid: r.verdictStatus === 'valid',
  };
}

/** Share of a campaign's jobs that are in a final state, 0..1 (running jobs count by their progress). */
export function campaignProgress(jobs: readonly { state: string; progress: number | null }[]): number {
  if (!jobs.length) return 0;
  let done = 0;
  for (const j of jobs) {
    if (j.state === 'succeeded' || j.state === 'failed' || j.state === 'cancelled') done += 1;
    else if (j.state === 'running') done += Math.min(1, Math.max(0, j.progress ?? 0));
  }
  return done / jobs.length;
}
