import type { Change, ChangeMetric } from '@fleetbench/protocol';
import type { ChangeRow } from './change.repository';

/** Database row → the protocol's Change (what leaves the hub). */
export function toChangeDto(c: ChangeRow): Change {
  return {
    id: c.id,
    kind: c.kind,
    metric: c.metric as ChangeMetric,
    resultId: c.resultId,
    baselineResultId: c.baselineResultId,
    modelId: c.modelId,
    modelName: c.result.model.name,
    hardwareClassId: c.hardwareClassId,
    hardwareClassName: c.result.hardwareClass.name,
    settingsKey: c.settingsKey,
    deviceId: c.deviceId,
    deviceName: c.result.device.name,
    before: c.before,
    after: c.after,
    relative: c.relative,
    relativeLow: c.relativeLow,
    relativeHigh: c.relativeHigh,
    changedParts: c.changedParts as Change['changedParts'],
    summary: c.summary,
    measuredAt: c.measuredAt.toISOString(),
    notifiedAt: c.notifiedAt?.toISOString() ?? null,
  };
}
