import { Injectable } from '@nestjs/common';
import type {
  Change,
  ChangeMetric,
  ChangeQuery,
  Series,
  SeriesQuery,
  SoftwareFingerprintParts,
} from '@fleetbench/protocol';
import { AppError } from '../utils/app-error';
import { ChangeRepository } from './change.repository';
import { toChangeDto } from './change-dto';

/** Reading the regression watch: the changes, and one series with its change points. */
@Injectable()
export class ChangesService {
  constructor(private readonly changes: ChangeRepository) {}

  async list(q: ChangeQuery): Promise<Change[]> {
    return (await this.changes.list(q)).map(toChangeDto);
  }

  async series(q: SeriesQuery): Promise<Series> {
    const [[model, cls], points, changes] = await Promise.all([
      this.changes.names(q),
      this.changes.series(q),
      this.changes.list({ ...q, limit: 1000 }),
    ]);
    if (!model) throw new AppError('not-found', `No model ${q.modelId}. Pick one from GET /api/v1/models.`);
    if (!cls)
      throw new AppError(
        'not-found',
        `No hardware class ${q.hardwareClassId}. Pick one from GET /api/v1/hardware-classes.`,
      );
    return {
      // One series is one comparability key, so one mode and one metric; an empty one reads as latency.
      metric: (points[0]?.metric ?? 'p50Ms') as ChangeMetric,
      modelName: model.name,
      hardwareClassName: cls.name,
      settingsKey: q.settingsKey,
      points: points.map((p) => ({
        resultId: p.resultId,
        deviceId: p.deviceId,
        deviceName: p.result.device.name,
        measuredAt: p.measuredAt.toISOString(),
        valid: p.valid,
        value: p.value,
        low: p.low,
        high: p.high,
        fingerprint: p.fingerprint as SoftwareFingerprintParts,
      })),
      changes: changes.map(toChangeDto).reverse(),
    };
  }
}
