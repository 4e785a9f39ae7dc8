import type { ChangeMetric } from '@fleetbench/protocol';
import { formatMs, formatPercent, formatThroughput } from '../../lib/format';

export const METRIC_LABEL: Record<ChangeMetric, string> = {
  p50Ms: 'p50 latency, ms',
  throughputIps: 'throughput, images/s',
  top1: 'top-1',
};

/** A value of a series metric as the tables show it. */
export function formatMetric(metric: ChangeMetric, v: number | null): string {
  if (v === null) return '—';
  return metric === 'p50Ms' ? formatMs(v) : metric === 'throughputIps' ? formatThroughput(v) : formatPercent(v);
}

/** "+14.0 %" with a real minus sign. */
export function formatRelative(r: number): string {
  return `${r >= 0 ? '+' : '−'}${Math.abs(r * 100).toFixed(1)} %`;
}
