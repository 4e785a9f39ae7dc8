import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { PROTOCOL_MAJOR, type Hardware, type SoftwareFingerprint, type StatusMessage } from '@fleetbench/protocol';
import { HttpArtifactStore } from './artifacts/artifact-store';
import { DEFAULT_CACHE_MAX_BYTES, type AgentConfig } from './config';
import { AgentCore } from './core/agent.core';
import { systemClock, type Clock, type ModelRunner } from './core/ports';
import { FileOutboxStore, Outbox } from './outbox/outbox';
import { probeHardware, softwareFingerprint, TelemetrySampler } from './probe/hardware.probe';
import { RunnerSelector } from './runner/external-runner';
import { OnnxRunner } from './runner/onnx-runner';
import { cachedBackends } from './runner/providers';
import { MqttTransport } from './transport/mqtt.transport';
import { installPrefix, SelfUpgrader } from './upgrade/self-upgrade';
import { writeFileAtomic } from './util/atomic-file';
import type { BackoffOptions } from './util/backoff';
import { silentLogger, type Logger } from './util/logger';

export type DaemonConfig = Pick<AgentConfig, 'hubUrl' | 'agentId' | 'mqtt' | 'dataDir' | 'telemetryIntervalMs'> &
  Partial<Pick<AgentConfig, 'cacheMaxBytes' | 'peakGflops'>>;

export interface DaemonOptions {
  config: DaemonConfig;
  logger?: Logger;
  clock?: Clock;
  runner?: ModelRunner;
  /** Telemetry and run-environment sampler; null disables both (tests). */
  sampler?: TelemetrySampler | null;
  hardware?: Hardware;
  software?: SoftwareFingerprint;
  backoff?: BackoffOptions;
  /** Install folder for self-upgrades (/opt/fleetbench); default: derived from where the bundle runs, null = none. */
  installPrefix?: string | null;
  /** Called after an upgrade switched versions: stop and exit with RESTART_EXIT_CODE so the service restarts. */
  onRestart?: () => void;
}

/** How often the outbox looks for results the hub has not confirmed in time (Outbox resendAfterMs). */
const OUTBOX_RECHECK_MS = 5_000;

/** Wires the real transport, outbox, artifact store and runner around the agent core. */
export class AgentDaemon {
  private transport: MqttTransport | null = null;
  private core: AgentCore | null = null;
  private outbox: Outbox | null = null;
  private telemetryTimer: NodeJS.Timeout | null = null;
  private outboxTimer: NodeJS.Timeout | null = null;
  private session = 0;
  private readonly logger: Logger;

  constructor(private readonly opts: DaemonOptions) {
    this.logger = opts.logger ?? silentLogger();
  }

  get sessionNumber(): number {
    return this.session;
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    youngGenerationGrowth(false);
    const clock = this.opts.clock ?? systemClock;
    this.session = await nextSession(config.dataDir);
    const sampler = this.opts.sampler === undefined ? new TelemetrySampler() : this.opts.sampler;
    const probed = this.opts.hardware ?? (await probeHardware());
    const hardware =
      config.peakGflops && probed.peakGflops === undefined ? { ...probed, peakGflops: config.peakGflops } : probed;
    // The provider list comes from a cache (or a child process), so onnxruntime is loaded only when a job runs.
    const software =
      this.opts.software ??
      softwareFingerprint(await cachedBackends(path.join(config.dataDir, 'cache', 'ort-backends.json')));
    const log = this.logger.child({ agentId: config.agentId, session: this.session });

    const transport = new MqttTransport({
      url: config.mqtt.url,
      agentId: config.agentId,
      password: config.mqtt.password,
      session: this.session,
      logger: log,
      backoff: this.opts.backoff,
    });
    const outbox = new Outbox(
      new FileOutboxStore(path.join(config.dataDir, 'outbox'), log.child({ module: 'outbox' })),
      transport,
      log.child({ module: 'outbox' }),
    );
    const artifacts = new HttpArtifactStore({
      hubUrl: config.hubUrl,
      agentId: config.agentId,
      password: config.mqtt.password,
      cacheDir: path.join(config.dataDir, 'cache', 'artifacts'),
      maxBytes: config.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES,
      logger: log.child({ module: 'artifacts' }),
      backoff: this.opts.backoff,
    });
    const runner =
      this.opts.runner ??
      new RunnerSelector(
        new OnnxRunner({
          logger: log.child({ module: 'runner' }),
          environment: sampler === null ? null : undefined,
          peakGflops: hardware.peakGflops ?? null,
          pixelCacheDir: path.join(config.dataDir, 'cache', 'pixels'),
        }),
      );
    const status = (online: boolean, currentJobId: string | null): StatusMessage => ({
      v: PROTOCOL_MAJOR,
      online,
      session: this.session,
      ts: new Date(clock.now()).toISOString(),
      currentJobId,
    });
    const publishStatus = (jobId: string | null) =>
      transport
        .publish('status', status(true, jobId), { qos: 1, retain: true })
        .catch((err: Error) => log.debug({ err: err.message }, 'status not published'));
    const core = new AgentCore({
      transport,
      runner,
      artifacts,
      outbox,
      clock,
      logger: log.child({ module: 'core' }),
      onCurrentJobChange: (id) => {
        youngGenerationGrowth(id !== null);
        void publishStatus(id);
      },
    });

    transport.onJob((msg) => core.handle(msg));
    const prefix = this.opts.installPrefix === undefined ? installPrefix(__dirname) : this.opts.installPrefix;
    const upgrader = prefix
      ? new SelfUpgrader({
          prefix,
          hubUrl: config.hubUrl,
          agentId: config.agentId,
          password: config.mqtt.password,
          runningVersion: software.agentVersion,
          logger: log.child({ module: 'upgrade' }),
          waitIdle: async () => {
            while (core.currentJobId) await new Promise((r) => setTimeout(r, 1000));
          },
          restart: () => this.opts.onRestart?.(),
        })
      : null;
    if (upgrader) transport.onUpgrade((msg) => upgrader.handle(msg));
    transport.onReceipt((msgIds) => void outbox.confirm(msgIds));
    transport.onConnect(async () => {
      // Birth certificate: presence and what this device is, both retained.
      await publishStatus(core.currentJobId);
      await transport.publish(
        'hardware',
        { v: PROTOCOL_MAJOR, ts: new Date(clock.now()).toISOString(), hardware, software },
        { qos: 1, retain: true },
      );
      await outbox.reconnected();
      // Online: a pending upgrade to this version succeeded (the launcher stops watching it); report it.
      await upgrader?.confirm();
    });
    this.transport = transport;
    this.core = core;
    this.outbox = outbox;
    transport.start();
    // Results the broker acknowledged but the hub never confirmed (a broker that lost them) go out again.
    this.outboxTimer = setInterval(() => {
      if (transport.connected) void outbox.flush();
    }, OUTBOX_RECHECK_MS);
    this.outboxTimer.unref();

    if (sampler && config.telemetryIntervalMs > 0) {
      this.telemetryTimer = setInterval(() => {
        if (!transport.connected) return;
        sampler
          .sample()
          .then((t) =>
            transport.publish(
              'telemetry',
              { v: PROTOCOL_MAJOR, ts: new Date(clock.now()).toISOString(), ...t },
              { qos: 0, retain: false },
            ),
          )
          .catch((err: Error) => log.debug({ err: err.message }, 'telemetry sample not published'));
      }, config.telemetryIntervalMs);
    }
    log.info({ broker: config.mqtt.url, hub: config.hubUrl, dataDir: config.dataDir }, 'agent started');
  }

  /** Clean shutdown: stop the running job, publish the retained offline status, disconnect. */
  async stop(): Promise<void> {
    if (this.telemetryTimer) clearInterval(this.telemetryTimer);
    this.telemetryTimer = null;
    if (this.outboxTimer) clearInterval(this.outboxTimer);
    this.outboxTimer = null;
    await this.core?.stop();
    await this.outbox?.flush();
    await this.transport?.stop({
      v: PROTOCOL_MAJOR,
      online: false,
      session: this.session,
      ts: new Date().toISOString(),
      currentJobId: null,
    });
    this.transport = null;
    youngGenerationGrowth(true);
    this.logger.info('agent stopped');
  }
}

/**
 * Idle memory: under an allocation burst (start-up probing) V8 doubles the young generation up to 2 × 16 MB and keeps
 * it, ≈30 MB of resident memory an idle agent does not need. While idle the agent keeps it at its initial size; while
 * a job runs V8's default growth (factor 2) applies, so measurements see an unmodified runtime.
 */
export function youngGenerationGrowth(grow: boolean): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
}

/** Increments and persists the start counter in `<dataDir>/session.json`. */
export async function nextSession(dataDir: string): Promise<number> {
  const file = path.join(dataDir, 'session.json');
  let previous = 0;
  try {
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as { session?: unknown };
    if (typeof json.session === 'number' && Number.isInteger(json.session) && json.session >= 0)
      previous = json.session;
  } catch {
    // Missing or unreadable: start from 0; the hub only compares sessions of the same agent.
  }
  const session = previous + 1;
  await writeFileAtomic(file, JSON.stringify({ session }), 0o600);
  return session;
}
