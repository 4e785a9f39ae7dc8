import * as os from 'node:os';
import si from 'systeminformation';
import { HardwareSchema, type Hardware, type SoftwareFingerprint, type TelemetryMessage } from '@fleetbench/protocol';
import { usableProviderNames, type BackendInfo } from '../runner/providers';
import {
  machineCpuPercent,
  maxTemperatureC,
  readCpuFrequencyMHz,
  readCpuTimes,
  readMemAvailableBytes,
  readThermalZones,
  type CpuTimes,
} from './run-environment';
import { AGENT_VERSION, onnxruntimeVersion } from '../version';

const positiveOrNull = (n: number | null | undefined): number | null =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;

/** Describes the machine for the hub's hardware class. Every probe tolerates missing data. */
export async function probeHardware(): Promise<Hardware> {
  const [cpu, mem, osInfo, graphics] = await Promise.all([
    si.cpu().catch(() => null),
    si.mem().catch(() => null),
    si.osInfo().catch(() => null),
    si.graphics().catch(() => null),
  ]);
  const logical = os.cpus().length || cpu?.cores || 1;
  const model =
    [cpu?.manufacturer, cpu?.brand]
      .filter((s) => s && s.trim())
      .join(' ')
      .trim() ||
    os.cpus()[0]?.model?.trim() ||
    'unknown';
  const maxGHz = positiveOrNull(cpu?.speedMax) ?? positiveOrNull(cpu?.speed);
  return HardwareSchema.parse({
    cpu: {
      vendor: cpu?.vendor || cpu?.manufacturer || 'unknown',
      model,
      arch: os.arch(),
      physicalCores: cpu?.physicalCores ?? logical,
      logicalCores: logical,
      maxFrequencyMHz: maxGHz === null ? null : Math.round(maxGHz * 1000),
    },
    memoryBytes: mem?.total || os.totalmem(),
    accelerators: (graphics?.controllers ?? [])
      .filter((c) => c.model)
      .map((c) => ({
        kind: 'gpu',
        model: `${c.vendor ? `${c.vendor} ` : ''}${c.model}`.trim(),
        ...(c.vram ? { memoryBytes: c.vram * 2 ** 20 } : {}),
      })),
    os: {
      platform: osInfo?.platform || os.platform(),
      distro: osInfo?.distro || os.type(),
      release: osInfo?.release || os.release(),
      kernel: osInfo?.kernel || os.release(),
    },
    hostname: osInfo?.hostname || os.hostname(),
  });
}

/** Without `backends` this loads onnxruntime-node in-process; the daemon passes `cachedBackends(...)` instead. */
export function softwareFingerprint(backends?: BackendInfo[] | null): SoftwareFingerprint {
  return {
    agentVersion: AGENT_VERSION,
    nodeVersion: process.versions.node,
    onnxruntimeVersion: onnxruntimeVersion(),
    executionProviders: usableProviderNames(backends),
  };
}

export type TelemetrySample = Omit<TelemetryMessage, 'v' | 'ts'>;

/**
 * Load, machine CPU %, temperature, frequency and available memory for the periodic telemetry message; null where the
 * OS does not expose a value. Read straight from /proc and /sys with the readers the run environment uses. The
 * systeminformation calls this replaced spawned about eight shells and commands per sample (`cat` of thermal zones,
 * `sensors`, `cat /proc/stat | grep`) and cost 8.7–9.5 ms of CPU on the agent's main thread (now ≈ 0.5 ms) — every
 * 30 s, also while a benchmark runs, where the children counted as other processes' load and the main thread is the
 * one that drives inference.
 */
export class TelemetrySampler {
  private last: CpuTimes | null;

  constructor(private readonly roots: { proc?: string; sys?: string } = {}) {
    this.last = readCpuTimes(roots.proc);
  }

  async sample(): Promise<TelemetrySample> {
    const now = readCpuTimes(this.roots.proc);
    const cpuPercent = now && this.last ? machineCpuPercent(this.last, now, os.cpus().length) : null;
    this.last = now;
    return {
      load1: Math.max(0, os.loadavg()[0] ?? 0),
      cpuPercent,
      temperatureC: maxTemperatureC(readThermalZones(this.roots.sys)),
      cpuFrequencyMHz: readCpuFrequencyMHz(this.roots.sys, this.roots.proc),
      memoryFreeBytes: readMemAvailableBytes(this.roots.proc),
    };
  }
}
