/**
 * Medium test (real PostgreSQL, embedded broker): with FLEETBENCH_TLS_CERT/KEY the hub serves HTTPS and its broker
 * MQTT over TLS, with certificates this test makes itself (openssl: a CA, and a server certificate for 127.0.0.1
 * signed by it). Clients that trust the CA get through; clients that do not are refused at the handshake. An agent
 * (a Node process: fetch and mqtt.js) trusts a custom CA through NODE_EXTRA_CA_CERTS, shown with a child process.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { apiPaths, type EnrollResponse, type EnrollmentTokenResponse } from '@fleetbench/protocol';
import mqtt from 'mqtt';
import { hardware, software } from './test-support/fixtures';
import { mediumHub, type MediumHub } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-tls-0123456789';
let dir = '';
let ca: Buffer;
let medium: MediumHub;

/** A CA and a server certificate for 127.0.0.1 / localhost (EC P-256, valid one day). */
async function makeCertificates(into: string): Promise<void> {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: into, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=fleetbench test CA');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  await fs.writeFile(path.join(into, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  );
}

/** HTTPS JSON request that trusts `trust` (or only the system CAs). */
function request<T>(
  method: string,
  url: string,
  opts: { trust?: Buffer; body?: unknown; token?: string } = {},
): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ...(opts.trust ? { ca: opts.trust } : {}),
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T }));
      },
    );
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-tls-'));
  await makeCertificates(dir);
  ca = readFileSync(path.join(dir, 'ca.pem'));
  medium = mediumHub(ADMIN, {
    env: {
      FLEETBENCH_TLS_CERT: path.join(dir, 'server.pem'),
      FLEETBENCH_TLS_KEY: path.join(dir, 'server.key'),
      FLEETBENCH_HUB_HOST: '127.0.0.1',
    },
  });
  await medium.start();
});

afterAll(async () => {
  await medium?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

it('serves HTTPS and MQTT over TLS to clients that trust its CA, and refuses the handshake to others', async () => {
  expect(medium.hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const health = await request<{ status: string }>('GET', medium.hub.url + apiPaths.health, { trust: ca });
  expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
  await expect(request('GET', medium.hub.url + apiPaths.health)).rejects.toThrow(/self[- ]signed|unable to verify/i);

  const tok = await request<EnrollmentTokenResponse>('POST', medium.hub.url + apiPaths.enrollmentTokens, {
    trust: ca,
    token: ADMIN,
    body: { maxUses: 1 },
  });
  const enrolled = await request<EnrollResponse>('POST', medium.hub.url + apiPaths.enroll, {
    trust: ca,
    body: { token: tok.body.token, name: 'tls-agent', hardware: hardware(), software },
  });
  expect(enrolled.status).toBe(201);
  const e = enrolled.body;
  expect(e.mqtt.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);

  const creds = { clientId: e.agentId, username: e.agentId, password: e.mqtt.password, reconnectPeriod: 0 };
  const trusted = await mqtt.connectAsync(e.mqtt.url, { ...creds, ca });
  expect(trusted.connected).toBe(true);
  await trusted.endAsync();
  await expect(mqtt.connectAsync(e.mqtt.url, creds)).rejects.toThrow(/self[- ]signed|unable to verify/i);

  // The agent is a Node process: NODE_EXTRA_CA_CERTS makes its fetch (enrollment, downloads) and mqtt.js trust the CA.
  // Asynchronous: the hub runs in this process, so a blocking spawnSync would leave the child nobody to talk to.
  const agentLike = (env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          '-e',
          `const mqtt = require('mqtt');
         fetch(process.argv[1]).then(async (r) => {
           const c = await mqtt.connectAsync(process.argv[2], JSON.parse(process.argv[3]));
           await c.endAsync();
           console.log('ok', r.status);
         }).catch((e) => { console.log('refused', e.cause?.code ?? e.code ?? e.message); process.exit(1); });`,
          medium.hub.url + apiPaths.health,
          e.mqtt.url,
          JSON.stringify(creds),
        ],
        { env: { ...process.env, ...env }, encoding: 'utf8', cwd: __dirname, timeout: 20_000 },
        (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
  const withCa = await agentLike({ NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') });
  expect(withCa.stdout.trim()).toBe('ok 200');
  const withoutCa = await agentLike({ NODE_EXTRA_CA_CERTS: '' });
  expect(withoutCa.code).toBe(1);
  expect(withoutCa.stdout).toMatch(/refused/);
});
