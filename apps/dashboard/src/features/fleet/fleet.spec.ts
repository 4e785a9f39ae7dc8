import type { Device, Job } from '@fleetbench/protocol';
import {
  applyTelemetry,
  describeCurrentJob,
  installCommand,
  parseTags,
  shellWord,
  sortDevices,
  summarizeFleet,
  upsertDevice,
  upsertJob,
  filterDevices,
} from './fleet';

function device(p: Partial<Device> & Pick<Device, 'id' | 'name'>): Device {
  return {
    tags: [],
    online: true,
    lastSeenAt: '2026-11-28T10:00:00.000Z',
    enrolledAt: '2026-11-27T10:00:00.000Z',
    hardwareClassId: 'hc-1',
    hardwareClassName: 'Xeon · x64 · 2 cores · 24 GiB',
    hardware: {
      cpu: { vendor: 'Intel', model: 'Xeon', arch: 'x64', physicalCores: 1, logicalCores: 2, maxFrequencyMHz: null },
      memoryBytes: 24 * 2 ** 30,
      accelerators: [],
      os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1' },
    },
    software: {
      agentVersion: '0.1.0',
      nodeVersion: 'v20.20.2',
      onnxruntimeVersion: '1.30.0',
      executionProviders: ['cpu'],
    },
    currentJobId: null,
    telemetry: null,
    ...p,
  };
}

function job(p: Partial<Job> & Pick<Job, 'id'>): Job {
  return {
    campaignId: 'c1',
    deviceId: 'dev-1',
    modelId: 'm1',
    modelName: 'MobileNetV3_small_x1_0',
    settings: {
      mode: 'latency',
      batchSize: 1,
      intraOpThreads: 0,
      interOpThreads: 0,
      executionProvider: 'cpu',
      graphOptimizationLevel: 'all',
      warmupIterations: 10,
      minIterations: 100,
      minDurationMs: 1000,
      maxDurationMs: 60000,
      seed: 1,
    },
    settingsKey: 'latency/bs1/t0x0/cpu/onnxruntime-node/opt-all',
    state: 'running',
    attempts: 1,
    progress: 0.42,
    error: null,
    updatedAt: '2026-11-28T10:00:00.000Z',
    ...p,
  };
}

describe('fleet state', () => {
  const a = device({ id: 'dev-a', name: 'node-10' });
  const b = device({ id: 'dev-b', name: 'node-2', online: false });
  const c = device({ id: 'dev-c', name: 'node-3' });

  it('upserts devices by id', () => {
    const updated = { ...a, online: false };
    expect(upsertDevice([a, b], updated)).toEqual([updated, b]);
    expect(upsertDevice([a], b)).toEqual([a, b]);
  });

  it('applies telemetry and bumps last seen, ignoring unknown devices', () => {
    const t = {
      ts: '2026-11-28T11:00:00.000Z',
      load1: 0.5,
      cpuPercent: 12,
      temperatureC: 55,
      cpuFrequencyMHz: 2900,
      memoryFreeBytes: 1e9,
    };
    const [first] = applyTelemetry([a], { id: 'dev-a', telemetry: t });
    expect(first?.telemetry).toEqual(t);
    expect(first?.lastSeenAt).toBe(t.ts);
    const list = [a];
    expect(applyTelemetry(list, { id: 'nope', telemetry: t })).toBe(list);
  });

  it('sorts online first, then natural name order', () => {
    expect(sortDevices([a, b, c]).map((d) => d.name)).toEqual(['node-3', 'node-10', 'node-2']);
  });

  it('summarizes the fleet', () => {
    expect(summarizeFleet([a, b, { ...c, currentJobId: 'j1' }])).toEqual({ total: 3, online: 2, busy: 1 });
  });
});

describe('current job', () => {
  it('keeps the newest version of a job', () => {
    const older = job({ id: 'j1', state: 'assigned', updatedAt: '2026-11-28T10:00:00.000Z' });
    const newer = job({ id: 'j1', state: 'running', updatedAt: '2026-11-28T10:00:05.000Z' });
    expect(upsertJob(upsertJob(new Map(), newer), older).get('j1')?.state).toBe('running');
  });

  it('describes the running job with its progress', () => {
    const jobs = new Map([['j1', job({ id: 'j1' })]]);
    expect(describeCurrentJob('j1', jobs)).toEqual({ label: 'MobileNetV3_small_x1_0 · 42%', state: 'running' });
    expect(describeCurrentJob('01JDZ8Q3R4S5T6V7W8X9Y0Z1AB', jobs)).toEqual({ label: 'job …X9Y0Z1AB', state: null });
    expect(describeCurrentJob(null, jobs)).toBeNull();
  });
});

describe('filterDevices', () => {
  const ds = [
    device({ id: 'a', name: 'a', tags: ['lab'], online: true, hardwareClassId: 'x' }),
    device({ id: 'b', name: 'b', tags: [], online: false, hardwareClassId: 'x' }),
    device({ id: 'c', name: 'c', tags: ['lab', 'arm'], online: false, hardwareClassId: 'y' }),
  ];
  it('filters by tag, class and online state together', () => {
    expect(filterDevices(ds, { tag: 'lab' }).map((d) => d.id)).toEqual(['a', 'c']);
    expect(filterDevices(ds, { hardwareClassId: 'x' }).map((d) => d.id)).toEqual(['a', 'b']);
    expect(filterDevices(ds, { tag: 'lab', online: false }).map((d) => d.id)).toEqual(['c']);
    expect(filterDevices(ds, {})).toHaveLength(3);
  });
});

describe('add device', () => {
  it('builds the install command with the hub URL and the token, quoting what the shell would split', () => {
    expect(installCommand('http://hub.lan:4000/', 'fbe_abc-123')).toBe(
      'curl -fsSL http://hub.lan:4000/api/v1/agent/install.sh | sudo bash -s -- --token fbe_abc-123',
    );
    expect(installCommand('http://hub:4000', 't', "lab pi's")).toBe(
      `curl -fsSL http://hub:4000/api/v1/agent/install.sh | sudo bash -s -- --token t --name 'lab pi'\\''s'`,
    );
    expect(installCommand('http://hub:4000', 't', '  ')).not.toContain('--name');
    expect(shellWord('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });

  it('parses tags from a comma or space separated field', () => {
    expect(parseTags(' lab, pi4  lab,,')).toEqual(['lab', 'pi4']);
    expect(parseTags('')).toEqual([]);
  });
});
