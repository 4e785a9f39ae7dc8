// The columns of a campaign's job export (pure): the page's CSV/JSON buttons and the all-jobs CSV route share them.
import type { Job } from '@fleetbench/protocol';
import type { ExportColumn } from '../../lib/export';

export function jobExportColumns(
  deviceNames: Readonly<Record<string, string>>,
  resultOf: (jobId: string) => { id: string; p50Ms: number } | undefined,
): ExportColumn<Job>[] {
  return [
    { key: 'job_id', value: (j) => j.id },
    { key: 'model', value: (j) => j.modelName },
    { key: 'device', value: (j) => deviceNames[j.deviceId] ?? j.deviceId },
    { key: 'settings', value: (j) => j.settingsKey },
    { key: 'state', value: (j) => j.state },
    { key: 'progress', value: (j) => j.progress },
    { key: 'attempts', value: (j) => j.attempts },
    { key: 'error', value: (j) => j.error?.message ?? null },
    { key: 'result_id', value: (j) => resultOf(j.id)?.id ?? null },
    { key: 'p50_ms', value: (j) => resultOf(j.id)?.p50Ms ?? null },
  ];
}
