import { promises as fs } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  BenchmarkSettingsSchema,
  formatComparabilityKey,
  formatZodError,
  type BenchmarkSettings,
} from '@fleetbench/protocol';
import { resolvePreprocessing, PRESETS } from './accuracy/presets';
import { sha256File } from './artifacts/artifact-store';
import { ConfigError, loadAgentConfig, parseEnv, resolveConfigPath, resolveDataDir } from './config';
import type { RunOutput } from './core/ports';
import { AgentDaemon } from './daemon';
import { enroll } from './enroll';
import { probeHardware, softwareFingerprint } from './probe/hardware.probe';
import { RunnerSelector } from './runner/external-runner';
import { OnnxRunner } from './runner/onnx-runner';
import { bindingDir } from './runner/providers';
import { RESTART_EXIT_CODE } from './upgrade/self-upgrade';
import { AgentError } from './util/errors';
import { parseDurationMs } from './util/duration';
import { createLogger } from './util/logger';
import { AGENT_VERSION } from './version';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}.`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0.`);
  return n;
};
const collect = (v: string, prev: string[]) => [...prev, v];
const duration = (name: string) => (v: string) => {
  const ms = parseDurationMs(v);
  if (ms === null || ms <= 0)
    throw new InvalidArgumentError(`${name} must be a duration such as 10m, 90s or 1h (plain numbers are seconds).`);
  return ms;
};

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Runs the CLI and resolves to the exit code (the bin script sets process.exitCode). */
export async function main(
  argv: string[],
  io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('fleetbench-agent')
    .description('Fleetbench device agent: enroll with a hub, run benchmark jobs, or benchmark a model locally.')
    .version(AGENT_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('enroll')
    .description('register this device with a hub and save its credentials')
    .requiredOption('--hub <url>', 'hub URL, e.g. http://hub.local:4000')
    .requiredOption('--token <token>', 'enrollment token created on the hub')
    .option('--name <name>', 'device name shown on the hub', os.hostname())
    .option('--tag <tag>', 'tag for campaign selection (repeatable)', collect, [] as string[])
    .option(
      '--config <file>',
      'config file to write (default: FLEETBENCH_AGENT_CONFIG or ~/.config/fleetbench/agent.json)',
    )
    .action(async (o: { hub: string; token: string; name: string; tag: string[]; config?: string }) => {
      const env = parseEnv();
      const logger = createLogger(env.LOG_LEVEL);
      const configPath = resolveConfigPath(o.config, env);
      logger.debug({ hub: o.hub, name: o.name, tags: o.tag }, 'probing hardware');
      const { response } = await enroll({
        hubUrl: o.hub,
        token: o.token,
        name: o.name,
        tags: o.tag,
        configPath,
        dataDir: env.FLEETBENCH_AGENT_DATA_DIR,
        hardware: await probeHardwareWithPeak(logger),
        software: softwareFingerprint(),
      });
      io.stdout(
        `Enrolled as ${response.agentId} (hardware class ${response.hardwareClassId}). Credentials saved to ${configPath}.\nStart the agent with: fleetbench-agent run --config ${configPath}\n`,
      );
    });

  program
    .command('run')
    .description('connect to the broker and run benchmark jobs until SIGINT/SIGTERM')
    .option('--config <file>', 'config file (default: FLEETBENCH_AGENT_CONFIG or ~/.config/fleetbench/agent.json)')
    .action(async (o: { config?: string }) => {
      const config = await loadAgentConfig({ configFlag: o.config });
      const logger = createLogger(config.logLevel);
      let restart: () => void = () => {};
      const daemon = new AgentDaemon({ config, logger, onRestart: () => restart() });
      await daemon.start();
      await new Promise<void>((resolve) => {
        let stopping = false;
        // After a self-upgrade: stop cleanly, then exit non-zero so the service manager starts the new version.
        restart = () => {
          if (stopping) return;
          stopping = true;
          daemon.stop().then(
            () => {
              exitCode = RESTART_EXIT_CODE;
              resolve();
            },
            () => {
              exitCode = RESTART_EXIT_CODE;
              resolve();
            },
          );
        };
        const shutdown = (signal: NodeJS.Signals) => {
          if (stopping) {
            logger.warn({ signal }, 'second signal: exiting now');
            process.exit(130);
          }
          stopping = true;
          logger.info({ signal }, 'shutting down');
          daemon.stop().then(resolve, (err: Error) => {
            logger.error({ err: err.message }, 'shutdown failed');
            exitCode = 1;
            resolve();
          });
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      });
    });

  program
    .command('bench')
    .description('benchmark an ONNX model on this device without a hub (latency, throughput or accuracy)')
    .option('--model <file>', 'ONNX model file (or --zoo NAME)')
    .option(
      '--zoo <name>',
      'build the zoo model NAME (PaddleClas catalogue, e.g. MobileNetV3_small_x0_35) here and benchmark it',
    )
    .option(
      '--mode <mode>',
      'latency | throughput | accuracy (default: accuracy with --dataset, throughput with several --batch sizes, else latency)',
    )
    .option(
      '--dataset <dir>',
      'labeled image folder: <synset>_name.JPEG files with a label list, or one sub-folder per class',
    )
    .option(
      '--labels <file>',
      'label list, one class per line (default: labels.txt or LOC_synset_mapping.txt in the dataset folder or its parent)',
    )
    .option(
      '--preprocess <preset-or-json>',
      `preprocessing preset (${Object.keys(PRESETS).join(', ')}) or a JSON spec; the model's input type, layout and size are read from the model (default: imagenet, tf-uint8 for a uint8/int8 input)`,
    )
    .option(
      '--output <name>',
      'accuracy: the model output to score (default: the first whose class count fits the labels)',
    )
    .option('--predictions <file>', "accuracy: write every image's top-5 class indices to FILE (JSON)")
    .option('--batch <sizes>', 'batch size, or a comma list for a throughput sweep (e.g. 1,4,8,16)', '1')
    .option('--threads <n>', 'intra-op threads (0 = runtime default)', int('--threads', 0), 0)
    .option('--inter-threads <n>', 'inter-op threads (0 = runtime default)', int('--inter-threads', 0), 0)
    .option('--provider <name>', 'execution provider', 'cpu')
    .option('--runner <name>', 'onnxruntime-node | trtexec | onnxruntime_perf_test', 'onnxruntime-node')
    .option('--opt-level <level>', 'graph optimization level: disabled | basic | extended | all', 'all')
    .option('--warmup <n|Ns>', 'warm-up: iterations (10) or seconds (2s)', '10')
    .option('--iterations <n>', 'minimum measured iterations', int('--iterations', 1), 100)
    .option('--duration <s>', 'minimum measuring time in seconds', num('--duration'), 1)
    .option('--max-duration <s>', 'maximum measuring time in seconds (per batch size)', num('--max-duration'), 60)
    .option('--max-samples <n>', 'accuracy: evaluate at most n samples', int('--max-samples', 1))
    .option(
      '--sustained <duration>',
      'latency/throughput: measure for this long (e.g. 10m, 90s), recording p50, throughput, CPU frequency and temperature per interval',
      duration('--sustained'),
    )
    .option(
      '--sustained-interval <duration>',
      'with --sustained: interval length (default 10s)',
      duration('--sustained-interval'),
    )
    .option(
      '--seed <n>',
      'with --zoo: seed of the weights (default 0); else seed of the generated input data (default 1)',
      int('--seed', 0),
    )
    .option('--input-seed <n>', 'seed of the generated input data (default 1)', int('--input-seed', 0))
    .option('--variant <v>', 'with --zoo: fp32 (default) or fp16 (float16 weights, input and output)')
    .option('--flops <n>', 'FLOPs of one inference at batch 1 (default: counted from the graph)', num('--flops'))
    .option('--peak', 'measure the GEMM peak first, so the result shows its share of it')
    .option('--cache-dir <dir>', 'preprocessed-image cache (default: <data dir>/cache/pixels)')
    .option('--no-cache', 'do not read or write the preprocessed-image cache')
    .option('--json', 'print one JSON object with every figure instead of a table')
    .action(async (o: BenchOptions) => {
      const env = parseEnv();
      const logger = createLogger(o.json ? 'warn' : env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL);
      const model = await resolveBenchModel(o, logger);
      try {
        const settings = benchSettings(o, model.zoo !== null);
        const preprocessing = benchPreprocessing(o, settings.mode);
        const peakGflops = await benchPeakGflops(o);
        const { predictions, ...result } = await runBench(o, model, settings, preprocessing, peakGflops, {
          logger,
          dataDir: resolveDataDir(undefined, env),
        });
        if (o.predictions) await writePredictions(o.predictions, predictions);
        const { zoo } = model;
        const label = zoo
          ? `zoo:${o.zoo} (seed ${o.seed ?? 0}${zoo.recipe.variant === 'fp16' ? ', fp16' : ''})`
          : model.path;
        io.stdout(
          o.json
            ? `${JSON.stringify({ model: label, ...(zoo ? { recipe: zoo.recipe } : {}), settings, ...(preprocessing ? { preprocessing } : {}), peakGflops, ...result })}\n`
            : formatTable(label, settings, result, peakGflops),
        );
      } finally {
        if (model.zoo) await model.zoo.cleanup();
      }
    });

  program
    .command('doctor')
    .description('check this device: hardware, runtime, providers, image library, sensors, hub and broker')
    .option('--config <file>', 'config file (default: FLEETBENCH_AGENT_CONFIG or ~/.config/fleetbench/agent.json)')
    .option('--json', 'print the checks as JSON')
    .action(async (o: { config?: string; json?: boolean }) => {
      const { formatDoctor, runDoctor } = await import('./doctor');
      const checks = await runDoctor({ configFlag: o.config });
      io.stdout(o.json ? `${JSON.stringify(checks)}\n` : formatDoctor(checks));
      if (checks.some((c) => c.status === 'fail')) exitCode = 1;
    });

  program
    .command('gpu-install')
    .description(
      "install onnxruntime-node's CUDA and TensorRT provider libraries (its own CUDA install; downloads from api.nuget.org)",
    )
    .action(async () => {
      const { installGpuProviders } = await import('./runner/gpu-install');
      const binDir = bindingDir();
      if (!binDir) throw new AgentError('config-invalid', 'onnxruntime-node is not installed beside the agent.');
      const r = await installGpuProviders({
        ortDir: path.dirname(require.resolve('onnxruntime-node/package.json')),
        binDir,
      });
      (r.ok ? io.stdout : io.stderr)(`${r.message}\n`);
      if (!r.ok) exitCode = 1;
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    if (err instanceof AgentError) {
      io.stderr(`Error (${err.code}): ${err.message}\n`);
      return 1;
    }
    io.stderr(`Unexpected error: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
  return exitCode;
}

/** The model `bench` measures: a file (--model), or a zoo recipe built into a temporary folder (--zoo). */
interface BenchModel {
  path: string;
  sha256: string;
  zoo: Awaited<ReturnType<typeof buildZooForBench>> | null;
}

async function resolveBenchModel(o: BenchOptions, logger: ReturnType<typeof createLogger>): Promise<BenchModel> {
  if (!o.model === !o.zoo)
    throw new AgentError('config-invalid', 'Give the model to benchmark: --model FILE or --zoo NAME (one of them).');
  if (o.zoo) {
    const zoo = await buildZooForBench(o.zoo, o.seed ?? 0, o.variant ?? 'fp32', logger);
    if (o.flops === undefined) o.flops = zoo.flops;
    return { path: zoo.path, sha256: zoo.sha256, zoo };
  }
  const modelPath = path.resolve(o.model!);
  const sha256 = await sha256File(modelPath).catch((err: NodeJS.ErrnoException) => {
    throw new AgentError('model-load-failed', `Cannot read the model file ${modelPath} (${err.code ?? err.message}).`);
  });
  return { path: modelPath, sha256, zoo: null };
}

/** The BenchmarkSettings of the command line (mode from --dataset / a --batch list when not given). */
function benchSettings(o: BenchOptions, fromZoo: boolean): BenchmarkSettings {
  const batches = o.batch.split(',').map((b) => int('--batch', 1)(b.trim()));
  const mode = o.mode ?? (o.dataset ? 'accuracy' : batches.length > 1 ? 'throughput' : 'latency');
  if (o.sustained !== undefined && mode === 'accuracy')
    throw new AgentError('config-invalid', '--sustained measures latency or throughput, not accuracy.');
  if (o.sustainedInterval !== undefined && o.sustained === undefined)
    throw new AgentError('config-invalid', '--sustained-interval needs --sustained DURATION.');
  if (mode === 'accuracy' && !o.dataset)
    throw new AgentError('config-invalid', 'Accuracy mode needs --dataset DIR (a labeled image folder).');
  const warm = /^(\d+(?:\.\d+)?)s$/.exec(o.warmup.trim());
  if (!warm && !/^\d+$/.test(o.warmup.trim()))
    throw new AgentError(
      'config-invalid',
      `--warmup must be a number of iterations (10) or seconds (2s), not "${o.warmup}".`,
    );
  const minDurationMs = Math.round(o.duration * 1000);
  const parsed = BenchmarkSettingsSchema.safeParse({
    mode,
    batchSize: batches[batches.length - 1],
    ...(mode === 'throughput' ? { batchSizes: batches } : {}),
    intraOpThreads: o.threads,
    interOpThreads: o.interThreads,
    executionProvider: o.provider,
    graphOptimizationLevel: o.optLevel,
    ...(o.runner !== 'onnxruntime-node' ? { runner: o.runner } : {}),
    warmupIterations: warm ? 0 : Number(o.warmup),
    ...(warm ? { warmupDurationMs: Math.round(Number(warm[1]) * 1000) } : {}),
    minIterations: o.iterations,
    minDurationMs,
    maxDurationMs: Math.max(Math.round(o.maxDuration * 1000), minDurationMs, 1),
    seed: o.inputSeed ?? (fromZoo ? 1 : (o.seed ?? 1)),
    ...(o.maxSamples ? { maxSamples: o.maxSamples } : {}),
    ...(o.sustained !== undefined ? { sustainedMs: o.sustained } : {}),
    ...(o.sustainedInterval !== undefined ? { sustainedIntervalMs: o.sustainedInterval } : {}),
  });
  if (!parsed.success)
    throw new AgentError('config-invalid', `Invalid benchmark options: ${formatZodError(parsed.error)}.`);
  return parsed.data;
}

/** Accuracy runs: the preset or JSON spec of --preprocess and the --output to score. */
function benchPreprocessing(o: BenchOptions, mode: BenchmarkSettings['mode']) {
  if (mode !== 'accuracy') return undefined;
  return {
    ...(o.preprocess ? resolvePreprocessing(o.preprocess) : {}),
    ...(o.output ? { outputName: o.output } : {}),
  };
}

/** The GEMM peak: measured now with --peak, else the one the enrolled agent recorded (null when neither). */
async function benchPeakGflops(o: BenchOptions): Promise<number | null> {
  if (o.peak) return (await (await loadPeakGemm()).measurePeakGflops()).gflops;
  return loadAgentConfig({}).then(
    (c) => c.peakGflops ?? null,
    () => null,
  );
}

/** Runs the benchmark with the runner the settings name, with a progress bar on a terminal. */
async function runBench(
  o: BenchOptions,
  model: BenchModel,
  settings: BenchmarkSettings,
  preprocessing: ReturnType<typeof benchPreprocessing>,
  peakGflops: number | null,
  ctx: { logger: ReturnType<typeof createLogger>; dataDir: string },
): Promise<RunOutput> {
  const runner = new RunnerSelector(
    new OnnxRunner({
      logger: ctx.logger,
      peakGflops,
      pixelCacheDir: o.cache === false ? null : path.resolve(o.cacheDir ?? path.join(ctx.dataDir, 'cache', 'pixels')),
    }),
  );
  const bar = progressBar(!o.json || process.stderr.isTTY);
  return runner
    .run({
      modelPath: model.path,
      modelSha256: model.sha256,
      settings,
      ...(o.flops !== undefined ? { flops: o.flops } : {}),
      ...(preprocessing ? { preprocessing } : {}),
      ...(o.dataset
        ? { dataset: { path: path.resolve(o.dataset), ...(o.labels ? { labelsFile: path.resolve(o.labels) } : {}) } }
        : {}),
      ...(o.predictions ? { recordPredictions: true } : {}),
      signal: new AbortController().signal,
      onProgress: bar.update,
    })
    .finally(bar.stop);
}

/** --predictions FILE: every image's top-5 class indices as JSON. */
async function writePredictions(file: string, predictions: RunOutput['predictions']): Promise<void> {
  await writeFile(path.resolve(file), `${JSON.stringify(predictions ?? [])}\n`).catch((err: NodeJS.ErrnoException) => {
    throw new AgentError('config-invalid', `Cannot write --predictions ${file} (${err.code ?? err.message}).`);
  });
}

/** `bench --zoo`: builds the recipe into a temporary folder (removed after the run). */
async function buildZooForBench(
  name: string,
  seed: number,
  variant: string,
  logger: ReturnType<typeof createLogger>,
): Promise<{
  path: string;
  sha256: string;
  flops: number;
  recipe: { name: string; seed: number; variant: 'fp32' | 'fp16' };
  cleanup: () => Promise<void>;
}> {
  const { describeArchitecture, getModel, hasArchitecture, MODEL_VARIANTS } = await import('@fleetbench/zoo');
  if (!(MODEL_VARIANTS as readonly string[]).includes(variant))
    throw new AgentError('config-invalid', `--variant must be one of ${MODEL_VARIANTS.join(', ')}, got "${variant}".`);
  if (!getModel(name))
    throw new AgentError(
      'config-invalid',
      `"${name}" is not in the zoo catalogue (names are case-sensitive, e.g. MobileNetV3_small_x0_35).`,
    );
  if (!hasArchitecture(name))
    throw new AgentError(
      'config-invalid',
      `The zoo has no architecture builder for ${name} yet (catalogue figures only).`,
    );
  const { materializeZooModel } = await import('./artifacts/zoo-artifacts');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-zoo-'));
  const recipe = { name, seed, variant: variant as 'fp32' | 'fp16' };
  try {
    const built = await materializeZooModel({ cacheDir: dir, recipe, logger });
    return {
      path: built.path,
      sha256: built.sha256,
      flops: describeArchitecture(name).flops,
      recipe,
      cleanup: () => fs.rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

interface BenchOptions {
  model?: string;
  zoo?: string;
  inputSeed?: number;
  mode?: 'latency' | 'throughput' | 'accuracy';
  dataset?: string;
  labels?: string;
  preprocess?: string;
  output?: string;
  predictions?: string;
  batch: string;
  threads: number;
  interThreads: number;
  provider: string;
  runner: string;
  optLevel: string;
  warmup: string;
  iterations: number;
  duration: number;
  maxDuration: number;
  maxSamples?: number;
  sustained?: number;
  sustainedInterval?: number;
  seed?: number;
  variant?: string;
  flops?: number;
  peak?: boolean;
  cacheDir?: string;
  cache?: boolean;
  json?: boolean;
}

/** A progress bar on stderr when it is a terminal; a no-op otherwise (CI logs, pipes). */
function progressBar(enabled: boolean): { update: (p: number, phase: string) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    { stream: process.stderr, format: ' {phase} |{bar}| {percentage}%', hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  bar.start(1000, 0, { phase: 'load'.padEnd(14) });
  return {
    update: (p, phase) => bar.update(Math.round(p * 1000), { phase: phase.padEnd(14) }),
    stop: () => bar.stop(),
  };
}

export function formatTable(
  modelPath: string,
  s: BenchmarkSettings,
  out: RunOutput,
  peakGflops: number | null = null,
): string {
  const m = out.metrics;
  const l = m.latencyMs;
  const e = out.environment;
  const f = (x: number) => x.toFixed(3);
  // A figure the runner could not measure (an external tool's memory) is null: say so rather than print 0.
  const known = (x: number | null, show: (v: number) => string) => (x === null ? 'n/a (not measured)' : show(x));
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  const unreliable = (p: 'p50' | 'p90' | 'p95' | 'p99') => (l.unreliable.includes(p) ? '  (too few samples)' : '');
  const rows: Array<[string, string]> = [
    ['model', modelPath],
    ['mode', s.mode],
    [
      'provider / threads',
      `${s.executionProvider} / intra ${s.intraOpThreads || 'default'}, inter ${s.interOpThreads || 'default'}, opt ${s.graphOptimizationLevel}`,
    ],
    ['batch', String(s.batchSize)],
    // The hub pools results under this key: only runs with the same key share a leaderboard row.
    ['comparability key', formatComparabilityKey(s)],
  ];
  if (s.mode === 'accuracy')
    rows.push(
      ['top-1', pct(m.top1)],
      ['top-5', pct(m.top5)],
      ['samples', String(m.accuracySamples ?? 0)],
      ...scoringRows(m.scoring),
      ['images/s (end to end)', (m.endToEndIps ?? 0).toFixed(1)],
    );
  rows.push(
    ['iterations', String(m.iterations)],
    ['session create', known(m.coldStart.sessionCreateMs, (v) => `${f(v)} ms`)],
    ['first inference', known(m.coldStart.firstInferenceMs, (v) => `${f(v)} ms`)],
    ['p50', `${f(l.p50)} ms${l.p50Ci95 ? `  (95% CI ${f(l.p50Ci95[0])}–${f(l.p50Ci95[1])})` : ''}${unreliable('p50')}`],
    ['p90', `${f(l.p90)} ms${unreliable('p90')}`],
    ['p95', `${f(l.p95)} ms${unreliable('p95')}`],
    ['p99', `${f(l.p99)} ms${unreliable('p99')}`],
    ['mean ± std', `${f(l.mean)} ± ${f(l.std)} ms`],
    ['min / max', `${f(l.min)} / ${f(l.max)} ms`],
    ['throughput', `${m.throughputIps.toFixed(1)} images/s${s.mode === 'accuracy' ? ' (inference only)' : ''}`],
  );
  for (const b of m.throughputByBatch ?? [])
    rows.push([`  batch ${b.batchSize}`, `${b.throughputIps.toFixed(1)} images/s, p50 ${f(b.latencyMs.p50)} ms`]);
  rows.push(...sustainedRows(m.sustained));
  if (m.energy)
    rows.push([
      'energy',
      m.energy.status === 'measured'
        ? `${m.energy.averageWatts.toFixed(2)} W average, ${(m.energy.joulesPerInference * 1000).toFixed(3)} mJ per image (${m.energy.source}: ${m.energy.scope})`
        : `unavailable (${m.energy.reasons.map((r) => `${r.source}: ${r.reason}`).join('; ') || 'no source'})`,
    ]);
  rows.push(
    [
      'GFLOP/s',
      m.gflops === null
        ? 'n/a (FLOPs unknown)'
        : `${m.gflops.toFixed(2)}${m.peakShare != null ? ` (${pct(m.peakShare)} of the ${peakGflops} GFLOP/s GEMM peak)` : ''}`,
    ],
    ['peak RSS', known(m.peakRssBytes, (v) => `${(v / 2 ** 20).toFixed(1)} MiB`)],
    ['CPU MHz before/after', `${e.cpuFrequencyMHz.before ?? 'n/a'} / ${e.cpuFrequencyMHz.after ?? 'n/a'}`],
    ['temperature before/after', `${e.temperatureC.before ?? 'n/a'} / ${e.temperatureC.after ?? 'n/a'} °C`],
    ['other processes', e.otherProcessesCpuPercent === null ? 'n/a' : `${e.otherProcessesCpuPercent} % of one core`],
    ['per-second median CV', m.perSecondMedianCv == null ? 'n/a (under 2 s)' : pct(m.perSecondMedianCv)],
    [
      'verdict',
      out.verdict.status +
        (out.verdict.reasons.length ? `: ${out.verdict.reasons.map((r) => `${r.code} (${r.detail})`).join('; ')}` : ''),
    ],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/** Sustained runs: burst vs sustained throughput, when throttling began, and one line per interval. */
function sustainedRows(su: RunOutput['metrics']['sustained']): Array<[string, string]> {
  if (!su) return [];
  const rows: Array<[string, string]> = [
    [
      'sustained ÷ burst',
      `${(su.sustainedRatio * 100).toFixed(1)} % (${su.sustainedIps.toFixed(1)} of ${su.burstIps.toFixed(1)} images/s)`,
    ],
    [
      'throttling began',
      su.throttledAtS === null
        ? `never (no lasting drop below ${su.throttleThreshold * 100} % of burst)`
        : `after ${su.throttledAtS.toFixed(0)} s`,
    ],
  ];
  for (const i of su.intervals)
    rows.push([
      `  ${i.endS.toFixed(0)} s`,
      `${i.throughputIps.toFixed(1)} images/s, p50 ${i.p50Ms?.toFixed(3) ?? 'n/a'} ms, ${i.cpuFrequencyMHz ?? 'n/a'} MHz, ${i.temperatureC ?? 'n/a'} °C`,
    ]);
  return rows;
}

/** How an accuracy run read the model: input fed, output scored, label offset, preset. */
function scoringRows(sc: RunOutput['metrics']['scoring']): Array<[string, string]> {
  if (!sc) return [];
  const i = sc.input;
  return [
    ['preset', sc.preset ?? 'none'],
    [
      'input',
      `${i.name} ${i.dtype} ${i.layout} ${i.channels}×${i.crop}×${i.crop} (resize shorter side to ${i.resizeShorter}, centre crop ${i.crop})`,
    ],
    ['scored output', `${sc.output} [${sc.outputShape.join(',')}], class axis ${sc.classAxis} (${sc.outputChoice})`],
    ['label offset', `${sc.labelOffset} (${sc.labelOffsetReason})`],
  ];
}

// Heavy modules (onnx-proto, the zoo, the doctor) load only in the commands that use them, so the long-running `run`
// daemon stays small.
const loadPeakGemm = () => import('./runner/peak-gemm');

/** Hardware plus the GEMM peak (a second of work; a failure only loses the peak, never the enrollment). */
async function probeHardwareWithPeak(logger: ReturnType<typeof createLogger>) {
  const hardware = await probeHardware();
  try {
    const peak = await (await loadPeakGemm()).measurePeakGflops();
    logger.debug(peak, 'peak GEMM measured');
    return { ...hardware, peakGflops: peak.gflops };
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'peak GEMM could not be measured; enrolling without it');
    return hardware;
  }
}

// Kept for callers that want the default data folder without loading a config.
export const defaultDataDir = () => resolveDataDir(undefined, parseEnv());
