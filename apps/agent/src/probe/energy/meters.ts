import type { EnergySource } from '@fleetbench/protocol';

/**
 * Energy sources (issue 13). Each probe looks at its part of the machine (a root folder, so tests use fake /sys
 * trees) and either opens a meter or says why it cannot measure here. Two kinds of meter: counters (RAPL, hwmon
 * energy*_input) are read at the start, the end and every few seconds in between (to catch a wrap-around); gauges
 * (hwmon power*_input, INA3221 rails, nvidia-smi) are sampled periodically and integrated over time.
 */
export interface EnergyMeter {
  /** What the figure covers, e.g. "package-0 + package-1 (CPU packages)". */
  readonly scope: string;
  start(): void;
  /** Stops sampling; the energy used since start(). */
  stop(): Promise<{ joules: number; seconds: number }>;
}

export type ProbeOutcome = { meter: EnergyMeter } | { unavailable: string };

export interface EnergyProbe {
  readonly source: EnergySource;
  open(): Promise<ProbeOutcome>;
}

export type Clock = () => number;
const monotonicMs: Clock = () => performance.now();

/** One monotonic counter in µJ that wraps at `rangeUj` (RAPL's max_energy_range_uj). */
export interface EnergyCounter {
  read(): number;
  rangeUj: number | null;
}

/** Sums the increments of counters, adding the range back when one wrapped between two reads. */
export class CounterMeter implements EnergyMeter {
  private last: number[] = [];
  private totalUj = 0;
  private startedMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly scope: string,
    private readonly counters: EnergyCounter[],
    private readonly pollMs = 1000,
    private readonly clock: Clock = monotonicMs,
  ) {}

  start(): void {
    this.last = this.counters.map((c) => c.read());
    this.totalUj = 0;
    this.startedMs = this.clock();
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  poll(): void {
    this.counters.forEach((c, i) => {
      const now = c.read();
      let delta = now - this.last[i]!;
      if (delta < 0 && c.rangeUj) delta += c.rangeUj;
      if (delta > 0) this.totalUj += delta;
      this.last[i] = now;
    });
  }

  async stop(): Promise<{ joules: number; seconds: number }> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.poll();
    return { joules: this.totalUj / 1e6, seconds: (this.clock() - this.startedMs) / 1000 };
  }
}

/** Integrates a power reading in watts over time (trapezoids between samples). */
export class GaugeMeter implements EnergyMeter {
  private lastW = 0;
  private lastMs = 0;
  private startedMs = 0;
  private joules = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly scope: string,
    private readonly readWatts: () => number,
    private readonly pollMs = 200,
    private readonly clock: Clock = monotonicMs,
  ) {}

  start(): void {
    this.joules = 0;
    this.lastW = this.readWatts();
    this.lastMs = this.startedMs = this.clock();
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  poll(): void {
    const w = this.readWatts();
    const now = this.clock();
    this.joules += ((w + this.lastW) / 2) * ((now - this.lastMs) / 1000);
    this.lastW = w;
    this.lastMs = now;
  }

  async stop(): Promise<{ joules: number; seconds: number }> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.poll();
    return { joules: this.joules, seconds: (this.lastMs - this.startedMs) / 1000 };
  }
}

/** "permission denied" / "not found" for the errors people meet under /sys, else the error's code or message. */
export function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'ENOENT') return 'not found';
  return e.code ?? e.message;
}
