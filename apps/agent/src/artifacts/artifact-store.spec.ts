import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiPaths, type ModelArtifact } from '@fleetbench/protocol';
import { AgentError } from '../util/errors';
import { HttpArtifactStore } from './artifact-store';

const BYTES = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251));
const SHA = createHash('sha256').update(BYTES).digest('hex');
const AUTH = `Basic ${Buffer.from('agent-1:s3cret').toString('base64')}`;

interface Served {
  server: http.Server;
  url: string;
  requests: Array<{ range?: string; auth?: string }>;
}

async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<Served> {
  const requests: Served['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ range: req.headers.range, auth: req.headers.authorization });
    handler(req, res, requests.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function sendRange(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) {
    const start = Number(m[1]);
    res.writeHead(206, {
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      'content-length': body.length - start,
    });
    res.end(body.subarray(start));
  } else {
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  }
}

const artifact = (sha256 = SHA): ModelArtifact => ({
  modelId: 'm1',
  name: 'test-model',
  sha256,
  sizeBytes: BYTES.length,
  downloadPath: apiPaths.artifact(sha256),
});

describe('HttpArtifactStore', () => {
  let dir: string;
  let served: Served | undefined;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-artifacts-'));
  });
  afterEach(async () => {
    if (served) await new Promise((r) => served!.server.close(r));
    served = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });
  const store = (url: string) =>
    new HttpArtifactStore({
      hubUrl: url,
      agentId: 'agent-1',
      password: 's3cret',
      cacheDir: dir,
      retries: 3,
      backoff: { initialMs: 5, maxMs: 20 },
    });

  it('downloads with Basic auth, verifies and caches by sha256', async () => {
    served = await serve((req, res) => {
      if (req.headers.authorization !== AUTH) return void res.writeHead(401).end();
      sendRange(req, res, BYTES);
    });
    const file = await store(served.url).fetch(artifact(), new AbortController().signal);
    expect(file).toBe(path.join(dir, SHA));
    expect(await fs.readFile(file)).toEqual(BYTES);
    await store(served.url).fetch(artifact(), new AbortController().signal);
    expect(served.requests).toHaveLength(1); // second fetch came from the cache
    expect(served.requests[0].auth).toBe(AUTH);
  });

  it('refuses bytes whose sha256 differs and deletes them', async () => {
    served = await serve((req, res) => sendRange(req, res, BYTES));
    const wrong = 'a'.repeat(64);
    const err = await store(served.url)
      .fetch(artifact(wrong), new AbortController().signal)
      .catch((e) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('checksum-mismatch');
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('resumes an interrupted download with Range', async () => {
    served = await serve((req, res, n) => {
      if (n === 1) {
        // Send the first 80 kB, then cut the connection.
        res.writeHead(200, { 'content-length': BYTES.length });
        res.write(BYTES.subarray(0, 80_000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      sendRange(req, res, BYTES);
    });
    const file = await store(served.url).fetch(artifact(), new AbortController().signal);
    expect(await fs.readFile(file)).toEqual(BYTES);
    expect(served.requests).toHaveLength(2);
    expect(served.requests[1].range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(served.requests[1].range!)![0])).toBeGreaterThan(0);
  });

  it('a cached file that no longer matches is downloaded again', async () => {
    served = await serve((req, res) => sendRange(req, res, BYTES));
    await fs.writeFile(path.join(dir, SHA), 'tampered');
    const file = await store(served.url).fetch(artifact(), new AbortController().signal);
    expect(await fs.readFile(file)).toEqual(BYTES);
  });

  it('does not retry a credentials refusal', async () => {
    served = await serve((_req, res) => void res.writeHead(401).end());
    const err = await store(served.url)
      .fetch(artifact(), new AbortController().signal)
      .catch((e) => e);
    expect(err.code).toBe('download-failed');
    expect(err.message).toMatch(/enroll the agent again/);
    expect(served.requests).toHaveLength(1);
  });
});
