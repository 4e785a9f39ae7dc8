import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Readings of the machine around a run, straight from Linux's /proc and /sys (cheap, synchronous, no child
 * processes, so reading them does not disturb the measurement). Every reader returns null where the OS does not
 * expose a value (macOS, containers without /sys, VMs without cpufreq).
 */

export interface CpuTimes {
  /** Busy jiffies of the whole machine (user+nice+system+irq+softirq+steal), /proc/stat "cpu" line. */
  machineBusyTicks: number;
  /** user+system jiffies of this process, all its threads (/proc/self/stat fields 14–15). Children count as
   *  other processes. */
  selfTicks: number;
  /** Wall-clock time of the reading (ms, monotonic). */
  atMs: number;
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture Node supports

export function readCpuTimes(procRoot = '/proc'): CpuTimes | null {
  try {
    const stat = readFileSync(path.join(procRoot, 'stat'), 'utf8');
    const cpu = stat.split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest is already inside user)
    const busy = cpu[0] + cpu[1] + cpu[2] + (cpu[5] ?? 0) + (cpu[6] ?? 0) + (cpu[7] ?? 0);
    const self = readFileSync(path.join(procRoot, 'self', 'stat'), 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
    const rest = self.slice(self.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime = field 14 → rest[11], stime = field 15 → rest[12]
    const selfTicks = Number(rest[11]) + Number(rest[12]);
    if (![busy, selfTicks].every(Number.isFinite)) return null;
    return { machineBusyTicks: busy, selfTicks, atMs: performance.now() };
  } catch {
    return null;
  }
}

/**
 * CPU used by other processes between two readings, in % of one core: (machine busy − own CPU) ÷ wall time.
 * Pure, so the busy rule can be tested with made-up readings.
 */
export function otherProcessesCpuPercent(before: CpuTimes, after: CpuTimes): number | null {
  const wallS = (after.atMs - before.atMs) / 1000;
  if (wallS <= 0) return null;
  const machine = (after.machineBusyTicks - before.machineBusyTicks) / CLOCK_TICKS;
  const self = (after.selfTicks - before.selfTicks) / CLOCK_TICKS;
  return Math.max(0, ((machine - self) / wallS) * 100);
}

/** Busy share of all cores between two readings, 0–100 (null when no time passed). */
export function machineCpuPercent(before: CpuTimes, after: CpuTimes, cores: number): number | null {
  const wallS = (after.atMs - before.atMs) / 1000;
  if (wallS <= 0 || cores <= 0) return null;
  const busyS = (after.machineBusyTicks - before.machineBusyTicks) / CLOCK_TICKS;
  return Math.min(100, Math.max(0, (busyS / (wallS * cores)) * 100));
}

/** Mean current frequency over all cores in MHz (cpufreq, else /proc/cpuinfo "cpu MHz", else os.cpus()). */
export function readCpuFrequencyMHz(sysRoot = '/sys', procRoot = '/proc'): number | null {
  try {
    const base = path.join(sysRoot, 'devices/system/cpu');
    const values = readdirSync(base)
      .filter((d) => /^cpu\d+$/.test(d))
      .map((d) => {
        try {
          return Number(readFileSync(path.join(base, d, 'cpufreq/scaling_cur_freq'), 'utf8')) / 1000;
        } catch {
          return NaN;
        }
      })
      .filter((v) => Number.isFinite(v) && v > 0);
    if (values.length) return Math.round(values.reduce((a, b) => a + b, 0) / values.length);
  } catch {
    // fall through
  }
  try {
    const mhz = [...readFileSync(path.join(procRoot, 'cpuinfo'), 'utf8').matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map(
      (m) => Number(m[1]),
    );
    if (mhz.length) return Math.round(mhz.reduce((a, b) => a + b, 0) / mhz.length);
  } catch {
    // fall through
  }
  const speeds = os
    .cpus()
    .map((c) => c.speed)
    .filter((s) => s > 0);
  return speeds.length ? Math.round(speeds.reduce((a, b) => a + b, 0) / speeds.length) : null;
}

/** MemAvailable of /proc/meminfo in bytes (what can be allocated without swapping), else os.freemem(). */
export function readMemAvailableBytes(procRoot = '/proc'): number {
  try {
    const kb = /^MemAvailable:\s+(\d+)\s+kB/m.exec(readFileSync(path.join(procRoot, 'meminfo'), 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // fall through
  }
  return os.freemem();
}

export interface ThermalZone {
  name: string;
  tempC: number;
  /** Trip points (passive/active/hot/critical) in °C. */
  tripsC: number[];
}

export function readThermalZones(sysRoot = '/sys'): ThermalZone[] {
  const base = path.join(sysRoot, 'class/thermal');
  let entries: string[];
  try {
    entries = readdirSync(base).filter((d) => d.startsWith('thermal_zone'));
  } catch {
    return [];
  }
  const zones: ThermalZone[] = [];
  for (const d of entries) {
    try {
      const tempC = Number(readFileSync(path.join(base, d, 'temp'), 'utf8')) / 1000;
      if (!Number.isFinite(tempC)) continue;
      let name = d;
      try {
        name = readFileSync(path.join(base, d, 'type'), 'utf8').trim() || d;
      } catch {
        // keep the folder name
      }
      const tripsC = readdirSync(path.join(base, d))
        .filter((f) => /^trip_point_\d+_temp$/.test(f))
        .map((f) => Number(readFileSync(path.join(base, d, f), 'utf8')) / 1000)
        .filter((t) => Number.isFinite(t) && t > 0);
      zones.push({ name, tempC, tripsC });
    } catch {
      // unreadable zone: skip
    }
  }
  return zones;
}

/** Hottest zone temperature, °C. */
export function maxTemperatureC(zones: ThermalZone[]): number | null {
  return zones.length ? Math.max(...zones.map((z) => z.tempC)) : null;
}

/** True when some zone is at or above a trip point after the run that it was below before it. */
export function tripCrossed(before: ThermalZone[], after: ThermalZone[]): boolean | null {
  if (!after.length) return null;
  return after.some((z) => {
    const prev = before.find((b) => b.name === z.name);
    return z.tripsC.some((t) => z.tempC >= t && (prev === undefined || prev.tempC < t));
  });
}

/**
 * Peak resident memory of this process during a run. Linux keeps the high-water mark (VmHWM) and lets a process
 * reset it by writing 5 to /proc/self/clear_refs, so the peak covers exactly the run, including spikes between
 * two samples. Elsewhere it falls back to sampling process.memoryUsage.rss().
 */
export class PeakRssMeter {
  private sampled = 0;
  private hwmReset = false;

  start(): void {
    this.sampled = process.memoryUsage.rss();
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      this.hwmReset = true;
    } catch {
      this.hwmReset = false;
    }
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.sampled) this.sampled = rss;
  }

  peakBytes(): number {
    this.sample();
    if (this.hwmReset) {
      const hwm = readVmHwmBytes();
      if (hwm !== null) return Math.max(hwm, this.sampled);
    }
    return this.sampled;
  }
}

export function readVmHwmBytes(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface EnvironmentReading {
  cpu: CpuTimes | null;
  cpuFrequencyMHz: number | null;
  thermal: ThermalZone[];
}

export function readEnvironment(): EnvironmentReading {
  return { cpu: readCpuTimes(), cpuFrequencyMHz: readCpuFrequencyMHz(), thermal: readThermalZones() };
}

/** What the verdict rules and the result's environment need from a before/after pair. */
export interface RunEnvironmentFigures {
  cpuFrequencyMHz: { before: number | null; after: number | null };
  temperatureC: { before: number | null; after: number | null };
  otherProcessesCpuPercent: number | null;
  thermalTripCrossed: boolean | null;
}

export function compareEnvironment(before: EnvironmentReading, after: EnvironmentReading): RunEnvironmentFigures {
  return {
    cpuFrequencyMHz: { before: before.cpuFrequencyMHz, after: after.cpuFrequencyMHz },
    temperatureC: { before: maxTemperatureC(before.thermal), after: maxTemperatureC(after.thermal) },
    otherProcessesCpuPercent:
      before.cpu && after.cpu ? round1(otherProcessesCpuPercent(before.cpu, after.cpu) ?? NaN) : null,
    thermalTripCrossed: tripCrossed(before.thermal, after.thermal),
  };
}

function round1(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 10) / 10 : null;
}
