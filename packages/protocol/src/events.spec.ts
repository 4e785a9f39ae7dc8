import { HUB_EVENTS, parseHubEvent, type ResultCreatedEvent } from './events';

const summary: ResultCreatedEvent = {
  id: 'r1',
  jobId: 'j1',
  campaignId: 'c1',
  deviceId: 'agt-1',
  deviceName: 'pi-1',
  modelId: 'm1',
  modelName: 'mobilenet',
  hardwareClassId: 'hc-1',
  settingsKey: 'latency|cpu|fp32|b1|t0',
  p50Ms: 3.2,
  throughputIps: 310,
  top1: null,
  verdictStatus: 'valid',
  measuredAt: '2026-12-01T10:00:00.000Z',
};

describe('hub events', () => {
  it('names every event once', () => {
    expect(new Set(HUB_EVENTS).size).toBe(HUB_EVENTS.length);
    expect(HUB_EVENTS).toContain('results.created');
  });

  it('parses a payload against its event schema and refuses what does not match', () => {
    const batch = { results: [summary, { ...summary, id: 'r2' }] };
    expect(parseHubEvent('results.created', batch)).toEqual(batch);
    expect(parseHubEvent('results.created', { results: [{ ...summary, p50Ms: '3.2' }] })).toBeNull();
    expect(parseHubEvent('results.created', { results: [{ id: 'r1', jobId: 'j1' }] })).toBeNull();
    // A bare summary (the former per-result event) and an empty batch are not a batch.
    expect(parseHubEvent('results.created', summary)).toBeNull();
    expect(parseHubEvent('results.created', { results: [] })).toBeNull();
    expect(parseHubEvent('device.telemetry', { id: 'agt-1' })).toBeNull();
    const telemetry = {
      ts: '2026-12-01T10:00:00.000Z',
      load1: 0.5,
      cpuPercent: 12,
      temperatureC: null,
      cpuFrequencyMHz: null,
      memoryFreeBytes: 1024,
    };
    expect(parseHubEvent('device.telemetry', { id: 'agt-1', telemetry })).toEqual({ id: 'agt-1', telemetry });
  });
});
