import * as os from 'node:os';
import si from 'systeminformation';
import { HardwareSchema, type Hardware, type SoftwareFingerprint, type TelemetryMessage } from '@fleetbench/protocol';
import { usableProviderNames, type BackendInfo } from '../runner/providers';
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

export interface EnvironmentSnapshot {
  cpuFrequencyMHz: number | null;
  temperatureC: number | null;
  cpuPercent: number | null;
}

/** Load, CPU %, temperature, frequency and free memory; null where the OS does not expose a value. */
export class TelemetrySampler {
  async sample(): Promise<TelemetrySample> {
    const [snap, mem] = await Promise.all([this.snapshot(), si.mem().catch(() => null)]);
    return {
      load1: Math.max(0, os.loadavg()[0] ?? 0),
      cpuPercent: snap.cpuPercent,
      temperatureC: snap.temperatureC,
      cpuFrequencyMHz: snap.cpuFrequencyMHz,
      memoryFreeBytes: mem?.available ?? os.freemem(),
    };
  }

  async snapshot(): Promise<EnvironmentSnapshot> {
    const [load, temp, speed] = await Promise.all([
      si.currentLoad().catch(() => null),
      si.cpuTemperature().catch(() => null),
      si.cpuCurrentSpeed().catch(() => null),
    ]);
    const cpuPercent =
      typeof load?.currentLoad === 'number' && Number.isFinite(load.currentLoad)
        ? Math.min(100, Math.max(0, load.currentLoad))
        : null;
    const ghz = positiveOrNull(speed?.avg);
    const temperatureC = typeof temp?.main === 'number' && Number.isFinite(temp.main) ? temp.main : null;
    return { cpuPercent, temperatureC, cpuFrequencyMHz: ghz === null ? null : Math.round(ghz * 1000) };
  }
}
