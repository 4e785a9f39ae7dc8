import type { SustainedInterval, SustainedSummary } from '@fleetbench/protocol';
import { maxTemperatureC, readCpuFrequencyMHz, readThermalZones } from '../probe/run-environment';

/**
 * Sustained runs (issue 13): the measured loop runs for a fixed time and is cut into intervals; each interval records
 * its p50, throughput, CPU frequency and hottest temperature. Pure apart from the injected sampler, so the throttling
 * rules are tested on made-up series.
 */

export interface MachineSample {
  cpuFrequencyMHz: number | null;
  temperatureC: number | null;
}
export type MachineSampler = () => MachineSample;

/** The same sysfs readers as the before/after environment (synchronous, no child processes during the loop). */
export const sysfsSampler: MachineSampler = () => ({
  cpuFrequencyMHz: readCpuFrequencyMHz(),
  temperatureC: maxTemperatureC(readThermalZones()),
});

export const SUSTAINED_DEFAULT_INTERVAL_MS = 10_000;
/** The protocol's cap on intervals per result; longer runs get wider intervals. */
export const SUSTAINED_MAX_INTERVALS = 1440;
/** An interval below this share of the burst throughput counts as throttled. */
export const THROTTLE_THRESHOLD = 0.9;

/** The interval length a run uses: the requested one, widened so that the run has at most 1440 of them. */
export function effectiveIntervalMs(sustainedMs: number, requestedMs = SUSTAINED_DEFAULT_INTERVAL_MS): number {
  return Math.max(requestedMs, Math.ceil(sustainedMs / SUSTAINED_MAX_INTERVALS));
}

/** Cuts the timed runs of a loop into intervals as they end; an interval closes with the first run ending past it. */
export class IntervalRecorder {
  private readonly intervals: SustainedInterval[] = [];
  private latencies: number[] = [];
  private lastEndMs = 0;
  private closedAtMs = 0;
  private boundaryMs: number;

  constructor(
    readonly intervalMs: number,
    private readonly batch: number,
    private readonly sample: MachineSampler,
  ) {
    this.boundaryMs = intervalMs;
  }

  /** One timed run of `latencyMs` that ended `endMs` after the loop started. */
  add(latencyMs: number, endMs: number): void {
    this.latencies.push(latencyMs);
    this.lastEndMs = endMs;
    if (endMs >= this.boundaryMs) {
      this.close(endMs);
      this.boundaryMs = (Math.floor(endMs / this.intervalMs) + 1) * this.intervalMs;
    }
  }

  /** The recorded intervals; a trailing part shorter than half an interval is left out (too short to compare). */
  finish(): SustainedInterval[] {
    if (this.latencies.length && this.lastEndMs - this.closedAtMs >= this.intervalMs / 2) this.close(this.lastEndMs);
    return [...this.intervals];
  }

  private close(endMs: number): void {
    const wallMs = endMs - this.closedAtMs;
    const n = this.latencies.length;
    const machine = this.sample();
    this.intervals.push({
      endS: round3(endMs / 1000),
      iterations: n,
      p50Ms: n ? round3(medianOf(this.latencies)) : null,
      throughputIps: wallMs > 0 ? round3((n * this.batch * 1000) / wallMs) : 0,
      cpuFrequencyMHz: machine.cpuFrequencyMHz,
      temperatureC: machine.temperatureC,
    });
    this.latencies = [];
    this.closedAtMs = endMs;
  }
}

/**
 * Burst = the first interval's throughput (what a short benchmark sees); sustained = the median throughput of the
 * intervals ending in the second half of the run (the steady state); throttling began where throughput fell below
 * 90 % of burst and stayed below until the end (a single slow interval in between is noise, not throttling).
 */
export function summarizeSustained(
  intervals: SustainedInterval[],
  durationS: number,
  intervalS: number,
  threshold = THROTTLE_THRESHOLD,
): SustainedSummary | null {
  if (!intervals.length) return null;
  const burstIps = intervals[0].throughputIps;
  const secondHalf = intervals.filter((i) => i.endS > durationS / 2).map((i) => i.throughputIps);
  const sustainedIps = medianOf(secondHalf.length ? secondHalf : [intervals[intervals.length - 1].throughputIps]);
  let from = intervals.length;
  while (from > 0 && intervals[from - 1].throughputIps < burstIps * threshold) from--;
  return {
    durationS: round3(durationS),
    intervalS: round3(intervalS),
    burstIps,
    sustainedIps: round3(sustainedIps),
    sustainedRatio: burstIps > 0 ? round3(sustainedIps / burstIps) : 0,
    throttleThreshold: threshold,
    throttledAtS: from < intervals.length ? (from === 0 ? 0 : intervals[from - 1].endS) : null,
    intervals,
  };
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
