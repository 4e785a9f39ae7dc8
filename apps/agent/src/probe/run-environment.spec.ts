import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TelemetrySampler } from './hardware.probe';
import {
  compareEnvironment,
  machineCpuPercent,
  otherProcessesCpuPercent,
  PeakRssMeter,
  readCpuFrequencyMHz,
  readCpuTimes,
  readThermalZones,
  tripCrossed,
} from './run-environment';

function fakeRoot(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'fb-proc-'));
}

describe('run environment readers', () => {
  it('parses /proc/stat and /proc/self/stat (a comm with spaces and parentheses)', () => {
    const root = fakeRoot();
    mkdirSync(path.join(root, 'self'));
    writeFileSync(path.join(root, 'stat'), 'cpu  100 5 50 1000 7 3 2 1 0 0\ncpu0 1 2 3\n');
    // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    writeFileSync(path.join(root, 'self', 'stat'), '42 (node (x) y) R 1 1 1 0 -1 0 0 0 0 0 30 20 99 99 20 0\n');
    const t = readCpuTimes(root)!;
    expect(t.machineBusyTicks).toBe(100 + 5 + 50 + 3 + 2 + 1);
    expect(t.selfTicks).toBe(50);
  });

  it('computes other processes’ CPU in % of one core', () => {
    // 2 s of wall time; the machine was busy 300 ticks (3 CPU-s), this process 100 ticks → others 2 CPU-s = 100 %.
    const before = { machineBusyTicks: 1000, selfTicks: 500, atMs: 0 };
    const after = { machineBusyTicks: 1300, selfTicks: 600, atMs: 2000 };
    expect(otherProcessesCpuPercent(before, after)).toBeCloseTo(100);
    expect(otherProcessesCpuPercent(before, { ...after, machineBusyTicks: 1090 })).toBe(0);
  });

  it('reads cpufreq and thermal zones with trip points from /sys', () => {
    const root = fakeRoot();
    for (const [cpu, khz] of [
      ['cpu0', 1_800_000],
      ['cpu1', 2_000_000],
    ] as const) {
      mkdirSync(path.join(root, 'devices/system/cpu', cpu, 'cpufreq'), { recursive: true });
      writeFileSync(path.join(root, 'devices/system/cpu', cpu, 'cpufreq/scaling_cur_freq'), `${khz}\n`);
    }
    expect(readCpuFrequencyMHz(root, root)).toBe(1900);
    const zone = path.join(root, 'class/thermal/thermal_zone0');
    mkdirSync(zone, { recursive: true });
    writeFileSync(path.join(zone, 'type'), 'x86_pkg_temp\n');
    writeFileSync(path.join(zone, 'temp'), '71000\n');
    writeFileSync(path.join(zone, 'trip_point_0_temp'), '80000\n');
    writeFileSync(path.join(zone, 'trip_point_1_temp'), '100000\n');
    const before = readThermalZones(root);
    expect(before).toEqual([{ name: 'x86_pkg_temp', tempC: 71, tripsC: [80, 100] }]);
    writeFileSync(path.join(zone, 'temp'), '82000\n');
    const after = readThermalZones(root);
    expect(tripCrossed(before, after)).toBe(true);
    expect(tripCrossed(after, after)).toBe(false);
    expect(tripCrossed([], [])).toBeNull();
    const figures = compareEnvironment(
      { cpu: null, cpuFrequencyMHz: 2000, thermal: before },
      { cpu: null, cpuFrequencyMHz: 1500, thermal: after },
    );
    expect(figures).toEqual({
      cpuFrequencyMHz: { before: 2000, after: 1500 },
      temperatureC: { before: 71, after: 82 },
      otherProcessesCpuPercent: null,
      thermalTripCrossed: true,
    });
  });

  it('this machine exposes CPU times and a frequency', () => {
    if (process.platform !== 'linux') return;
    expect(readCpuTimes()).not.toBeNull();
    expect(readCpuFrequencyMHz()).toBeGreaterThan(0);
  });

  it('peak RSS covers a short spike between samples (VmHWM reset at start)', () => {
    const meter = new PeakRssMeter();
    meter.start();
    let spike: Buffer | null = Buffer.alloc(64 * 2 ** 20, 1);
    // Read RSS behind the meter's back while the spike is held (a GC may have shrunk the heap just before, so
    // compare with this reading rather than with a baseline taken earlier).
    const during = process.memoryUsage.rss();
    spike = null;
    void spike;
    expect(meter.peakBytes()).toBeGreaterThanOrEqual(during);
  });
});

describe('telemetry from /proc and /sys (no child processes)', () => {
  it('computes the machine’s busy share of all cores between two readings', () => {
    // 2 cores, 4 s: 400 ticks busy of 800 possible → 50 %.
    const before = { machineBusyTicks: 1000, selfTicks: 0, atMs: 0 };
    expect(machineCpuPercent(before, { ...before, machineBusyTicks: 1400, atMs: 4000 }, 2)).toBeCloseTo(50);
    expect(machineCpuPercent(before, { ...before, machineBusyTicks: 9999, atMs: 4000 }, 2)).toBe(100);
    expect(machineCpuPercent(before, before, 2)).toBeNull();
  });

  it('samples load, CPU %, hottest zone, frequency and MemAvailable from fake roots', async () => {
    const proc = fakeRoot();
    const sys = fakeRoot();
    mkdirSync(path.join(proc, 'self'));
    writeFileSync(path.join(proc, 'self', 'stat'), '1 (node) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0\n');
    writeFileSync(path.join(proc, 'stat'), 'cpu  100 0 100 1000 0 0 0 0 0 0\n');
    writeFileSync(path.join(proc, 'meminfo'), 'MemTotal: 8000000 kB\nMemFree: 100 kB\nMemAvailable: 4000000 kB\n');
    writeFileSync(path.join(proc, 'cpuinfo'), 'cpu MHz\t\t: 1800.000\ncpu MHz\t\t: 2200.000\n');
    for (const [zone, milli] of [
      ['thermal_zone0', '41000'],
      ['thermal_zone1', '57500'],
    ]) {
      mkdirSync(path.join(sys, 'class/thermal', zone), { recursive: true });
      writeFileSync(path.join(sys, 'class/thermal', zone, 'temp'), milli);
    }
    const sampler = new TelemetrySampler({ proc, sys });
    // The machine works between the two readings: the first sample reports its share since the sampler started.
    writeFileSync(path.join(proc, 'stat'), 'cpu  300 0 300 1000 0 0 0 0 0 0\n');
    const t = await sampler.sample();
    expect(t.temperatureC).toBe(57.5);
    expect(t.cpuFrequencyMHz).toBe(2000); // no cpufreq in the fake /sys: /proc/cpuinfo's mean
    expect(t.memoryFreeBytes).toBe(4000000 * 1024);
    expect(t.cpuPercent).toBeGreaterThan(0);
    expect(t.cpuPercent).toBeLessThanOrEqual(100);
    expect(t.load1).toBeGreaterThanOrEqual(0);
    // Nothing happened since: 0 %.
    expect((await sampler.sample()).cpuPercent).toBe(0);
  });
});
