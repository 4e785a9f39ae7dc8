import type { ResultListItem } from '@fleetbench/protocol';

/** The few figures the device page lists per result (keeps histograms and environments out of the client props). */
export interface DeviceResultRow {
  id: string;
  modelName: string;
  settingsKey: string;
  p50: number;
  p99: number;
  throughputIps: number;
  peakRssBytes: number | null;
  verdict: string;
  createdAt: string;
}

export function toDeviceResultRow(r: ResultListItem): DeviceResultRow {
  return {
    id: r.id,
    modelName: r.modelName,
    settingsKey: r.settingsKey,
    p50: r.metrics.latencyMs.p50,
    p99: r.metrics.latencyMs.p99,
    throughputIps: r.metrics.throughputIps,
    peakRssBytes: r.metrics.peakRssBytes,
    verdict: r.verdict.status,
    createdAt: r.createdAt,
  };
}
