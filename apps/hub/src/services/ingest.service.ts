import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  PROTOCOL_MAJOR,
  decodePayload,
  topics,
  type ResultCreatedEvent,
  type ResultReceiptMessage,
  parseAgentTopic,
  type AgentChannel,
  type HardwareMessage,
  type JobEventMessage,
  type ResultMessage,
  type StatusMessage,
} from '@fleetbench/protocol';
import { ChangeWatchService, type StoredResult } from '../changes/change-watch.service';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { DeviceRepository, type DeviceRow } from '../repositories/device.repository';
import { EventRepository } from '../repositories/event.repository';
import { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { JobRepository } from '../repositories/job.repository';
import { ResultRepository } from '../repositories/result.repository';
import { MqttRepository } from '../repositories/mqtt.repository';
import { LOGGER } from '../repositories/tokens';
import { AgentChains, OrderedBatcher } from '../utils/agent-order';
import { hardwareClassOf } from '../utils/hardware-class';
import { toDeviceDto } from '../utils/mappers';
import { DispatcherService } from './dispatcher.service';
import { assessResult, resultRejections } from './result-acceptance';
import { PresenceReplayFilter } from './presence-replay';
import { TelemetryIngestService } from './telemetry-ingest.service';

/** How long results are collected before one batch is written, and the most in one batch. */
export const RESULT_BATCH_MS = 5;
export const RESULT_BATCH_MAX = 500;
/**
 * Batches being written at once. Results arriving meanwhile wait for one of them to finish, so under load batches grow
 * by themselves (fewer statements per result) and the hub's decoding overlaps with the database's writing.
 */
export const RESULT_BATCHES_IN_FLIGHT = 2;
/** The same for agents' job events (accepted, progress, failed, cancelled). */
export const EVENT_BATCH_MS = 5;
export const EVENT_BATCH_MAX = 500;
/**
 * Agents' presence (`status`, `hardware`): collected this long, at most this many batches applied at once; what
 * arrives meanwhile joins the next one, so a fleet reconnecting at once (after a broker restart) is applied in a few
 * large batches.
 */
export const PRESENCE_BATCH_MS = 10;
export const PRESENCE_BATCH_MAX = 1000;
export const PRESENCE_BATCHES_IN_FLIGHT = 2;

/** Channels the hub subscribes to. */
export const INGEST_CHANNELS: AgentChannel[] = ['status', 'hardware', 'telemetry', 'events', 'results'];

/**
 * MQTT → database. The broker already guarantees that an agent publishes only under its own id, so the id in the
 * topic is trusted; everything else is validated. Messages of one agent are handled in arrival order.
 */
@Injectable()
export class IngestService {
  /**
   * Per agent, the promise its next message waits for (arrival order). Not a KeyedSerialQueue: an agent's events or
   * statuses queued behind one earlier message join one batch, which needs to see and replace the tail.
   */
  private readonly chains = new AgentChains();
  private readonly presence = new PresenceReplayFilter();
  private readonly eventBatches: OrderedBatcher<EventItem>;
  private readonly presenceBatches: OrderedBatcher<PresenceItem>;

  constructor(
    private readonly devices: DeviceRepository,
    private readonly classes: HardwareClassRepository,
    private readonly jobs: JobRepository,
    private readonly results: ResultRepository,
    private readonly dispatcher: DispatcherService,
    private readonly events: EventRepository,
    private readonly clock: ClockRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly mqtt: MqttRepository,
    private readonly telemetry: TelemetryIngestService,
    /** The regression watch, handed each batch's new results as stored (absent: no series points, e.g. in tests). */
    @Optional() private readonly watch?: ChangeWatchService,
  ) {
    this.eventBatches = new OrderedBatcher<EventItem>(this.chains, {
      collectMs: EVENT_BATCH_MS,
      max: EVENT_BATCH_MAX,
      store: (items) => this.storeEvents(items),
      onError: (err, items) => this.logger.error({ err, events: items.length }, 'failed to store a batch of events'),
    });
    this.presenceBatches = new OrderedBatcher<PresenceItem>(this.chains, {
      collectMs: PRESENCE_BATCH_MS,
      max: PRESENCE_BATCH_MAX,
      inFlight: PRESENCE_BATCHES_IN_FLIGHT,
      store: (items) => this.storePresence(items),
      onError: (err, items) =>
        this.logger.error({ err, messages: items.length }, 'failed to apply a batch of device presence messages'),
    });
  }

  /**
   * Tells the agent the hub is done with a result (stored, or refused for good), so it deletes it from its outbox.
   * Not sent (hub offline): the agent republishes it on its next connection and the repeat gets a receipt.
   */
  private receipt(agentId: string, msgIds: string[]): void {
    const msg: ResultReceiptMessage = {
      v: PROTOCOL_MAJOR,
      kind: 'receipt',
      ts: this.clock.now().toISOString(),
      msgIds,
    };
    this.mqtt
      .publish(topics.jobs(agentId), msg, { qos: 1 })
      .catch((err: Error) => this.logger.debug({ agentId, err: err.message }, 'result receipt not sent'));
  }

  /**
   * Entry point for every MQTT message. Resolves when the message is stored, or was deliberately dropped (malformed,
   * unknown device or topic: logged). Rejects when storing failed (e.g. the database is down): the caller holds the
   * acknowledgement and retries, so nothing the broker acknowledged to an agent is lost (docs/decisions/0004).
   */
  handle(topic: string, payload: Buffer | string): Promise<void> {
    const parsed = parseAgentTopic(topic);
    if (!parsed || !INGEST_CHANNELS.includes(parsed.channel)) {
      this.logger.debug({ topic }, 'ignored message on a topic the hub does not ingest');
      return Promise.resolve();
    }
    const { agentId, channel } = parsed;
    if (channel === 'results') return this.enqueueResult(agentId, payload);
    if (channel === 'events') return this.enqueueEvent(agentId, payload);
    if (channel === 'telemetry') return this.telemetry.enqueue(agentId, payload);
    if (channel === 'status' || channel === 'hardware') return this.enqueuePresence(agentId, channel, payload);
    return Promise.resolve(); // INGEST_CHANNELS holds no other
  }

  /** Writes the device's hardware description when it changed; returns the row written, or null (nothing new). */
  private async onHardware(device: DeviceRow, msg: HardwareMessage): Promise<DeviceRow | null> {
    // A device keeps the hardware class it enrolled with; re-enrollment or an admin (POST devices/:id/reclassify)
    // changes it. Describing other hardware no longer mints classes (one per made-up CPU name, unbounded).
    // Every (re)connect repeats the birth certificate: nothing to write when the device describes itself as stored.
    if (sameJson(device.hardware, msg.hardware) && sameJson(device.software, msg.software)) return null;
    const cls = hardwareClassOf(msg.hardware);
    const updated = await this.devices.update(device.id, {
      hardware: msg.hardware,
      software: msg.software,
      lastSeenAt: this.clock.now(),
    });
    if (cls.id !== device.hardwareClassId)
      this.logger.warn(
        { agentId: device.id, kept: device.hardwareClassId, reported: cls.id },
        'device reports hardware of another class; class kept until an admin reclassifies it',
      );
    this.events.emit('device.updated', toDeviceDto(updated));
    return updated;
  }

  // ---- presence (status, hardware): collected for a few ms, applied as one batch, then acknowledged ----------

  /**
   * An agent's status and hardware description stay in order with its other messages ({@link OrderedBatcher}): a
   * status waits for the agent's earlier results and events, so an "idle" status is judged after the result that
   * completed the job.
   */
  private enqueuePresence(agentId: string, channel: 'status' | 'hardware', payload: Buffer | string): Promise<void> {
    // An empty retained payload clears a retained message (e.g. a removed device): nothing to ingest.
    if (payload.length === 0) return Promise.resolve();
    if (this.presence.isReplay(agentId, channel, payload)) return Promise.resolve(); // applied already
    const decoded = decodePayload(channel, payload);
    if (!decoded.ok) {
      this.logger.warn({ agentId, channel, reason: decoded.error }, 'malformed payload ignored');
      return Promise.resolve();
    }
    const item = (
      channel === 'status'
        ? { channel, agentId, msg: decoded.value as StatusMessage, payload }
        : { channel, agentId, msg: decoded.value as HardwareMessage, payload }
    ) satisfies PresenceItem;
    return this.presenceBatches.enqueue(agentId, item).catch((err: unknown) => {
      this.logger.error({ err, agentId, channel }, 'failed to ingest message');
      throw err;
    });
  }

  /**
   * A batch of statuses and hardware descriptions, as each would be applied one at a time. The batch's devices are
   * read in one query. Hardware: written only where it changed (every reconnect repeats it). Statuses: each device's
   * folded in arrival order into one transition ({@link foldStatuses}); one compare-and-set statement for all (every
   * hub replica reads every retained status, and only the first to apply a transition acts on it: a device changed
   * meanwhile is read again and folded again, up to 5 times); then the dispatcher, only for devices that have jobs to
   * re-queue, resume, re-send or assign (one query tells which): a device that went offline or restarted gets its
   * assigned/running jobs re-queued, a device online gets {@link DispatcherService.onDeviceOnline} (resumes or re-sends
   * the job the hub believes it holds — at once when the agent reports itself idle — else assigns its next job).
   */
  private async storePresence(items: PresenceItem[]): Promise<void> {
    const statuses = new Map<string, StatusItem[]>();
    for (const item of items) {
      if (item.channel !== 'status') continue;
      const list = statuses.get(item.agentId);
      if (list) list.push(item);
      else statuses.set(item.agentId, [item]);
    }
    const now = this.clock.now();
    let devices = new Map(
      (await this.devices.findManyByIds([...new Set(items.map((i) => i.agentId))])).map((d) => [d.id, d]),
    );
    const applied: PresenceItem[] = [];
    const ignored = new Set<string>();
    for (const item of items) {
      const device = devices.get(item.agentId);
      if (!device || device.revokedAt) {
        if (!ignored.has(item.agentId))
          this.logger.warn(
            { agentId: item.agentId, channel: item.channel },
            `message from ${device ? 'a revoked' : 'an unknown'} device ignored`,
          );
        ignored.add(item.agentId);
        statuses.delete(item.agentId);
        continue;
      }
      applied.push(item);
      if (item.channel !== 'hardware') continue;
      const updated = await this.onHardware(device, item.msg);
      if (updated) devices.set(device.id, updated);
    }

    /** Per device, what the dispatcher must do once the batch is applied. */
    const actions = new Map<string, StatusActions>();
    const updatedIds: string[] = [];
    let todo = [...statuses.keys()];
    for (let tries = 0; todo.length && tries <= 5; tries++) {
      if (tries > 0) devices = new Map((await this.devices.findManyByIds(todo)).map((d) => [d.id, d]));
      const writes: Parameters<DeviceRepository['updateStatuses']>[0] = [];
      const planned = new Map<string, StatusActions>();
      for (const id of todo) {
        const device = devices.get(id);
        if (!device) continue; // deleted meanwhile
        const plan = this.foldStatuses(device, statuses.get(id)!);
        if (!plan.write) {
          actions.set(id, { ...plan.actions, device });
          continue;
        }
        writes.push({ id, seenOnline: device.online, seenSession: device.session, ...plan.write });
        planned.set(id, { ...plan.actions, device });
      }
      const won = new Set(writes.length ? await this.devices.updateStatuses(writes, now) : []);
      for (const [id, a] of planned) {
        if (!won.has(id)) continue;
        actions.set(id, a);
        updatedIds.push(id);
        const last = statuses.get(id)!.at(-1)!.msg;
        this.logger.info({ agentId: id, online: last.online, session: last.session }, 'device status');
      }
      todo = writes.filter((w) => !won.has(w.id)).map((w) => w.id);
    }
    if (updatedIds.length)
      for (const row of await this.devices.findManyByIds(updatedIds))
        this.events.emit('device.updated', toDeviceDto(row));

    // The dispatcher only where there is something to do: a reconnecting fleet is mostly idle devices with no jobs.
    const candidates = [...actions].filter(([, a]) => a.requeue || a.online);
    const work = candidates.length ? await this.jobs.workOfDevices(candidates.map(([id]) => id)) : new Map();
    await Promise.all(
      candidates.map(async ([id, a]) => {
        const w = work.get(id);
        if (!w && !a.device.currentJobId) return;
        if (a.requeue && (w?.active || a.device.currentJobId)) await this.dispatcher.onDeviceOffline(id);
        if (a.online) await this.dispatcher.onDeviceOnline(id, a.online.currentJobId);
      }),
    );
    for (const item of applied) this.presence.remember(item.agentId, item.channel, item.payload);
  }

  /**
   * One device's statuses in arrival order against its stored (online, session): a status of an older session, or a
   * repeated offline of the current one, is stale (the repeat still re-queues, which is idempotent: its first handling
   * may have failed after the update); an offline status, or an online one of a newer session while online (the
   * agent restarted), re-queues the device's jobs; the device ends as the last status that was not stale says.
   */
  private foldStatuses(
    device: DeviceRow,
    items: StatusItem[],
  ): { write: { online: boolean; session: number } | null; actions: Omit<StatusActions, 'device'> } {
    let state = { online: device.online, session: device.session };
    let write: { online: boolean; session: number } | null = null;
    let requeue = false;
    let online: { currentJobId: string | null } | null = null;
    for (const { msg } of items) {
      if (msg.session < state.session || (!msg.online && msg.session === state.session && !state.online)) {
        if (msg.session === state.session) requeue = true;
        this.logger.info(
          { agentId: device.id, session: msg.session, current: state.session, online: msg.online },
          'stale status ignored',
        );
        continue;
      }
      if (!msg.online || (state.online && msg.session > state.session)) requeue = true;
      state = write = { online: msg.online, session: msg.session };
      online = msg.online ? { currentJobId: msg.currentJobId ?? null } : null;
    }
    return { write, actions: { requeue, online } };
  }

  // ---- events: collected for a few ms, written as one batch of job transitions, then acknowledged -------------

  /** An agent's events stay in order with its other messages ({@link OrderedBatcher}). */
  private enqueueEvent(agentId: string, payload: Buffer | string): Promise<void> {
    if (payload.length === 0) return Promise.resolve();
    const decoded = decodePayload('events', payload);
    if (!decoded.ok) {
      this.logger.warn({ agentId, channel: 'events', reason: decoded.error }, 'malformed payload ignored');
      return Promise.resolve();
    }
    return this.eventBatches.enqueue(agentId, { agentId, ev: decoded.value }).catch((err: unknown) => {
      this.logger.error({ err, agentId, channel: 'events' }, 'failed to ingest message');
      throw err;
    });
  }

  /** Events of unknown and revoked devices are dropped (logged); the rest go to the dispatcher as one batch. */
  private async storeEvents(items: EventItem[]): Promise<void> {
    const devices = new Map(
      (await this.devices.factsByIds([...new Set(items.map((i) => i.agentId))])).map((d) => [d.id, d]),
    );
    const known = items.filter(({ agentId }) => {
      const device = devices.get(agentId);
      if (device && !device.revokedAt) return true;
      this.logger.warn(
        { agentId, channel: 'events' },
        `message from ${device ? 'a revoked' : 'an unknown'} device ignored`,
      );
      return false;
    });
    if (known.length) await this.dispatcher.onJobEvents(known.map(({ agentId, ev }) => ({ deviceId: agentId, ev })));
  }

  // ---- results: collected for a few ms, stored with one multi-row insert, then acknowledged --------------------

  /** Batches waiting to be written, oldest first; new results join the last while it has room. */
  private readonly collecting: ResultBatch[] = [];
  private timer: NodeJS.Timeout | null = null;
  private storing = 0;

  /**
   * The raw payload joins a batch; it is decoded when the batch is written. A result waits in the hub for hundreds of
   * milliseconds under load (its batch, the batches ahead of it): as bytes outside the JS heap it costs the garbage
   * collector nothing, as a decoded message (≈ 60 objects) it was copied by every young-generation collection it
   * lived through (a fifth of the hub's CPU). Every result of a batch settles with the batch.
   */
  private enqueueResult(agentId: string, payload: Buffer | string): Promise<void> {
    if (payload.length === 0) return Promise.resolve();
    let batch = this.collecting.at(-1);
    if (!batch || batch.items.length >= RESULT_BATCH_MAX) {
      batch = newResultBatch();
      this.collecting.push(batch);
    }
    batch.items.push({ agentId, payload });
    // The agent's later status and events wait for it (e.g. its "idle" status for the job this result completes).
    if (this.chains.tail(agentId) !== batch.settled) this.chains.setTail(agentId, batch.settled);
    if (batch.items.length >= RESULT_BATCH_MAX) this.flushResults();
    else this.timer ??= setTimeout(() => this.flushResults(), RESULT_BATCH_MS);
    return batch.done;
  }

  private flushResults(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.collecting.length && this.storing < RESULT_BATCHES_IN_FLIGHT) {
      const batch = this.collecting.shift()!;
      this.storing++;
      this.storeResults(this.decodeResults(batch.items))
        .then(batch.resolve, (err: unknown) => {
          this.logger.error({ err, results: batch.items.length }, 'failed to store a batch of results');
          batch.reject(err);
        })
        .finally(() => {
          this.storing--;
          // What arrived while this batch was written goes now: it waited at least as long as the timer would have.
          this.flushResults();
        });
    }
  }

  /** The batch's results as messages; a malformed one is logged and dropped (acknowledged with the batch). */
  private decodeResults(items: RawResult[]): DecodedResult[] {
    const out: DecodedResult[] = [];
    for (const { agentId, payload } of items) {
      const decoded = decodePayload('results', payload);
      if (decoded.ok) out.push({ agentId, msg: decoded.value });
      else this.logger.warn({ agentId, channel: 'results', reason: decoded.error }, 'malformed payload ignored');
    }
    return out;
  }

  /**
   * One batch: device and job facts in two queries, the per-result check ({@link assessResult}), one multi-row
   * insert, then per job (not per result) the job's transition, and one receipt per agent. Throws when anything the
   * acknowledgement depends on failed; the whole batch is then retried (the insert is idempotent on msgId).
   */
  private async storeResults(batch: DecodedResult[]): Promise<void> {
    if (!batch.length) return; // every one malformed
    const [devices, jobs, stored] = await Promise.all([
      this.devices.factsByIds([...new Set(batch.map((p) => p.agentId))], { hardware: this.watch !== undefined }),
      this.jobs.factsByIds([...new Set(batch.map((p) => p.msg.jobId))]),
      this.results.storedMsgIds(batch.map((p) => p.msg.msgId)),
    ]);
    const deviceById = new Map(devices.map((d) => [d.id, d]));
    const jobById = new Map(jobs.map((j) => [j.id, j]));
    const receipts = new Map<string, string[]>();
    const receipt = (agentId: string, msgId: string) => {
      const list = receipts.get(agentId);
      if (list) list.push(msgId);
      else receipts.set(agentId, [msgId]);
    };
    const rows: Parameters<ResultRepository['insertManyIfNew']>[0] = [];
    const accepted: { p: DecodedResult; job: (typeof jobs)[number]; device: (typeof devices)[number] }[] = [];
    const seen = new Set<string>();
    // One result per job attempt (also within a batch; the database holds it across batches).
    const attemptsSeen = new Set<string>();
    const attemptKey = (jobId: string, attempt: number | undefined) => `${jobId}#${attempt ?? 'current'}`;
    for (const p of batch) {
      const { agentId, msg } = p;
      const device = deviceById.get(agentId);
      if (!device || device.revokedAt) {
        this.logger.warn(
          { agentId, channel: 'results' },
          `message from ${device ? 'a revoked' : 'an unknown'} device ignored`,
        );
        continue;
      }
      const job = jobById.get(msg.jobId) ?? null;
      // A repeat of a stored result skips the checks (its job may have moved on since): only its idempotent
      // completion runs below. Everything new must pass acceptance (job state, attempt, plausible values).
      const isRepeat = stored.has(msg.msgId) || seen.has(msg.msgId);
      if (!isRepeat || !job || job.deviceId !== device.id) {
        const acceptance =
          job && attemptsSeen.has(attemptKey(job.id, msg.attempt))
            ? ({ ok: false, reason: 'duplicate-attempt', detail: 'another result of this attempt came first' } as const)
            : assessResult(device.id, msg, job);
        if (!acceptance.ok) {
          resultRejections.count(acceptance.reason);
          const { reason, detail } = acceptance;
          this.logger.warn({ agentId, jobId: msg.jobId, msgId: msg.msgId, reason, detail }, 'result rejected');
          receipt(agentId, msg.msgId);
          continue;
        }
      }
      receipt(agentId, msg.msgId);
      if (seen.has(msg.msgId)) continue; // the same message twice in one batch
      seen.add(msg.msgId);
      const job_ = job!;
      if (!stored.has(msg.msgId)) attemptsSeen.add(attemptKey(job_.id, msg.attempt));
      accepted.push({ p, job: job_, device });
      // A msgId found stored is a repeat: nothing to insert (the insert takes the batch as new; see insertManyIfNew).
      if (stored.has(msg.msgId)) continue;
      const m = msg.metrics;
      rows.push({
        msgId: msg.msgId,
        jobId: job_.id,
        attempt: msg.attempt ?? null,
        deviceId: device.id,
        modelId: job_.modelId,
        hardwareClassId: device.hardwareClassId,
        settingsKey: job_.settingsKey,
        settings: msg.settings,
        metrics: m,
        p50Ms: m.latencyMs.p50,
        p90Ms: m.latencyMs.p90,
        p99Ms: m.latencyMs.p99,
        throughputIps: m.throughputIps,
        top1: m.top1,
        top5: m.top5,
        histogram: msg.histogram,
        environment: msg.environment,
        verdictStatus: msg.verdict.status,
        verdictReasons: msg.verdict.reasons,
        measuredAt: new Date(msg.ts),
      });
    }
    const created = new Map((await this.results.insertManyIfNew(rows)).map((r) => [r.msgId, r]));

    // Job transitions, one per job: a new result completes it; a repeat completes it too when a first handling
    // stopped between the insert and the transition.
    const toComplete = new Map<string, string>();
    const createdEvents: ResultCreatedEvent[] = [];
    const watched: StoredResult[] = [];
    // One info line per batch; each result's line only at debug (at thousands of results a second, a line each drowned
    // the log and cost the hub a share of its CPU).
    const traceEach = this.logger.isLevelEnabled('debug');
    for (const { p, job, device } of accepted) {
      const row = created.get(p.msg.msgId);
      if (row) {
        // The row as the insert wrote it (the watch reads nothing back).
        watched.push({
          id: row.id,
          deviceId: device.id,
          modelId: job.modelId,
          hardwareClassId: device.hardwareClassId,
          settingsKey: job.settingsKey,
          settings: p.msg.settings as unknown as StoredResult['settings'],
          mode: p.msg.settings.mode,
          metrics: p.msg.metrics as unknown as StoredResult['metrics'],
          histogram: p.msg.histogram ?? null,
          environment: p.msg.environment as unknown as StoredResult['environment'],
          verdictStatus: p.msg.verdict.status,
          measuredAt: new Date(p.msg.ts),
          device: { hardware: device.hardware ?? null },
        });
        if (traceEach)
          this.logger.debug(
            { agentId: device.id, jobId: job.id, msgId: p.msg.msgId, verdict: p.msg.verdict.status },
            'result stored',
          );
        createdEvents.push({
          id: row.id,
          jobId: job.id,
          campaignId: job.campaignId,
          deviceId: device.id,
          deviceName: device.name,
          modelId: job.modelId,
          modelName: job.model.name,
          hardwareClassId: device.hardwareClassId,
          settingsKey: job.settingsKey,
          p50Ms: p.msg.metrics.latencyMs.p50,
          throughputIps: p.msg.metrics.throughputIps,
          top1: p.msg.metrics.top1 ?? null,
          verdictStatus: p.msg.verdict.status,
          measuredAt: p.msg.ts,
        });
        // A job that already succeeded (an earlier result) has nothing left to do.
        if (!['succeeded', 'cancelled'].includes(job.state)) toComplete.set(job.id, device.id);
      } else {
        this.logger.info(
          { agentId: device.id, msgId: p.msg.msgId },
          'duplicate result (same msgId or job attempt) ignored',
        );
        // A repeat may follow a first handling that stopped after the insert (before the transition or the roll-up):
        // finish those steps; they are idempotent.
        if (job.state !== 'cancelled') toComplete.set(job.id, device.id);
      }
    }
    if (createdEvents.length > 0)
      this.logger.info(
        { stored: createdEvents.length, devices: new Set(createdEvents.map((e) => e.deviceId)).size },
        'results stored',
      );
    // One live event for the whole batch (a broadcast per result cost as much as storing it).
    if (createdEvents.length > 0) this.events.emit('results.created', { results: createdEvents });
    // The regression watch runs after the commit, in the background (its failure loses only points).
    if (watched.length > 0) void this.watch?.watchStored(watched);
    await Promise.all([...toComplete].map(([jobId, deviceId]) => this.dispatcher.onResult(deviceId, jobId)));
    for (const [agentId, msgIds] of receipts) this.receipt(agentId, msgIds);
  }
}

interface EventItem {
  agentId: string;
  ev: JobEventMessage;
}

/** What a batch of statuses asks of the dispatcher for one device (`device`: as read before the update). */
interface StatusActions {
  device: DeviceRow;
  /** Its assigned/running jobs go back to the queue (offline, restarted, or an offline status repeated). */
  requeue: boolean;
  /** Online at the end of the batch: resume, re-send or assign (the job the agent reports as its current one). */
  online: { currentJobId: string | null } | null;
}

interface StatusItem {
  channel: 'status';
  agentId: string;
  msg: StatusMessage;
  payload: Buffer | string;
}

type PresenceItem =
  StatusItem | { channel: 'hardware'; agentId: string; msg: HardwareMessage; payload: Buffer | string };

/** Equal as JSON values (key order aside: jsonb stores keys in its own order). */
const sameJson = (stored: unknown, received: unknown) =>
  isDeepStrictEqual(stored, JSON.parse(JSON.stringify(received)) as unknown);

interface RawResult {
  agentId: string;
  payload: Buffer | string;
}

interface DecodedResult {
  agentId: string;
  msg: ResultMessage;
}

/** Results written together; they settle together (`settled` never rejects: the agents' chains wait on it). */
interface ResultBatch {
  items: RawResult[];
  done: Promise<void>;
  settled: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function newResultBatch(): ResultBatch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { items: [], done, settled: done.catch(() => undefined), resolve, reject };
}
