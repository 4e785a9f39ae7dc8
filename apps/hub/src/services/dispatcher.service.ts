import { Inject, Injectable } from '@nestjs/common';
import {
  ACTIVE_JOB_STATES,
  RETRYABLE_JOB_FAILURES,
  OPEN_JOB_STATES,
  PROTOCOL_MAJOR,
  PreprocessingSpecSchema,
  ZooRecipeSchema,
  apiPaths,
  topics,
  type BenchmarkSettings,
  type JobAssignMessage,
  type JobCancelMessage,
  type JobEventMessage,
} from '@fleetbench/protocol';
import type { CampaignState } from '../../generated/prisma/client';
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import { CampaignRepository } from '../repositories/campaign.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { DeviceRepository } from '../repositories/device.repository';
import { EventRepository } from '../repositories/event.repository';
import { isUniqueViolation, JobRepository, type EventTransition, type JobRow } from '../repositories/job.repository';
import { MqttRepository } from '../repositories/mqtt.repository';
import { HUB_CONFIG, LOGGER } from '../repositories/tokens';
import { KeyedSerialQueue } from '../utils/keyed-serial-queue';
import { toCampaignDto, toJobDto, toDeviceDto } from '../utils/mappers';

/**
 * Job lifecycle (docs/CONTRACTS.md): one job per device at a time, dispatched to online devices; jobs of a device that
 * goes offline are re-queued; leases expire; attempts are bounded; campaign state rolls up from its jobs.
 * Work for one device is serialized in-process so two triggers never assign two jobs. Several hub replicas may run
 * this at once (each sees every `status`, and results and events go to either): every claim is a compare-and-set in
 * the database (JobRepository.transition, with the one-active-job-per-device index), lease sweeps claim the lease
 * they found expired, and roll-ups hold the campaign's row lock, so exactly one replica wins each step.
 */
/**
 * An active job the agent's status does not name is sent again only once it was assigned this long ago: a status
 * arriving sooner was most likely published before the assignment reached the agent (a repeat would be harmless —
 * the agent ignores an assignment it runs, queues or just finished — but doubles the traffic of every job).
 */
export const RESEND_ASSIGNMENT_AFTER_MS = 2_000;

/** How long a lease sweep holds a claimed job (still active) while it cancels it; a crashed sweeper's claim expires. */
export const SWEEP_CLAIM_MS = 60_000;

/** running while any job is open; then completed, or failed when nothing succeeded. A cancelled campaign stays so. */
/** A failure another attempt can get past (the agent's way to the measurement), on a job with attempts left. */
function retryable(ev: JobEventMessage, job: { attempts: number; maxAttempts: number }): boolean {
  return !!ev.error && RETRYABLE_JOB_FAILURES.includes(ev.error.code) && job.attempts < job.maxAttempts;
}

export function rolledUpState(state: CampaignState, counts: Partial<Record<JobRow['state'], number>>): CampaignState {
  if (state === 'cancelled') return state;
  const open = OPEN_JOB_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  return open > 0 ? 'running' : (counts.succeeded ?? 0) === 0 && (counts.failed ?? 0) > 0 ? 'failed' : 'completed';
}

@Injectable()
export class DispatcherService {
  private readonly perDevice = new KeyedSerialQueue();

  constructor(
    private readonly jobs: JobRepository,
    private readonly devices: DeviceRepository,
    private readonly campaigns: CampaignRepository,
    private readonly mqtt: MqttRepository,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'leaseGraceMs'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Runs `fn` after every earlier task of the same device; errors are logged and not thrown to the trigger, except
   * with `rethrow` (tasks started by an MQTT message: its acknowledgement is held and the message retried).
   */
  private serialize<T>(deviceId: string, fn: () => Promise<T>, rethrow = false): Promise<T | undefined> {
    const run = this.perDevice.run(deviceId, fn);
    const logged = run.catch((err) => {
      this.logger.error({ err, deviceId }, 'dispatcher task failed');
      return undefined;
    });
    return rethrow ? run : logged;
  }

  private lease(job: { timeoutMs: number }): Date {
    return new Date(this.clock.now().getTime() + job.timeoutMs + this.config.leaseGraceMs);
  }

  /** Assigns the device's next queued job if it is online and idle. */
  dispatch(deviceId: string): Promise<JobRow | null | undefined> {
    return this.serialize(deviceId, () => this.dispatchNow(deviceId));
  }

  async dispatchAll(deviceIds?: string[]): Promise<void> {
    const ids = deviceIds ?? (await this.devices.listOnlineIds());
    await Promise.all(ids.map((id) => this.dispatch(id)));
  }

  /** `idleChecked`: the caller has just found no assigned/running job of the device (serialized per device). */
  private async dispatchNow(deviceId: string, idleChecked = false): Promise<JobRow | null> {
    const device = await this.devices.findById(deviceId);
    if (!device?.online) return null;
    if (!idleChecked && (await this.jobs.findActiveForDevice(deviceId)).length) return null;
    const next = await this.jobs.findNextQueued(deviceId);
    if (!next) {
      if (device.currentJobId) await this.devices.clearCurrentJobIfIdle(deviceId);
      return null;
    }
    const job = await this.jobs.transition(next.id, ['queued'], {
      state: 'assigned',
      attempts: next.attempts + 1,
      leaseExpiresAt: this.lease(next),
      progress: null,
      error: null,
    });
    if (!job) return null;
    const msg = this.assignMessage(job);
    try {
      await this.mqtt.publish(topics.jobs(deviceId), msg, { qos: 1 });
    } catch (err) {
      // Not sent: put it back as it was so the next trigger retries.
      this.logger.warn({ err, deviceId, jobId: job.id }, 'could not publish job assignment; job stays queued');
      await this.jobs.transition(job.id, ['assigned'], {
        state: 'queued',
        attempts: next.attempts,
        leaseExpiresAt: null,
      });
      return null;
    }
    this.events.emit('device.updated', toDeviceDto(await this.devices.update(deviceId, { currentJobId: job.id })));
    this.logger.info({ deviceId, jobId: job.id, attempt: job.attempts }, 'job assigned');
    this.events.emit('job.updated', toJobDto(job));
    return job;
  }

  private assignMessage(job: JobRow): JobAssignMessage {
    return {
      v: PROTOCOL_MAJOR,
      kind: 'assign',
      ts: this.clock.now().toISOString(),
      jobId: job.id,
      campaignId: job.campaignId,
      attempt: job.attempts,
      model: {
        modelId: job.modelId,
        name: job.model.name,
        sha256: job.model.sha256,
        sizeBytes: Number(job.model.sizeBytes),
        downloadPath: apiPaths.artifact(job.model.sha256),
        ...(job.model.flops !== null ? { flops: job.model.flops } : {}),
        ...(job.model.preprocessing ? { preprocessing: PreprocessingSpecSchema.parse(job.model.preprocessing) } : {}),
        // Zoo models: the agent builds the bytes from the recipe and verifies sha256 (nothing to download).
        ...(job.model.recipe ? { recipe: ZooRecipeSchema.parse(job.model.recipe) } : {}),
      },
      settings: job.settings as unknown as BenchmarkSettings,
      timeoutMs: job.timeoutMs,
      ...(job.datasetId && job.dataset
        ? {
            dataset: {
              datasetId: job.datasetId,
              name: job.dataset.name,
              sha256: job.dataset.sha256,
              sizeBytes: Number(job.dataset.sizeBytes),
              downloadPath: apiPaths.artifact(job.dataset.sha256),
              format: 'tar' as const,
            },
          }
        : {}),
    };
  }

  /**
   * Status online. `currentJobId` from the agent resumes a job it still runs instead of starting another. An active
   * job the agent does not name (its assignment was lost, e.g. the hub died before publishing it) is sent again at
   * once, same attempt: the agent starts it, or ignores it when it is running, queued or just finished it.
   */
  onDeviceOnline(deviceId: string, currentJobId: string | null): Promise<unknown> {
    return this.serialize(
      deviceId,
      async () => {
        if (currentJobId) {
          const job = await this.jobs.findById(currentJobId);
          if (job && job.deviceId === deviceId && job.state === 'queued') {
            const resumed = await this.jobs.transition(job.id, ['queued'], {
              state: 'running',
              leaseExpiresAt: this.lease(job),
            });
            if (resumed) this.events.emit('job.updated', toJobDto(resumed));
          }
        }
        const assignedBefore = this.clock.now().getTime() - RESEND_ASSIGNMENT_AFTER_MS;
        const active = await this.jobs.findActiveForDevice(deviceId);
        for (const job of active) {
          if (job.id === currentJobId || job.updatedAt.getTime() > assignedBefore) continue;
          this.logger.info(
            { deviceId, jobId: job.id, attempt: job.attempts, agentReports: currentJobId },
            'agent does not report its active job; assignment sent again',
          );
          await this.mqtt
            .publish(topics.jobs(deviceId), this.assignMessage(job), { qos: 1 })
            .catch((err) => this.logger.warn({ err, deviceId, jobId: job.id }, 'could not re-send job assignment'));
        }
        // A fleet reconnecting at once comes through here once per device: one look-up of its jobs, not two.
        return active.length ? null : this.dispatchNow(deviceId, true);
      },
      true,
    );
  }

  /** Status turned offline: its assigned/running jobs go back to the queue (or fail when out of attempts). */
  onDeviceOffline(deviceId: string): Promise<unknown> {
    return this.serialize(
      deviceId,
      async () => {
        for (const job of await this.jobs.findActiveForDevice(deviceId)) {
          await this.requeueOrFail(job, {
            code: 'device-offline',
            message: 'The device went offline during the job and it ran out of attempts.',
          });
        }
        const device = await this.devices.findById(deviceId);
        if (device?.currentJobId) await this.devices.clearCurrentJobIfIdle(deviceId);
      },
      true,
    );
  }

  private async requeueOrFail(job: JobRow, error: { code: string; message: string }): Promise<void> {
    const exhausted = job.attempts >= job.maxAttempts;
    const updated = await this.jobs.transition(
      job.id,
      ACTIVE_JOB_STATES,
      exhausted
        ? { state: 'failed', error, leaseExpiresAt: null }
        : { state: 'queued', leaseExpiresAt: null, progress: null },
    );
    if (!updated) return;
    this.logger.info(
      { jobId: job.id, deviceId: job.deviceId, state: updated.state, reason: error.code },
      exhausted ? 'job failed' : 'job re-queued',
    );
    this.events.emit('job.updated', toJobDto(updated));
    await this.rollup(job.campaignId);
  }

  /** Agent event on `events`; the job must belong to the publishing device. */
  onJobEvent(deviceId: string, ev: JobEventMessage): Promise<unknown> {
    return this.serialize(
      deviceId,
      async () => {
        const job = await this.jobs.findById(ev.jobId);
        if (!job || job.deviceId !== deviceId) {
          this.logger.warn({ agentId: deviceId, jobId: ev.jobId }, 'event for a job this device does not own; ignored');
          return;
        }
        let updated: JobRow | null = null;
        if (ev.kind === 'accepted' || ev.kind === 'progress') {
          updated = await this.jobs.transition(job.id, OPEN_JOB_STATES, {
            state: 'running',
            leaseExpiresAt: this.lease(job),
            ...(ev.progress !== undefined ? { progress: ev.progress } : ev.kind === 'accepted' ? { progress: 0 } : {}),
          });
        } else if (ev.kind === 'failed' && retryable(ev, job)) {
          await this.requeueOrFail(job, ev.error!);
          await this.dispatchNow(deviceId);
          return;
        } else if (ev.kind === 'failed') {
          const error = ev.error ?? { code: 'agent-failed', message: 'The agent reported a failure without details.' };
          updated = await this.jobs.transition(job.id, OPEN_JOB_STATES, {
            state: 'failed',
            error,
            leaseExpiresAt: null,
          });
        } else if (ev.kind === 'cancelled') {
          updated = await this.jobs.transition(job.id, OPEN_JOB_STATES, { state: 'cancelled', leaseExpiresAt: null });
        }
        if (!updated) return;
        this.events.emit('job.updated', toJobDto(updated));
        if (updated.state === 'failed' || updated.state === 'cancelled') {
          await this.rollup(job.campaignId);
          await this.dispatchNow(deviceId);
        }
      },
      true,
    );
  }

  /**
   * A batch of agent events in arrival order (IngestService collects them for a few ms), handled as
   * {@link onJobEvent} would one at a time: one query for their jobs; the events of each job folded into one
   * transition (a failure or cancellation ends the job, and its later events change nothing); one statement for every
   * transition, each a compare-and-set on the job being open; then for jobs that ended, the roll-up of their campaigns
   * and the devices' next jobs. When the database refuses the batched statement because a job would become active
   * beside another active job of its device, the events are handled one at a time instead.
   */
  async onJobEvents(items: { deviceId: string; ev: JobEventMessage }[]): Promise<void> {
    const facts = new Map(
      (await this.jobs.eventFactsByIds([...new Set(items.map((i) => i.ev.jobId))])).map((j) => [j.id, j]),
    );
    const folded = new Map<string, EventTransition & { deviceId: string; campaignId: string }>();
    for (const { deviceId, ev } of items) {
      const job = facts.get(ev.jobId);
      if (!job || job.deviceId !== deviceId) {
        this.logger.warn({ agentId: deviceId, jobId: ev.jobId }, 'event for a job this device does not own; ignored');
        continue;
      }
      const prev = folded.get(job.id);
      if (prev && prev.state !== 'running') continue; // ended by an earlier event of this batch
      const progress =
        ev.kind === 'progress' && ev.progress !== undefined
          ? ev.progress
          : ev.kind === 'accepted'
            ? (ev.progress ?? 0)
            : prev?.progress;
      const base = {
        id: job.id,
        deviceId,
        campaignId: job.campaignId,
        ...(progress !== undefined ? { progress } : {}),
      };
      if (ev.kind === 'accepted' || ev.kind === 'progress')
        folded.set(job.id, { ...base, state: 'running', leaseExpiresAt: this.lease(job) });
      else if (ev.kind === 'failed' && retryable(ev, job))
        folded.set(job.id, { ...base, state: 'queued', leaseExpiresAt: null, progress: null, error: ev.error! });
      else if (ev.kind === 'failed')
        folded.set(job.id, {
          ...base,
          state: 'failed',
          leaseExpiresAt: null,
          error: ev.error ?? { code: 'agent-failed', message: 'The agent reported a failure without details.' },
        });
      else folded.set(job.id, { ...base, state: 'cancelled', leaseExpiresAt: null });
    }
    if (!folded.size) return;
    let updatedIds: string[];
    try {
      updatedIds = await this.jobs.applyEventTransitions(
        [...folded.values()].map(({ deviceId: _d, campaignId: _c, ...t }) => t),
        this.clock.now(),
      );
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      for (const { deviceId, ev } of items) await this.onJobEvent(deviceId, ev);
      return;
    }
    for (const job of await this.jobs.findManyByIds(updatedIds)) this.events.emit('job.updated', toJobDto(job));
    for (const t of folded.values())
      if (t.state === 'queued' && updatedIds.includes(t.id))
        this.logger.info({ jobId: t.id, deviceId: t.deviceId, reason: t.error?.code }, 'job re-queued');
    // Ended now, or already by this very event (a retried batch whose first handling stopped before the roll-up).
    const updated = new Set(updatedIds);
    const ended = [...folded.values()].filter(
      (t) => t.state !== 'running' && (updated.has(t.id) || facts.get(t.id)?.state === t.state),
    );
    await Promise.all([...new Set(ended.map((t) => t.campaignId))].map((id) => this.rollup(id)));
    await Promise.all(
      [...new Set(ended.map((t) => t.deviceId))].map((id) => this.serialize(id, () => this.dispatchNow(id), true)),
    );
  }

  /** A new result was stored for `jobId`: the job succeeded (even if it had been re-queued or timed out meanwhile). */
  onResult(deviceId: string, jobId: string): Promise<unknown> {
    return this.serialize(
      deviceId,
      async () => {
        const updated = await this.jobs.transition(jobId, [...OPEN_JOB_STATES, 'failed'], {
          state: 'succeeded',
          progress: 1,
          error: null,
          leaseExpiresAt: null,
        });
        if (updated) {
          this.events.emit('job.updated', toJobDto(updated));
          await this.rollup(updated.campaignId);
        } else {
          // Already completed: a repeat after a first handling that stopped between the transition and the roll-up
          // (e.g. the database went away); the roll-up is idempotent.
          const job = await this.jobs.findById(jobId);
          if (job) await this.rollup(job.campaignId);
        }
        await this.dispatchNow(deviceId);
      },
      true,
    );
  }

  /**
   * Expired leases: cancel on the agent, then re-queue or fail. Every replica sweeps; each job is first claimed with a
   * compare-and-set on the very lease found expired (pushed out by {@link SWEEP_CLAIM_MS}), so exactly one replica
   * acts on it, and the job stays active — no replica assigns the device anything — until its cancel is published.
   * Returns how many jobs this call swept.
   */
  async sweepLeases(): Promise<number> {
    const expired = await this.jobs.findExpiredLeases(this.clock.now());
    let swept = 0;
    for (const job of expired) {
      await this.serialize(job.deviceId, async () => {
        const claimed = await this.jobs.transition(
          job.id,
          ACTIVE_JOB_STATES,
          { leaseExpiresAt: new Date(this.clock.now().getTime() + SWEEP_CLAIM_MS) },
          { leaseExpiresAt: job.leaseExpiresAt },
        );
        if (!claimed) return; // another replica swept it, or a result or event moved it on
        swept++;
        await this.publishCancel(job.deviceId, job.id);
        await this.requeueOrFail(claimed, {
          code: 'timeout',
          message: `No result within the job's time limit (${job.timeoutMs} ms) on any of ${job.maxAttempts} attempts.`,
        });
        await this.dispatchNow(job.deviceId);
      });
    }
    return swept;
  }

  async cancelCampaign(campaignId: string): Promise<void> {
    const open = await this.jobs.findByCampaign(campaignId, OPEN_JOB_STATES);
    await this.campaigns.setState(campaignId, 'cancelled');
    for (const job of open) {
      await this.serialize(job.deviceId, async () => {
        const updated = await this.jobs.transition(job.id, OPEN_JOB_STATES, {
          state: 'cancelled',
          leaseExpiresAt: null,
        });
        if (!updated) return;
        if (job.state !== 'queued') await this.publishCancel(job.deviceId, job.id);
        this.events.emit('job.updated', toJobDto(updated));
        await this.dispatchNow(job.deviceId);
      });
    }
    await this.rollup(campaignId);
  }

  /**
   * A revoked device: its queued/assigned/running jobs are cancelled (error `device-revoked`) and their campaigns
   * rolled up. Returns how many were cancelled. Results already stored are kept.
   */
  async cancelDeviceJobs(deviceId: string): Promise<number> {
    const cancelled = await this.serialize(deviceId, async () => {
      const open = await this.jobs
        .list({ deviceId })
        .then((all) => all.filter((j) => OPEN_JOB_STATES.includes(j.state)));
      const campaignIds = new Set<string>();
      let n = 0;
      for (const job of open) {
        const updated = await this.jobs.transition(job.id, OPEN_JOB_STATES, {
          state: 'cancelled',
          leaseExpiresAt: null,
          error: { code: 'device-revoked', message: 'The device was revoked before the job finished.' },
        });
        if (!updated) continue;
        n++;
        campaignIds.add(job.campaignId);
        this.events.emit('job.updated', toJobDto(updated));
      }
      for (const id of campaignIds) await this.rollup(id);
      return n;
    });
    return cancelled ?? 0;
  }

  private async publishCancel(deviceId: string, jobId: string): Promise<void> {
    const msg: JobCancelMessage = { v: PROTOCOL_MAJOR, kind: 'cancel', ts: this.clock.now().toISOString(), jobId };
    await this.mqtt
      .publish(topics.jobs(deviceId), msg, { qos: 1 })
      .catch((err) => this.logger.warn({ err, deviceId, jobId }, 'could not publish cancel'));
  }

  /** Rolls the campaign's state up from its jobs ({@link rolledUpState}), serialized in the database per campaign. */
  async rollup(campaignId: string): Promise<void> {
    const rolled = await this.campaigns.rollUp(campaignId, rolledUpState);
    if (rolled) this.events.emit('campaign.updated', toCampaignDto(rolled.campaign, rolled.counts));
  }
}
