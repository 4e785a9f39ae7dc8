import { ulid } from 'ulid';
import {
  PROTOCOL_MAJOR,
  ResultMessageSchema,
  formatZodError,
  type JobAssignMessage,
  type JobEventMessage,
  type JobMessage,
  type ResultMessage,
} from '@fleetbench/protocol';
import { AgentError, toAgentError } from '../util/errors';
import { silentLogger, type Logger } from '../util/logger';
import type { Outbox } from '../outbox/outbox';
import { emptyState, plan, type JobQueueState, type Step } from './job.planner';
import type { ArtifactStore, Clock, ModelRunner, Transport } from './ports';

export interface AgentCoreDeps {
  transport: Transport;
  runner: ModelRunner;
  artifacts: ArtifactStore;
  outbox: Outbox;
  clock: Clock;
  logger?: Logger;
  newId?: () => string;
  /** Called when the running job changes (the daemon republishes its status with currentJobId). */
  onCurrentJobChange?: (jobId: string | null) => void;
  /** Minimum ms between two progress events of the same phase. */
  progressIntervalMs?: number;
}

const SHUTDOWN = Symbol('shutdown');

/**
 * Executes the planner's steps: accept → fetch artifact → run with progress → result to the outbox → publish.
 * A failing job publishes `failed` and the agent carries on with the next one.
 */
export class AgentCore {
  private state: JobQueueState = emptyState();
  private running: { jobId: string; abort: AbortController; done: Promise<void> } | null = null;
  private stopping = false;
  private idleWaiters: Array<() => void> = [];
  private readonly logger: Logger;
  private readonly newId: () => string;

  constructor(private readonly deps: AgentCoreDeps) {
    this.logger = deps.logger ?? silentLogger();
    this.newId = deps.newId ?? (() => ulid());
  }

  get currentJobId(): string | null {
    return this.state.current?.jobId ?? null;
  }

  get queuedJobIds(): string[] {
    return this.state.queue.map((j) => j.jobId);
  }

  handle(message: JobMessage): void {
    if (this.stopping) {
      this.logger.warn({ jobId: message.jobId }, 'agent is stopping; job message ignored');
      return;
    }
    this.apply(plan(this.state, { type: 'message', message }));
  }

  /** Resolves when no job is running or queued. */
  whenIdle(): Promise<void> {
    if (!this.state.current && this.state.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking jobs and aborts the running one without reporting it (the hub re-queues it when we return). */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = this.running;
    if (running) {
      running.abort.abort(SHUTDOWN);
      await running.done;
    }
  }

  private apply(result: { state: JobQueueState; steps: Step[] }): void {
    const before = this.state.current?.jobId ?? null;
    this.state = result.state;
    for (const step of result.steps) this.execute(step);
    const after = this.state.current?.jobId ?? null;
    if (before !== after) this.deps.onCurrentJobChange?.(after);
    if (!this.state.current && this.state.queue.length === 0) {
      const waiters = this.idleWaiters.splice(0);
      waiters.forEach((w) => w());
    }
  }

  private execute(step: Step): void {
    switch (step.kind) {
      case 'start': {
        const abort = new AbortController();
        const done = this.runJob(step.job, abort).finally(() => {
          this.running = null;
          // While stopping, nothing new starts: queued jobs stay with the hub, which re-queues them.
          const next = plan(this.state, { type: 'finished', jobId: step.job.jobId });
          this.apply(this.stopping ? { state: { ...next.state, current: null, queue: [] }, steps: [] } : next);
        });
        this.running = { jobId: step.job.jobId, abort, done };
        break;
      }
      case 'enqueue':
        this.logger.info({ jobId: step.jobId, position: step.position }, 'job queued behind the running one');
        break;
      case 'abort-current':
        this.running?.abort.abort(new AgentError('cancelled', 'The job was cancelled from the hub.'));
        break;
      case 'drop-queued':
        this.logger.info({ jobId: step.jobId }, 'queued job cancelled');
        this.emit({ jobId: step.jobId, kind: 'cancelled' });
        break;
      case 'ignore':
        this.logger.info({ jobId: step.jobId, reason: step.reason }, 'job message ignored');
        break;
    }
  }

  private async runJob(job: JobAssignMessage, abort: AbortController): Promise<void> {
    const { clock } = this.deps;
    const log = this.logger.child({ jobId: job.jobId, attempt: job.attempt });
    const timer = clock.setTimeout(
      () =>
        abort.abort(
          new AgentError(
            'timeout',
            `The job did not finish within its time limit of ${Math.round(job.timeoutMs / 1000)} s; raise timeoutMs or lower maxDurationMs.`,
          ),
        ),
      job.timeoutMs,
    );
    const progress = this.progressReporter(job.jobId);
    log.info({ model: job.model.name, settings: job.settings }, 'job accepted');
    this.emit({ jobId: job.jobId, kind: 'accepted' });
    try {
      progress(0, 'download');
      const modelPath = await untilAborted(this.deps.artifacts.fetch(job.model, abort.signal), abort.signal);
      let dataset: { path: string; sha256: string } | undefined;
      if (job.dataset) {
        progress(0, 'download dataset');
        const dir = await untilAborted(this.deps.artifacts.fetchDataset(job.dataset, abort.signal), abort.signal);
        dataset = { path: dir, sha256: job.dataset.sha256 };
      }
      progress(0, 'load');
      const output = await untilAborted(
        this.deps.runner.run({
          modelPath,
          modelSha256: job.model.sha256,
          settings: job.settings,
          flops: job.model.flops ?? null,
          ...(job.model.preprocessing ? { preprocessing: job.model.preprocessing } : {}),
          ...(dataset ? { dataset } : {}),
          signal: abort.signal,
          onProgress: progress,
        }),
        abort.signal,
      );
      if (abort.signal.aborted) throw abort.signal.reason;
      const candidate: ResultMessage = {
        v: PROTOCOL_MAJOR,
        msgId: this.newId(),
        ts: new Date(clock.now()).toISOString(),
        jobId: job.jobId,
        attempt: job.attempt,
        settings: job.settings,
        metrics: output.metrics,
        histogram: output.histogram,
        environment: { ...output.environment, modelSha256: job.model.sha256 },
        verdict: output.verdict,
      };
      const checked = ResultMessageSchema.safeParse(candidate);
      if (!checked.success)
        throw new AgentError(
          'internal',
          `The agent produced an invalid result (${formatZodError(checked.error)}); please report this bug.`,
        );
      try {
        await this.deps.outbox.add(checked.data);
      } catch (err) {
        throw new AgentError(
          'outbox-failed',
          `The result could not be stored on disk (${(err as Error).message}); check free space and permissions of the data folder.`,
          { cause: err },
        );
      }
      log.info(
        { msgId: checked.data.msgId, p50Ms: checked.data.metrics.latencyMs.p50, verdict: checked.data.verdict.status },
        'job finished',
      );
    } catch (raw) {
      const reason = abort.signal.aborted ? abort.signal.reason : raw;
      if (reason === SHUTDOWN) {
        log.warn('job interrupted by agent shutdown; the hub re-queues it');
        return;
      }
      const err = toAgentError(reason, 'run-failed');
      if (err.code === 'cancelled') {
        log.info('job cancelled');
        this.emit({ jobId: job.jobId, kind: 'cancelled' });
      } else {
        log.warn({ code: err.code, message: err.message }, 'job failed');
        this.emit({ jobId: job.jobId, kind: 'failed', error: { code: err.code, message: err.message } });
      }
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** Progress events: always on a phase change, otherwise at most every progressIntervalMs. */
  private progressReporter(jobId: string): (progress: number, phase: string) => void {
    let lastPhase = '';
    let lastAt = -Infinity;
    const interval = this.deps.progressIntervalMs ?? 1000;
    return (progress, phase) => {
      const now = this.deps.clock.now();
      if (phase === lastPhase && now - lastAt < interval && progress < 1) return;
      lastPhase = phase;
      lastAt = now;
      this.emit({ jobId, kind: 'progress', phase, progress: Math.min(1, Math.max(0, progress)) });
    };
  }

  private emit(ev: Omit<JobEventMessage, 'v' | 'ts'>): void {
    if (this.stopping && ev.kind !== 'cancelled') return;
    const msg: JobEventMessage = { v: PROTOCOL_MAJOR, ts: new Date(this.deps.clock.now()).toISOString(), ...ev };
    this.deps.transport.publish('events', msg, { qos: 1, retain: false }).catch((err: Error) => {
      this.logger.warn({ jobId: ev.jobId, kind: ev.kind, err: err.message }, 'job event not delivered');
    });
  }
}

/** Settles as soon as the signal aborts, even if `promise` (a native call) keeps going in the background. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
