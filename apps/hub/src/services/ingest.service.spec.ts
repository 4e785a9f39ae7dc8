import { ResultCreatedEventSchema, settingsKey, topics } from '@fleetbench/protocol';
import type { ChangeWatchService } from '../changes/change-watch.service';
import type { DeviceRepository, DeviceRow } from '../repositories/device.repository';
import type { EventRepository } from '../repositories/event.repository';
import type { HardwareClassRepository } from '../repositories/hardware-class.repository';
import type { JobRepository } from '../repositories/job.repository';
import type { MqttRepository } from '../repositories/mqtt.repository';
import type { ResultRepository } from '../repositories/result.repository';
import { hardware, resultMessage, software } from '../test-support/fixtures';
import { fixedClock, mockLogger, mockOf } from '../test-support/mocks';
import type { DispatcherService } from './dispatcher.service';
import { IngestService } from './ingest.service';
import type { TelemetryIngestService } from './telemetry-ingest.service';
import { resultRejections } from './result-acceptance';

const AGENT = 'agent-1';
const deviceRow = (over: Partial<DeviceRow> = {}) =>
  ({
    id: AGENT,
    name: 'a',
    online: true,
    session: 3,
    hardwareClassId: 'hc-1',
    hardwareClass: { name: 'hc' },
    enrolledAt: new Date(),
    tags: [],
    ...over,
  }) as DeviceRow;

function setup(o: { watch?: ChangeWatchService } = {}) {
  const devices = mockOf<DeviceRepository>();
  const classes = mockOf<HardwareClassRepository>();
  const jobs = mockOf<JobRepository>();
  const results = mockOf<ResultRepository>();
  results.storedMsgIds.mockResolvedValue(new Set());
  const dispatcher = mockOf<DispatcherService>();
  const events = mockOf<EventRepository>();
  const logger = mockLogger();
  devices.findById.mockResolvedValue(deviceRow());
  devices.factsByIds.mockResolvedValue([{ id: AGENT, name: 'a', hardwareClassId: 'hc-1', revokedAt: null }]);
  jobs.factsByIds.mockResolvedValue([]);
  devices.update.mockImplementation(async (_id, data) => deviceRow(data as never));
  devices.findManyByIds.mockResolvedValue([deviceRow()]);
  devices.updateStatuses.mockImplementation(async (rows) => rows.map((r) => r.id));
  jobs.workOfDevices.mockResolvedValue(new Map([[AGENT, { active: true }]]));
  const mqtt = mockOf<MqttRepository>();
  mqtt.publish.mockResolvedValue();
  const svc = new IngestService(
    devices,
    classes,
    jobs,
    results,
    dispatcher,
    events,
    fixedClock() as never,
    logger,
    mqtt,
    mockOf<TelemetryIngestService>('enqueue'),
    o.watch,
  );
  return { svc, devices, classes, jobs, results, dispatcher, events, logger, mqtt };
}

const MODEL = { sha256: 'a'.repeat(64), flops: null, inputs: [] };
/** The device's running job 'j1' with the settings and model of the fixture result. */
const ownJob = () =>
  ({
    id: 'j1',
    campaignId: 'c1',
    deviceId: AGENT,
    modelId: 'm1',
    state: 'running',
    attempts: 1,
    timeoutMs: 600_000,
    settings: resultMessage('j1').settings,
    settingsKey: settingsKey(resultMessage('j1').settings),
    model: MODEL,
    dataset: null,
  }) as never;

const status = (online: boolean, session: number) =>
  JSON.stringify({ v: 1, online, session, ts: new Date().toISOString() });

describe('IngestService', () => {
  it('logs a malformed payload with the agent id and reason, and changes nothing', async () => {
    const { svc, devices, results, logger } = setup();
    await svc.handle(topics.status(AGENT), '{"v":1,"online":"yes"}');
    await svc.handle(topics.results(AGENT), 'not json');
    expect(devices.findById).not.toHaveBeenCalled();
    expect(results.insertManyIfNew).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT, channel: 'results' }),
      'malformed payload ignored',
    );
  });

  it('ignores messages from unknown devices', async () => {
    const { svc, devices, logger } = setup();
    devices.findManyByIds.mockResolvedValue([]);
    await svc.handle(topics.status(AGENT), status(true, 1));
    expect(devices.updateStatuses).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT }),
      'message from an unknown device ignored',
    );
  });

  it('ignores a stale offline will from an older session', async () => {
    const { svc, devices, dispatcher } = setup();
    await svc.handle(topics.status(AGENT), status(false, 2));
    expect(devices.updateStatuses).not.toHaveBeenCalled();
    expect(dispatcher.onDeviceOffline).not.toHaveBeenCalled();
  });

  it('marks a device offline on its own will and re-queues via the dispatcher', async () => {
    const { svc, devices, dispatcher } = setup();
    await svc.handle(topics.status(AGENT), status(false, 3));
    expect(devices.updateStatuses).toHaveBeenCalledWith(
      [{ id: AGENT, seenOnline: true, seenSession: 3, online: false, session: 3 }],
      expect.any(Date),
    );
    expect(dispatcher.onDeviceOffline).toHaveBeenCalledWith(AGENT);
    expect(dispatcher.onDeviceOnline).not.toHaveBeenCalled();
  });

  it("re-queues a restarted agent's jobs once: a replica that lost the status update only dispatches", async () => {
    const { svc, devices, dispatcher } = setup();
    // This replica read session 3; another replica applied the restart (session 4) before it.
    devices.updateStatuses.mockResolvedValueOnce([]);
    devices.findManyByIds.mockResolvedValueOnce([deviceRow()]).mockResolvedValueOnce([deviceRow({ session: 4 })]);
    await svc.handle(topics.status(AGENT), status(true, 4));
    expect(devices.updateStatuses).toHaveBeenLastCalledWith(
      [{ id: AGENT, seenOnline: true, seenSession: 4, online: true, session: 4 }],
      expect.any(Date),
    );
    expect(dispatcher.onDeviceOffline).not.toHaveBeenCalled();
    expect(dispatcher.onDeviceOnline).toHaveBeenCalledWith(AGENT, null);
  });

  it('re-queues the jobs of an agent that restarted (newer session while online) when it wins the update', async () => {
    const { svc, dispatcher } = setup();
    await svc.handle(topics.status(AGENT), status(true, 4));
    expect(dispatcher.onDeviceOffline).toHaveBeenCalledWith(AGENT);
    expect(dispatcher.onDeviceOnline).toHaveBeenCalledWith(AGENT, null);
  });

  describe('statuses (batched)', () => {
    const agents = ['agent-s1', 'agent-s2', 'agent-s3'];

    it('applies the birth messages of many agents with one read and one update; the dispatcher only for devices with jobs', async () => {
      const { svc, devices, jobs, dispatcher, events } = setup();
      const described = JSON.parse(JSON.stringify({ hardware: hardware(), software })) as object;
      devices.findManyByIds.mockImplementation(async (ids) =>
        ids.map((id) => deviceRow({ id, online: false, session: 1, ...described })),
      );
      // Only agent-s2 has work (a queued or active job); agent-s3 holds a stale current job id.
      jobs.workOfDevices.mockResolvedValue(new Map([['agent-s2', { active: false }]]));
      devices.findManyByIds.mockImplementationOnce(async (ids) =>
        ids.map((id) =>
          deviceRow({ id, online: false, session: 1, currentJobId: id === 'agent-s3' ? 'j0' : null, ...described }),
        ),
      );
      // Each agent's birth certificate: its status and its hardware description (as stored: nothing to write).
      const hw = JSON.stringify({ v: 1, ts: new Date().toISOString(), hardware: hardware(), software });
      await Promise.all(
        agents.flatMap((id) => [svc.handle(topics.status(id), status(true, 2)), svc.handle(topics.hardware(id), hw)]),
      );
      expect(devices.findManyByIds).toHaveBeenCalledTimes(2); // the batch's devices, then the updated rows
      expect(devices.update).not.toHaveBeenCalled();
      expect(devices.updateStatuses).toHaveBeenCalledTimes(1);
      expect(devices.updateStatuses.mock.calls[0][0].map((r) => r.id)).toEqual(agents);
      expect(jobs.workOfDevices).toHaveBeenCalledWith(agents);
      expect(dispatcher.onDeviceOnline.mock.calls.map(([id]) => id).sort()).toEqual(['agent-s2', 'agent-s3']);
      expect(dispatcher.onDeviceOffline).not.toHaveBeenCalled(); // coming online from offline: nothing to re-queue
      expect(events.emit).toHaveBeenCalledTimes(3);
      expect(events.emit).toHaveBeenCalledWith('device.updated', expect.objectContaining({ id: 'agent-s1' }));
    });

    it('reconciles at once an agent that reports itself idle while the hub believes it holds a job', async () => {
      const { svc, dispatcher } = setup();
      // Online, same session, no current job: the dispatcher re-sends the active job (or assigns the next).
      await svc.handle(topics.status(AGENT), status(true, 3));
      expect(dispatcher.onDeviceOnline).toHaveBeenCalledWith(AGENT, null);
      expect(dispatcher.onDeviceOffline).not.toHaveBeenCalled();
      await svc.handle(
        topics.status(AGENT),
        JSON.stringify({ v: 1, online: true, session: 3, ts: new Date().toISOString(), currentJobId: 'j1' }),
      );
      expect(dispatcher.onDeviceOnline).toHaveBeenLastCalledWith(AGENT, 'j1');
    });

    it("folds one agent's statuses of a batch in arrival order: offline, then back with a new session", async () => {
      const { svc, devices, dispatcher } = setup();
      await Promise.all([
        svc.handle(topics.status(AGENT), status(false, 3)),
        svc.handle(topics.status(AGENT), status(false, 2)), // stale: an older session
        svc.handle(topics.status(AGENT), status(true, 4)),
      ]);
      expect(devices.updateStatuses).toHaveBeenCalledTimes(1);
      expect(devices.updateStatuses).toHaveBeenCalledWith(
        [{ id: AGENT, seenOnline: true, seenSession: 3, online: true, session: 4 }],
        expect.any(Date),
      );
      expect(dispatcher.onDeviceOffline).toHaveBeenCalledTimes(1);
      expect(dispatcher.onDeviceOnline).toHaveBeenCalledWith(AGENT, null);
    });

    it("waits for the agent's earlier result: an idle status is judged after the result completed the job", async () => {
      const { svc, jobs, results, dispatcher, devices } = setup();
      jobs.factsByIds.mockResolvedValue([{ ...(ownJob() as object), model: { ...MODEL, name: 'm' } }] as never);
      results.insertManyIfNew.mockImplementation(async (rows) =>
        rows.map((r) => ({ id: `r-${r.msgId}`, msgId: r.msgId, createdAt: new Date() })),
      );
      const order: string[] = [];
      let release!: () => void;
      dispatcher.onResult.mockImplementation(async () => {
        order.push('result');
        await new Promise<void>((r) => (release = r));
      });
      devices.updateStatuses.mockImplementation(async (rows) => {
        order.push('status');
        return rows.map((r) => r.id);
      });
      const result = svc.handle(topics.results(AGENT), JSON.stringify(resultMessage('j1')));
      const idle = svc.handle(topics.status(AGENT), status(true, 3));
      await new Promise((r) => setTimeout(r, 40));
      expect(order).toEqual(['result']);
      release();
      await Promise.all([result, idle]);
      expect(order).toEqual(['result', 'status']);
    });

    it('rejects every status of a batch when applying it fails (acknowledgements held)', async () => {
      const { svc, devices } = setup();
      devices.findManyByIds.mockImplementation(async (ids) => ids.map((id) => deviceRow({ id })));
      devices.updateStatuses.mockRejectedValueOnce(new Error('database down'));
      const all = agents.map((id) => svc.handle(topics.status(id), status(true, 3)));
      for (const p of all) await expect(p).rejects.toThrow('database down');
    });
  });

  it('keeps the enrolled hardware class when a device describes other hardware: no class is minted', async () => {
    const { svc, devices, classes, logger } = setup();
    const msg = { v: 1, ts: new Date().toISOString(), hardware: hardware({ model: 'Made-up CPU' }), software };
    await svc.handle(topics.hardware(AGENT), JSON.stringify(msg));
    expect(classes.ensure).not.toHaveBeenCalled();
    expect(devices.update).toHaveBeenCalledWith(
      AGENT,
      expect.not.objectContaining({ hardwareClassId: expect.anything() }),
    );
    expect(devices.update).toHaveBeenCalledWith(AGENT, expect.objectContaining({ hardware: msg.hardware }));
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT, kept: 'hc-1' }),
      'device reports hardware of another class; class kept until an admin reclassifies it',
    );
  });

  describe('results (batched)', () => {
    const job = (over = {}) => ({ ...(ownJob() as object), model: { ...MODEL, name: 'm' }, ...over });
    const KEY = settingsKey(resultMessage('j1').settings);
    const created = (msgIds: string[]) => msgIds.map((msgId) => ({ id: `r-${msgId}`, msgId, createdAt: new Date() }));

    it('stores results of several agents in one insert, completes each job once, and sends one receipt per agent', async () => {
      const { svc, devices, jobs, results, dispatcher, events, mqtt, logger } = setup();
      devices.factsByIds.mockResolvedValue([
        { id: AGENT, name: 'a', hardwareClassId: 'hc-1', revokedAt: null },
        { id: 'agent-2', name: 'b', hardwareClassId: 'hc-2', revokedAt: null },
      ]);
      jobs.factsByIds.mockResolvedValue([job(), job({ id: 'j2', deviceId: 'agent-2' })] as never);
      // The second result for j1 in the same batch is refused: the first completes the job (one result per job).
      const msgs = [resultMessage('j1', { p50: 3 }), resultMessage('j1'), resultMessage('j2')];
      results.insertManyIfNew.mockImplementation(async (rows) => created(rows.map((r) => r.msgId)));
      await Promise.all([
        svc.handle(topics.results(AGENT), JSON.stringify(msgs[0])),
        svc.handle(topics.results(AGENT), JSON.stringify(msgs[1])),
        svc.handle(topics.results('agent-2'), JSON.stringify(msgs[2])),
      ]);
      expect(results.insertManyIfNew).toHaveBeenCalledTimes(1);
      expect(results.insertManyIfNew.mock.calls[0][0]).toEqual([
        expect.objectContaining({
          msgId: msgs[0].msgId,
          jobId: 'j1',
          p50Ms: 3,
          hardwareClassId: 'hc-1',
          settingsKey: KEY,
        }),
        expect.objectContaining({ msgId: msgs[2].msgId, deviceId: 'agent-2', hardwareClassId: 'hc-2' }),
      ]);
      // One log line for the batch, not one per result.
      expect(logger.info).toHaveBeenCalledWith({ stored: 2, devices: 2 }, 'results stored');
      expect(logger.info.mock.calls.filter(([, m]) => m === 'result stored')).toEqual([]);
      expect(devices.factsByIds).toHaveBeenCalledTimes(1);
      expect(jobs.factsByIds).toHaveBeenCalledTimes(1);
      expect(dispatcher.onResult.mock.calls.sort()).toEqual([
        [AGENT, 'j1'],
        ['agent-2', 'j2'],
      ]);
      // One results.created for the batch, each result as the protocol's small summary (not with its histogram).
      expect(events.emit).toHaveBeenCalledTimes(1);
      const [event, payload] = events.emit.mock.calls[0];
      expect(event).toBe('results.created');
      const { results: summaries } = payload as { results: unknown[] };
      expect(summaries.map((r) => (r as { id: string }).id)).toEqual([`r-${msgs[0].msgId}`, `r-${msgs[2].msgId}`]);
      expect(ResultCreatedEventSchema.strict().parse(summaries[0])).toEqual({
        id: `r-${msgs[0].msgId}`,
        jobId: 'j1',
        campaignId: 'c1',
        deviceId: AGENT,
        deviceName: 'a',
        modelId: 'm1',
        modelName: 'm',
        hardwareClassId: 'hc-1',
        settingsKey: KEY,
        p50Ms: 3,
        throughputIps: msgs[0].metrics.throughputIps,
        top1: null,
        verdictStatus: msgs[0].verdict.status,
        measuredAt: msgs[0].ts,
      });
      expect(mqtt.publish).toHaveBeenCalledWith(
        topics.jobs(AGENT),
        expect.objectContaining({ kind: 'receipt', msgIds: [msgs[0].msgId, msgs[1].msgId] }),
        { qos: 1 },
      );
      expect(mqtt.publish).toHaveBeenCalledTimes(2);
    });

    it('a malformed result in a batch is dropped and logged; the others are stored, and every one is settled', async () => {
      const { svc, devices, jobs, results, logger, mqtt } = setup();
      devices.factsByIds.mockResolvedValue([{ id: AGENT, name: 'a', hardwareClassId: 'hc-1', revokedAt: null }]);
      jobs.factsByIds.mockResolvedValue([job()] as never);
      results.insertManyIfNew.mockImplementation(async (rows) => created(rows.map((r) => r.msgId)));
      const good = resultMessage('j1');
      const settled = await Promise.allSettled([
        svc.handle(topics.results(AGENT), '{"v":1,"msgId":'),
        svc.handle(topics.results(AGENT), JSON.stringify(good)),
        svc.handle(topics.results(AGENT), JSON.stringify({ ...good, msgId: 'x', metrics: null })),
      ]);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(results.insertManyIfNew).toHaveBeenCalledTimes(1);
      expect(results.insertManyIfNew.mock.calls[0][0].map((r) => r.msgId)).toEqual([good.msgId]);
      expect(logger.warn.mock.calls.filter(([, m]) => m === 'malformed payload ignored')).toHaveLength(2);
      // A receipt for the stored one only: the agent keeps a malformed message (it is its bug to see in its log).
      expect(mqtt.publish).toHaveBeenCalledWith(topics.jobs(AGENT), expect.objectContaining({ msgIds: [good.msgId] }), {
        qos: 1,
      });
    });

    it('hands the regression watch the new results as stored, with their device hardware; repeats are not', async () => {
      const watch = mockOf<ChangeWatchService>();
      watch.watchStored.mockResolvedValue();
      const { svc, devices, jobs, results } = setup({ watch });
      const hw = { cpu: { model: 'x' } };
      devices.factsByIds.mockResolvedValue([
        { id: AGENT, name: 'a', hardwareClassId: 'hc-1', revokedAt: null, hardware: hw },
      ]);
      jobs.factsByIds.mockResolvedValue([job()] as never);
      const [fresh, repeat] = [resultMessage('j1', { p50: 3 }), resultMessage('j1')];
      // The second is a repeat (its msgId is stored already): the insert creates only the first.
      results.storedMsgIds.mockResolvedValue(new Set([repeat.msgId]));
      results.insertManyIfNew.mockImplementation(async (rows) =>
        created(rows.map((r) => r.msgId).filter((m) => m !== repeat.msgId)),
      );
      await Promise.all([fresh, repeat].map((m) => svc.handle(topics.results(AGENT), JSON.stringify(m))));
      expect(devices.factsByIds).toHaveBeenCalledWith([AGENT], { hardware: true });
      expect(watch.watchStored).toHaveBeenCalledTimes(1);
      expect(watch.watchStored.mock.calls[0]![0]).toEqual([
        {
          id: `r-${fresh.msgId}`,
          deviceId: AGENT,
          modelId: 'm1',
          hardwareClassId: 'hc-1',
          settingsKey: KEY,
          settings: fresh.settings,
          mode: fresh.settings.mode,
          metrics: fresh.metrics,
          histogram: fresh.histogram ?? null,
          environment: fresh.environment,
          verdictStatus: fresh.verdict.status,
          measuredAt: new Date(fresh.ts),
          device: { hardware: hw },
        },
      ]);
    });

    it('rejects a result for a job owned by another device (the validation step), with a receipt and no insert', async () => {
      const { svc, jobs, results, logger, mqtt } = setup();
      jobs.factsByIds.mockResolvedValue([job({ deviceId: 'someone-else' })] as never);
      results.insertManyIfNew.mockResolvedValue([]);
      const msg = resultMessage('j1');
      await svc.handle(topics.results(AGENT), JSON.stringify(msg));
      expect(results.insertManyIfNew).toHaveBeenCalledWith([]);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ agentId: AGENT, jobId: 'j1', reason: 'foreign-job' }),
        'result rejected',
      );
      expect(mqtt.publish).toHaveBeenCalledWith(topics.jobs(AGENT), expect.objectContaining({ msgIds: [msg.msgId] }), {
        qos: 1,
      });
    });

    it('a repeat changes nothing, is confirmed, and finishes its job (transition and roll-up are idempotent)', async () => {
      const { svc, jobs, results, dispatcher, events, mqtt } = setup();
      results.insertManyIfNew.mockResolvedValue([]);
      // Stored already: the acceptance rules (which refuse a succeeded job) do not apply to a repeat.
      results.storedMsgIds.mockImplementation(async (ids) => new Set(ids));
      jobs.factsByIds.mockResolvedValueOnce([job({ state: 'cancelled' })] as never);
      await svc.handle(topics.results(AGENT), JSON.stringify(resultMessage('j1')));
      expect(dispatcher.onResult).not.toHaveBeenCalled();
      jobs.factsByIds.mockResolvedValueOnce([job({ state: 'succeeded' })] as never);
      await svc.handle(topics.results(AGENT), JSON.stringify(resultMessage('j1')));
      expect(dispatcher.onResult).toHaveBeenCalledWith(AGENT, 'j1');
      expect(events.emit).not.toHaveBeenCalled();
      expect(mqtt.publish).toHaveBeenCalledTimes(2);
    });

    it('refuses a new result for a job that already succeeded (measured again): not stored, counted, confirmed', async () => {
      const { svc, jobs, results, dispatcher, events, mqtt } = setup();
      jobs.factsByIds.mockResolvedValue([job({ state: 'succeeded' })] as never);
      results.insertManyIfNew.mockResolvedValue([]);
      const before = resultRejections.snapshot().byReason['job-not-active'] ?? 0;
      const msg = resultMessage('j1');
      await svc.handle(topics.results(AGENT), JSON.stringify(msg));
      expect(results.insertManyIfNew).toHaveBeenCalledWith([]);
      expect(events.emit).not.toHaveBeenCalled();
      expect(dispatcher.onResult).not.toHaveBeenCalled();
      expect(resultRejections.snapshot().byReason['job-not-active']).toBe(before + 1);
      expect(mqtt.publish).toHaveBeenCalledWith(topics.jobs(AGENT), expect.objectContaining({ msgIds: [msg.msgId] }), {
        qos: 1,
      });
    });

    it('refuses an implausible result for its own running job: not stored, job not advanced, counted', async () => {
      const { svc, jobs, results, dispatcher, logger } = setup();
      jobs.factsByIds.mockResolvedValue([job()] as never);
      results.insertManyIfNew.mockResolvedValue([]);
      const before = resultRejections.snapshot().byReason['implausible-latency'] ?? 0;
      const msg = resultMessage('j1');
      msg.metrics.latencyMs = { ...msg.metrics.latencyMs, min: 1e-6, p50: 1e-6 };
      await svc.handle(topics.results(AGENT), JSON.stringify(msg));
      expect(results.insertManyIfNew).toHaveBeenCalledWith([]);
      expect(dispatcher.onResult).not.toHaveBeenCalled();
      expect(resultRejections.snapshot().byReason['implausible-latency']).toBe(before + 1);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ agentId: AGENT, reason: 'implausible-latency', detail: expect.any(String) }),
        'result rejected',
      );
    });

    it('rejects every message of the batch (acknowledgement held) when the write fails, and sends no receipt', async () => {
      const { svc, jobs, results, mqtt } = setup();
      jobs.factsByIds.mockResolvedValue([job()] as never);
      results.insertManyIfNew.mockRejectedValueOnce(new Error('connection refused'));
      const msg = JSON.stringify(resultMessage('j1'));
      await expect(svc.handle(topics.results(AGENT), msg)).rejects.toThrow('connection refused');
      expect(mqtt.publish).not.toHaveBeenCalled();
      results.insertManyIfNew.mockResolvedValueOnce([]);
      await expect(svc.handle(topics.results(AGENT), msg)).resolves.toBeUndefined();
    });

    it('ignores results of unknown and revoked devices (no receipt: nobody to send it to)', async () => {
      const { svc, devices, results, mqtt } = setup();
      devices.factsByIds.mockResolvedValue([{ id: AGENT, name: 'a', hardwareClassId: 'h', revokedAt: new Date() }]);
      results.insertManyIfNew.mockResolvedValue([]);
      await svc.handle(topics.results(AGENT), JSON.stringify(resultMessage('j1')));
      await svc.handle(topics.results('agent-unknown'), JSON.stringify(resultMessage('j1')));
      expect(results.insertManyIfNew).toHaveBeenCalledWith([]);
      expect(mqtt.publish).not.toHaveBeenCalled();
    });
  });

  describe('events (batched)', () => {
    const event = (jobId: string, kind: string, more = {}) =>
      JSON.stringify({ v: 1, ts: new Date().toISOString(), jobId, kind, ...more });

    it('hands the events of several agents to the dispatcher as one batch, in arrival order', async () => {
      const { svc, devices, dispatcher } = setup();
      devices.factsByIds.mockResolvedValue(
        ['agent-a1', 'agent-a2'].map((id) => ({ id, name: id, hardwareClassId: 'hc-1', revokedAt: null })),
      );
      dispatcher.onJobEvents.mockResolvedValue();
      await Promise.all([
        svc.handle(topics.events('agent-a1'), event('j1', 'accepted')),
        svc.handle(topics.events('agent-a2'), event('j2', 'failed')),
        svc.handle(topics.events('agent-a1'), event('j1', 'progress', { progress: 0.5 })),
      ]);
      expect(devices.factsByIds).toHaveBeenCalledTimes(1);
      expect(dispatcher.onJobEvents).toHaveBeenCalledTimes(1);
      expect(
        dispatcher.onJobEvents.mock.calls[0][0].map((i) => [i.deviceId, i.ev.jobId, i.ev.kind, i.ev.progress]),
      ).toEqual([
        ['agent-a1', 'j1', 'accepted', undefined],
        ['agent-a2', 'j2', 'failed', undefined],
        ['agent-a1', 'j1', 'progress', 0.5],
      ]);
      expect(dispatcher.onJobEvent).not.toHaveBeenCalled();
    });

    it("keeps an agent's messages in order: its status waits for its event's batch, its next event for the status", async () => {
      const { svc, dispatcher, devices } = setup();
      const order: string[] = [];
      let release!: () => void;
      dispatcher.onJobEvents.mockImplementation(async (items) => {
        order.push(`events ${items.map((i) => i.ev.kind).join(',')}`);
        if (order.length === 1) await new Promise<void>((r) => (release = r));
      });
      devices.updateStatuses.mockImplementation(async (rows) => {
        order.push('status');
        return rows.map((r) => r.id);
      });
      dispatcher.onDeviceOffline.mockResolvedValue(undefined);
      const first = svc.handle(topics.events(AGENT), event('j1', 'progress', { progress: 0.2 }));
      const st = svc.handle(topics.status(AGENT), status(false, 3));
      const second = svc.handle(topics.events(AGENT), event('j1', 'progress', { progress: 0.3 }));
      const third = svc.handle(topics.events(AGENT), event('j1', 'failed'));
      await new Promise((r) => setTimeout(r, 30));
      expect(order).toEqual(['events progress']); // the status waits for the first batch
      release();
      await Promise.all([first, st, second, third]);
      // The events after the status wait for it, then go together in one batch (not one batch each).
      expect(order).toEqual(['events progress', 'status', 'events progress,failed']);
    });

    it("an agent's events that arrive while its earlier batch is written go together in the next one", async () => {
      const { svc, dispatcher } = setup();
      const batches: string[] = [];
      let release!: () => void;
      dispatcher.onJobEvents.mockImplementation(async (items) => {
        batches.push(items.map((i) => i.ev.progress).join(','));
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
      });
      const first = svc.handle(topics.events(AGENT), event('j1', 'progress', { progress: 0.1 }));
      await new Promise((r) => setTimeout(r, 20)); // the first batch is being written
      const rest = [0.2, 0.3, 0.4].map((p) =>
        svc.handle(topics.events(AGENT), event('j1', 'progress', { progress: p })),
      );
      await new Promise((r) => setTimeout(r, 20));
      expect(batches).toEqual(['0.1']);
      release();
      await Promise.all([first, ...rest]);
      expect(batches).toEqual(['0.1', '0.2,0.3,0.4']);
      // Then the agent has nothing in hand: its next event starts a batch of its own at once.
      await svc.handle(topics.events(AGENT), event('j1', 'progress', { progress: 0.5 }));
      expect(batches).toEqual(['0.1', '0.2,0.3,0.4', '0.5']);
    });

    it('drops events of unknown, revoked and malformed senders; a failed write rejects every event of the batch', async () => {
      const { svc, devices, dispatcher, logger } = setup();
      devices.factsByIds.mockResolvedValue([{ id: AGENT, name: 'a', hardwareClassId: 'h', revokedAt: new Date() }]);
      await svc.handle(topics.events(AGENT), event('j1', 'failed'));
      await svc.handle(topics.events('agent-unknown'), event('j1', 'failed'));
      await svc.handle(topics.events(AGENT), '{"not":"an event"}');
      expect(dispatcher.onJobEvents).not.toHaveBeenCalled();
      expect(logger.warn).toHaveBeenCalledTimes(3);

      devices.factsByIds.mockResolvedValue([{ id: AGENT, name: 'a', hardwareClassId: 'h', revokedAt: null }]);
      dispatcher.onJobEvents.mockRejectedValueOnce(new Error('connection refused'));
      const both = [event('j1', 'accepted'), event('j1', 'progress', { progress: 0.1 })].map((e) =>
        svc.handle(topics.events(AGENT), e),
      );
      for (const p of both) await expect(p).rejects.toThrow('connection refused');
    });
  });

  describe('presence repeats (every reconnect: retained replays to the hub, birth messages from the agent)', () => {
    it('a retained status replayed byte for byte after it was applied is skipped; a fresh one is applied', async () => {
      const { svc, devices, dispatcher } = setup();
      const retained = status(true, 3);
      await svc.handle(topics.status(AGENT), retained);
      await svc.handle(topics.status(AGENT), retained); // the broker replays it when the hub re-subscribes
      expect(devices.findManyByIds).toHaveBeenCalledTimes(2); // the device, then the updated row for the live event
      expect(devices.updateStatuses).toHaveBeenCalledTimes(1);
      expect(dispatcher.onDeviceOnline).toHaveBeenCalledTimes(1);
      await new Promise((r) => setTimeout(r, 2)); // a new birth message has a new ts
      await svc.handle(topics.status(AGENT), status(true, 3));
      expect(devices.updateStatuses).toHaveBeenCalledTimes(2);
      expect(dispatcher.onDeviceOnline).toHaveBeenCalledTimes(2);
    });

    it('a status whose handling failed is applied again when it is redelivered', async () => {
      const { svc, devices } = setup();
      const retained = status(true, 3);
      devices.updateStatuses.mockRejectedValueOnce(new Error('database down'));
      await expect(svc.handle(topics.status(AGENT), retained)).rejects.toThrow('database down');
      await svc.handle(topics.status(AGENT), retained);
      expect(devices.updateStatuses).toHaveBeenCalledTimes(2);
    });

    it('hardware described as stored writes nothing; changed hardware is written', async () => {
      const { svc, devices, events } = setup();
      const stored = { hardware: hardware(), software };
      devices.findManyByIds.mockResolvedValue([deviceRow(JSON.parse(JSON.stringify(stored)))]);
      const msg = (hw: ReturnType<typeof hardware>) =>
        JSON.stringify({ v: 1, ts: new Date().toISOString(), hardware: hw, software });
      await svc.handle(topics.hardware(AGENT), msg(hardware()));
      expect(devices.update).not.toHaveBeenCalled();
      expect(events.emit).not.toHaveBeenCalled();
      await svc.handle(topics.hardware(AGENT), msg(hardware({ maxFrequencyMHz: 3100 })));
      expect(devices.update).toHaveBeenCalledWith(
        AGENT,
        expect.objectContaining({ hardware: hardware({ maxFrequencyMHz: 3100 }) }),
      );
    });
  });
});
