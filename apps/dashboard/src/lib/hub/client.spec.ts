import { hubUrl } from './client';

describe('hubUrl', () => {
  it('joins base, path and non-empty query parameters', () => {
    expect(
      hubUrl('http://hub:4000', '/api/v1/leaderboard', { hardwareClassId: 'hc 1', settingsKey: undefined, x: '' }),
    ).toBe('http://hub:4000/api/v1/leaderboard?hardwareClassId=hc+1');
  });

  it('keeps a path prefix of the base URL', () => {
    expect(hubUrl('http://host/fleet', '/api/v1/devices')).toBe('http://host/fleet/api/v1/devices');
  });
});
