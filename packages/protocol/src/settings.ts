import { z } from 'zod';

export const BenchmarkModeSchema = z.enum(['latency', 'throughput', 'accuracy']);
export type BenchmarkMode = z.infer<typeof BenchmarkModeSchema>;

export const GraphOptimizationLevelSchema = z.enum(['disabled', 'basic', 'extended', 'all']);

/** Settings of one benchmark run; every field has a default so `{}` is a valid latency run. */
export const BenchmarkSettingsSchema = z.object({
  mode: BenchmarkModeSchema.default('latency'),
  batchSize: z.number().int().min(1).max(1024).default(1),
  intraOpThreads: z.number().int().min(0).max(1024).default(0).describe('0 = runtime default'),
  interOpThreads: z.number().int().min(0).max(1024).default(0).describe('0 = runtime default'),
  executionProvider: z.string().min(1).default('cpu'),
  graphOptimizationLevel: GraphOptimizationLevelSchema.default('all'),
  warmupIterations: z.number().int().min(0).default(10),
  minIterations: z.number().int().min(1).default(100),
  minDurationMs: z.number().int().min(0).default(1000),
  maxDurationMs: z.number().int().min(1).default(60_000),
  seed: z.number().int().default(1),
});
export type BenchmarkSettings = z.infer<typeof BenchmarkSettingsSchema>;
export type BenchmarkSettingsInput = z.input<typeof BenchmarkSettingsSchema>;

/** Stable key of the settings that make two results comparable on a leaderboard. */
export function settingsKey(s: BenchmarkSettings): string {
  return `${s.mode}/bs${s.batchSize}/t${s.intraOpThreads}x${s.interOpThreads}/${s.executionProvider}`;
}
