import { Injectable } from '@nestjs/common';
import type { LeaderboardRow, Result } from '@fleetbench/protocol';
import { HardwareClassRepository } from '../repositories/hardware-class.repository';
import { ModelRepository } from '../repositories/model.repository';
import { ResultRepository, type ResultFilter } from '../repositories/result.repository';
import { AppError } from '../utils/app-error';
import { computeLeaderboard } from '../utils/leaderboard';
import { toResultDto } from '../utils/mappers';

@Injectable()
export class ResultService {
  constructor(
    private readonly results: ResultRepository,
    private readonly models: ModelRepository,
    private readonly classes: HardwareClassRepository,
  ) {}

  async list(filter: ResultFilter): Promise<Result[]> {
    return (await this.results.list(filter)).map(toResultDto);
  }

  async get(id: string): Promise<Result> {
    const r = await this.results.findById(id);
    if (!r) throw AppError.notFound('Result', id);
    return toResultDto(r);
  }

  async leaderboard(q: { hardwareClassId?: string; settingsKey?: string }): Promise<LeaderboardRow[]> {
    const samples = await this.results.leaderboardSamples(q);
    const modelIds = [...new Set(samples.map((s) => s.modelId))];
    const [models, names, accuracy] = await Promise.all([
      this.models.findByIds(modelIds),
      this.classes.names([...new Set(samples.map((s) => s.hardwareClassId))]),
      this.results.accuracySamples(modelIds),
    ]);
    const info = new Map(
      models.map((m) => [
        m.id,
        {
          name: m.name,
          family: m.family,
          referenceTop1: (m.referenceMetrics as { top1?: number } | null)?.top1 ?? null,
        },
      ]),
    );
    return computeLeaderboard(samples, info, names, accuracy);
  }
}
