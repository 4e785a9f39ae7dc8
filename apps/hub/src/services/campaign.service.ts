import { Inject, Injectable } from '@nestjs/common';
import {
  formatComparabilityKey,
  type Campaign,
  type CreateCampaignRequest,
  type Job,
  type JobState,
} from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { CampaignRepository } from '../repositories/campaign.repository';
import { DeviceRepository } from '../repositories/device.repository';
import { EventRepository } from '../repositories/event.repository';
import { JobRepository } from '../repositories/job.repository';
import { DatasetRepository } from '../repositories/dataset.repository';
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
): {
  deviceId: string;
  modelId: string;
  settings: CreateCampaignRequest['settings'][number];
  settingsKey: string;
  timeoutMs: number;
  maxAttempts: number;
}[] {
  const keyed = new Map(req.settings.map((s) => [formatComparabilityKey(s) + JSON.stringify(s), s]));
  const out = [];
  for (const deviceId of deviceIds)
    for (const modelId of modelIds)
      for (const settings of keyed.values())
        out.push({
          deviceId,
          modelId,
          settings,
          settingsKey: formatComparabilityKey(settings),
          timeoutMs: req.timeoutMs,
          maxAttempts: req.maxAttempts,
        });
  return out;
}

/** A sustained run (issue 13) lasts its whole length plus set-up: it must fit in the job's time limit. */
function checkSustained(req: Pick<CreateCampaignRequest, 'settings' | 'timeoutMs'>): void {
  const tooLong = req.settings.filter((s) => s.sustainedMs !== undefined && s.sustainedMs >= req.timeoutMs * 0.9);
  if (tooLong.length)
    throw new AppError(
      'validation-failed',
      `A sustained run of ${Math.max(...tooLong.map((s) => s.sustainedMs!)) / 1000} s does not fit in the job time limit of ${req.timeoutMs / 1000} s (it needs the run plus 10 % for loading and warm-up); raise timeoutMs or shorten sustainedMs.`,
    );
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
    private readonly datasets: DatasetRepository,
  ) {}

  async create(req: CreateCampaignRequest): Promise<Campaign> {
    checkSustained(req);
    const modelIds = [...new Set(req.modelIds)];
    const found = new Set((await this.models.findByIds(modelIds)).map((m) => m.id));
    const unknown = modelIds.filter((id) => !found.has(id));
    if (unknown.length) {
      throw new AppError(
        'unknown-model',
        `Unknown model id(s): ${unknown.join(', ')}. Register the models first (POST /api/v1/models).`,
        { modelIds: unknown },
      );
    }
    const datasetId = await this.checkAccuracy(req, modelIds);
    const devices = await this.devices.select(req.devices);
    if (!devices.length) {
      throw new AppError(
        'no-matching-devices',
        'The device selector matches no enrolled device; check ids, tags and hardware class ids (GET /api/v1/devices).',
      );
    }
    const jobs = expandJobs(
      modelIds,
      devices.map((d) => d.id),
      req,
    ).map((j) => ({
      ...j,
      datasetId: j.settings.mode === 'accuracy' ? datasetId : null,
    }));
    const campaign = await this.campaigns.createWithJobs({ name: req.name, request: req }, jobs);
    this.logger.info({ campaignId: campaign.id, jobs: jobs.length, devices: devices.length }, 'campaign created');
    const counts = (await this.campaigns.jobCounts([campaign.id])).get(campaign.id) ?? {};
    this.events.emit('campaign.created', toCampaignDto(campaign, counts));
    await this.dispatcher.dispatchAll(devices.filter((d) => d.online).map((d) => d.id));
    return this.get(campaign.id);
  }

  /** Accuracy entries need a registered dataset and models with a preprocessing spec; returns the dataset id. */
  private async checkAccuracy(req: CreateCampaignRequest, modelIds: string[]): Promise<string | null> {
    if (!req.settings.some((s) => s.mode === 'accuracy')) return null;
    if (!req.datasetId) {
      throw new AppError(
        'dataset-required',
        'Accuracy settings need a labeled dataset: register one (POST /api/v1/datasets) and pass its id as `datasetId`.',
      );
    }
    const dataset = await this.datasets.findById(req.datasetId);
    if (!dataset) {
      throw new AppError(
        'unknown-dataset',
        `Unknown dataset id ${req.datasetId}. Register the dataset first (POST /api/v1/datasets) or list them (GET /api/v1/datasets).`,
        {
          datasetId: req.datasetId,
        },
      );
    }
    const missing = (await this.models.findByIds(modelIds)).filter((m) => !m.preprocessing).map((m) => m.name);
    if (missing.length) {
      throw new AppError(
        'preprocessing-required',
        `Accuracy jobs need each model's preprocessing spec; ${missing.join(', ')} was registered without one. Register the same file again with \`preprocessing\` (a preset such as {"preset":"imagenet"}; the rest is read from the model) or \`useProposedPreset: true\` (the hub's proposal, shown as ioFacts.proposedPreset).`,
        {
          models: missing,
        },
      );
    }
    return dataset.id;
  }

  async list(): Promise<Campaign[]> {
    const rows = await this.campaigns.list();
    const counts = await this.campaigns.jobCounts(rows.map((c) => c.id));
    return rows.map((c) => toCampaignDto(c, counts.get(c.id) ?? {}));
  }

  /** The campaign with its job counts and, unless `withJobs` is false, every job. */
  async get(id: string, withJobs = true): Promise<Campaign> {
    const c = await this.campaigns.findById(id);
    if (!c) throw AppError.notFound('Campaign', id);
    const [counts, jobs] = await Promise.all([
      this.campaigns.jobCounts([id]),
      withJobs ? this.jobs.findByCampaign(id) : undefined,
    ]);
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

  /** One page of the matching jobs (model name, device id, settings key, id) and how many match in all. */
  async pageJobs(
    filter: { campaignId?: string; deviceId?: string; state?: JobState },
    limit: number,
    offset: number,
  ): Promise<{ jobs: Job[]; total: number }> {
    const { rows, total } = await this.jobs.page(filter, limit, offset);
    return { jobs: rows.map(toJobDto), total };
  }
}
