import { CreateCampaignRequestSchema } from '@fleetbench/protocol';
import type { CampaignRepository } from '../repositories/campaign.repository';
import type { DeviceRepository } from '../repositories/device.repository';
import type { EventRepository } from '../repositories/event.repository';
import type { JobRepository } from '../repositories/job.repository';
import type { ModelRepository } from '../repositories/model.repository';
import { mockLogger, mockOf } from '../test-support/mocks';
import { CampaignService, expandJobs } from './campaign.service';
import type { DispatcherService } from './dispatcher.service';

const request = (over = {}) =>
  CreateCampaignRequestSchema.parse({
    name: 'c',
    modelIds: ['m1', 'm2'],
    devices: { all: true },
    settings: [{}, { batchSize: 4 }],
    ...over,
  });

describe('expandJobs', () => {
  it('expands models × devices × settings with defaults filled in', () => {
    const jobs = expandJobs(['m1', 'm2'], ['d1', 'd2', 'd3'], request());
    expect(jobs).toHaveLength(12);
    expect(new Set(jobs.map((j) => j.settingsKey))).toEqual(
      new Set(['latency/bs1/t0x0/cpu/onnxruntime-node/opt-all', 'latency/bs4/t0x0/cpu/onnxruntime-node/opt-all']),
    );
    expect(jobs[0]).toMatchObject({ timeoutMs: 15 * 60_000, maxAttempts: 3 });
  });

  it('drops duplicate settings', () => {
    expect(expandJobs(['m1'], ['d1'], request({ settings: [{}, {}] }))).toHaveLength(1);
  });
});

describe('CampaignService.create', () => {
  function setup() {
    const campaigns = mockOf<CampaignRepository>();
    const jobs = mockOf<JobRepository>();
    const models = mockOf<ModelRepository>();
    const devices = mockOf<DeviceRepository>();
    const dispatcher = mockOf<DispatcherService>();
    const events = mockOf<EventRepository>();
    const svc = new CampaignService(campaigns, jobs, models, devices, dispatcher, events, mockLogger());
    return { svc, campaigns, models, devices, dispatcher };
  }

  it('400s on unknown model ids, naming them', async () => {
    const { svc, models, campaigns } = setup();
    models.findByIds.mockResolvedValue([{ id: 'm1' }] as never);
    await expect(svc.create(request())).rejects.toMatchObject({
      code: 'unknown-model',
      status: 400,
      details: { modelIds: ['m2'] },
    });
    expect(campaigns.createWithJobs).not.toHaveBeenCalled();
  });

  it('400s on a sustained run longer than the job time limit allows', async () => {
    const { svc, campaigns } = setup();
    const req = request({ timeoutMs: 600_000, settings: [{ sustainedMs: 600_000 }] });
    await expect(svc.create(req)).rejects.toMatchObject({
      code: 'validation-failed',
      status: 400,
      message: expect.stringMatching(/sustained run of 600 s .* time limit of 600 s/),
    });
    expect(campaigns.createWithJobs).not.toHaveBeenCalled();
  });

  it('400s when the selector matches no device', async () => {
    const { svc, models, devices, campaigns } = setup();
    models.findByIds.mockResolvedValue([{ id: 'm1' }, { id: 'm2' }] as never);
    devices.select.mockResolvedValue([]);
    await expect(svc.create(request())).rejects.toMatchObject({ code: 'no-matching-devices', status: 400 });
    expect(campaigns.createWithJobs).not.toHaveBeenCalled();
  });

  it('creates jobs and dispatches to the online devices only', async () => {
    const { svc, models, devices, campaigns, dispatcher } = setup();
    models.findByIds.mockResolvedValue([{ id: 'm1' }, { id: 'm2' }] as never);
    devices.select.mockResolvedValue([
      { id: 'd1', online: true },
      { id: 'd2', online: false },
    ]);
    campaigns.createWithJobs.mockResolvedValue({
      id: 'c1',
      name: 'c',
      state: 'running',
      createdAt: new Date(),
    } as never);
    campaigns.findById.mockResolvedValue({ id: 'c1', name: 'c', state: 'running', createdAt: new Date() } as never);
    campaigns.jobCounts.mockResolvedValue(new Map([['c1', { queued: 8 }]]));
    (svc as unknown as { jobs: { findByCampaign: jest.Mock } }).jobs.findByCampaign.mockResolvedValue([]);
    const c = await svc.create(request());
    expect(campaigns.createWithJobs.mock.calls[0][1]).toHaveLength(8);
    expect(dispatcher.dispatchAll).toHaveBeenCalledWith(['d1']);
    expect(c.jobCounts.queued).toBe(8);
  });
});
