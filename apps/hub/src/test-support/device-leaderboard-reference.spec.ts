import { computeDeviceLeaderboard } from './device-leaderboard-reference';

describe('computeDeviceLeaderboard', () => {
  const s = (deviceId: string, modelId: string, p50Ms: number, throughputIps = 1000 / p50Ms) => ({
    deviceId,
    modelId,
    settingsKey: 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
    hardwareClassId: 'hc',
    p50Ms,
    throughputIps,
  });

  it('takes the median per device × model and names devices and models', () => {
    const rows = computeDeviceLeaderboard(
      [s('d1', 'm1', 4), s('d1', 'm1', 6), s('d1', 'm1', 5), s('d2', 'm1', 8), s('d2', 'm2', 0)],
      new Map([
        ['d1', 'pi-1'],
        ['d2', 'pi-2'],
      ]),
      new Map([['m1', { name: 'mnist', family: 'LeNet' }]]),
    );
    expect(rows).toEqual([
      expect.objectContaining({ deviceId: 'd1', deviceName: 'pi-1', modelName: 'mnist', results: 3, p50Ms: 5 }),
      expect.objectContaining({ deviceId: 'd2', deviceName: 'pi-2', family: 'LeNet', results: 1, p50Ms: 8 }),
    ]);
    expect(rows[0]!.throughputIps).toBeCloseTo(200);
  });
});
