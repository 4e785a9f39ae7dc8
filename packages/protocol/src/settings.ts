import { z } from 'zod';

export const BenchmarkModeSchema = z.enum(['latency', 'throughput', 'accuracy']);
export type BenchmarkMode = z.infer<typeof BenchmarkModeSchema>;

export const GraphOptimizationLevelSchema = z.enum(['disabled', 'basic', 'extended', 'all']);

/** What measures: onnxruntime-node in the agent, or an installed trtexec / onnxruntime_perf_test. */
export const BenchmarkRunnerSchema = z.enum(['onnxruntime-node', 'trtexec', 'onnxruntime_perf_test']);
export type BenchmarkRunner = z.infer<typeof BenchmarkRunnerSchema>;

/** Settings of one benchmark run; every field has a default so `{}` is a valid latency run. */
export const BenchmarkSettingsSchema = z.object({
  mode: BenchmarkModeSchema.default('latency'),
  batchSize: z.number().int().min(1).max(1024).default(1),
  intraOpThreads: z.number().int().min(0).max(1024).default(0).describe('0 = runtime default'),
  interOpThreads: z.number().int().min(0).max(1024).default(0).describe('0 = runtime default'),
  executionProvider: z.string().min(1).max(64).default('cpu'),
  graphOptimizationLevel: GraphOptimizationLevelSchema.default('all'),
  warmupIterations: z.number().int().min(0).default(10),
  minIterations: z.number().int().min(1).default(100),
  minDurationMs: z.number().int().min(0).default(1000),
  maxDurationMs: z.number().int().min(1).default(60_000),
  seed: z.number().int().default(1),
  /** Optional: also warm up for at least this long (ms) after warmupIterations; absent = iterations only. */
  warmupDurationMs: z.number().int().min(0).optional(),
  /** Optional, throughput mode: batch sizes to sweep (e.g. [1, 4, 8, 16]); absent = [batchSize]. */
  batchSizes: z.array(z.number().int().min(1).max(1024)).min(1).max(16).optional(),
  /** Optional: what measures — onnxruntime-node in the agent (absent), or an installed trtexec / onnxruntime_perf_test. */
  runner: BenchmarkRunnerSchema.optional(),
  /** Optional, accuracy mode: evaluate at most this many samples of the dataset (absent = all). */
  maxSamples: z.number().int().min(1).optional(),
  /** Optional, latency/throughput (issue 13): measure for exactly this long (ms), recording every interval, instead of
   *  the burst loop (minIterations / minDurationMs / maxDurationMs are ignored). The comparability key carries it. */
  sustainedMs: z
    .number()
    .int()
    .min(1000)
    .max(24 * 3600_000)
    .optional(),
  /** Optional, with sustainedMs: length of one recorded interval (default 10 s; widened to keep ≤ 1440 intervals). */
  sustainedIntervalMs: z.number().int().min(100).max(3600_000).optional(),
});
export type BenchmarkSettings = z.infer<typeof BenchmarkSettingsSchema>;
export type BenchmarkSettingsInput = z.input<typeof BenchmarkSettingsSchema>;
