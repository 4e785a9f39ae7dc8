import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CounterMeter, GaugeMeter, why, type EnergyProbe, type ProbeOutcome } from './meters';

/** A hwmon chip: its folder, its driver name and its attribute files. */
export interface HwmonChip {
  dir: string;
  name: string;
  files: string[];
}

/** Chips measured elsewhere (INA3221 rails) or not the CPU's (GPU drivers); a CPU run must not count them. */
const NOT_HERE = new Set(['ina3221', 'amdgpu', 'nouveau', 'radeon']);

export function listHwmon(sysRoot: string): HwmonChip[] {
  const base = path.join(sysRoot, 'class/hwmon');
  let dirs: string[];
  try {
    dirs = readdirSync(base).filter((d) => /^hwmon\d+$/.test(d));
  } catch {
    return [];
  }
  return dirs.flatMap((d) => {
    const dir = path.join(base, d);
    try {
      return [{ dir, name: readText(path.join(dir, 'name')) ?? d, files: readdirSync(dir) }];
    } catch {
      return [];
    }
  });
}

export const readText = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
};
const readNumber = (file: string) => Number(readFileSync(file, 'utf8').trim());

/** The channels of `kind` (energy / power) on a chip, package or socket totals only when it labels them so. */
function channels(chip: HwmonChip, pattern: RegExp): { file: string; label: string }[] {
  const all = chip.files
    .map((f) => pattern.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      file: path.join(chip.dir, m[0]),
      label: readText(path.join(chip.dir, `${m[1]}${m[2]}_label`)) ?? `${m[1]}${m[2]}`,
    }));
  // amd_energy and similar list per-core counters beside the socket total: adding both would count twice.
  const totals = all.filter((c) => /socket|package|pkg/i.test(c.label));
  return totals.length ? totals : all;
}

function firstUnreadable(files: string[]): string | null {
  for (const f of files) {
    try {
      if (!Number.isFinite(readNumber(f))) return `${f} is not a number`;
    } catch (err) {
      return `${f} not readable: ${why(err)}`;
    }
  }
  return null;
}

/** hwmon energy counters (energyN_input, µJ). */
export class HwmonEnergyProbe implements EnergyProbe {
  readonly source = 'hwmon-energy' as const;
  constructor(
    private readonly sysRoot = '/sys',
    private readonly pollMs = 1000,
  ) {}

  async open(): Promise<ProbeOutcome> {
    const found = listHwmon(this.sysRoot)
      .filter((c) => !NOT_HERE.has(c.name))
      .flatMap((c) => channels(c, /^(energy)(\d+)_input$/).map((ch) => ({ ...ch, chip: c.name })));
    if (!found.length) return { unavailable: 'no hwmon chip exposes energy*_input' };
    const bad = firstUnreadable(found.map((f) => f.file));
    if (bad) return { unavailable: bad };
    const scope = found.map((f) => `${f.chip} ${f.label}`).join(' + ');
    return {
      meter: new CounterMeter(
        scope,
        found.map((f) => ({ read: () => readNumber(f.file), rangeUj: null })),
        this.pollMs,
      ),
    };
  }
}

/** hwmon power gauges (powerN_input or powerN_average, µW), sampled and integrated. */
export class HwmonPowerProbe implements EnergyProbe {
  readonly source = 'hwmon-power' as const;
  constructor(
    private readonly sysRoot = '/sys',
    private readonly pollMs = 200,
  ) {}

  async open(): Promise<ProbeOutcome> {
    const found = listHwmon(this.sysRoot)
      .filter((c) => !NOT_HERE.has(c.name))
      .flatMap((c) => {
        const inputs = channels(c, /^(power)(\d+)_input$/);
        return (inputs.length ? inputs : channels(c, /^(power)(\d+)_average$/)).map((ch) => ({ ...ch, chip: c.name }));
      });
    if (!found.length) return { unavailable: 'no hwmon chip exposes power*_input or power*_average' };
    const bad = firstUnreadable(found.map((f) => f.file));
    if (bad) return { unavailable: bad };
    const scope = found.map((f) => `${f.chip} ${f.label}`).join(' + ');
    const watts = () => found.reduce((w, f) => w + readNumber(f.file) / 1e6, 0);
    return { meter: new GaugeMeter(scope, watts, this.pollMs) };
  }
}
