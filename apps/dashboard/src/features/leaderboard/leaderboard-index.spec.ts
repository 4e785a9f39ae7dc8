import { commonSettings, indexClasses, selectIndex } from './leaderboard-index';

const e = (id: string, key: string, models: number) => ({
  hardwareClassId: id,
  hardwareClassName: id.toUpperCase(),
  settingsKey: key,
  models,
});

describe('leaderboard index', () => {
  const idx = [
    e('b', 'throughput/bs8/t0x0/cpu/onnxruntime-node/opt-all', 3),
    e('b', 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all', 5),
    e('a', 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all', 2),
    e('c', 'accuracy/bs1/t0x0/cpu/onnxruntime-node/opt-all', 1),
  ];
  const classes = indexClasses(idx, [{ id: 'c', name: 'Pi 5', key: 'c', devices: 4 }]);

  it('groups by class, by name, settings in natural order, with the class facts the hub knows', () => {
    expect(classes.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(classes[2]).toMatchObject({ name: 'C', devices: 4 });
    expect(classes[0]!.devices).toBeNull();
    expect(classes[1]!.settings.map((s) => s.key)).toEqual([
      'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
      'throughput/bs8/t0x0/cpu/onnxruntime-node/opt-all',
    ]);
    expect(classes[1]!.models).toBe(5);
  });

  it('selects the requested class or the class with the most models', () => {
    expect(selectIndex(classes, {})).toMatchObject({
      cls: { id: 'b' },
      settingsKey: 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
    });
    expect(
      selectIndex(classes, { classId: 'b', settingsKey: 'throughput/bs8/t0x0/cpu/onnxruntime-node/opt-all' })!
        .settingsKey,
    ).toBe('throughput/bs8/t0x0/cpu/onnxruntime-node/opt-all');
    expect(selectIndex(classes, { classId: 'a', settingsKey: 'nope' })!.settingsKey).toBe(
      'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
    );
    expect(selectIndex([], {})).toBeNull();
  });

  it('common settings across classes', () => {
    expect(commonSettings(classes.slice(0, 2))).toEqual(['latency/bs1/t0x0/cpu/onnxruntime-node/opt-all']);
    expect(commonSettings([])).toEqual([]);
  });
});
