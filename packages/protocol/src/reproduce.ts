// The command that reproduces a result (shared by the dashboard's result page and the hub's campaign report).
import type { AccuracyScoring } from './messages';
import type { BenchmarkSettings } from './settings';

/** POSIX shell quoting for one argument. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `fleetbench-agent bench` with the result's settings (flags: --model --iterations --warmup --threads --duration
 * --batch --provider --json), preceded by the download of the exact model artifact from the hub.
 */
export function reproduceCommand(opts: {
  hubUrl: string;
  modelSha256: string;
  modelName: string;
  settings: BenchmarkSettings;
  /** Accuracy results: the preset and output the agent used, so the command scores the same way. */
  scoring?: Pick<AccuracyScoring, 'preset' | 'output'> | null;
}): string {
  const s = opts.settings;
  const sc = s.mode === 'accuracy' ? opts.scoring : null;
  const file = `${opts.modelName.replace(/[^A-Za-z0-9._-]+/g, '_') || 'model'}.onnx`;
  const batch = s.batchSizes?.length ? s.batchSizes.join(',') : String(s.batchSize);
  const args = [
    'fleetbench-agent bench',
    `--model ${shellQuote(file)}`,
    ...(s.mode !== 'latency' ? [`--mode ${s.mode}`] : []),
    `--iterations ${s.minIterations}`,
    `--warmup ${s.warmupDurationMs ? `${Math.ceil(s.warmupDurationMs / 1000)}s` : s.warmupIterations}`,
    `--threads ${s.intraOpThreads}`,
    ...(s.interOpThreads ? [`--inter-threads ${s.interOpThreads}`] : []),
    `--duration ${Math.max(0, s.minDurationMs) / 1000}`,
    `--batch ${batch}`,
    `--provider ${shellQuote(s.executionProvider)}`,
    ...(s.graphOptimizationLevel !== 'all' ? [`--opt-level ${s.graphOptimizationLevel}`] : []),
    ...(s.runner && s.runner !== 'onnxruntime-node' ? [`--runner ${s.runner}`] : []),
    `--seed ${s.seed}`,
    ...(s.sustainedMs && s.mode !== 'accuracy' ? [`--sustained ${s.sustainedMs / 1000}s`] : []),
    ...(s.sustainedMs && s.sustainedIntervalMs && s.mode !== 'accuracy'
      ? [`--sustained-interval ${s.sustainedIntervalMs / 1000}s`]
      : []),
    ...(sc
      ? [
          '--dataset DATASET_DIR',
          ...(sc.preset ? [`--preprocess ${shellQuote(sc.preset)}`] : []),
          `--output ${shellQuote(sc.output)}`,
        ]
      : []),
    '--json',
  ];
  const download = `curl -fsS -H "Authorization: Bearer $FLEETBENCH_TOKEN" -o ${shellQuote(file)} ${shellQuote(`${opts.hubUrl.replace(/\/+$/, '')}/api/v1/artifacts/${opts.modelSha256}`)}`;
  return `${download}\n${args.join(' \\\n  ')}`;
}
