import { Inject, Injectable } from '@nestjs/common';
import { settingsKey, type Campaign, type CreateCampaignRequest, type Job, type JobState } from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { CampaignRepository } from '../repositories/campaign.repository';
import { DeviceRepository } from '../repositories/device.repository';
import { EventRepository } from '../repositories/event.repository';
import { JobRepository } from '../repositories/job.repository';
import { ModelRepository } from '../repositories/model.repository';
import { LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { toCampaignDto, toJobDto } from '../utils/mappers';
import { DispatcherService } from './dispatcher.service';

/** Expands models × selected devices × settings into jobs. */
export function expandJobs(
  modelIds: string[],
  deviceIds: string[],
  req: Pick<CreateCampaignRequest, 'settings' | 'timeoutMs' | 'maxAttempts'>,
): { deviceId: string; modelId: string; settings: CreateCampaignRequest['settings'][number]; settingsKey: string; timeoutMs: number; maxAttempts: number }[] {
  const keyed = new Map(req.settings.map((s) => [settingsKey(s) + JSON.stringify(s), s]));
  const out = [];
  for (const deviceId of deviceIds)
    for (const modelId of modelIds)
      for (const settings of keyed.values())
        out.push({ deviceId, modelId, settings, settingsKey: settingsKey(settings), timeoutMs: req.timeoutMs, maxAttempts: req.maxAttempts });
  return out;
}

@Injectable()
export class CampaignService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly jobs: JobRepository,
    private readonly models: ModelRepository,
    private readonly devices: DeviceRepository,
    private readonly dispatcher: DispatcherService,
    private readonly events: EventRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async create(req: CreateCampaignRequest): Promise<Campaign> {
    const modelIds = [...new Set(req.modelIds)];
    const found = new Set((await this.models.findByIds(modelIds)).map((m) => m.id));
    const unknown = modelIds.filter((id) => !found.has(id));
    if (unknown.length) {
      throw new AppError('unknown-model', `Unknown model id(s): ${unknown.join(', ')}. Register the models first (POST /api/v1/models).`, { modelIds: unknown });
    }
    const devices = await this.devices.select(req.devices);
    if (!devices.length) {
      throw new AppError('no-matching-devices', 'The device selector matches no enrolled device; check ids, tags and hardware class ids (GET /api/v1/devices).');
    }
    const jobs = expandJobs(modelIds, devices.map((d) => d.id), req);
    const campaign = await this.campaigns.createWithJobs({ name: req.name, request: req }, jobs);
    this.logger.info({ campaignId: campaign.id, jobs: jobs.length, devices: devices.length }, 'campaign created');
    const counts = (await this.campaigns.jobCounts([campaign.id])).get(campaign.id) ?? {};
    this.events.emit('campaign.created', toCampaignDto(campaign, counts));
    await this.dispatcher.dispatchAll(devices.filter((d) => d.online).map((d) => d.id));
    return this.get(campaign.id);
  }

  async list(): Promise<Campaign[]> {
    const rows = await this.campaigns.list();
    const counts = await this.campaigns.jobCounts(rows.map((c) => c.id));
    return rows.map((c) => toCampaignDto(c, counts.get(c.id) ?? {}));
  }

  async get(id: string): Promise<Campaign> {
    const c = await this.campaigns.findById(id);
    if (!c) throw AppError.notFound('Campaign', id);
    const [counts, jobs] = await Promise.all([this.campaigns.jobCounts([id]), this.jobs.findByCampaign(id)]);
    return toCampaignDto(c, counts.get(id) ?? {}, jobs);
  }

  async cancel(id: string): Promise<Campaign> {
    const c = await this.campaigns.findById(id);
    if (!c) throw AppError.notFound('Campaign', id);
    if (c.state === 'running') await this.dispatcher.cancelCampaign(id);
    return this.get(id);
  }

  async listJobs(filter: { campaignId?: string; deviceId?: string; state?: JobState }): Promise<Job[]> {
    return (await this.jobs.list(filter)).map(toJobDto);
  }
}
