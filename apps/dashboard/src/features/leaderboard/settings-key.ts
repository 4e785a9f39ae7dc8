// Comparability keys are defined and parsed in @fleetbench/protocol (formatComparabilityKey / ComparabilityKeyStringSchema);
// this file only words them for people.
import { ComparabilityKeyStringSchema } from '@fleetbench/protocol';

const LEVEL_WORDS = {
  disabled: 'no graph optimisation',
  basic: 'basic graph optimisation',
  extended: 'extended graph optimisation',
  all: '',
} as const;

const formatLength = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);

/**
 * "Latency · batch 1 · default threads · cpu · burst" (or "sustained 10 min"), plus the runner when it is not onnxruntime-node, the graph
 * optimisation level when it is not the default (all) and an accuracy sample limit; text that is no key comes back
 * unchanged (e.g. a published reference's label).
 */
export function describeSettingsKey(key: string): string {
  const parsed = ComparabilityKeyStringSchema.safeParse(key);
  if (!parsed.success) return key;
  const p = parsed.data;
  const mode = p.mode.charAt(0).toUpperCase() + p.mode.slice(1);
  let threads: string;
  if (p.intraOpThreads === 0 && p.interOpThreads === 0) threads = 'default threads';
  else {
    threads =
      p.intraOpThreads === 0 ? 'default threads' : `${p.intraOpThreads} thread${p.intraOpThreads === 1 ? '' : 's'}`;
    if (p.interOpThreads > 0) threads += ` (${p.interOpThreads} inter-op)`;
  }
  const parts = [mode, `batch ${p.batchSize}`, threads, p.executionProvider];
  if (p.runner !== 'onnxruntime-node') parts.push(p.runner);
  if (LEVEL_WORDS[p.graphOptimizationLevel]) parts.push(LEVEL_WORDS[p.graphOptimizationLevel]);
  if (p.maxSamples !== null) parts.push(`${p.maxSamples} samples`);
  // Sustained figures include throttling that burst runs never see: the label says which kind a row is.
  if (p.mode !== 'accuracy') parts.push(p.sustainedS === null ? 'burst' : `sustained ${formatLength(p.sustainedS)}`);
  return parts.join(' · ');
}
