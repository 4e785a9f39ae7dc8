import { z } from 'zod';
import {
  BenchmarkModeSchema,
  BenchmarkRunnerSchema,
  GraphOptimizationLevelSchema,
  type BenchmarkSettings,
} from './settings';

// The comparability key: two results share a leaderboard row only when their keys are equal. Defined here once;
// the hub stores it on every job and result (Job.settingsKey, Result.settingsKey), the dashboard reads it back with
// parseComparabilityKey. The SQL in prisma/migrations/*_comparability_key computes the same text from stored
// settings JSON; change both together (a new migration re-keys the rows).
//
// Format: <mode>/bs<batch>/t<intra>x<inter>/<provider>/<runner>/opt-<level>[/n<maxSamples>][/sustained<seconds>s]
//   e.g. latency/bs1/t0x0/cpu/onnxruntime-node/opt-all, accuracy/bs8/t4x0/cuda/onnxruntime-node/opt-basic/n500
// - batch is the batch of the reported figures: throughput sweeps report their last (largest) batch size.
// - provider is the settings' executionProvider with `%` and `/` percent-encoded, so any string round-trips.
// - n<maxSamples> only for accuracy runs limited to a sample count (top-1 over 500 images ≠ over the whole set).
// - sustained<seconds>s only for sustained runs (issue 13): figures of a 10-minute run include throttling that a
//   burst run never sees, so they never pool with burst figures, nor with sustained runs of another length. No
//   stored row had sustainedMs before it existed, so no migration re-keys anything.
// Not in the key, because they do not change what is measured: warm-up, iteration counts, durations and the seed.
// Precision is a property of the model (a zoo fp16 variant has its own bytes and model id), so it is not a setting.

export const ComparabilityKeySchema = z
  .object({
    mode: BenchmarkModeSchema,
    batchSize: z.number().int().min(1).max(1024),
    intraOpThreads: z.number().int().min(0).max(1024),
    interOpThreads: z.number().int().min(0).max(1024),
    executionProvider: z.string().min(1),
    runner: BenchmarkRunnerSchema,
    graphOptimizationLevel: GraphOptimizationLevelSchema,
    /** Accuracy runs limited to this many samples; null = the whole dataset (and always null for other modes). */
    maxSamples: z.number().int().min(1).nullable(),
    /** Sustained runs: their length in whole seconds; null = a burst run. */
    sustainedS: z.number().int().min(1).nullable().default(null),
  })
  .refine((k) => k.mode === 'accuracy' || k.maxSamples === null, {
    message: 'maxSamples belongs to accuracy runs only',
    path: ['maxSamples'],
  })
  .refine((k) => k.mode !== 'accuracy' || k.sustainedS === null, {
    message: 'sustained runs measure latency or throughput, not accuracy',
    path: ['sustainedS'],
  });
export type ComparabilityKey = z.output<typeof ComparabilityKeySchema>;

/** What a key is computed from: BenchmarkSettings, or a parsed ComparabilityKey. */
export type ComparabilitySource = Pick<
  BenchmarkSettings,
  'mode' | 'batchSize' | 'intraOpThreads' | 'interOpThreads' | 'executionProvider' | 'graphOptimizationLevel'
> & {
  runner?: BenchmarkSettings['runner'];
  batchSizes?: readonly number[];
  maxSamples?: number | null;
  sustainedMs?: number | null;
  sustainedS?: number | null;
};

/** The batch whose figures a run reports: the last distinct size of a throughput sweep (see the ONNX runner). */
function reportedBatch(s: ComparabilitySource): number {
  if (s.mode !== 'throughput' || !s.batchSizes?.length) return s.batchSize;
  const distinct = [...new Set(s.batchSizes)];
  return distinct[distinct.length - 1]!;
}

/** The comparable part of settings, defaults made explicit (an absent runner is onnxruntime-node). */
export function comparabilityOf(s: ComparabilitySource): ComparabilityKey {
  return ComparabilityKeySchema.parse({
    mode: s.mode,
    batchSize: reportedBatch(s),
    intraOpThreads: s.intraOpThreads,
    interOpThreads: s.interOpThreads,
    executionProvider: s.executionProvider,
    runner: s.runner ?? 'onnxruntime-node',
    graphOptimizationLevel: s.graphOptimizationLevel,
    maxSamples: s.mode === 'accuracy' ? (s.maxSamples ?? null) : null,
    // Accuracy runs have no sustained form (as maxSamples belongs to them only); the agent ignores it there.
    sustainedS:
      s.mode === 'accuracy'
        ? null
        : (s.sustainedS ?? (s.sustainedMs ? Math.max(1, Math.round(s.sustainedMs / 1000)) : null)),
  });
}

const encodeProvider = (p: string) => p.replace(/%/g, '%25').replace(/\//g, '%2F');
const decodeProvider = (p: string) => p.replace(/%2F/gi, '/').replace(/%25/g, '%');

/** The key text of settings (or of a parsed key); `parseComparabilityKey` reads it back. */
export function formatComparabilityKey(s: ComparabilitySource): string {
  const k = comparabilityOf(s);
  const parts = [
    k.mode,
    `bs${k.batchSize}`,
    `t${k.intraOpThreads}x${k.interOpThreads}`,
    encodeProvider(k.executionProvider),
    k.runner,
    `opt-${k.graphOptimizationLevel}`,
  ];
  if (k.maxSamples !== null) parts.push(`n${k.maxSamples}`);
  if (k.sustainedS !== null) parts.push(`sustained${k.sustainedS}s`);
  return parts.join('/');
}

/** Same meaning as formatComparabilityKey, under the name the hub's jobs and results have always used. */
export const settingsKey = (s: ComparabilitySource): string => formatComparabilityKey(s);

const UINT = '(0|[1-9]\\d*)';
const SEGMENTS = {
  batch: new RegExp(`^bs${UINT}$`),
  threads: new RegExp(`^t${UINT}x${UINT}$`),
  level: /^opt-(.+)$/,
  samples: new RegExp(`^n${UINT}$`),
  sustained: new RegExp(`^sustained${UINT}s$`),
};
const KEY_FORMAT =
  '<mode>/bs<batch>/t<intra>x<inter>/<provider>/<runner>/opt-<level>[/n<samples>][/sustained<seconds>s]';

/** A key string checked and read into its fields; `.safeParse` for text that may be foreign (URLs, old keys). */
export const ComparabilityKeyStringSchema = z.string().transform((text, ctx): ComparabilityKey => {
  const fail = (why: string) => {
    ctx.addIssue({ code: 'custom', message: `not a comparability key (${why}); expected ${KEY_FORMAT}` });
    return z.NEVER;
  };
  const parts = text.split('/');
  const last = parts.length > 6 ? SEGMENTS.sustained.exec(parts[parts.length - 1]!) : null;
  if (last) parts.pop();
  if (parts.length !== 6 && parts.length !== 7) return fail(`${parts.length + (last ? 1 : 0)} segments`);
  const [mode, batch, threads, provider, runner, level, samples] = parts as [string, ...string[]];
  const b = SEGMENTS.batch.exec(batch!);
  const t = SEGMENTS.threads.exec(threads!);
  const l = SEGMENTS.level.exec(level!);
  const n = samples === undefined ? null : SEGMENTS.samples.exec(samples);
  if (!b) return fail(`batch segment "${batch}"`);
  if (!t) return fail(`threads segment "${threads}"`);
  if (!l) return fail(`optimisation segment "${level}"`);
  if (n === null && samples !== undefined) return fail(`samples segment "${samples}"`);
  const decoded = decodeProvider(provider!);
  // Only the canonical spelling is a key: "%2f" or a bare "%" would not format back to the same text.
  if (encodeProvider(decoded) !== provider) return fail(`provider segment "${provider}"`);
  const key = ComparabilityKeySchema.safeParse({
    mode,
    batchSize: Number(b[1]),
    intraOpThreads: Number(t[1]),
    interOpThreads: Number(t[2]),
    executionProvider: decoded,
    runner,
    graphOptimizationLevel: l[1],
    maxSamples: n ? Number(n[1]) : null,
    sustainedS: last ? Number(last[1]) : null,
  });
  if (!key.success) return fail(key.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return key.data;
});

/** Reads a key written by formatComparabilityKey; throws a ZodError naming the bad segment otherwise. */
export function parseComparabilityKey(text: string): ComparabilityKey {
  return ComparabilityKeyStringSchema.parse(text);
}

const MODE_ORDER = BenchmarkModeSchema.options;
const RUNNER_ORDER = BenchmarkRunnerSchema.options;
// The default level first, then from least to most rewriting.
const LEVEL_ORDER = ['all', 'disabled', 'basic', 'extended'] as const;

/**
 * Display order of keys: latency, throughput, accuracy; then batch, threads, provider, runner (onnxruntime-node
 * first), optimisation level (the default first), sample limit (whole dataset first) and sustained length (burst
 * first); text that is no key last.
 */
export function compareComparabilityKeys(a: string, b: string): number {
  const pa = ComparabilityKeyStringSchema.safeParse(a);
  const pb = ComparabilityKeyStringSchema.safeParse(b);
  if (!pa.success || !pb.success) return pa.success ? -1 : pb.success ? 1 : a.localeCompare(b);
  const x = pa.data;
  const y = pb.data;
  return (
    MODE_ORDER.indexOf(x.mode) - MODE_ORDER.indexOf(y.mode) ||
    x.batchSize - y.batchSize ||
    x.intraOpThreads - y.intraOpThreads ||
    x.interOpThreads - y.interOpThreads ||
    x.executionProvider.localeCompare(y.executionProvider) ||
    RUNNER_ORDER.indexOf(x.runner) - RUNNER_ORDER.indexOf(y.runner) ||
    LEVEL_ORDER.indexOf(x.graphOptimizationLevel) - LEVEL_ORDER.indexOf(y.graphOptimizationLevel) ||
    (x.maxSamples ?? 0) - (y.maxSamples ?? 0) ||
    (x.sustainedS ?? 0) - (y.sustainedS ?? 0)
  );
}
