import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { listHwmon, readText } from './hwmon';
import { GaugeMeter, type EnergyProbe, type ProbeOutcome } from './meters';

/** A rail of an INA3221 power monitor: its name and a reader of its power in watts. */
interface Rail {
  name: string;
  watts: () => number;
}

/** Rails that carry the whole board's input (Jetson Orin VDD_IN, Nano/TX2/Xavier POM_5V_IN / VDD_IN). */
const TOTAL_RAIL = /^(VDD_IN|POM_5V_IN|VIN|VIN_SYS_5V0)$/i;

const num = (file: string): number => {
  const t = readText(file);
  const n = t === null ? NaN : Number(t);
  if (!Number.isFinite(n)) throw new Error(`${file} not readable`);
  return n;
};

/** Mainline driver (JetPack 5+): hwmon "ina3221" with inN_label, inN_input (mV) and currN_input (mA). */
function hwmonRails(sysRoot: string): Rail[] {
  return listHwmon(sysRoot)
    .filter((c) => c.name === 'ina3221')
    .flatMap((c) =>
      [1, 2, 3]
        .filter((n) => c.files.includes(`in${n}_input`) && c.files.includes(`curr${n}_input`))
        .map((n) => ({
          name: readText(path.join(c.dir, `in${n}_label`)) ?? `${path.basename(c.dir)} channel ${n}`,
          watts: () => (num(path.join(c.dir, `in${n}_input`)) * num(path.join(c.dir, `curr${n}_input`))) / 1e6,
        })),
    );
}

/** Jetson L4T ≤ 32 driver: /sys/bus/i2c/drivers/ina3221x/<bus-addr>/iio:deviceN/in_power{0..2}_input (mW). */
function iioRails(sysRoot: string): Rail[] {
  const base = path.join(sysRoot, 'bus/i2c/drivers/ina3221x');
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  return list(base).flatMap((dev) =>
    list(path.join(base, dev))
      .filter((d) => d.startsWith('iio:device'))
      .flatMap((iio) => {
        const dir = path.join(base, dev, iio);
        return [0, 1, 2]
          .filter((n) => list(dir).includes(`in_power${n}_input`))
          .map((n) => ({
            name: readText(path.join(dir, `rail_name_${n}`)) ?? `${dev} channel ${n}`,
            watts: () => num(path.join(dir, `in_power${n}_input`)) / 1000,
          }));
      }),
  );
}

/** Jetson INA3221 rails: the board's input rail when there is one, else the sum of every rail (said in the scope). */
export class Ina3221Probe implements EnergyProbe {
  readonly source = 'ina3221' as const;
  constructor(
    private readonly sysRoot = '/sys',
    private readonly pollMs = 200,
  ) {}

  async open(): Promise<ProbeOutcome> {
    const rails = [...hwmonRails(this.sysRoot), ...iioRails(this.sysRoot)];
    if (!rails.length) return { unavailable: 'no INA3221 power monitor (hwmon "ina3221" or the ina3221x driver)' };
    const total = rails.find((r) => TOTAL_RAIL.test(r.name));
    const chosen = total ? [total] : rails;
    try {
      chosen.forEach((r) => r.watts());
    } catch (err) {
      return { unavailable: (err as Error).message };
    }
    const scope = total ? `${total.name} rail (board input)` : `sum of rails ${rails.map((r) => r.name).join(', ')}`;
    return { meter: new GaugeMeter(scope, () => chosen.reduce((w, r) => w + r.watts(), 0), this.pollMs) };
  }
}
