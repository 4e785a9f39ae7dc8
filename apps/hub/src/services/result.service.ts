import { Injectable } from '@nestjs/common';
import type { Result, ResultListItem, ResultQuery, ResultSummary } from '@fleetbench/protocol';
import { ResultRepository } from '../repositories/result.repository';
import { AppError } from '../utils/app-error';
import { toResultDto, toResultListItem } from '../utils/mappers';

/** Result lists (paged, no histograms) and the single result with its histogram. */
@Injectable()
export class ResultService {
  constructor(private readonly results: ResultRepository) {}

  async list(q: ResultQuery): Promise<ResultListItem[]> {
    return (await this.results.list(q)).map(toResultListItem);
  }

  async get(id: string): Promise<Result> {
    const r = await this.results.findById(id);
    if (!r) throw AppError.notFound('Result', id);
    return toResultDto(r);
  }

  async summaries(filter: { campaignId?: string; jobIds?: string[] }): Promise<ResultSummary[]> {
    return (await this.results.summaries(filter))
      .map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
