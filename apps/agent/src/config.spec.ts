import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { EnrollRequestSchema, type Hardware } from '@fleetbench/protocol';
import { ConfigError, loadAgentConfig, parseEnv, saveAgentConfig } from './config';
import { enroll } from './enroll';
import { AgentError } from './util/errors';
import { Backoff } from './util/backoff';

const hardware: Hardware = {
  cpu: { vendor: 'x', model: 'Test CPU', arch: 'x64', physicalCores: 2, logicalCores: 2, maxFrequencyMHz: null },
  memoryBytes: 2 ** 30,
  accelerators: [],
  os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6' },
};
const software = {
  agentVersion: '0.1.0',
  nodeVersion: '20',
  onnxruntimeVersion: '1.30.0',
  executionProviders: ['cpu'],
};
const fileConfig = {
  hubUrl: 'http://hub:4000/',
  agentId: 'agent-1',
  name: 'pi',
  mqtt: { url: 'mqtt://hub:1883', username: 'agent-1', password: 'secret' },
};

describe('config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-config-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('saves atomically with mode 0600 and loads with env overrides', async () => {
    const file = path.join(dir, 'sub', 'agent.json');
    await saveAgentConfig(file, fileConfig);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const cfg = await loadAgentConfig({
      env: {
        FLEETBENCH_AGENT_CONFIG: file,
        FLEETBENCH_AGENT_DATA_DIR: dir,
        FLEETBENCH_AGENT_TELEMETRY_INTERVAL_S: '5',
      },
    });
    expect(cfg).toMatchObject({
      hubUrl: 'http://hub:4000',
      agentId: 'agent-1',
      dataDir: dir,
      telemetryIntervalMs: 5000,
      logLevel: 'info',
    });
  });

  it('--config wins over the environment', async () => {
    const file = path.join(dir, 'a.json');
    await saveAgentConfig(file, fileConfig);
    const cfg = await loadAgentConfig({
      configFlag: file,
      env: { FLEETBENCH_AGENT_CONFIG: path.join(dir, 'missing.json') },
    });
    expect(cfg.configPath).toBe(file);
  });

  it('reports every problem at once, with what to do, and never the password', async () => {
    const file = path.join(dir, 'bad.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        ...fileConfig,
        hubUrl: 'ftp://x',
        agentId: 'a/+',
        mqtt: { url: 'mqtt://h', username: '', password: 'secret' },
      }),
    );
    const err = (await loadAgentConfig({ configFlag: file, env: {} }).catch((e) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toHaveLength(3);
    expect(err.message).toMatch(/hubUrl/);
    expect(err.message).toMatch(/agentId/);
    expect(err.message).toMatch(/mqtt\.username/);
    expect(err.message).toMatch(/enroll again/);
    expect(err.message).not.toContain('secret');
  });

  it('explains a missing file and bad environment values', async () => {
    const missing = await loadAgentConfig({ configFlag: path.join(dir, 'nope.json'), env: {} }).catch((e) => e);
    expect(missing.message).toMatch(/does not exist/);
    expect(missing.message).toMatch(/fleetbench-agent enroll --hub URL --token TOKEN/);
    expect(() => parseEnv({ LOG_LEVEL: 'loud', FLEETBENCH_AGENT_TELEMETRY_INTERVAL_S: '-1' })).toThrow(
      /TELEMETRY_INTERVAL_S[\s\S]*LOG_LEVEL/,
    );
  });
});

describe('enroll', () => {
  let dir: string;
  let server: http.Server;
  let url: string;
  let handler: (body: unknown, res: http.ServerResponse) => void;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => handler(JSON.parse(text), res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-enroll-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('posts an EnrollRequest and saves the credentials', async () => {
    let seen: unknown;
    handler = (body, res) => {
      seen = body;
      res.writeHead(201, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          agentId: 'agt-42',
          mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'agt-42', password: 'pw' },
          hardwareClassId: 'hc1',
        }),
      );
    };
    const configPath = path.join(dir, 'agent.json');
    await enroll({ hubUrl: `${url}/`, token: 'tok', name: 'pi', tags: ['lab'], configPath, hardware, software });
    expect(EnrollRequestSchema.parse(seen)).toMatchObject({ token: 'tok', name: 'pi', tags: ['lab'] });
    const saved = JSON.parse(await fs.readFile(configPath, 'utf8'));
    expect(saved).toMatchObject({ hubUrl: url, agentId: 'agt-42', mqtt: { password: 'pw' }, tags: ['lab'] });
    expect((await fs.stat(configPath)).mode & 0o777).toBe(0o600);
  });

  it("prints the hub's message on a 4xx and saves nothing", async () => {
    handler = (_b, res) =>
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ statusCode: 401, code: 'invalid-token', message: 'The enrollment token has expired.' }));
    const configPath = path.join(dir, 'agent.json');
    const err = await enroll({ hubUrl: url, token: 'old', name: 'pi', tags: [], configPath, hardware, software }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AgentError);
    expect(err.message).toBe(
      'The hub refused the enrollment (HTTP 401): The enrollment token has expired. Ask the operator for a new enrollment token.',
    );
    await expect(fs.access(configPath)).rejects.toThrow();
  });

  it('explains an unreachable hub', async () => {
    const err = await enroll({
      hubUrl: 'http://127.0.0.1:1',
      token: 't',
      name: 'pi',
      tags: [],
      configPath: path.join(dir, 'a.json'),
      hardware,
      software,
    }).catch((e) => e);
    expect(err.message).toMatch(/Could not reach the hub at http:\/\/127\.0\.0\.1:1/);
  });
});

describe('Backoff', () => {
  it('grows exponentially with jitter, caps, and resets', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, random: () => 0.5 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
    const j = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 0 });
    expect(j.next()).toBe(500);
  });
});
