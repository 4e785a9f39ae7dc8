import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchmarkSettingsSchema, type ResultMessage } from '@fleetbench/protocol';
import { ulid } from 'ulid';
import { fakeOutput } from '../test-support/fakes';
import { FileOutboxStore } from './outbox';

/**
 * A child process writes results in a loop through the agent's own writeFileAtomic (compiled on the fly with
 * @swc/core, like jest does) and is killed with SIGKILL mid-stream. Every file the outbox then lists must be a
 * whole, valid result; leftovers of the interrupted write are set aside, never reported.
 */
it('survives kill -9 in the middle of writing results', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-outbox-kill-'));
  const settings = BenchmarkSettingsSchema.parse({});
  const sample: ResultMessage = {
    v: 1,
    msgId: ulid(),
    ts: new Date().toISOString(),
    jobId: 'job-1',
    settings,
    ...fakeOutput({
      modelPath: '/x',
      modelSha256: 'b'.repeat(64),
      settings,
      signal: new AbortController().signal,
      onProgress: () => {},
    }),
  };
  const atomic = path.join(__dirname, '..', 'util', 'atomic-file.ts');
  const script = `
    const swc = require('@swc/core');
    const Module = require('node:module');
    Module._extensions['.ts'] = (m, file) => m._compile(
      swc.transformFileSync(file, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }).code, file);
    const { writeFileAtomic } = require(${JSON.stringify(atomic)});
    const sample = ${JSON.stringify(sample)};
    // Big payloads make the kill land inside a write more often.
    const pad = 'x'.repeat(2_000_000);
    let i = 0;
    (async () => {
      for (;;) {
        const id = String(1e6 + i++).padStart(26, '0');
        await writeFileAtomic(${JSON.stringify(dir)} + '/' + id + '.json', JSON.stringify({ ...sample, msgId: id, jobId: 'job-' + i, pad }));
        if (i === 3) process.stdout.write('ready\\n');
      }
    })();`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  await new Promise((r) => setTimeout(r, 37));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const store = new FileOutboxStore(dir);
  const listed = await store.list();
  expect(listed.length).toBeGreaterThanOrEqual(3);
  // ULID-shaped msgIds are what the schema accepts; the padded ids here fail it only if the JSON was torn.
  for (const r of listed) expect(r.jobId).toMatch(/^job-\d+$/);
  const left = await fs.readdir(dir);
  expect(left.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  await fs.rm(dir, { recursive: true, force: true });
}, 30_000);
