import { topics } from '@fleetbench/protocol';
import type { DeviceRepository, DeviceRow } from '../repositories/device.repository';
import type { EventRepository } from '../repositories/event.repository';
import type { HardwareClassRepository } from '../repositories/hardware-class.repository';
import type { JobRepository } from '../repositories/job.repository';
import type { MqttRepository } from '../repositories/mqtt.repository';
import type { ResultRepository } from '../repositories/result.repository';
import { resultMessage } from '../test-support/fixtures';
import { fixedClock, mockLogger, mockOf } from '../test-support/mocks';
import type { DispatcherService } from './dispatcher.service';
import { IngestService } from './ingest.service';

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

function setup() {
  const devices = mockOf<DeviceRepository>('findById', 'update', 'updateStatus');
  const classes = mockOf<HardwareClassRepository>('ensure');
  const jobs = mockOf<JobRepository>('findById');
  const results = mockOf<ResultRepository>('insertIfNew');
  const dispatcher = mockOf<DispatcherService>('onJobEvent', 'onDeviceOnline', 'onDeviceOffline', 'onResult');
  const events = mockOf<EventRepository>('emit');
  const logger = mockLogger();
  devices.findById.mockResolvedValue(deviceRow());
  devices.update.mockImplementation(async (_id, data) => deviceRow(data as never));
  devices.updateStatus.mockImplementation(async (_id, _seen, data) => deviceRow(data as never));
  const mqtt = mockOf<MqttRepository>('publish');
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
  );
  return { svc, devices, jobs, results, dispatcher, events, logger, mqtt };
}

const status = (online: boolean, session: number) =>
  JSON.stringify({ v: 1, online, session, ts: new Date().toISOString() });

describe('IngestService', () => {
  it('logs a malformed payload with the agent id and reason, and changes nothing', async () => {
    const { svc, devices, logger } = setup();
    await svc.handle(topics.status(AGENT), '{"v":1,"online":"yes"}');
    await svc.handle(topics.results(AGENT), 'not json');
    expect(devices.findById).not.toHaveBeenCalled();
    expect(devices.update).not.toHaveBeenCalled();
    expect(devices.updateStatus).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT, reason: expect.stringContaining('online') }),
      'malformed payload ignored',
    );
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT, reason: expect.stringContaining('not valid JSON') }),
      'malformed payload ignored',
    );
  });

  it('ignores messages from unknown devices', async () => {
    const { svc, devices, logger } = setup();
    devices.findById.mockResolvedValue(null);
    await svc.handle(topics.status(AGENT), status(true, 1));
    expect(devices.updateStatus).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT }),
      'message from an unknown device ignored',
    );
  });

  it('ignores a stale offline will from an older session', async () => {
    const { svc, devices, dispatcher } = setup();
    await svc.handle(topics.status(AGENT), status(false, 2));
    expect(devices.updateStatus).not.toHaveBeenCalled();
    expect(dispatcher.onDeviceOffline).not.toHaveBeenCalled();
  });

  it('marks a device offline on its own will and re-queues via the dispatcher', async () => {
    const { svc, devices, dispatcher } = setup();
    await svc.handle(topics.status(AGENT), status(false, 3));
    expect(devices.updateStatus).toHaveBeenCalledWith(
      AGENT,
      { online: true, session: 3 },
      expect.objectContaining({ online: false, session: 3 }),
    );
    expect(dispatcher.onDeviceOffline).toHaveBeenCalledWith(AGENT);
  });

  it("re-queues a restarted agent's jobs once: a replica that lost the status update only dispatches", async () => {
    const { svc, devices, dispatcher } = setup();
    // This replica read session 3; another replica applied the restart (session 4) before it.
    devices.updateStatus.mockResolvedValueOnce(null);
    devices.findById.mockResolvedValueOnce(deviceRow()).mockResolvedValueOnce(deviceRow({ session: 4 }));
    await svc.handle(topics.status(AGENT), status(true, 4));
    expect(devices.updateStatus).toHaveBeenLastCalledWith(
      AGENT,
      { online: true, session: 4 },
      expect.objectContaining({ online: true, session: 4 }),
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

  it('rejects a result for a job owned by another device', async () => {
    const { svc, jobs, results, logger } = setup();
    jobs.findById.mockResolvedValue({ id: 'j1', deviceId: 'someone-else' } as never);
    await svc.handle(topics.results(AGENT), JSON.stringify(resultMessage('j1')));
    expect(results.insertIfNew).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ agentId: AGENT, owner: 'someone-else' }),
      'result for a job of another device rejected',
    );
  });

  it('stores a result once: a duplicate msgId changes nothing', async () => {
    const { svc, jobs, results, dispatcher, events } = setup();
    const job = { id: 'j1', deviceId: AGENT, modelId: 'm1', settingsKey: 'latency/bs1/t0x0/cpu' };
    jobs.findById
      .mockResolvedValueOnce({ ...job, state: 'running' } as never)
      .mockResolvedValueOnce({ ...job, state: 'succeeded' } as never);
    const row = {
      id: 'r1',
      device: { name: 'a' },
      model: { name: 'm' },
      verdictStatus: 'valid',
      verdictReasons: [],
      createdAt: new Date(),
    };
    results.insertIfNew
      .mockResolvedValueOnce({ created: true, result: row as never })
      .mockResolvedValueOnce({ created: false, result: row as never });
    const msg = JSON.stringify(resultMessage('j1', { p50: 3 }));
    await svc.handle(topics.results(AGENT), msg);
    await svc.handle(topics.results(AGENT), msg);
    expect(results.insertIfNew).toHaveBeenCalledWith(
      expect.objectContaining({ jobId: 'j1', p50Ms: 3, hardwareClassId: 'hc-1', settingsKey: 'latency/bs1/t0x0/cpu' }),
    );
    expect(dispatcher.onResult).toHaveBeenCalledTimes(1);
    expect(events.emit).toHaveBeenCalledTimes(1);
  });

  it('rejects (so the acknowledgement is held) when the database write fails, and the next message still runs', async () => {
    const { svc, jobs, results } = setup();
    jobs.findById.mockResolvedValue({
      id: 'j1',
      deviceId: AGENT,
      modelId: 'm1',
      settingsKey: 'k',
      state: 'running',
    } as never);
    results.insertIfNew.mockRejectedValueOnce(new Error('connection refused'));
    const msg = JSON.stringify(resultMessage('j1'));
    await expect(svc.handle(topics.results(AGENT), msg)).rejects.toThrow('connection refused');
    results.insertIfNew.mockResolvedValueOnce({ created: false, result: {} as never });
    await expect(svc.handle(topics.results(AGENT), msg)).resolves.toBeUndefined();
  });

  it('completes the job on a redelivered result whose first handling stopped after the insert', async () => {
    const { svc, jobs, results, dispatcher } = setup();
    jobs.findById.mockResolvedValue({
      id: 'j1',
      deviceId: AGENT,
      modelId: 'm1',
      settingsKey: 'k',
      state: 'assigned',
    } as never);
    results.insertIfNew.mockResolvedValue({ created: false, result: {} as never });
    await svc.handle(topics.results(AGENT), JSON.stringify(resultMessage('j1')));
    expect(dispatcher.onResult).toHaveBeenCalledWith(AGENT, 'j1');
  });

  it('sends the agent a receipt once a result is stored, and again for a repeat, never before the write', async () => {
    const { svc, jobs, results, mqtt } = setup();
    jobs.findById.mockResolvedValue({
      id: 'j1',
      deviceId: AGENT,
      modelId: 'm1',
      settingsKey: 'k',
      state: 'running',
    } as never);
    const msg = resultMessage('j1');
    results.insertIfNew.mockRejectedValueOnce(new Error('db down'));
    await expect(svc.handle(topics.results(AGENT), JSON.stringify(msg))).rejects.toThrow();
    expect(mqtt.publish).not.toHaveBeenCalled();
    results.insertIfNew.mockResolvedValue({ created: false, result: {} as never });
    await svc.handle(topics.results(AGENT), JSON.stringify(msg));
    expect(mqtt.publish).toHaveBeenCalledWith(
      topics.jobs(AGENT),
      expect.objectContaining({ kind: 'receipt', msgIds: [msg.msgId] }),
      { qos: 1 },
    );
  });
});
