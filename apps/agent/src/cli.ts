import * as os from 'node:os';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { BenchmarkSettingsSchema, formatZodError, type BenchmarkSettings } from '@fleetbench/protocol';
import { sha256File } from './artifacts/artifact-store';
import { ConfigError, loadAgentConfig, parseEnv, resolveConfigPath, resolveDataDir } from './config';
import type { RunOutput } from './core/ports';
import { AgentDaemon } from './daemon';
import { enroll } from './enroll';
import { probeHardware, softwareFingerprint, TelemetrySampler } from './probe/hardware.probe';
import { OnnxRunner } from './runner/onnx-runner';
import { AgentError } from './util/errors';
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
        hardware: await probeHardware(),
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
      const daemon = new AgentDaemon({ config, logger });
      await daemon.start();
      await new Promise<void>((resolve) => {
        let stopping = false;
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
    .description('benchmark an ONNX model on this device without a hub')
    .requiredOption('--model <file>', 'ONNX model file')
    .option('--iterations <n>', 'minimum measured iterations', int('--iterations', 1), 100)
    .option('--warmup <n>', 'warm-up iterations', int('--warmup', 0), 10)
    .option('--threads <n>', 'intra-op threads (0 = runtime default)', int('--threads', 0), 0)
    .option('--batch <n>', 'batch size', int('--batch', 1), 1)
    .option('--provider <name>', 'execution provider', 'cpu')
    .option('--duration <s>', 'minimum measuring time in seconds', num('--duration'), 1)
    .option('--json', 'print one JSON object instead of a table')
    .action(
      async (o: {
        model: string;
        iterations: number;
        warmup: number;
        threads: number;
        batch: number;
        provider: string;
        duration: number;
        json?: boolean;
      }) => {
        const env = parseEnv();
        const logger = createLogger(env.LOG_LEVEL);
        const modelPath = path.resolve(o.model);
        const modelSha256 = await sha256File(modelPath).catch((err: NodeJS.ErrnoException) => {
          throw new AgentError(
            'model-load-failed',
            `Cannot read the model file ${modelPath} (${err.code ?? err.message}).`,
          );
        });
        const minDurationMs = Math.round(o.duration * 1000);
        const parsed = BenchmarkSettingsSchema.safeParse({
          mode: o.batch > 1 ? 'throughput' : 'latency',
          batchSize: o.batch,
          intraOpThreads: o.threads,
          executionProvider: o.provider,
          warmupIterations: o.warmup,
          minIterations: o.iterations,
          minDurationMs,
          maxDurationMs: Math.max(60_000, minDurationMs * 2),
        });
        if (!parsed.success)
          throw new AgentError('config-invalid', `Invalid benchmark options: ${formatZodError(parsed.error)}.`);
        const settings = parsed.data;
        const runner = new OnnxRunner({ environment: new TelemetrySampler(), logger });
        logger.info({ model: modelPath, settings }, 'benchmark started');
        const out = await runner.run({
          modelPath,
          modelSha256,
          settings,
          signal: new AbortController().signal,
          onProgress: () => {},
        });
        io.stdout(
          o.json
            ? `${JSON.stringify({ model: modelPath, settings, ...out })}\n`
            : formatTable(modelPath, settings, out),
        );
      },
    );

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

function formatTable(modelPath: string, s: BenchmarkSettings, out: RunOutput): string {
  const m = out.metrics;
  const l = m.latencyMs;
  const f = (x: number) => x.toFixed(3);
  const unreliable = (p: 'p50' | 'p90' | 'p95' | 'p99') => (l.unreliable.includes(p) ? '  (too few samples)' : '');
  const rows: Array<[string, string]> = [
    ['model', modelPath],
    [
      'provider / threads',
      `${s.executionProvider} / intra ${s.intraOpThreads || 'default'}, inter ${s.interOpThreads || 'default'}`,
    ],
    ['batch', String(s.batchSize)],
    ['iterations', String(m.iterations)],
    ['session create', `${f(m.coldStart.sessionCreateMs)} ms`],
    ['first inference', `${f(m.coldStart.firstInferenceMs)} ms`],
    ['p50', `${f(l.p50)} ms${l.p50Ci95 ? `  (95% CI ${f(l.p50Ci95[0])}–${f(l.p50Ci95[1])})` : ''}${unreliable('p50')}`],
    ['p90', `${f(l.p90)} ms${unreliable('p90')}`],
    ['p95', `${f(l.p95)} ms${unreliable('p95')}`],
    ['p99', `${f(l.p99)} ms${unreliable('p99')}`],
    ['mean ± std', `${f(l.mean)} ± ${f(l.std)} ms`],
    ['min / max', `${f(l.min)} / ${f(l.max)} ms`],
    ['throughput', `${m.throughputIps.toFixed(1)} images/s`],
    ['peak RSS', `${(m.peakRssBytes / 2 ** 20).toFixed(1)} MiB`],
    [
      'verdict',
      out.verdict.status +
        (out.verdict.reasons.length ? `: ${out.verdict.reasons.map((r) => `${r.code} (${r.detail})`).join('; ')}` : ''),
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

// Kept for callers that want the default data folder without loading a config.
export const defaultDataDir = () => resolveDataDir(undefined, parseEnv());
