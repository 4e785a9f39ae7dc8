import { Inject, Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../db/database';
import { DB } from './tokens';

export const resultInclude = { device: { select: { name: true } }, model: { select: { name: true } } } as const;
export type ResultRow = Prisma.ResultGetPayload<{ include: typeof resultInclude }>;

export interface ResultFilter {
  campaignId?: string;
  deviceId?: string;
  modelId?: string;
  hardwareClassId?: string;
}

/** Columns the leaderboard aggregates. */
export interface LeaderboardSample {
  hardwareClassId: string;
  settingsKey: string;
  modelId: string;
  deviceId: string;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  throughputIps: number;
  top1: number | null;
  verdictStatus: 'valid' | 'flagged';
  measuredAt: Date;
  /** The stored ResultMetrics JSON (cold start, peak RSS, GFLOP/s, peak share); optional for callers that omit it. */
  metrics?: unknown;
}

@Injectable()
export class ResultRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** INSERT … ON CONFLICT (msgId) DO NOTHING: a replayed message changes nothing. */
  async insertIfNew(data: Prisma.ResultCreateManyInput): Promise<{ created: boolean; result: ResultRow }> {
    const r = await this.db.result.createMany({ data: [data], skipDuplicates: true });
    const result = await this.db.result.findUniqueOrThrow({ where: { msgId: data.msgId }, include: resultInclude });
    return { created: r.count === 1, result };
  }

  findById(id: string): Promise<ResultRow | null> {
    return this.db.result.findUnique({ where: { id }, include: resultInclude });
  }

  list(f: ResultFilter): Promise<ResultRow[]> {
    return this.db.result.findMany({
      where: {
        deviceId: f.deviceId,
        modelId: f.modelId,
        hardwareClassId: f.hardwareClassId,
        ...(f.campaignId ? { job: { campaignId: f.campaignId } } : {}),
      },
      include: resultInclude,
      orderBy: { createdAt: 'desc' },
      take: 5000,
    });
  }

  leaderboardSamples(f: { hardwareClassId?: string; settingsKey?: string }): Promise<LeaderboardSample[]> {
    return this.db.result.findMany({
      where: { hardwareClassId: f.hardwareClassId, settingsKey: f.settingsKey },
      select: {
        hardwareClassId: true,
        settingsKey: true,
        modelId: true,
        deviceId: true,
        p50Ms: true,
        p90Ms: true,
        p99Ms: true,
        throughputIps: true,
        top1: true,
        verdictStatus: true,
        measuredAt: true,
        metrics: true,
      },
    });
  }

  /** Accuracy results (top1 set) per model, for measured top-1 beside speed. Flagged ones count too: every verdict
   *  reason (busy, throttled, high variance, too few latency samples) is about timing, not about the answers. */
  accuracySamples(modelIds: string[]): Promise<{ modelId: string; hardwareClassId: string; top1: number | null }[]> {
    return this.db.result.findMany({
      where: { modelId: { in: modelIds }, top1: { not: null } },
      select: { modelId: true, hardwareClassId: true, top1: true },
    });
  }
}
