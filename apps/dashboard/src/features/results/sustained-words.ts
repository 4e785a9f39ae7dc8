import type { EnergyReading, SustainedSummary } from '@fleetbench/protocol';
import { formatThroughput } from '../../lib/format';

/** "87.0 % of burst (104 of 120 img/s); throttling from 240 s" — the sustained run in one line. */
export function describeSustained(s: SustainedSummary): string {
  const ratio = `${(s.sustainedRatio * 100).toFixed(1)} % of burst (${formatThroughput(s.sustainedIps)} of ${formatThroughput(s.burstIps)} img/s)`;
  const throttle =
    s.throttledAtS === null
      ? `no lasting drop below ${Math.round(s.throttleThreshold * 100)} % of burst`
      : `throttling from ${Math.round(s.throttledAtS)} s`;
  return `${ratio}; ${throttle} · ${Math.round(s.durationS)} s in ${s.intervals.length} intervals of ${s.intervalS} s`;
}

/** "3.21 W average · 12.4 mJ per inference · 80.6 img/s per W (rapl: package-0)", or why it was not measured. */
export function describeEnergy(e: EnergyReading): string {
  if (e.status === 'unavailable')
    return e.reasons.length
      ? `unavailable: ${e.reasons.map((r) => `${r.source}: ${r.reason}`).join('; ')}`
      : 'unavailable: no energy source on this device';
  const perInference =
    e.joulesPerInference >= 1
      ? `${e.joulesPerInference.toFixed(2)} J`
      : `${(e.joulesPerInference * 1000).toPrecision(3)} mJ`;
  // Images per joule = (images/s) per watt: the speed-per-watt figure.
  const perJoule = e.joulesPerInference > 0 ? ` · ${formatThroughput(1 / e.joulesPerInference)} img/s per W` : '';
  return `${e.averageWatts.toFixed(2)} W average · ${perInference} per inference${perJoule} (${e.source}: ${e.scope})`;
}
