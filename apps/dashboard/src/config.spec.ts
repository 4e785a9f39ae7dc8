import { parseConfig } from './config';

describe('parseConfig', () => {
  it('defaults to the local hub', () => {
    expect(parseConfig({})).toEqual({
      hubUrl: 'http://127.0.0.1:4000',
      hubPublicUrl: 'http://127.0.0.1:4000',
      hubTimeoutMs: 5000,
      cookieSecure: 'auto',
    });
  });

  it('uses the hub URL for the browser unless a public URL is given, and strips trailing slashes', () => {
    expect(parseConfig({ FLEETBENCH_HUB_URL: 'http://hub:4000/' }).hubPublicUrl).toBe('http://hub:4000');
    const c = parseConfig({
      FLEETBENCH_HUB_URL: 'http://hub:4000',
      FLEETBENCH_HUB_PUBLIC_URL: 'https://fleet.example.com',
    });
    expect(c).toMatchObject({ hubUrl: 'http://hub:4000', hubPublicUrl: 'https://fleet.example.com' });
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ FLEETBENCH_HUB_PUBLIC_URL: '', FLEETBENCH_HUB_URL: ' ' }).hubUrl).toBe(
      'http://127.0.0.1:4000',
    );
  });

  it('rejects a malformed URL with a message naming the variable', () => {
    expect(() => parseConfig({ FLEETBENCH_HUB_URL: 'not a url' })).toThrow(/FLEETBENCH_HUB_URL/);
  });

  it('parses the cookie flag', () => {
    expect(parseConfig({ FLEETBENCH_COOKIE_SECURE: '1' }).cookieSecure).toBe(true);
    expect(parseConfig({ FLEETBENCH_COOKIE_SECURE: '0' }).cookieSecure).toBe(false);
  });
});
