import { ConfigError, loadConfig, stripCredentials } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: null,
      mqttUrl: null,
      mqttDynsec: false,
      port: 4000,
      host: '0.0.0.0',
      mqttPort: 1883,
      logLevel: 'info',
    });
    expect(c.dataDir).toMatch(/\.fleetbench\/hub$/);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({
        DATABASE_URL: 'mysql://x',
        FLEETBENCH_HUB_PORT: 'abc',
        LOG_LEVEL: 'loud',
        FLEETBENCH_ADMIN_TOKEN: 'short',
      });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const v of ['DATABASE_URL', 'FLEETBENCH_HUB_PORT', 'LOG_LEVEL', 'FLEETBENCH_ADMIN_TOKEN'])
        expect(problems).toContain(v);
    }
  });

  it('reads the security settings: TLS files (both or none), CORS origins, registration folders', () => {
    expect(loadConfig({})).toMatchObject({ tls: null, corsOrigins: [], registerDirs: [] });
    const c = loadConfig({
      FLEETBENCH_TLS_CERT: '/etc/fb/cert.pem',
      FLEETBENCH_TLS_KEY: '/etc/fb/key.pem',
      FLEETBENCH_CORS_ORIGINS: 'https://dash.example.com, http://localhost:3000/',
      FLEETBENCH_REGISTER_DIRS: '/srv/models:/srv/datasets',
    });
    expect(c).toMatchObject({
      tls: { certFile: '/etc/fb/cert.pem', keyFile: '/etc/fb/key.pem' },
      corsOrigins: ['https://dash.example.com', 'http://localhost:3000'],
      registerDirs: ['/srv/models', '/srv/datasets'],
    });
    expect(() => loadConfig({ FLEETBENCH_TLS_CERT: '/etc/fb/cert.pem' })).toThrow(/FLEETBENCH_TLS_KEY/);
    expect(() => loadConfig({ FLEETBENCH_CORS_ORIGINS: 'https://dash.example.com/path' })).toThrow(
      /FLEETBENCH_CORS_ORIGINS/,
    );
    expect(() => loadConfig({ FLEETBENCH_CORS_ORIGINS: '*' })).toThrow(/FLEETBENCH_CORS_ORIGINS/);
  });

  it('treats empty strings as unset and strips broker credentials for agents', () => {
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeNull();
    const c = loadConfig({ MQTT_URL: 'mqtt://fleetbench-hub:secret@10.0.0.2:1883', FLEETBENCH_MQTT_DYNSEC: '1' });
    expect(c.mqttDynsec).toBe(true);
    expect(stripCredentials(c.mqttUrl!)).toBe('mqtt://10.0.0.2:1883');
  });

  it('reads REDIS_URL (redis:// or rediss://) for the socket.io Redis adapter; unset keeps the in-memory one', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://:pw@redis:6379/0' }).redisUrl).toBe('redis://:pw@redis:6379/0');
    expect(() => loadConfig({ REDIS_URL: 'http://redis:6379' })).toThrow(
      /REDIS_URL: expected a URL starting with redis:/,
    );
  });
});
