import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CounterMeter, why, type EnergyProbe, type ProbeOutcome } from './meters';

export type ReadText = (file: string) => string;
const readSys: ReadText = (file) => readFileSync(file, 'utf8');

/**
 * Linux powercap RAPL (Intel, and AMD Zen through the same driver): the top-level zones intel-rapl:N, the CPU
 * packages when there are any, else the platform zone (psys) alone, never both (psys already contains the packages).
 * Sub-zones (core, uncore, dram) are parts of their package and are not added.
 */
export class RaplProbe implements EnergyProbe {
  readonly source = 'rapl' as const;

  constructor(
    private readonly sysRoot = '/sys',
    private readonly pollMs = 1000,
    /** How files are read (tests stand in for a kernel that refuses non-root readers). */
    private readonly readText: ReadText = readSys,
  ) {}

  async open(): Promise<ProbeOutcome> {
    const base = path.join(this.sysRoot, 'class/powercap');
    let zones: string[];
    try {
      zones = readdirSync(base).filter((d) => /^intel-rapl:\d+$/.test(d));
    } catch {
      zones = [];
    }
    if (!zones.length)
      return {
        unavailable: `no ${base}/intel-rapl:* zones (not an x86 CPU with the intel_rapl driver, or /sys is not the host's)`,
      };
    const named = zones.map((z) => ({ dir: path.join(base, z), name: this.nameOf(path.join(base, z)) ?? z }));
    const packages = named.filter((z) => z.name.startsWith('package'));
    const chosen = packages.length ? packages : named;
    const readNumber = (file: string) => Number(this.readText(file).trim());
    const counters = [];
    for (const z of chosen) {
      const file = path.join(z.dir, 'energy_uj');
      try {
        readNumber(file);
      } catch (err) {
        const reason = why(err);
        return {
          unavailable:
            reason === 'permission denied'
              ? `energy_uj not readable: permission denied (RAPL needs root since CVE-2020-8694; or allow it with chmod o+r ${path.join(base, 'intel-rapl:*/energy_uj')})`
              : `${file} not readable: ${reason}`,
        };
      }
      let rangeUj: number | null = null;
      try {
        rangeUj = readNumber(path.join(z.dir, 'max_energy_range_uj'));
      } catch {
        // Without the range a wrap cannot be corrected; it is then counted as no energy for that poll.
      }
      counters.push({ read: () => readNumber(file), rangeUj });
    }
    const names = chosen.map((z) => z.name).join(' + ');
    const what = packages.length ? 'CPU packages' : 'platform';
    return { meter: new CounterMeter(`${names} (${what})`, counters, this.pollMs) };
  }

  private nameOf(dir: string): string | null {
    try {
      return this.readText(path.join(dir, 'name')).trim() || null;
    } catch {
      return null;
    }
  }
}
