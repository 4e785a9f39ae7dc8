import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { analyseModelIo, type Model, type RegisterModelRequest } from '@fleetbench/protocol';
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import { EventRepository } from '../repositories/event.repository';
import { ModelRepository } from '../repositories/model.repository';
import { StorageRepository, type StagedFile } from '../repositories/storage.repository';
import { HUB_CONFIG, LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { registrationPath } from '../repositories/register-path';
import { toModelDto } from '../utils/mappers';
import { countFlops, readOnnxSignature } from '@fleetbench/zoo';

export type ModelMeta = Omit<RegisterModelRequest, 'path'>;

@Injectable()
export class ModelService {
  constructor(
    private readonly models: ModelRepository,
    private readonly storage: StorageRepository,
    private readonly events: EventRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'maxUploadBytes' | 'registerDirs'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(): Promise<Model[]> {
    return (await this.models.list()).map(toModelDto);
  }

  async get(id: string): Promise<Model> {
    const m = await this.models.findById(id);
    if (!m) throw AppError.notFound('Model', id);
    return toModelDto(m);
  }

  /** JSON registration of a file on the hub's file system. */
  async registerFromPath(req: RegisterModelRequest): Promise<{ model: Model; created: boolean }> {
    if (!req.path) {
      throw new AppError(
        'validation-failed',
        'Give `path` (a file on the hub) or send the bytes as application/octet-stream.',
        {
          fields: [{ field: 'path', message: 'required for JSON registration' }],
        },
      );
    }
    const file = await registrationPath(req.path, this.config.registerDirs);
    if (!(await this.storage.isFile(file)))
      throw new AppError('bad-request', `The hub cannot read a file at ${req.path}; give a path on the hub machine.`);
    const staged = await this.storage.stageFromPath(file, this.config.maxUploadBytes);
    return this.finish(staged, req, 'path');
  }

  /** Streamed upload (application/octet-stream). */
  async upload(body: Readable, meta: ModelMeta): Promise<{ model: Model; created: boolean }> {
    const staged = await this.storage.stage(body, this.config.maxUploadBytes);
    return this.finish(staged, meta, 'upload');
  }

  /** FLOPs of one inference at batch 1 counted from the graph (2 per multiply-add), null when shapes do not allow it. */
  private graphFlops(bytes: Uint8Array, name: string): number | null {
    try {
      return countFlops(bytes)?.flops ?? null;
    } catch (err) {
      this.logger.debug({ err, name }, 'FLOPs could not be counted from the graph');
      return null;
    }
  }

  private async finish(
    staged: StagedFile,
    meta: ModelMeta,
    source: 'upload' | 'path',
  ): Promise<{ model: Model; created: boolean }> {
    try {
      if (meta.expectedSha256 && meta.expectedSha256 !== staged.sha256) {
        throw new AppError(
          'checksum-mismatch',
          `The bytes hash to ${staged.sha256}, not the expected ${meta.expectedSha256}; the file is corrupt or not the one you meant.`,
          {
            expected: meta.expectedSha256,
            actual: staged.sha256,
          },
        );
      }
      const existing = await this.models.findBySha256(staged.sha256);
      if (existing) {
        await this.storage.discard(staged);
        // Registering the same bytes again may give a model its first preprocessing (never replaces one).
        const dto = toModelDto(existing);
        const wanted =
          meta.preprocessing ??
          (meta.useProposedPreset && dto.ioFacts?.proposedPreset ? { preset: dto.ioFacts.proposedPreset } : undefined);
        if (!existing.preprocessing && wanted) {
          const updated = toModelDto(await this.models.update(existing.id, { preprocessing: wanted }));
          this.logger.info({ modelId: updated.id, preprocessing: wanted }, 'model preprocessing set');
          return { model: updated, created: false };
        }
        return { model: dto, created: false };
      }
      if (staged.sizeBytes === 0) throw new AppError('invalid-model', 'The file is empty; send an ONNX model.');
      const bytes = await this.storage.readStaged(staged);
      const signature = readOnnxSignature(bytes);
      if (!signature)
        throw new AppError(
          'invalid-model',
          'The file is not a parsable ONNX model (no graph with inputs and outputs); export the model to ONNX and retry.',
        );
      const ioFacts = analyseModelIo(signature.inputs, signature.outputs);
      const preprocessing =
        meta.preprocessing ??
        (meta.useProposedPreset && ioFacts.proposedPreset ? { preset: ioFacts.proposedPreset } : undefined);
      await this.storage.commit(staged);
      const row = await this.models
        .create({
          sha256: staged.sha256,
          sizeBytes: BigInt(staged.sizeBytes),
          name: meta.name,
          family: meta.family ?? null,
          source,
          inputs: signature.inputs,
          outputs: signature.outputs,
          ioFacts,
          preprocessing,
          referenceMetrics: meta.referenceMetrics,
          flops: meta.flops ?? this.graphFlops(bytes, meta.name),
        })
        .catch(async (err: { code?: string }) => {
          // A concurrent registration of the same bytes won the unique sha256.
          const again = err.code === 'P2002' ? await this.models.findBySha256(staged.sha256) : null;
          if (again) return again;
          throw err;
        });
      const model = toModelDto(row);
      this.logger.info(
        { modelId: model.id, sha256: model.sha256, sizeBytes: model.sizeBytes, source },
        'model registered',
      );
      this.events.emit('model.created', model);
      return { model, created: true };
    } catch (err) {
      await this.storage.discard(staged);
      throw err;
    }
  }
}
