import { topics } from '@fleetbench/protocol';
import type { CampaignRepository } from '../repositories/campaign.repository';
import type { DeviceRepository } from '../repositories/device.repository';
import type { EventRepository } from '../repositories/event.repository';
import type { JobRepository, JobRow } from '../repositories/job.repository';
import type { MqttRepository } from '../repositories/mqtt.repository';
import { fixedClock, mockLogger, mockOf } from '../test-support/mocks';
import { DispatcherService, rolledUpState, SWEEP_CLAIM_MS } from './dispatcher.service';

const job = (over: Partial<JobRow> = {}): JobRow =>
  ({
    id: 'j1',
    campaignId: 'c1',
    deviceId: 'dev-1',
    modelId: 'm1',
    settings: {},
    settingsKey: 'k',
    state: 'queued',
    attempts: 0,
    maxAttempts: 3,
    timeoutMs: 1000,
    leaseExpiresAt: null,
    progress: null,
    error: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    model: { name: 'mnist', sha256: 'a'.repeat(64), sizeBytes: BigInt(10) },
    ...over,
  }) as JobRow;

const device = (over = {}) =>
  ({
    id: 'dev-1',
    online: true,
    currentJobId: null,
    hardwareClass: { name: 'x' },
    enrolledAt: new Date(),
    ...over,
  }) as never;

function setup() {
  const jobs = mockOf<JobRepository>();
  const devices = mockOf<DeviceRepository>();
  const campaigns = mockOf<CampaignRepository>();
  const mqtt = mockOf<MqttRepository>();
  const events = mockOf<EventRepository>();
  devices.findById.mockResolvedValue(device());
  devices.update.mockResolvedValue(device());
  jobs.findActiveForDevice.mockResolvedValue([]);
  campaigns.findById.mockResolvedValue({ id: 'c1', state: 'running', name: 'c', createdAt: new Date() } as never);
  campaigns.jobCounts.mockResolvedValue(new Map());
  campaigns.setState.mockImplementation(
    async (id, state) => ({ id, state, name: 'c', createdAt: new Date() }) as never,
  );
  campaigns.rollUp.mockImplementation(async (id, decide) => ({
    campaign: { id, state: decide('running', {}), name: 'c', createdAt: new Date() } as never,
    counts: {},
  }));
  mqtt.publish.mockResolvedValue();
  const svc = new DispatcherService(
    jobs,
    devices,
    campaigns,
    mqtt,
    events,
    fixedClock() as never,
    { leaseGraceMs: 500 },
    mockLogger(),
  );
  return { svc, jobs, devices, campaigns, mqtt, events };
}

describe('DispatcherService', () => {
  it('assigns the next queued job to an idle online device and publishes it with QoS 1', async () => {
    const { svc, jobs, mqtt } = setup();
    jobs.findNextQueued.mockResolvedValue(job());
    jobs.transition.mockResolvedValue(job({ state: 'assigned', attempts: 1 }));
    await svc.dispatch('dev-1');
    expect(jobs.transition).toHaveBeenCalledWith(
      'j1',
      ['queued'],
      expect.objectContaining({ state: 'assigned', attempts: 1, leaseExpiresAt: new Date('2026-01-01T00:00:01.500Z') }),
    );
    expect(mqtt.publish).toHaveBeenCalledWith(
      topics.jobs('dev-1'),
      expect.objectContaining({
        kind: 'assign',
        jobId: 'j1',
        attempt: 1,
        model: expect.objectContaining({ downloadPath: `/api/v1/artifacts/${'a'.repeat(64)}` }),
      }),
      { qos: 1 },
    );
  });

  it('does nothing for a device that already runs a job (one job per device)', async () => {
    const { svc, jobs, mqtt } = setup();
    jobs.findActiveForDevice.mockResolvedValue([job({ state: 'running' })]);
    await svc.dispatch('dev-1');
    expect(jobs.findNextQueued).not.toHaveBeenCalled();
    expect(mqtt.publish).not.toHaveBeenCalled();
  });

  it('does nothing for an offline device', async () => {
    const { svc, devices, jobs } = setup();
    devices.findById.mockResolvedValue(device({ online: false }));
    await svc.dispatch('dev-1');
    expect(jobs.findNextQueued).not.toHaveBeenCalled();
  });

  it('puts the job back when the assignment cannot be published', async () => {
    const { svc, jobs, mqtt } = setup();
    jobs.findNextQueued.mockResolvedValue(job());
    jobs.transition.mockResolvedValueOnce(job({ state: 'assigned', attempts: 1 })).mockResolvedValueOnce(job());
    mqtt.publish.mockRejectedValue(new Error('offline'));
    await svc.dispatch('dev-1');
    expect(jobs.transition).toHaveBeenLastCalledWith('j1', ['assigned'], {
      state: 'queued',
      attempts: 0,
      leaseExpiresAt: null,
    });
  });

  it('re-queues the active job of a device that went offline, or fails it when attempts are used up', async () => {
    const { svc, jobs } = setup();
    jobs.findActiveForDevice.mockResolvedValue([
      job({ id: 'a', state: 'running', attempts: 1 }),
      job({ id: 'b', state: 'assigned', attempts: 3 }),
    ]);
    jobs.transition.mockImplementation(async (id, _from, data) => job({ id, state: data.state as never }));
    await svc.onDeviceOffline('dev-1');
    expect(jobs.transition).toHaveBeenCalledWith(
      'a',
      ['assigned', 'running'],
      expect.objectContaining({ state: 'queued' }),
    );
    expect(jobs.transition).toHaveBeenCalledWith(
      'b',
      ['assigned', 'running'],
      expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: 'device-offline' }) }),
    );
  });

  it('one event at a time: a retryable failure re-queues the job while attempts are left, else fails it', async () => {
    const { svc, jobs } = setup();
    jobs.transition.mockImplementation(async (id, _from, data) => job({ id, state: data.state as never }));
    jobs.findNextQueued.mockResolvedValue(null);
    const failed = (jobId: string) => ({
      v: 1 as const,
      ts: new Date().toISOString(),
      jobId,
      kind: 'failed' as const,
      error: { code: 'outbox-failed', message: 'disk full' },
    });
    jobs.findById.mockResolvedValueOnce(job({ id: 'a', deviceId: 'dev-1', state: 'running', attempts: 1 }));
    await svc.onJobEvent('dev-1', failed('a'));
    expect(jobs.transition).toHaveBeenLastCalledWith(
      'a',
      ['assigned', 'running'],
      expect.objectContaining({ state: 'queued' }),
    );
    jobs.findById.mockResolvedValueOnce(job({ id: 'b', deviceId: 'dev-1', state: 'running', attempts: 3 }));
    await svc.onJobEvent('dev-1', failed('b'));
    expect(jobs.transition).toHaveBeenLastCalledWith(
      'b',
      expect.anything(),
      expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: 'outbox-failed' }) }),
    );
  });

  it('resumes the job the agent reports as current when it comes back, instead of assigning another', async () => {
    const { svc, jobs, mqtt } = setup();
    jobs.findById.mockResolvedValue(job({ state: 'queued', attempts: 1 }));
    jobs.transition.mockResolvedValue(job({ state: 'running', attempts: 1 }));
    jobs.findActiveForDevice.mockResolvedValueOnce([job({ state: 'running' })]);
    await svc.onDeviceOnline('dev-1', 'j1');
    expect(jobs.transition).toHaveBeenCalledWith('j1', ['queued'], expect.objectContaining({ state: 'running' }));
    expect(mqtt.publish).not.toHaveBeenCalled();
  });

  it('re-sends the assignment of an active job the agent does not name in its status (same attempt), at once', async () => {
    const { svc, jobs, mqtt } = setup();
    jobs.findActiveForDevice.mockResolvedValue([
      job({ id: 'j7', state: 'assigned', attempts: 2, updatedAt: new Date('2025-12-31T23:59:00Z') }),
    ]);
    await svc.onDeviceOnline('dev-1', null);
    expect(mqtt.publish).toHaveBeenCalledWith(
      topics.jobs('dev-1'),
      expect.objectContaining({ kind: 'assign', jobId: 'j7', attempt: 2 }),
      { qos: 1 },
    );
    mqtt.publish.mockClear();
    await svc.onDeviceOnline('dev-1', 'j7'); // the agent runs it: nothing to send
    expect(mqtt.publish).not.toHaveBeenCalled();
    // Just assigned: the status most likely predates the assignment's arrival; not sent twice.
    jobs.findActiveForDevice.mockResolvedValue([
      job({ id: 'j8', state: 'assigned', attempts: 1, updatedAt: new Date('2026-01-01T00:00:00Z') }),
    ]);
    await svc.onDeviceOnline('dev-1', null);
    expect(mqtt.publish).not.toHaveBeenCalled();
  });

  it('passes a database failure of an ingest-triggered task back to the caller (its acknowledgement is held)', async () => {
    const { svc, jobs } = setup();
    jobs.transition.mockRejectedValueOnce(new Error('db down'));
    await expect(svc.onResult('dev-1', 'j1')).rejects.toThrow('db down');
    jobs.transition.mockResolvedValueOnce(null);
    await expect(svc.onResult('dev-1', 'j1')).resolves.toBeUndefined();
  });

  it('rolls the campaign up again for a result of a job already completed (a retried handling that stopped midway)', async () => {
    const { svc, jobs, campaigns } = setup();
    jobs.transition.mockResolvedValueOnce(null);
    jobs.findById.mockResolvedValueOnce(job({ state: 'succeeded', campaignId: 'c9' }));
    await svc.onResult('dev-1', 'j1');
    expect(campaigns.rollUp).toHaveBeenCalledWith('c9', expect.any(Function));
  });

  it('ignores events for a job of another device', async () => {
    const { svc, jobs } = setup();
    jobs.findById.mockResolvedValue(job({ deviceId: 'other' }));
    await svc.onJobEvent('dev-1', { v: 1, ts: new Date().toISOString(), jobId: 'j1', kind: 'failed' });
    expect(jobs.transition).not.toHaveBeenCalled();
  });

  it('expires leases: claims the expired lease, cancels on the agent, re-queues, and fails after maxAttempts', async () => {
    const { svc, jobs, mqtt } = setup();
    const lease = new Date('2025-12-31T23:59:00.000Z');
    const expired = job({ id: 'x', state: 'running', attempts: 3, maxAttempts: 3, leaseExpiresAt: lease });
    jobs.findExpiredLeases.mockResolvedValue([expired]);
    jobs.transition
      .mockResolvedValueOnce({
        ...expired,
        leaseExpiresAt: new Date(Date.parse('2026-01-01T00:00:00Z') + SWEEP_CLAIM_MS),
      })
      .mockResolvedValue(job({ id: 'x', state: 'failed' }));
    jobs.findNextQueued.mockResolvedValue(null);
    expect(await svc.sweepLeases()).toBe(1);
    // The claim: a compare-and-set on the very lease found expired (another replica may have swept it already).
    expect(jobs.transition).toHaveBeenNthCalledWith(
      1,
      'x',
      ['assigned', 'running'],
      { leaseExpiresAt: new Date(Date.parse('2026-01-01T00:00:00Z') + SWEEP_CLAIM_MS) },
      { leaseExpiresAt: lease },
    );
    expect(mqtt.publish).toHaveBeenCalledWith(
      topics.jobs('dev-1'),
      expect.objectContaining({ kind: 'cancel', jobId: 'x' }),
      { qos: 1 },
    );
    expect(jobs.transition).toHaveBeenCalledWith(
      'x',
      ['assigned', 'running'],
      expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: 'timeout' }) }),
    );
  });

  it('leaves an expired lease alone when another replica claimed it first (no cancel, no re-queue)', async () => {
    const { svc, jobs, mqtt } = setup();
    jobs.findExpiredLeases.mockResolvedValue([job({ id: 'x', state: 'running', leaseExpiresAt: new Date(0) })]);
    jobs.transition.mockResolvedValue(null);
    expect(await svc.sweepLeases()).toBe(0);
    expect(jobs.transition).toHaveBeenCalledTimes(1);
    expect(mqtt.publish).not.toHaveBeenCalled();
  });

  it.each([
    ['running', { queued: 1, succeeded: 1 }, 'running'],
    ['completed', { queued: 1, succeeded: 1 }, 'running'],
    ['running', { succeeded: 2, failed: 1 }, 'completed'],
    ['running', { failed: 2 }, 'failed'],
    ['running', {}, 'completed'],
    ['cancelled', { queued: 1 }, 'cancelled'],
  ] as const)('rolls campaign state up: %s with job counts %j → %s', (from, counts, expected) => {
    expect(rolledUpState(from, counts)).toBe(expected);
  });

  it('rolls up under the campaign lock and publishes the result', async () => {
    const { svc, campaigns, events } = setup();
    campaigns.rollUp.mockResolvedValue({
      campaign: { id: 'c1', state: 'completed', name: 'c', createdAt: new Date(), request: {} } as never,
      counts: { succeeded: 2 },
    });
    await svc.rollup('c1');
    expect(campaigns.rollUp).toHaveBeenCalledWith('c1', rolledUpState);
    expect(events.emit).toHaveBeenCalledWith(
      'campaign.updated',
      expect.objectContaining({ id: 'c1', state: 'completed' }),
    );
  });

  describe('a batch of agent events', () => {
    const ts = new Date().toISOString();
    const ev = (jobId: string, kind: 'accepted' | 'progress' | 'failed' | 'cancelled', more = {}) => ({
      v: 1 as const,
      ts,
      jobId,
      kind,
      ...more,
    });
    const facts = (id: string, deviceId: string, state: JobRow['state'] = 'assigned', campaignId = 'c1') => ({
      id,
      deviceId,
      campaignId,
      state,
      timeoutMs: 1000,
      attempts: 1,
      maxAttempts: 3,
    });

    it('folds the events of each job into one transition, written in one statement, in arrival order', async () => {
      const { svc, jobs, events, campaigns } = setup();
      jobs.eventFactsByIds.mockResolvedValue([
        facts('j1', 'dev-1'),
        facts('j2', 'dev-2', 'running', 'c2'),
        facts('j3', 'dev-3', 'running'),
        facts('j4', 'dev-4'),
      ]);
      jobs.applyEventTransitions.mockImplementation(async (rows) => rows.map((r) => r.id));
      jobs.findManyByIds.mockImplementation(async (ids) => ids.map((id) => job({ id, state: 'running' })));
      jobs.findNextQueued.mockResolvedValue(null);
      await svc.onJobEvents([
        { deviceId: 'dev-1', ev: ev('j1', 'accepted') },
        { deviceId: 'dev-2', ev: ev('j2', 'progress', { progress: 0.4 }) },
        { deviceId: 'dev-1', ev: ev('j1', 'progress', { progress: 0.5 }) },
        { deviceId: 'dev-2', ev: ev('j2', 'failed', { error: { code: 'oom', message: 'out of memory' } }) },
        { deviceId: 'dev-2', ev: ev('j2', 'progress', { progress: 0.9 }) }, // after the failure: changes nothing
        { deviceId: 'dev-3', ev: ev('j3', 'cancelled') },
        { deviceId: 'dev-9', ev: ev('j4', 'failed') }, // not its job: ignored
        { deviceId: 'dev-1', ev: ev('nope', 'progress') }, // no such job: ignored
      ]);
      expect(jobs.eventFactsByIds).toHaveBeenCalledTimes(1);
      expect(jobs.applyEventTransitions).toHaveBeenCalledTimes(1);
      expect(jobs.applyEventTransitions).toHaveBeenCalledWith(
        [
          { id: 'j1', state: 'running', progress: 0.5, leaseExpiresAt: new Date('2026-01-01T00:00:01.500Z') },
          {
            id: 'j2',
            state: 'failed',
            progress: 0.4,
            leaseExpiresAt: null,
            error: { code: 'oom', message: 'out of memory' },
          },
          { id: 'j3', state: 'cancelled', leaseExpiresAt: null },
        ],
        new Date('2026-01-01T00:00:00.000Z'),
      );
      expect(jobs.transition).not.toHaveBeenCalled();
      expect(events.emit).toHaveBeenCalledWith('job.updated', expect.objectContaining({ id: 'j1' }));
      // The ended jobs' campaigns are rolled up once each, and their devices get their next job.
      expect(campaigns.rollUp.mock.calls.map((c) => c[0]).sort()).toEqual(['c1', 'c2']);
      expect(jobs.findNextQueued.mock.calls.map((c) => c[0]).sort()).toEqual(['dev-2', 'dev-3']);
    });

    it('re-queues a job whose agent failed on the way to the measurement while attempts are left', async () => {
      const { svc, jobs, campaigns } = setup();
      const dl = { code: 'download-failed', message: 'The hub answered HTTP 503.' };
      jobs.eventFactsByIds.mockResolvedValue([
        facts('j1', 'dev-1'),
        { ...facts('j2', 'dev-2', 'running', 'c2'), attempts: 3 }, // out of attempts: fails
        facts('j3', 'dev-3'),
      ]);
      jobs.applyEventTransitions.mockImplementation(async (rows) => rows.map((r) => r.id));
      jobs.findManyByIds.mockResolvedValue([]);
      jobs.findNextQueued.mockResolvedValue(null);
      await svc.onJobEvents([
        { deviceId: 'dev-1', ev: ev('j1', 'failed', { error: dl }) },
        { deviceId: 'dev-2', ev: ev('j2', 'failed', { error: dl }) },
        { deviceId: 'dev-3', ev: ev('j3', 'failed', { error: { code: 'output-mismatch', message: 'm' } }) },
      ]);
      const [rows] = jobs.applyEventTransitions.mock.calls[0];
      expect(rows.map((r) => [r.id, r.state])).toEqual([
        ['j1', 'queued'],
        ['j2', 'failed'],
        ['j3', 'failed'], // a failure of the measurement itself is final
      ]);
      expect(rows[0]).toMatchObject({ leaseExpiresAt: null, progress: null, error: dl });
      // The device whose job went back to the queue gets its next job at once.
      expect(jobs.findNextQueued.mock.calls.map((c) => c[0])).toContain('dev-1');
      expect(campaigns.rollUp).toHaveBeenCalled();
    });

    it('an accepted event with no progress resets it to 0; a failure without details gets a generic error', async () => {
      const { svc, jobs } = setup();
      jobs.eventFactsByIds.mockResolvedValue([facts('j1', 'dev-1'), facts('j2', 'dev-2')]);
      jobs.applyEventTransitions.mockResolvedValue([]);
      jobs.findManyByIds.mockResolvedValue([]);
      await svc.onJobEvents([
        { deviceId: 'dev-1', ev: ev('j1', 'accepted') },
        { deviceId: 'dev-2', ev: ev('j2', 'failed') },
      ]);
      const [rows] = jobs.applyEventTransitions.mock.calls[0];
      expect(rows[0]).toMatchObject({ id: 'j1', state: 'running', progress: 0 });
      expect(rows[1]).toMatchObject({ id: 'j2', state: 'failed', error: { code: 'agent-failed' } });
    });

    it('a retried failure of a job that already failed still rolls up and dispatches (they are idempotent)', async () => {
      const { svc, jobs, campaigns } = setup();
      jobs.eventFactsByIds.mockResolvedValue([facts('j1', 'dev-1', 'failed', 'c7')]);
      jobs.applyEventTransitions.mockResolvedValue([]);
      jobs.findManyByIds.mockResolvedValue([]);
      jobs.findNextQueued.mockResolvedValue(null);
      await svc.onJobEvents([{ deviceId: 'dev-1', ev: ev('j1', 'failed') }]);
      expect(campaigns.rollUp).toHaveBeenCalledWith('c7', expect.any(Function));
      expect(jobs.findNextQueued).toHaveBeenCalledWith('dev-1');
    });

    it('handles the events one at a time when the database refuses the batch (one active job per device)', async () => {
      const { svc, jobs } = setup();
      jobs.eventFactsByIds.mockResolvedValue([facts('j1', 'dev-1'), facts('j2', 'dev-2')]);
      jobs.applyEventTransitions.mockRejectedValue(Object.assign(new Error('unique'), { code: 'P2002' }));
      jobs.findById.mockImplementation(async (id) => job({ id, deviceId: id === 'j1' ? 'dev-1' : 'dev-2' }));
      jobs.transition.mockResolvedValue(null);
      await svc.onJobEvents([
        { deviceId: 'dev-1', ev: ev('j1', 'accepted') },
        { deviceId: 'dev-2', ev: ev('j2', 'progress', { progress: 0.3 }) },
      ]);
      expect(jobs.transition.mock.calls.map((c) => [c[0], c[2].state])).toEqual([
        ['j1', 'running'],
        ['j2', 'running'],
      ]);
    });

    it('rejects when the write fails for another reason (the acknowledgements stay held)', async () => {
      const { svc, jobs } = setup();
      jobs.eventFactsByIds.mockResolvedValue([facts('j1', 'dev-1')]);
      jobs.applyEventTransitions.mockRejectedValue(new Error('connection lost'));
      await expect(svc.onJobEvents([{ deviceId: 'dev-1', ev: ev('j1', 'accepted') }])).rejects.toThrow(
        'connection lost',
      );
      expect(jobs.transition).not.toHaveBeenCalled();
    });
  });
});
