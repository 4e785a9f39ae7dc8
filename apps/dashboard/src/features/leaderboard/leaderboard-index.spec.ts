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
    e('r', 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all', 9),
  ];
  const classes = indexClasses(idx, [{ id: 'r', name: 'Ref', key: 'r', isReference: true, devices: 0 }]);

  it('groups by class, measured first, settings in natural order', () => {
    expect(classes.map((c) => c.id)).toEqual(['a', 'b', 'r']);
    expect(classes[1]!.settings.map((s) => s.key)).toEqual([
      'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
      'throughput/bs8/t0x0/cpu/onnxruntime-node/opt-all',
    ]);
    expect(classes[1]!.models).toBe(5);
  });

  it('selects the requested class or the measured class with the most models', () => {
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
