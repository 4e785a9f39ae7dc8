import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Dataset, DatasetLayout, RegisterDatasetRequest } from '@fleetbench/protocol';
import type { Dataset as DatasetRow } from '../../generated/prisma/client';
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import { DatasetRepository } from '../repositories/dataset.repository';
import { StorageRepository, type StagedFile } from '../repositories/storage.repository';
import { HUB_CONFIG, LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { registrationPath } from '../repositories/register-path';
import { archiveStream, inspectArchive, planDataset } from '../repositories/dataset-archive';

export function toDatasetDto(d: DatasetRow): Dataset {
  return {
    id: d.id,
    name: d.name,
    sha256: d.sha256,
    sizeBytes: Number(d.sizeBytes),
    layout: d.layout as DatasetLayout,
    source: d.source as Dataset['source'],
    labels: d.labels as string[],
    sampleCount: d.sampleCount,
    createdAt: d.createdAt.toISOString(),
  };
}

/** Labeled image datasets: packaged into one deterministic tar (agent README format), stored by sha256. */
@Injectable()
export class DatasetService {
  constructor(
    private readonly datasets: DatasetRepository,
    private readonly storage: StorageRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'maxUploadBytes' | 'registerDirs'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(): Promise<Dataset[]> {
    return (await this.datasets.list()).map(toDatasetDto);
  }

  async get(id: string): Promise<Dataset> {
    const d = await this.datasets.findById(id);
    if (!d) throw AppError.notFound('Dataset', id);
    return toDatasetDto(d);
  }

  /** Packages a folder on the hub machine. The same folder and label list always give the same archive. */
  async registerFromPath(req: RegisterDatasetRequest): Promise<{ dataset: Dataset; created: boolean }> {
    const plan = await planDataset({
      ...req,
      path: await registrationPath(req.path, this.config.registerDirs),
      ...(req.labelsPath
        ? { labelsPath: await registrationPath(req.labelsPath, this.config.registerDirs, 'labelsPath') }
        : {}),
    });
    const started = Date.now();
    const staged = await this.storage.stage(archiveStream(plan), this.config.maxUploadBytes);
    this.logger.info({ path: plan.root, images: plan.images.length, ms: Date.now() - started }, 'dataset packaged');
    return this.finish(staged, {
      name: req.name,
      layout: plan.layout,
      labels: plan.labels.keys,
      sampleCount: plan.images.length,
      source: 'path',
    });
  }

  /** A ready archive (application/x-tar), checked against the agent's format. */
  async upload(body: Readable, name: string): Promise<{ dataset: Dataset; created: boolean }> {
    const staged = await this.storage.stage(body, this.config.maxUploadBytes);
    try {
      const existing = await this.datasets.findBySha256(staged.sha256);
      if (existing) {
        await this.storage.discard(staged);
        return { dataset: toDatasetDto(existing), created: false };
      }
      const summary = await inspectArchive(staged.tmpPath);
      return await this.finish(staged, { name, ...summary, source: 'upload' });
    } catch (err) {
      await this.storage.discard(staged);
      throw err;
    }
  }

  private async finish(
    staged: StagedFile,
    meta: { name: string; layout: DatasetLayout; labels: string[]; sampleCount: number; source: 'path' | 'upload' },
  ): Promise<{ dataset: Dataset; created: boolean }> {
    try {
      const existing = await this.datasets.findBySha256(staged.sha256);
      if (existing) {
        await this.storage.discard(staged);
        return { dataset: toDatasetDto(existing), created: false };
      }
      await this.storage.commit(staged);
      let created = true;
      const row = await this.datasets
        .create({
          sha256: staged.sha256,
          sizeBytes: BigInt(staged.sizeBytes),
          name: meta.name,
          labels: meta.labels,
          sampleCount: meta.sampleCount,
          layout: meta.layout,
          source: meta.source,
        })
        .catch(async (err: { code?: string }) => {
          // A concurrent registration of the same archive won the unique sha256.
          const again = err.code === 'P2002' ? await this.datasets.findBySha256(staged.sha256) : null;
          if (again) {
            created = false;
            return again;
          }
          throw err;
        });
      const dataset = toDatasetDto(row);
      this.logger.info(
        { datasetId: dataset.id, sha256: dataset.sha256, sizeBytes: dataset.sizeBytes, samples: dataset.sampleCount },
        'dataset registered',
      );
      return { dataset, created };
    } catch (err) {
      await this.storage.discard(staged);
      throw err;
    }
  }
}
