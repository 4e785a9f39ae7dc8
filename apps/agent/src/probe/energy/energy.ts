import type { EnergyReading } from '@fleetbench/protocol';
import { HwmonEnergyProbe, HwmonPowerProbe } from './hwmon';
import { Ina3221Probe } from './ina3221';
import type { EnergyMeter, EnergyProbe } from './meters';
import { NvidiaSmiProbe } from './nvidia-smi';
import { RaplProbe } from './rapl';

/** Where each source looks; tests point them at fake trees and a fake nvidia-smi. */
export interface EnergyRoots {
  sysRoot?: string;
  nvidiaSmi?: string;
}

const GPU_PROVIDERS = new Set(['cuda', 'tensorrt']);

/**
 * The sources worth asking for a run on `provider`, best first: a GPU run is measured at the GPU (nvidia-smi) or the
 * board (Jetson INA3221); a CPU run at the CPU packages (RAPL), hwmon counters, the board, then hwmon gauges — never
 * at an idle GPU.
 */
export function energyProbes(provider: string, roots: EnergyRoots = {}): EnergyProbe[] {
  const sys = roots.sysRoot ?? '/sys';
  if (GPU_PROVIDERS.has(provider)) return [new NvidiaSmiProbe(roots.nvidiaSmi), new Ina3221Probe(sys)];
  return [new RaplProbe(sys), new HwmonEnergyProbe(sys), new Ina3221Probe(sys), new HwmonPowerProbe(sys)];
}

export type OpenedEnergy = { meter: EnergyMeter; source: EnergyProbe['source'] } | EnergyReading;

/** The first source that can measure here, or every source's reason. */
export async function openEnergy(probes: EnergyProbe[]): Promise<OpenedEnergy> {
  const reasons: { source: EnergyProbe['source']; reason: string }[] = [];
  for (const p of probes) {
    const r = await p.open().catch((err: Error) => ({ unavailable: err.message }));
    if ('meter' in r) return { meter: r.meter, source: p.source };
    reasons.push({ source: p.source, reason: r.unavailable.slice(0, 1000) });
  }
  return { status: 'unavailable', reasons };
}

/** Stops the meter and turns its energy into the result's figures for `inferences` images. */
export async function finishEnergy(opened: OpenedEnergy, inferences: number): Promise<EnergyReading> {
  if (!('meter' in opened)) return opened;
  try {
    const { joules, seconds } = await opened.meter.stop();
    return {
      status: 'measured',
      source: opened.source,
      scope: opened.meter.scope.slice(0, 256),
      seconds: round(seconds, 3),
      joules: round(joules, 4),
      averageWatts: seconds > 0 ? round(joules / seconds, 3) : 0,
      joulesPerInference: inferences > 0 ? round(joules / inferences, 7) : 0,
    };
  } catch (err) {
    return { status: 'unavailable', reasons: [{ source: opened.source, reason: (err as Error).message }] };
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
