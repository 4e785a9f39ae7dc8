import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EnergyReadingSchema } from '@fleetbench/protocol';
import { energyProbes, finishEnergy, openEnergy } from './energy';
import { HwmonEnergyProbe, HwmonPowerProbe } from './hwmon';
import { Ina3221Probe } from './ina3221';
import { GaugeMeter, type EnergyMeter, type ProbeOutcome } from './meters';
import { NvidiaSmiProbe } from './nvidia-smi';
import { RaplProbe } from './rapl';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'fb-energy-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Writes files under the fake root: { 'class/powercap/intel-rapl:0/name': 'package-0', … }. */
function tree(files: Record<string, string | number>): void {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), `${body}\n`);
  }
}
const meterOf = (o: ProbeOutcome): EnergyMeter => {
  if (!('meter' in o)) throw new Error(`unavailable: ${o.unavailable}`);
  return o.meter;
};
const RANGE = 262143328850;

describe('RAPL', () => {
  const zones = (pkg0: number, pkg1: number, psys = 1e9, core = 1e9) =>
    tree({
      'class/powercap/intel-rapl:0/name': 'package-0',
      'class/powercap/intel-rapl:0/energy_uj': pkg0,
      'class/powercap/intel-rapl:0/max_energy_range_uj': RANGE,
      'class/powercap/intel-rapl:0:0/name': 'core',
      'class/powercap/intel-rapl:0:0/energy_uj': core,
      'class/powercap/intel-rapl:1/name': 'package-1',
      'class/powercap/intel-rapl:1/energy_uj': pkg1,
      'class/powercap/intel-rapl:1/max_energy_range_uj': RANGE,
      'class/powercap/intel-rapl:2/name': 'psys',
      'class/powercap/intel-rapl:2/energy_uj': psys,
    });

  it('adds the packages (not their sub-zones, not psys) and corrects a wrap-around with max_energy_range_uj', async () => {
    zones(RANGE - 1_000_000, 5_000_000);
    const meter = meterOf(await new RaplProbe(root, 60_000).open());
    expect(meter.scope).toBe('package-0 + package-1 (CPU packages)');
    meter.start();
    zones(2_000_000, 9_000_000, 9e9, 9e9); // package-0 wrapped: 1 J before the wrap + 2 J after; package-1 4 J
    const { joules } = await meter.stop();
    expect(joules).toBeCloseTo(7, 9);
  });

  it('measures psys alone when there is no package zone', async () => {
    tree({ 'class/powercap/intel-rapl:0/name': 'psys', 'class/powercap/intel-rapl:0/energy_uj': 10 });
    expect(meterOf(await new RaplProbe(root).open()).scope).toBe('psys (platform)');
  });

  it('names the CVE when energy_uj is root-only, and says when there is no powercap at all', async () => {
    zones(1, 1);
    const refuse = (file: string) => {
      if (file.endsWith('energy_uj')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      return 'package-0';
    };
    const denied = await new RaplProbe(root, 1000, refuse).open();
    expect(denied).toEqual({
      unavailable: expect.stringMatching(
        /^energy_uj not readable: permission denied \(RAPL needs root since CVE-2020-8694/,
      ),
    });
    expect(await new RaplProbe(path.join(root, 'none')).open()).toEqual({
      unavailable: expect.stringMatching(/no .*class\/powercap\/intel-rapl:\* zones/),
    });
  });
});

describe('hwmon', () => {
  it('energy counters: the socket total of amd_energy, not its per-core counters as well', async () => {
    const write = (socket: number, core: number) =>
      tree({
        'class/hwmon/hwmon0/name': 'amd_energy',
        'class/hwmon/hwmon0/energy1_label': 'Ecore000',
        'class/hwmon/hwmon0/energy1_input': core,
        'class/hwmon/hwmon0/energy17_label': 'Esocket0',
        'class/hwmon/hwmon0/energy17_input': socket,
      });
    write(1_000_000, 0);
    const meter = meterOf(await new HwmonEnergyProbe(root, 60_000).open());
    expect(meter.scope).toBe('amd_energy Esocket0');
    meter.start();
    write(3_500_000, 2_000_000);
    expect((await meter.stop()).joules).toBeCloseTo(2.5, 9);
  });

  it('power gauges are summed over chips (GPU drivers and INA3221 left out); none → a reason', async () => {
    tree({
      'class/hwmon/hwmon0/name': 'acpi_power_meter',
      'class/hwmon/hwmon0/power1_average': 95_000_000,
      'class/hwmon/hwmon1/name': 'amdgpu',
      'class/hwmon/hwmon1/power1_average': 30_000_000,
    });
    expect(meterOf(await new HwmonPowerProbe(root).open()).scope).toBe('acpi_power_meter power1');
    expect(await new HwmonEnergyProbe(root).open()).toEqual({ unavailable: 'no hwmon chip exposes energy*_input' });
  });
});

describe('GaugeMeter', () => {
  it('integrates the power readings over time (trapezoids)', async () => {
    let now = 0;
    let watts = 10;
    const meter = new GaugeMeter(
      'test',
      () => watts,
      60_000,
      () => now,
    );
    meter.start();
    now = 1000;
    watts = 20;
    (meter as GaugeMeter).poll(); // 1 s from 10 W to 20 W: 15 J
    now = 3000; // 2 s at 20 W: 40 J
    expect(await meter.stop()).toEqual({ joules: 55, seconds: 3 });
  });
});

describe('INA3221 (Jetson)', () => {
  it('mainline hwmon driver: the board input rail VDD_IN, V × I', async () => {
    tree({
      'class/hwmon/hwmon3/name': 'ina3221',
      'class/hwmon/hwmon3/in1_label': 'VDD_IN',
      'class/hwmon/hwmon3/in1_input': 5000,
      'class/hwmon/hwmon3/curr1_input': 2000,
      'class/hwmon/hwmon3/in2_label': 'VDD_CPU_GPU_CV',
      'class/hwmon/hwmon3/in2_input': 5000,
      'class/hwmon/hwmon3/curr2_input': 800,
    });
    let now = 0;
    const opened = meterOf(await new Ina3221Probe(root, 60_000).open());
    expect(opened.scope).toBe('VDD_IN rail (board input)');
    // The same rails through a meter with a made-up clock: 10 W for 2 s.
    const m = new GaugeMeter(
      opened.scope,
      () => 10,
      60_000,
      () => now,
    );
    m.start();
    now = 2000;
    expect((await m.stop()).joules).toBe(20);
  });

  it('L4T ina3221x driver: in_power (mW) rails; the sum when no input rail is named', async () => {
    tree({
      'bus/i2c/drivers/ina3221x/1-0040/iio:device0/rail_name_0': 'VDD_SYS_GPU',
      'bus/i2c/drivers/ina3221x/1-0040/iio:device0/in_power0_input': 1500,
      'bus/i2c/drivers/ina3221x/1-0040/iio:device0/rail_name_1': 'VDD_SYS_SOC',
      'bus/i2c/drivers/ina3221x/1-0040/iio:device0/in_power1_input': 2500,
    });
    const meter = meterOf(await new Ina3221Probe(root, 20).open());
    expect(meter.scope).toBe('sum of rails VDD_SYS_GPU, VDD_SYS_SOC');
    meter.start();
    await new Promise((r) => setTimeout(r, 120));
    const { joules, seconds } = await meter.stop();
    expect(joules / seconds).toBeCloseTo(4, 6);
  });
});

describe('nvidia-smi', () => {
  /** A stand-in nvidia-smi: prints one CSV line, or one every 20 ms with -lms. */
  function fakeSmi(line: string): string {
    const file = path.join(root, 'nvidia-smi');
    writeFileSync(
      file,
      `#!/usr/bin/env node
const loop = process.argv.some((a) => a.startsWith('-lms'));
const say = () => process.stdout.write(${JSON.stringify(line)} + '\\n');
say();
if (loop) setInterval(say, 20);
`,
    );
    chmodSync(file, 0o755);
    return file;
  }

  it('streams power.draw of GPU 0 and integrates it', async () => {
    const meter = meterOf(await new NvidiaSmiProbe(fakeSmi('0, NVIDIA H200, 250.00'), 0, 20).open());
    expect(meter.scope).toBe('GPU 0 (NVIDIA H200)');
    meter.start();
    await new Promise((r) => setTimeout(r, 400));
    const { joules, seconds } = await meter.stop();
    expect(seconds).toBeGreaterThan(0.35);
    expect(joules / seconds).toBeCloseTo(250, 6);
  });

  it('says why: no nvidia-smi, or a GPU without power readings', async () => {
    expect(await new NvidiaSmiProbe(path.join(root, 'missing')).open()).toEqual({
      unavailable: `${path.join(root, 'missing')} not found (no NVIDIA driver installed)`,
    });
    expect(await new NvidiaSmiProbe(fakeSmi('0, Tesla K80, [N/A]')).open()).toEqual({
      unavailable: 'GPU 0 (Tesla K80) does not report power.draw',
    });
  });
});

describe('choosing a source', () => {
  it('GPU providers are measured at the GPU or the board, CPU runs never at the GPU', () => {
    expect(energyProbes('cuda').map((p) => p.source)).toEqual(['nvidia-smi', 'ina3221']);
    expect(energyProbes('tensorrt').map((p) => p.source)).toEqual(['nvidia-smi', 'ina3221']);
    expect(energyProbes('cpu').map((p) => p.source)).toEqual(['rapl', 'hwmon-energy', 'ina3221', 'hwmon-power']);
  });

  it('takes the first source that opens, and gives joules per inference; else every reason', async () => {
    tree({ 'class/hwmon/hwmon0/name': 'acpi_power_meter', 'class/hwmon/hwmon0/power1_input': 50_000_000 });
    const opened = await openEnergy(energyProbes('cpu', { sysRoot: root }));
    expect('meter' in opened && opened.source).toBe('hwmon-power');
    if ('meter' in opened) opened.meter.start();
    await new Promise((r) => setTimeout(r, 50));
    const reading = EnergyReadingSchema.parse(await finishEnergy(opened, 100));
    expect(reading).toMatchObject({ status: 'measured', source: 'hwmon-power', scope: 'acpi_power_meter power1' });
    if (reading.status !== 'measured') throw new Error('unreachable');
    expect(reading.averageWatts).toBeCloseTo(50, 2); // joules and seconds are rounded (4 and 3 decimals)
    expect(reading.joulesPerInference).toBeCloseTo(reading.joules / 100, 5);

    const none = EnergyReadingSchema.parse(await openEnergy(energyProbes('cpu', { sysRoot: path.join(root, 'x') })));
    expect(none.status === 'unavailable' && none.reasons.map((r) => r.source)).toEqual([
      'rapl',
      'hwmon-energy',
      'ina3221',
      'hwmon-power',
    ]);
  });

  it('on this machine: the real /sys gives a reading or a reason for every source', async () => {
    const opened = await openEnergy(energyProbes('cpu'));
    const reading = await finishEnergy(opened, 1);
    expect(() => EnergyReadingSchema.parse(reading)).not.toThrow();
    if (reading.status === 'unavailable') expect(reading.reasons).toHaveLength(4);
  });
});
